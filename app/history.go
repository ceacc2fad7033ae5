package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/workflow"
)

// historyStep is step 6: the ledger, one row per declaration set and
// account with its current state and codes; a row's timeline shows when
// it is selected, and its set can be re-opened.
type historyStep struct {
	u       *UI
	content fyne.CanvasObject

	list         *widget.List
	entries      []workflow.Record
	selected     int
	reopenButton *widget.Button
	message      *widget.Label
	timeline     *widget.Label
	// folder is where the selected set's files are, cut in the middle.
	folder *pathLabel
}

// historyLimit is how many declarations the History shows, newest first.
const historyLimit = 1000

func newHistoryStep(u *UI) *historyStep {
	h := &historyStep{u: u, selected: -1}
	h.list = widget.NewList(
		func() int { return len(h.entries) },
		newHistoryRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			setHistoryRow(o, h.entries[id])
		},
	)
	h.list.OnSelected = func(id widget.ListItemID) {
		h.selected = id
		h.reopenButton.Enable()
		h.folder.SetText(h.entries[id].Dir)
		h.showTimeline(h.entries[id])
	}
	h.reopenButton = widget.NewButtonWithIcon(lang.L("history.reopen"), theme.FolderOpenIcon(), h.reopen)
	h.reopenButton.Disable()
	h.message = widget.NewLabel("")
	h.message.Wrapping = fyne.TextWrapWord
	h.timeline = widget.NewLabel("")
	h.timeline.Wrapping = fyne.TextWrapWord
	h.folder = newPathLabel("")
	top := container.NewVBox(heading(lang.L("step.history")), container.NewHBox(h.reopenButton), h.message)
	// The list above, the selected set's folder and timeline below it.
	below := container.NewBorder(container.NewBorder(nil, nil, widget.NewIcon(theme.FolderIcon()), nil, h.folder), nil, nil, nil,
		container.NewVScroll(h.timeline))
	split := container.NewVSplit(h.list, below)
	split.SetOffset(0.6)
	h.content = container.NewBorder(top, nil, nil, nil, split)
	return h
}

// refresh reads the ledger, newest first, off the UI goroutine.
func (h *historyStep) refresh() {
	var entries []workflow.Record
	h.u.tasks.run(func(ctx context.Context) error {
		l, err := workflow.OpenLedger()
		if err != nil {
			return err
		}
		defer l.Close()
		entries, err = l.List(workflow.Query{Limit: historyLimit})
		return err
	}, func(err error) {
		if err != nil {
			h.u.log.Errorf("reading the ledger: %v", err)
			h.message.SetText(explain(err))
		}
		h.entries = entries
		h.selected = -1
		h.list.UnselectAll()
		h.reopenButton.Disable()
		h.timeline.SetText("")
		h.folder.SetText("")
		if len(entries) == 0 && err == nil {
			h.message.SetText(lang.L("history.empty"))
		} else if err == nil {
			h.message.SetText("")
		}
		h.list.Refresh()
	})
}

// stateText is a ledger state in the user's language.
func stateText(s workflow.State) string {
	return lang.L("state." + string(s))
}

// A history row is the set's icon, its date, name and account (cut with
// an ellipsis when the window is narrow) and its status on the right,
// which keeps its room whatever the width.
func newHistoryRow() fyne.CanvasObject {
	what := widget.NewLabel("history entry placeholder")
	what.Truncation = fyne.TextTruncateEllipsis
	status := widget.NewLabel("status")
	status.TextStyle.Bold = true
	return container.NewBorder(nil, nil, widget.NewIcon(theme.QuestionIcon()), status, what)
}

// setHistoryRow shows a record in a row made by newHistoryRow.
func setHistoryRow(o fyne.CanvasObject, e workflow.Record) {
	row := o.(*fyne.Container)
	// Border keeps the centre first, then the icon (left), then the status (right).
	what, icon, status := row.Objects[0].(*widget.Label), row.Objects[1].(*widget.Icon), row.Objects[2].(*widget.Label)
	what.SetText(historyWhat(e))
	status.SetText(historyStatus(e))
	icon.SetResource(historyIcon(e))
	// A list re-uses a row at the same size: lay it out again for the
	// status's new width.
	row.Refresh()
}

// historyWhat is when, which set, to which account.
func historyWhat(e workflow.Record) string {
	account := e.Account
	if account == "" {
		account = "-"
	}
	when := e.Updated
	if resentAfterAcceptance(e) {
		when = e.When
	}
	return when.Local().Format("02/01/2006 15:04") + "  " + e.Set + "  →  " + account
}

// historyStatus is the set's state and the codes of its last reply.
// An accepted set sent again stays accepted: the row says so, with the
// date of the acceptance, and that a copy went later (its events are in
// the timeline).
func historyStatus(e workflow.Record) string {
	status := stateText(e.State)
	if len(e.Codes) > 0 {
		status += " (" + strings.Join(e.Codes, ", ") + ")"
	}
	if resentAfterAcceptance(e) {
		status = lang.L("history.resent", map[string]any{"State": status})
	}
	return status
}

// resentAfterAcceptance reports whether a copy of an accepted set went
// later: the row then shows the date of the acceptance, not of the copy.
func resentAfterAcceptance(e workflow.Record) bool {
	return e.State.Accepted() && e.Last != "" && !e.Last.Accepted() && e.Last != workflow.StatePrepared
}

func historyIcon(e workflow.Record) fyne.Resource {
	switch {
	case e.State.Accepted():
		return theme.ConfirmIcon()
	case e.State.Refused():
		return theme.ErrorIcon()
	case e.State == workflow.StateSendFailed || e.State == workflow.StateGOUncertain:
		return theme.WarningIcon()
	}
	return theme.HistoryIcon()
}

// showTimeline reads the record's events off the UI goroutine and shows
// them under the list.
func (h *historyStep) showTimeline(r workflow.Record) {
	var events []workflow.Event
	h.u.tasks.run(func(ctx context.Context) error {
		l, err := workflow.OpenLedger()
		if err != nil {
			return err
		}
		defer l.Close()
		events, err = l.Timeline(r.ID)
		return err
	}, func(err error) {
		if err != nil {
			h.timeline.SetText(explain(err))
			return
		}
		h.timeline.SetText(timelineText(events))
	})
}

// timelineText is one line per event.
func timelineText(events []workflow.Event) string {
	var b strings.Builder
	for _, ev := range events {
		b.WriteString(ev.Time.Local().Format("02/01/2006 15:04:05") + "  " + stateText(ev.State))
		if len(ev.Codes) > 0 {
			b.WriteString(" (" + strings.Join(ev.Codes, ", ") + ")")
		}
		if ev.Reply != "" {
			b.WriteString("  " + ev.Reply)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// reopen makes the selected set the current declaration again.
func (h *historyStep) reopen() {
	if h.selected < 0 || h.selected >= len(h.entries) {
		return
	}
	e := h.entries[h.selected]
	dir := e.Dir
	n, err := batch.ParseName(e.Set)
	if dir == "" || err != nil {
		h.message.SetText(lang.L("history.nofolder", map[string]any{"Set": e.Set}))
		return
	}
	set := batch.Set{Dir: dir, Base: n.With(batch.FI).WithPart(0)}
	fi := set.Path(set.FI(1))
	if _, err := os.Stat(fi); err != nil {
		h.message.SetText(lang.L("history.missing", map[string]any{"Name": filepath.Base(fi), "Folder": shortPath(dir)}))
		return
	}
	h.u.goTo(stepDeclaration)
	h.u.decl.open(fi)
}
