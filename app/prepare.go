package app

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/workflow"
)

// prepView is what the prepare step shows of the current declaration,
// kept across a change of language: its message, the files written and
// checked, the progress of a run.
type prepView struct {
	message  text
	lines    []prepLine
	progress float64 // shown when running or done
	shown    bool    // the progress bar is shown
	running  bool
	cancel   func()
}

// prepLine is one line of the result: a file written, a signature
// checked, a note.
type prepLine struct {
	icon fyne.Resource
	text text
}

// prepareStep is step 3: sign every part, verify the signatures and write
// the GO, with a progress bar.
type prepareStep struct {
	u       *UI
	content fyne.CanvasObject

	summary       *widget.Label
	prepareButton *widget.Button
	cancelButton  *widget.Button
	progress      *widget.ProgressBar
	message       *widget.Label
	files         *fyne.Container
	nextButton    *widget.Button
}

func newPrepareStep(u *UI) *prepareStep {
	p := &prepareStep{u: u}
	p.summary = widget.NewLabel("")
	p.summary.Wrapping = fyne.TextWrapWord
	p.prepareButton = widget.NewButtonWithIcon(lang.L("prep.button"), theme.ConfirmIcon(), p.start)
	p.prepareButton.Importance = widget.HighImportance
	p.cancelButton = widget.NewButtonWithIcon(lang.L("cancel"), theme.CancelIcon(), func() {
		if c := u.views.prep.cancel; c != nil {
			c()
		}
	})
	p.cancelButton.Hide()
	p.progress = widget.NewProgressBar()
	p.progress.Hide()
	p.message = widget.NewLabel("")
	p.message.Wrapping = fyne.TextWrapWord
	p.files = container.NewVBox()
	p.nextButton = widget.NewButtonWithIcon(lang.L("prep.next"), theme.NavigateNextIcon(), func() { u.goTo(stepSend) })
	p.nextButton.Importance = widget.HighImportance
	p.nextButton.Disable()
	p.content = page(container.NewVBox(
		heading(lang.L("step.prepare")),
		p.summary,
		container.NewHBox(p.prepareButton, p.cancelButton),
		p.progress,
		p.message,
		p.files,
	), p.nextButton)
	p.render()
	p.refresh()
	return p
}

// view is the step's part of the flow's state.
func (p *prepareStep) view() *prepView { return &p.u.views.prep }

// render shows the view: the message, the lines, the progress.
func (p *prepareStep) render() {
	v := p.view()
	p.message.SetText(v.message.show())
	p.files.Objects = nil
	for _, l := range v.lines {
		t := widget.NewLabel(l.text.show())
		t.Wrapping = fyne.TextWrapWord
		p.files.Add(container.NewBorder(nil, nil, widget.NewIcon(l.icon), nil, t))
	}
	p.files.Refresh()
	p.progress.SetValue(v.progress)
	if v.shown {
		p.progress.Show()
	} else {
		p.progress.Hide()
	}
	if v.running {
		p.prepareButton.Disable()
		p.cancelButton.Show()
	} else {
		p.cancelButton.Hide()
	}
	relayout(p.content)
}

// refresh says what preparing will do with the current set.
func (p *prepareStep) refresh() {
	u := p.u
	p.render() // the current declaration's results only
	p.nextButton.Disable()
	if u.state.set == nil {
		p.summary.SetText(lang.L("prep.noset"))
		p.prepareButton.Disable()
		return
	}
	set := *u.state.set
	switch {
	case u.signatureNeeded() && u.state.cred == nil:
		p.summary.SetText(lang.L("prep.nocred", map[string]any{"Name": set.FI(1).String()}))
		p.prepareButton.Disable()
		return
	case u.signatureNeeded():
		// The set as it is now: after a split, its parts.
		p.summary.SetText(plural("prep.summary.signed", set.Base.Parts, map[string]any{"Name": set.FI(1).String(), "Parts": set.Base.Parts, "Signer": u.state.credLabel}))
	default:
		p.summary.SetText(lang.L("prep.summary.unsigned", map[string]any{"Name": set.FI(1).String(), "Env": envLabel(set.Base.Env)}))
	}
	if !p.view().running {
		p.prepareButton.Enable()
	}
	if u.state.prepared {
		p.nextButton.Enable()
	}
}

// start checks the line endings of the parts to sign, asks before
// converting them, then prepares.
func (p *prepareStep) start() {
	u := p.u
	if u.state.set == nil {
		return
	}
	set := *u.state.set
	st, err := set.State(u.signTest())
	if err != nil {
		p.fail(err)
		return
	}
	var fis []string
	for _, part := range st.Parts {
		if part.FIExists {
			fis = append(fis, part.FI)
		}
	}
	if !u.signatureNeeded() || u.state.convertCRLF {
		p.run(fis)
		return
	}
	p.busy(true)
	var problem string
	u.tasks.run(func(ctx context.Context) error {
		for _, fi := range fis {
			le, err := signer.CheckLineEndings(fi)
			if err != nil {
				return err
			}
			if !le.TextModeSafe {
				problem = lineEndingsText(le)
				u.log.Infof("line endings of %s: %s", fi, le.Problem())
				return nil
			}
		}
		return nil
	}, func(err error) {
		p := u.prep
		p.busy(false)
		if err != nil {
			p.fail(err)
			return
		}
		if problem == "" {
			p.run(fis)
			return
		}
		msg := widget.NewLabel(lang.L("prep.crlf.question", map[string]any{"Problem": problem}))
		msg.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustomConfirm(lang.L("prep.crlf.title"), lang.L("prep.crlf.yes"), lang.L("prep.crlf.no"), msg, func(yes bool) {
			if !yes {
				u.prep.setText(func() string { return lang.L("prep.crlf.refused") })
				return
			}
			u.state.convertCRLF = true
			u.prep.run(fis)
		}, u.window)
		d.Resize(fyne.NewSize(520, 260))
		d.Show()
	})
}

// run signs, verifies and writes the GO off the UI goroutine.
func (p *prepareStep) run(fis []string) {
	u := p.u
	if u.state.set == nil {
		return // another file was opened while the question was asked
	}
	opts := signer.PrepareOptions{
		SignTest:    u.signTest(),
		ConvertCRLF: u.state.convertCRLF,
		Split:       u.state.split,
		MaxPart:     u.maxPart,
		Force:       true,
		Progress: progress(func(f float64) {
			u.views.prep.progress = f
			u.prep.progress.SetValue(f)
		}),
	}
	cred := u.state.cred
	if !u.signatureNeeded() {
		cred = nil
	}
	startKey := u.state.set.Key()
	p.busy(true)
	u.log.Infof("preparing %s", strings.Join(fis, ", "))
	var res *signer.Prepared
	signedBy := ""
	if cred != nil {
		signedBy = cred.Certificate().Subject.CommonName
	}
	k := u.tasks.newTask()
	*p.view() = prepView{message: p.view().message, shown: true, running: true, cancel: k.cancel}
	p.render()
	k.start(func(ctx context.Context) error {
		var err error
		res, err = signer.Prepare(ctx, fis, cred, opts)
		if err != nil {
			return workflow.PrepareError(err, fis)
		}
		// The ledger keeps the digests signed, for Send to check against;
		// the files are written either way.
		if err := workflow.RecordPrepared(res); err != nil {
			u.log.Errorf("recording the prepared set in the ledger: %v", err)
		}
		return nil
	}, func(err error) {
		p := u.prep // the step as shown now (the language may have changed)
		v := p.view()
		v.running, v.cancel = false, nil
		p.busy(false)
		if cur := u.state.set; cur == nil || cur.Key() != startKey {
			// Another declaration was opened meanwhile: the step shows
			// only the current one.
			u.log.Infof("preparing %s ended (%v) while another declaration is open", startKey, err)
			*v = prepView{}
			p.render()
			return
		}
		if err != nil {
			v.shown = false
			if errors.Is(err, context.Canceled) {
				p.setText(func() string { return lang.L("prep.cancelled") })
				p.render()
				return
			}
			p.fail(err)
			p.render()
			return
		}
		v.progress = 1
		p.done(res, signedBy)
	})
}

// done shows the files written and moves the flow on.
func (p *prepareStep) done(res *signer.Prepared, signedBy string) {
	u := p.u
	// Splitting or converting may have changed the set: follow its GO.
	for _, w := range res.Written {
		if n, err := batch.ParseName(filepath.Base(w)); err == nil && n.Prefix == batch.GO {
			if set, err := batch.SetOf(w); err == nil {
				u.selectSet(set)
			}
		}
	}
	u.state.prepared = true
	u.log.Infof("prepared: %s", strings.Join(res.Written, ", "))
	folder := u.state.set.Dir
	v := prepView{progress: 1, shown: true, message: func() string { return lang.L("prep.done", map[string]any{"Folder": shortPath(folder)}) }}
	for _, w := range res.Written {
		name := filepath.Base(w)
		v.lines = append(v.lines, prepLine{theme.DocumentIcon(), func() string { return name + "  " + fileRole(name) }})
	}
	// Prepare checked every FS against its FI before writing it (it
	// writes nothing otherwise): say who signed, without reading the
	// declaration once more.
	for _, w := range res.Written {
		name := filepath.Base(w)
		n, err := batch.ParseName(name)
		if err != nil || n.Prefix != batch.FS || signedBy == "" {
			continue
		}
		v.lines = append(v.lines, prepLine{theme.ConfirmIcon(), func() string {
			return lang.L("prep.verified", map[string]any{"Name": name, "Signer": signedBy, "Digest": crypto.SHA256.String()})
		}})
	}
	for _, n := range res.Notes {
		u.log.Infof("note: %s", n)
		v.lines = append(v.lines, prepLine{theme.InfoIcon(), func() string { return noteText(n) }})
	}
	*p.view() = v
	p.render()
	p.refresh() // the header follows the set (its parts after a split)
	p.nextButton.Enable()
	u.refreshStatus()
}

func (p *prepareStep) busy(on bool) {
	if on {
		p.prepareButton.Disable()
		p.setText(func() string { return lang.L("prep.working") })
	} else {
		p.prepareButton.Enable()
		p.setText(nil)
	}
}

// setText shows a message, worded when shown.
func (p *prepareStep) setText(t text) {
	p.view().message = t
	p.message.SetText(t.show())
}

func (p *prepareStep) fail(err error) {
	p.u.log.Errorf("preparing: %v", err)
	p.setText(func() string { return explainIn(err, lang.L("prep.failed", map[string]any{"Error": explain(err)})) })
}

// fileRole says what a file of a set is.
func fileRole(name string) string {
	n, err := batch.ParseName(name)
	if err != nil {
		return ""
	}
	switch n.Prefix {
	case batch.FI:
		return lang.L("role.fi")
	case batch.FS:
		return lang.L("role.fs")
	case batch.GO:
		return lang.L("role.go")
	}
	return fmt.Sprint(n.Prefix)
}
