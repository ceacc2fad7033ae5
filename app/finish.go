package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/workflow"
)

// The finish: once the replies about the current declaration are in, the
// replies step opens with one outcome the user can read out on the phone:
// accepted or refused (and what to do), the reference number, and the way
// to the next declaration.

// finishOutcome is the ledger's verdict on the current declaration, with
// what its reply adds (the reference number, the codes).
type finishOutcome struct {
	set   string         // the GO name
	app   string         // the application code (DMFA)
	date  time.Time      // the date of the declaration's name
	state workflow.State // accepted or refused, from the ledger
	// reference is the number the transfer point gave the submission.
	reference string
	// problems are the refusal codes or anomalies of the reply.
	problems []batch.ReplyError
	// practice: the practice point answered; nothing left the computer.
	practice bool
}

// outcomeOf is the outcome of set for account: the ledger says whether it
// was accepted or refused, the kept replies give the reference number and
// the codes. Nil while the set has no answer. It reads the ledger: call it
// from a task.
func outcomeOf(l *workflow.Ledger, account string, set batch.Set, kept []keptReply, practice bool) (*finishOutcome, error) {
	rec, err := l.Get(account, set.Base.Env, set.Key())
	if err != nil || rec == nil || !(rec.State.Accepted() || rec.State.Refused()) {
		return nil, err
	}
	fi := set.FI(1)
	o := &finishOutcome{set: set.Key(), app: fi.App, date: fi.Time(), state: rec.State, practice: practice}
	// The reply that gave the set its state (kept replies come newest
	// first); any reply about the set for the reference otherwise.
	var best *batch.Reply
	for _, k := range kept {
		if k.reply.SetKey() != set.Key() {
			continue
		}
		if workflow.ReplyState(k.reply) == rec.State {
			best = k.reply
			break
		}
		if best == nil {
			best = k.reply
		}
	}
	if best != nil {
		o.reference = best.Reference
		if workflow.ReplyState(best) == rec.State {
			o.problems = best.Errors
		}
	}
	if o.reference == "" {
		for _, k := range kept {
			if k.reply.SetKey() == set.Key() && k.reply.Reference != "" {
				o.reference = k.reply.Reference
				break
			}
		}
	}
	return o, nil
}

// declarationName is the short name of a declaration type: "DmfA" for
// DMFA, the code itself when Expeditor does not know it.
func declarationName(app string) string {
	m := appMeaning(app)
	if i := strings.Index(m, " ("); i > 0 {
		return m[:i]
	}
	if m == "" || m == batch.ApplicationMeaning("") {
		return app
	}
	return m
}

// finishPage builds the outcome's widgets in the current language.
func finishPage(o *finishOutcome) fyne.CanvasObject {
	data := map[string]any{"Decl": declarationName(o.app), "Date": o.date.Format("02/01/2006")}
	var title string
	icon, imp := theme.ConfirmIcon(), widget.SuccessImportance
	switch {
	case o.state.Accepted() && o.practice:
		title = lang.L("finish.accepted.practice", data)
	case o.state.Accepted():
		title = lang.L("finish.accepted", data)
	case o.practice:
		title = lang.L("finish.refused.practice", data)
		icon, imp = theme.ErrorIcon(), widget.DangerImportance
	default:
		title = lang.L("finish.refused", data)
		icon, imp = theme.ErrorIcon(), widget.DangerImportance
	}
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Wrapping = fyne.TextWrapWord
	head.Importance = imp
	box := container.NewVBox(container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(icon)), nil, head))
	add := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
		return l
	}
	if o.reference != "" {
		r := add(lang.L("finish.reference", map[string]any{"Ref": o.reference}))
		r.TextStyle.Bold = true
		r.Selectable = true
	}
	switch o.state {
	case workflow.StateAckAccepted:
		add(lang.L("finish.ack"))
	case workflow.StateNotiAnomalies:
		add(lang.L("finish.anomalies"))
	}
	if o.state.Refused() && len(o.problems) > 0 {
		add(lang.L("finish.todo"))
	}
	// Each code in the glossary's words, with the next step; never a
	// guess at a code Expeditor does not know (the glossary says so).
	l := batchLang()
	for _, e := range o.problems {
		ex := e.Explain(l)
		line := "• " + e.ID + ": " + ex.Text
		if ex.Next != "" {
			line += " " + lang.L("replies.next", map[string]any{"Next": ex.Next})
		}
		add(line)
	}
	if o.state.Refused() && len(o.problems) == 0 {
		add(lang.L("finish.refused.nocode"))
	}
	if o.practice {
		add(lang.L("finish.practice"))
	}
	return container.NewVBox(box, widget.NewSeparator())
}
