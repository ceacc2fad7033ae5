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

	cancel func()
}

func newPrepareStep(u *UI) *prepareStep {
	p := &prepareStep{u: u}
	p.summary = widget.NewLabel("")
	p.summary.Wrapping = fyne.TextWrapWord
	p.prepareButton = widget.NewButtonWithIcon(lang.L("prep.button"), theme.ConfirmIcon(), p.start)
	p.prepareButton.Importance = widget.HighImportance
	p.cancelButton = widget.NewButtonWithIcon(lang.L("cancel"), theme.CancelIcon(), func() {
		if p.cancel != nil {
			p.cancel()
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
	p.content = container.NewVScroll(container.NewVBox(
		heading(lang.L("step.prepare")),
		p.summary,
		container.NewHBox(p.prepareButton, p.cancelButton),
		p.progress,
		p.message,
		p.files,
		container.NewHBox(p.nextButton),
	))
	return p
}

// refresh says what preparing will do with the current set.
func (p *prepareStep) refresh() {
	u := p.u
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
		p.summary.SetText(plural("prep.summary.signed", set.Base.Parts, map[string]any{"Name": set.FI(1).String(), "Parts": set.Base.Parts, "Signer": u.state.credLabel}))
	default:
		p.summary.SetText(lang.L("prep.summary.unsigned", map[string]any{"Name": set.FI(1).String(), "Env": envLabel(set.Base.Env)}))
	}
	p.prepareButton.Enable()
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
				p.message.SetText(lang.L("prep.crlf.refused"))
				return
			}
			u.state.convertCRLF = true
			p.run(fis)
		}, u.window)
		d.Resize(fyne.NewSize(520, 260))
		d.Show()
	})
}

// run signs, verifies and writes the GO off the UI goroutine.
func (p *prepareStep) run(fis []string) {
	u := p.u
	opts := signer.PrepareOptions{
		SignTest:    u.signTest(),
		ConvertCRLF: u.state.convertCRLF,
		Split:       u.state.split,
		Force:       true,
		Progress:    progress(func(f float64) { p.progress.SetValue(f) }),
	}
	cred := u.state.cred
	if !u.signatureNeeded() {
		cred = nil
	}
	p.busy(true)
	p.files.Objects = nil
	p.files.Refresh()
	p.progress.SetValue(0)
	p.progress.Show()
	p.cancelButton.Show()
	u.log.Infof("preparing %s", strings.Join(fis, ", "))
	var (
		res      *signer.Prepared
		verified []string
	)
	k := u.tasks.newTask()
	p.cancel = k.cancel
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
		// Prepare checked every FS against its FI before writing it (it
		// writes nothing otherwise): say who signed, without reading the
		// declaration once more.
		for _, w := range res.Written {
			n, err := batch.ParseName(filepath.Base(w))
			if err != nil || n.Prefix != batch.FS || cred == nil {
				continue
			}
			verified = append(verified, lang.L("prep.verified", map[string]any{"Name": filepath.Base(w), "Signer": cred.Certificate().Subject.CommonName, "Digest": crypto.SHA256.String()}))
		}
		return nil
	}, func(err error) {
		p.cancel = nil
		p.busy(false)
		p.cancelButton.Hide()
		if err != nil {
			p.progress.Hide()
			if errors.Is(err, context.Canceled) {
				p.message.SetText(lang.L("prep.cancelled"))
				return
			}
			p.fail(err)
			return
		}
		p.progress.SetValue(1)
		p.done(res, verified)
	})
}

// done shows the files written and moves the flow on.
func (p *prepareStep) done(res *signer.Prepared, verified []string) {
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
	p.message.SetText(lang.L("prep.done", map[string]any{"Folder": shortPath(u.state.set.Dir)}))
	p.files.Objects = nil
	for _, w := range res.Written {
		p.files.Add(iconLine(theme.DocumentIcon(), widget.MediumImportance, filepath.Base(w)+"  "+fileRole(filepath.Base(w)))) // details.go
	}
	for _, v := range verified {
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapWord
		p.files.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, l))
	}
	for _, n := range res.Notes {
		u.log.Infof("note: %s", n)
		l := widget.NewLabel(noteText(n))
		l.Wrapping = fyne.TextWrapWord
		p.files.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, l))
	}
	p.files.Refresh()
	p.nextButton.Enable()
	u.refreshStatus()
}

func (p *prepareStep) busy(on bool) {
	if on {
		p.prepareButton.Disable()
		p.message.SetText(lang.L("prep.working"))
	} else {
		p.prepareButton.Enable()
		p.message.SetText("")
	}
}

func (p *prepareStep) fail(err error) {
	p.u.log.Errorf("preparing: %v", err)
	p.message.SetText(explainIn(err, lang.L("prep.failed", map[string]any{"Error": explain(err)})))
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
