package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// prefSender remembers the sender number typed in the naming form.
const prefSender = "sender"

// declView is what the declaration step shows, kept across a change of
// language: the message about the last file, and the naming form's
// fields (by code, not by their translated labels).
type declView struct {
	message text
	form    *declForm
}

// declForm are the naming form's fields.
type declForm struct {
	app, sender, date, seq string
	env                    batch.Environment
}

// declarationStep is step 1: choose the declaration file. A conforming FI
// name is explained field by field; any other file gets the naming form.
type declarationStep struct {
	u       *UI
	content fyne.CanvasObject

	openButton *widget.Button
	message    *widget.Label // what happened with the last file, or a problem

	// The explanation of a conforming name.
	details    *widget.Form
	detailsBox *fyne.Container
	sizeLabel  *widget.Label
	splitCheck *widget.Check
	nextButton *widget.Button

	// The naming form, for a file that has no conforming name yet.
	formBox     *fyne.Container
	source      string // the file being named
	sourceLabel *widget.Label
	appSelect   *widget.Select
	senderEntry *widget.Entry
	dateEntry   *widget.Entry
	seqEntry    *widget.Entry
	envRadio    *widget.RadioGroup
	envHelp     *widget.Label
	preview     *widget.Label
	nameButton  *widget.Button
	progress    *widget.ProgressBarInfinite

	// now is the clock (tests set it).
	now func() time.Time
}

func newDeclarationStep(u *UI) *declarationStep {
	d := &declarationStep{u: u, now: time.Now}
	d.openButton = widget.NewButtonWithIcon(lang.L("decl.open"), theme.FolderOpenIcon(), d.browse)
	d.openButton.Importance = widget.HighImportance
	d.message = widget.NewLabel("")
	d.message.Wrapping = fyne.TextWrapWord

	d.details = widget.NewForm()
	d.sizeLabel = widget.NewLabel("")
	d.sizeLabel.Wrapping = fyne.TextWrapWord
	d.splitCheck = widget.NewCheck(lang.L("decl.split"), func(on bool) { u.state.split = on })
	d.splitCheck.Hide()
	d.nextButton = widget.NewButtonWithIcon(lang.L("decl.next"), theme.NavigateNextIcon(), func() { u.goTo(stepSignature) })
	d.nextButton.Importance = widget.HighImportance
	d.nextButton.Hide()
	d.detailsBox = container.NewVBox(widget.NewSeparator(), d.details, d.sizeLabel, d.splitCheck)
	d.detailsBox.Hide()

	// The naming form.
	d.sourceLabel = widget.NewLabel("")
	d.sourceLabel.Wrapping = fyne.TextWrapWord
	var apps []string
	for _, code := range batch.DeclarationApplications {
		apps = append(apps, appOption(code))
	}
	d.appSelect = widget.NewSelect(apps, func(string) { d.updatePreview(true) })
	d.appSelect.PlaceHolder = lang.L("decl.form.app.placeholder")
	d.senderEntry = widget.NewEntry()
	d.senderEntry.SetPlaceHolder("123456")
	d.senderEntry.SetText(u.app.Preferences().String(prefSender))
	d.senderEntry.OnChanged = func(string) { d.updatePreview(true) }
	d.dateEntry = widget.NewEntry()
	d.dateEntry.SetPlaceHolder(lang.L("decl.form.date.placeholder"))
	d.dateEntry.SetText(d.now().Format("02/01/2006"))
	d.dateEntry.OnChanged = func(string) { d.updatePreview(true) }
	d.seqEntry = widget.NewEntry()
	d.seqEntry.OnChanged = func(string) { d.updatePreview(false) }
	d.envHelp = widget.NewLabel("")
	d.envHelp.Wrapping = fyne.TextWrapWord
	d.envRadio = widget.NewRadioGroup([]string{envLabel(batch.Production), envLabel(batch.Test), envLabel(batch.Simulation)}, func(string) {
		d.envHelp.SetText(u.envDescription(d.selectedEnv()))
		d.updatePreview(true)
	})
	d.envRadio.Required = true
	d.envRadio.SetSelected(envLabel(batch.Production))
	d.preview = widget.NewLabel("")
	d.preview.Wrapping = fyne.TextWrapWord
	d.nameButton = widget.NewButtonWithIcon(lang.L("decl.form.copy"), theme.DocumentSaveIcon(), d.copyUnderName)
	d.nameButton.Importance = widget.HighImportance
	d.nameButton.Hide()
	d.progress = widget.NewProgressBarInfinite()
	d.progress.Stop()
	d.progress.Hide()
	form := widget.NewForm(
		widget.NewFormItem(lang.L("decl.form.app"), d.appSelect),
		widget.NewFormItem(lang.L("decl.form.sender"), d.senderEntry),
		widget.NewFormItem(lang.L("decl.form.date"), d.dateEntry),
		widget.NewFormItem(lang.L("decl.form.seq"), d.seqEntry),
		widget.NewFormItem(lang.L("decl.form.env"), container.NewVBox(d.envRadio, d.envHelp)),
	)
	form.Items[1].HintText = lang.L("decl.form.sender.hint")
	form.Items[3].HintText = lang.L("decl.form.seq.hint")
	d.formBox = container.NewVBox(widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("decl.form.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		d.sourceLabel, form, d.preview, d.progress)
	d.formBox.Hide()

	intro := widget.NewLabel(lang.L("decl.intro"))
	intro.Wrapping = fyne.TextWrapWord
	d.content = page(container.NewVBox(
		heading(lang.L("step.declaration")),
		intro,
		container.NewHBox(d.openButton),
		d.message,
		d.detailsBox,
		d.formBox,
	), d.nameButton, d.nextButton)
	// Back after a change of language: the same file, the same fields.
	switch {
	case u.state.naming != "":
		kept := u.views.decl.form
		d.showForm(u.state.naming)
		if kept != nil {
			d.setForm(*kept)
		}
	case u.state.set != nil:
		d.showSet(*u.state.set)
	}
	d.message.SetText(u.views.decl.message.show())
	return d
}

// keepForm remembers the naming form's fields, for a change of language.
func (d *declarationStep) keepForm() {
	if d.u.state.naming == "" {
		return
	}
	d.u.views.decl.form = &declForm{app: d.selectedApp(), sender: d.senderEntry.Text, date: d.dateEntry.Text, seq: d.seqEntry.Text, env: d.selectedEnv()}
}

// setForm fills the naming form with fields kept.
func (d *declarationStep) setForm(f declForm) {
	if f.app != "" {
		d.appSelect.SetSelected(appOption(f.app))
	}
	d.senderEntry.SetText(f.sender)
	d.dateEntry.SetText(f.date)
	d.envRadio.SetSelected(envLabel(f.env))
	d.seqEntry.SetText(f.seq)
}

// browse opens the file dialog.
func (d *declarationStep) browse() {
	d.u.openFile(fileDeclaration, d.open) // filedialog.go
}

// open takes a file chosen, dropped or re-opened from the history.
func (d *declarationStep) open(path string) {
	d.u.log.Infof("declaration opened: %s", path)
	defer relayout(d.content)
	d.detailsBox.Hide()
	d.formBox.Hide()
	d.nextButton.Hide()
	d.nameButton.Hide()
	// Another file: nothing of the last declaration stays on screen, and
	// none of it is the current declaration any more.
	d.u.state.naming = ""
	d.u.views.decl.form = nil
	if cur := d.u.state.set; cur == nil || filepath.Dir(path) != cur.Dir {
		d.u.clearSet()
	} else if set, err := batch.SetOf(path); err != nil || set.Key() != cur.Key() {
		d.u.clearSet()
	}
	// The rule of every declaration file: a regular file, not empty (an
	// empty one is refused only once it is known to need naming).
	checkErr := workflow.CheckDeclaration(path)
	empty := errors.Is(checkErr, batch.ErrEmptyDeclaration)
	if checkErr != nil && !empty {
		d.setText(func() string { return lang.L("decl.err.notfile", map[string]any{"Path": path}) })
		return
	}
	base := filepath.Base(path)
	n, err := batch.ParseName(base)
	switch {
	case err == nil && n.IsReply():
		d.setText(func() string { return lang.L("decl.reply", map[string]any{"Name": base}) })
		return
	case err == nil:
		set, err := batch.SetOf(path)
		if err != nil {
			d.setText(func() string { return explain(err) })
			return
		}
		fi := set.Path(set.FI(1))
		if _, err := os.Stat(fi); err != nil {
			d.setText(func() string { return lang.L("decl.err.fimissing", map[string]any{"Name": set.FI(1).String()}) })
			return
		}
		d.u.selectSet(set)
		d.setText(func() string { return lang.L("decl.named", map[string]any{"Name": set.FI(1).String()}) })
		d.showSet(set)
		return
	}
	// Any other file: the naming form. A name that tries to be an FI name
	// but breaks a rule says which rule.
	msg := func() string { return lang.L("decl.unnamed", map[string]any{"Name": base}) }
	var ne *batch.NameError
	if strings.HasPrefix(base, "FI.") && errors.As(err, &ne) {
		msg = func() string {
			return lang.L("decl.badname", map[string]any{"Name": base, "Reason": explainNameError(ne)})
		}
	}
	if empty {
		d.setText(func() string { return lang.L("decl.err.empty", map[string]any{"Name": base}) })
		return
	}
	d.u.state.naming = path
	d.u.refreshStatus()
	d.setText(msg)
	d.showForm(path)
}

// clearSet forgets the current declaration (another file is being
// opened): the steps' results about it go with it.
func (u *UI) clearSet() {
	if u.state.set == nil && u.state.fi == "" {
		u.refreshStatus()
		return
	}
	u.state.set, u.state.fi, u.state.size, u.state.split = nil, "", 0, false
	u.forgetResults()
	u.refreshStatus()
}

// forgetResults drops what the steps found about the last declaration
// (prepared, sent, answered, and what they show); a send under way keeps
// its Cancel.
func (u *UI) forgetResults() {
	u.state.prepared, u.state.sent, u.state.answered, u.state.convertCRLF = false, "", false, false
	u.views.prep, u.views.send, u.views.replies = prepView{}, sendView{cancel: u.views.send.cancel}, repliesView{}
}

// selectSet makes set the declaration of the flow.
func (u *UI) selectSet(set batch.Set) {
	st, err := set.State(u.signTest())
	var size int64
	if err == nil {
		for _, p := range st.Parts {
			size += p.FISize
		}
	}
	if u.state.set == nil || u.state.set.Key() != set.Key() {
		u.forgetResults()
	}
	u.state.naming = ""
	u.state.set = &set
	u.state.fi = set.Path(set.FI(1))
	u.state.size = size
	u.state.split = size > batch.MaxPartSize && set.Base.Parts == 1
	u.refreshStatus()
}

// showSet explains a conforming name field by field.
func (d *declarationStep) showSet(set batch.Set) {
	n := set.FI(1)
	d.details.Items = nil
	add := func(label, value string) {
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapWord
		d.details.Append(label, v)
	}
	add(lang.L("decl.field.kind"), lang.L("decl.field.kind.fi"))
	add(lang.L("decl.field.app"), appOption(n.App))
	add(lang.L("decl.field.sender"), lang.L("decl.field.sender.value", map[string]any{"Sender": n.Sender}))
	date := n.Time().Format("02/01/2006")
	if err := n.CheckDate(d.now()); err != nil {
		var ne *batch.NameError
		if errors.As(err, &ne) {
			date += "  ⚠ " + explainNameError(ne)
		}
	}
	add(lang.L("decl.field.date"), date)
	add(lang.L("decl.field.seq"), lang.L("decl.field.seq.value", map[string]any{"Seq": n.Seq}))
	add(lang.L("decl.field.env"), envLabel(n.Env)+" — "+d.u.envDescription(n.Env))
	add(lang.L("decl.field.parts"), lang.L("decl.field.parts.value", map[string]any{"Parts": n.Parts}))
	d.details.Refresh()

	size := d.u.state.size
	d.sizeLabel.SetText(plural("decl.size", n.Parts, map[string]any{"Size": humanSize(size), "Parts": n.Parts}))
	if size > batch.MaxPartSize && n.Parts == 1 {
		d.splitCheck.SetChecked(d.u.state.split)
		d.splitCheck.Show()
		d.sizeLabel.SetText(d.sizeLabel.Text + "\n" + lang.L("decl.toolarge"))
	} else {
		d.splitCheck.Hide()
	}
	d.formBox.Hide()
	d.nameButton.Hide()
	d.detailsBox.Show()
	d.nextButton.Show()
	relayout(d.content)
}

// showForm opens the naming form for a file without a conforming name.
func (d *declarationStep) showForm(path string) {
	d.source = path
	info, _ := os.Stat(path)
	size := int64(0)
	if info != nil {
		size = info.Size()
	}
	d.sourceLabel.SetText(lang.L("decl.form.source", map[string]any{"Name": filepath.Base(path), "Size": humanSize(size)}))
	if size > batch.MaxPartSize {
		d.sourceLabel.SetText(d.sourceLabel.Text + "\n" + lang.L("decl.toolarge"))
	}
	d.detailsBox.Hide()
	d.nextButton.Hide()
	d.formBox.Show()
	d.nameButton.Show()
	d.updatePreview(true)
	relayout(d.content)
}

// setMessage shows a message already worded (it stays as it is when the
// language changes); setText one worded when shown.
func (d *declarationStep) setMessage(s string) { d.setText(words(s)) }

func (d *declarationStep) setText(t text) {
	d.u.views.decl.message = t
	d.message.SetText(t.show())
	relayout(d.content)
}

// selectedApp is the application code chosen in the form.
func (d *declarationStep) selectedApp() string {
	code, _, _ := strings.Cut(d.appSelect.Selected, " ")
	return code
}

// selectedEnv is the environment chosen in the form.
func (d *declarationStep) selectedEnv() batch.Environment {
	for _, e := range batch.Environments {
		if envLabel(e) == d.envRadio.Selected {
			return e
		}
	}
	return batch.Production
}

// formName checks the form and returns the FI name it gives with seq; the
// error is in the user's words.
func (d *declarationStep) formName(seq int) (batch.Name, error) {
	app := d.selectedApp()
	if app == "" {
		return batch.Name{}, errors.New(lang.L("decl.form.err.app"))
	}
	day, ok := parseDay(d.dateEntry.Text)
	if !ok {
		return batch.Name{}, errors.New(lang.L("decl.form.err.date"))
	}
	n, err := workflow.CheckName(workflow.NameFields{App: app, Sender: strings.TrimSpace(d.senderEntry.Text), Env: d.selectedEnv(), Day: day, Seq: fmt.Sprintf("%05d", seq)}, d.now())
	var ne *batch.NameError
	if errors.As(err, &ne) {
		return n, errors.New(explainNameError(ne))
	}
	return n, err
}

// updatePreview shows the name the form gives. When the fields that choose
// the sequence number change (fillSeq), the next free number is put in.
func (d *declarationStep) updatePreview(fillSeq bool) {
	if d.preview == nil || d.nameButton == nil {
		return // still building the form
	}
	defer d.keepForm()
	if fillSeq {
		if n, err := d.formName(1); err == nil {
			if seq, err := nextFreeSeq(filepath.Dir(d.source), n); err == nil {
				d.seqEntry.OnChanged = nil
				d.seqEntry.SetText(fmt.Sprintf("%05d", seq))
				d.seqEntry.OnChanged = func(string) { d.updatePreview(false) }
			}
		}
	}
	n, err := d.formName(1)
	if err == nil {
		seq, serr := parseSeq(d.seqEntry.Text)
		if serr != nil {
			err = serr
		} else {
			n, err = d.formName(seq)
		}
	}
	if err != nil {
		d.preview.SetText("⚠ " + err.Error())
		d.nameButton.Disable()
		return
	}
	d.preview.SetText(lang.L("decl.form.preview", map[string]any{"Name": n.String()}))
	d.nameButton.Enable()
}

// copyUnderName copies the file under the form's name, next to it. The
// journal reserves the sequence number, so it is never handed out twice.
func (d *declarationStep) copyUnderName() {
	seq, err := parseSeq(d.seqEntry.Text)
	if err != nil {
		d.preview.SetText("⚠ " + err.Error())
		return
	}
	n, err := d.formName(seq)
	if err != nil {
		d.preview.SetText("⚠ " + err.Error())
		return
	}
	src := d.source
	dir := filepath.Dir(src)
	d.u.app.Preferences().SetString(prefSender, n.Sender)
	d.nameButton.Disable()
	d.progress.Show()
	d.progress.Start()
	var dst string
	d.u.tasks.run(func(ctx context.Context) error {
		var err error
		_, dst, err = workflow.NameDeclaration(ctx, src, dir, n)
		return err
	}, func(err error) {
		d.progress.Stop()
		d.progress.Hide()
		d.nameButton.Enable()
		var ne *batch.NameError
		switch {
		case errors.As(err, &ne) && ne.Code == batch.CodeNameAlreadySent:
			d.u.log.Errorf("sequence number %s already used: %v", n.Seq, err)
			d.updatePreview(true)
			d.preview.SetText("⚠ " + lang.L("decl.form.err.taken", map[string]any{"Seq": n.Seq}))
			return
		case errors.Is(err, batch.ErrNameTaken):
			d.preview.SetText("⚠ " + lang.L("decl.form.err.exists", map[string]any{"Name": n.String()}))
			return
		case err != nil:
			d.u.log.Errorf("copying %s: %v", src, err)
			d.preview.SetText("⚠ " + explainIn(err, lang.L("decl.form.err.copy", map[string]any{"Error": explain(err)})))
			return
		}
		d.u.log.Infof("copied %s to %s", src, dst)
		d.open(dst)
		d.setText(func() string {
			return lang.L("decl.form.done", map[string]any{"Name": n.String(), "Folder": shortPath(dir)})
		})
	})
}

// nextFreeSeq is the sequence number the journal would hand out next for
// the name's sender, date and environment, skipping those files in dir use.
func nextFreeSeq(dir string, n batch.Name) (int, error) {
	return workflow.NextFreeSeq(dir, n)
}

// parseDay reads a date typed as DD/MM/YYYY (the Belgian way), D/M/YYYY,
// DD.MM.YYYY, YYYY-MM-DD or YYYYMMDD.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02/01/2006", "2/1/2006", "02.01.2006", "2.1.2006", "02-01-2006", "2006-01-02", batch.DateLayout} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseSeq reads the sequence number typed in the form.
func parseSeq(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 99999 || len(s) > 5 {
		return 0, errors.New(lang.L("decl.form.err.seq"))
	}
	return n, nil
}

// explainNameError says what is wrong with a name in the interface
// language: the glossary's explanation of the refusal code when it has one,
// else the batch package's reason.
func explainNameError(ne *batch.NameError) string {
	if language() != "en" {
		if ex := batch.Explain(ne.Code, language()); ex.Known {
			return strings.TrimSuffix(ex.Text, ".") + " (" + lang.L("code", map[string]any{"Code": ne.Code}) + ")"
		}
	}
	return ne.Reason + " (" + lang.L("code", map[string]any{"Code": ne.Code}) + ")"
}

// appOption is an application code with its meaning, as the drop-down
// shows it: "DMFA — DmfA (quarterly declaration, original)".
func appOption(code string) string {
	return code + " — " + appMeaning(code)
}

// appMeaning is what an application code stands for, in the interface
// language. Codes Expeditor does not know keep batch's plain "unknown".
func appMeaning(code string) string {
	for _, c := range batch.DeclarationApplications {
		if c == code {
			return lang.L("appl." + code)
		}
	}
	return batch.ApplicationMeaning(code)
}

// envLabel names an environment: "Production (R)".
func envLabel(e batch.Environment) string {
	switch e {
	case batch.Production:
		return lang.L("env.R")
	case batch.Test:
		return lang.L("env.T")
	default:
		return lang.L("env.S")
	}
}

// envDescription says what an environment is for; in the practice flow,
// whatever the environment, that nothing leaves the computer.
func (u *UI) envDescription(e batch.Environment) string {
	switch {
	case u.practicing() && e == batch.Production:
		// Never "legal effect" in a practice run.
		return lang.L("env.practice.desc")
	case u.practicing():
		return envDescription(e) + " " + lang.L("env.practice.desc")
	}
	return envDescription(e)
}

// envDescription says what an environment is for.
func envDescription(e batch.Environment) string {
	switch e {
	case batch.Production:
		return lang.L("env.R.desc")
	case batch.Test:
		return lang.L("env.T.desc")
	default:
		return lang.L("env.S.desc")
	}
}

// humanSize formats a size in bytes the way a file manager does.
func humanSize(n int64) string {
	switch {
	case n >= 1000*1000*1000:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return lang.L("bytes", map[string]any{"N": n})
}

// heading is a step's title.
func heading(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}
