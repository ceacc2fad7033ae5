package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// historyStep is step 6: every set sent, with its reply status; a set can
// be re-opened.
type historyStep struct {
	u       *UI
	content fyne.CanvasObject

	list         *widget.List
	entries      []uploader.HistoryEntry
	selected     int
	reopenButton *widget.Button
	message      *widget.Label
}

func newHistoryStep(u *UI) *historyStep {
	h := &historyStep{u: u, selected: -1}
	h.list = widget.NewList(
		func() int { return len(h.entries) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, widget.NewIcon(theme.QuestionIcon()), nil, widget.NewLabel("history entry placeholder"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			var label *widget.Label
			var icon *widget.Icon
			for _, obj := range row.Objects {
				switch w := obj.(type) {
				case *widget.Label:
					label = w
				case *widget.Icon:
					icon = w
				}
			}
			e := h.entries[id]
			label.SetText(historyLine(e))
			icon.SetResource(historyIcon(e))
		},
	)
	h.list.OnSelected = func(id widget.ListItemID) {
		h.selected = id
		h.reopenButton.Enable()
	}
	h.reopenButton = widget.NewButtonWithIcon(lang.L("history.reopen"), theme.FolderOpenIcon(), h.reopen)
	h.reopenButton.Disable()
	h.message = widget.NewLabel("")
	h.message.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(heading(lang.L("step.history")), container.NewHBox(h.reopenButton), h.message)
	h.content = container.NewBorder(top, nil, nil, nil, h.list)
	return h
}

// refresh reads the send history, newest first.
func (h *historyStep) refresh() {
	entries, err := uploader.LoadHistory()
	if err != nil {
		h.u.log.Errorf("reading the history: %v", err)
		h.message.SetText(explain(err))
	}
	slices.SortFunc(entries, func(a, b uploader.HistoryEntry) int { return b.Time.Compare(a.Time) })
	h.entries = entries
	h.selected = -1
	h.list.UnselectAll()
	h.reopenButton.Disable()
	if len(entries) == 0 && err == nil {
		h.message.SetText(lang.L("history.empty"))
	} else if err == nil {
		h.message.SetText("")
	}
	h.list.Refresh()
}

// historyLine is one set sent, with its reply status.
func historyLine(e uploader.HistoryEntry) string {
	status := lang.L("history.waiting")
	switch {
	case e.Result != uploader.ResultSent:
		status = lang.L("history.failed", map[string]any{"Result": e.Result})
	case e.Reply != nil && e.Reply.Accepted:
		status = lang.L("replies.accepted")
	case e.Reply != nil:
		status = lang.L("replies.refused")
		if len(e.Reply.Codes) > 0 {
			status += " (" + strings.Join(e.Reply.Codes, ", ") + ")"
		}
	}
	return e.Time.Local().Format("02/01/2006 15:04") + "  " + e.Set + "  →  " + e.Endpoint + "  ·  " + status
}

func historyIcon(e uploader.HistoryEntry) fyne.Resource {
	switch {
	case e.Result != uploader.ResultSent:
		return theme.WarningIcon()
	case e.Reply != nil && e.Reply.Accepted:
		return theme.ConfirmIcon()
	case e.Reply != nil:
		return theme.ErrorIcon()
	}
	return theme.HistoryIcon()
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
		h.message.SetText(lang.L("history.missing", map[string]any{"Name": filepath.Base(fi), "Folder": dir}))
		return
	}
	h.u.goTo(stepDeclaration)
	h.u.decl.open(fi)
}
