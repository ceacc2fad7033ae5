package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/uploader/practice"
	"github.com/expeditor-be/expeditor/workflow"
)

// practiceProfile is the profile name of the built-in practice point; it
// cannot clash with a saved profile (whose names are letters, digits and
// "-_.").
const practiceProfile = "(practice)"

// prefProfile remembers the chosen profile.
const prefProfile = "profile"

// sendView is what the send step shows of the current declaration, kept
// across a change of language: one row per file with its progress and,
// once the send ended, how it ended; the message.
type sendView struct {
	set     string // the set the rows and the message are about
	rows    []*sendRow
	message text
	outcome widget.Importance // of the message: success, warning, danger
	cancel  func()            // while a send runs
}

// sendRow is one file of a send.
type sendRow struct {
	name     string
	fraction float64
	status   rowStatus
}

// rowStatus is how a file's send ended.
type rowStatus int

const (
	rowSending   rowStatus = iota // under way: the bar shows
	rowSent                       // the set was sent
	rowCancelled                  // Cancel came before this file was complete
	rowNotSent                    // the send stopped before this file was complete
	rowStopped                    // complete on the server, but no GO: not processed
	rowUncertain                  // the GO may have arrived: see the replies
	rowOnServer                   // verified on the server, the GO may have arrived
)

// sendStep is step 4: choose where to send, test the connection, upload
// with a progress bar per file, and say what is on the server.
type sendStep struct {
	u       *UI
	content fyne.CanvasObject

	profileSelect *widget.Select
	addButton     *widget.Button
	editButton    *widget.Button
	removeButton  *widget.Button
	profileInfo   *widget.Label
	testButton    *widget.Button
	sendButton    *widget.Button
	againButton   *widget.Button
	cancelButton  *widget.Button
	summary       *widget.Label
	message       *widget.Label
	filesBox      *fyne.Container
	bars          map[string]*widget.ProgressBar
	nextButton    *widget.Button

	// options maps the drop-down's text to profile names.
	options map[string]string
	// sentBefore is the ledger's record of the set already sent to the
	// chosen account (Send is disabled; "Send again" is the way); nil
	// when the set may be sent.
	sentBefore *workflow.Record
	// checking counts the checks under way, so that only the last one
	// updates the step.
	checking int
	// onProgress is called on each progress report (tests cancel from it).
	onProgress func(file string, done, total int64)
	// againDialog is the last "Send again" question shown (for tests).
	againDialog *dialog.CustomDialog
}

func newSendStep(u *UI) *sendStep {
	s := &sendStep{u: u, bars: map[string]*widget.ProgressBar{}}
	s.profileSelect = widget.NewSelect(nil, func(choice string) {
		if name, ok := s.options[choice]; ok {
			u.state.profile = name
			u.app.Preferences().SetString(prefProfile, name)
			s.showProfile()
			u.refreshStatus()
		}
	})
	s.addButton = widget.NewButtonWithIcon(lang.L("send.profile.add"), theme.ContentAddIcon(), func() { u.editProfile(nil) })
	s.editButton = widget.NewButtonWithIcon(lang.L("send.profile.edit"), theme.DocumentCreateIcon(), func() {
		if p, err := uploader.FindProfile(u.state.profile); err == nil {
			u.editProfile(&p)
		}
	})
	s.removeButton = widget.NewButtonWithIcon(lang.L("send.profile.remove"), theme.DeleteIcon(), u.removeProfile)
	s.profileInfo = widget.NewLabel("")
	s.profileInfo.Wrapping = fyne.TextWrapWord
	s.testButton = widget.NewButtonWithIcon(lang.L("send.test"), theme.ViewRefreshIcon(), s.testConnection)
	s.sendButton = widget.NewButtonWithIcon(lang.L("send.button"), theme.MailSendIcon(), s.sendSet)
	s.sendButton.Importance = widget.HighImportance
	s.againButton = widget.NewButtonWithIcon(lang.L("send.again"), theme.MailSendIcon(), s.confirmAgain)
	s.againButton.Hide()
	s.cancelButton = widget.NewButtonWithIcon(lang.L("cancel"), theme.CancelIcon(), func() {
		if c := u.views.send.cancel; c != nil {
			c()
		}
	})
	s.cancelButton.Hide()
	s.summary = widget.NewLabel("")
	s.summary.Wrapping = fyne.TextWrapWord
	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.filesBox = container.NewVBox()
	s.nextButton = widget.NewButtonWithIcon(lang.L("send.next"), theme.NavigateNextIcon(), func() { u.goTo(stepReplies) })
	s.nextButton.Importance = widget.HighImportance
	s.nextButton.Disable()

	s.content = page(container.NewVBox(
		heading(lang.L("step.send")),
		widget.NewForm(widget.NewFormItem(lang.L("send.profile"), s.profileSelect)),
		container.NewHBox(s.addButton, s.editButton, s.removeButton, s.testButton),
		s.profileInfo,
		widget.NewSeparator(),
		s.summary,
		s.filesBox,
		s.message,
	), s.sendButton, s.againButton, s.cancelButton, s.nextButton)
	if u.state.profile == "" {
		u.state.profile = u.app.Preferences().StringWithFallback(prefProfile, practiceProfile)
	}
	s.loadProfiles()
	s.render()
	if set := u.state.set; set != nil && u.state.sent == set.Key() {
		s.nextButton.Enable()
	}
	return s
}

// view is the step's part of the flow's state.
func (s *sendStep) view() *sendView { return &s.u.views.send }

// render shows the view: a row per file, the message.
func (s *sendStep) render() {
	v := s.view()
	s.filesBox.Objects = nil
	s.bars = map[string]*widget.ProgressBar{}
	for _, r := range v.rows {
		s.filesBox.Add(s.rowObject(r))
	}
	s.filesBox.Refresh()
	s.message.Importance = v.outcome
	s.message.SetText(v.message.show())
	if v.cancel != nil {
		s.cancelButton.Show()
		s.sendButton.Disable()
		s.againButton.Hide()
		s.testButton.Disable()
	} else {
		s.cancelButton.Hide()
	}
	// At once, not at the next frame: the rows must not be drawn over
	// the message and the buttons.
	relayout(s.content)
}

// rowObject is a file's row: its name and its bar while it is sent, then
// how it ended, with an icon and a colour a finished send does not have.
func (s *sendStep) rowObject(r *sendRow) fyne.CanvasObject {
	bar := widget.NewProgressBar()
	bar.SetValue(r.fraction)
	s.bars[r.name] = bar
	name := widget.NewLabel(r.name)
	if r.status == rowSending {
		return container.NewBorder(nil, nil, name, nil, bar)
	}
	icon, imp, word := theme.ConfirmIcon(), widget.SuccessImportance, lang.L("send.row.sent")
	switch r.status {
	case rowCancelled:
		icon, imp, word = theme.CancelIcon(), widget.WarningImportance, lang.L("send.row.cancelled")
	case rowNotSent:
		icon, imp, word = theme.ErrorIcon(), widget.DangerImportance, lang.L("send.row.notsent")
	case rowStopped:
		icon, imp, word = theme.WarningIcon(), widget.WarningImportance, lang.L("send.row.stopped")
	case rowUncertain:
		icon, imp, word = theme.QuestionIcon(), widget.WarningImportance, lang.L("send.row.uncertain")
	case rowOnServer:
		icon, imp, word = theme.ConfirmIcon(), widget.MediumImportance, lang.L("send.row.onserver")
	}
	status := widget.NewLabel(word)
	status.Importance = imp
	status.Wrapping = fyne.TextWrapWord
	status.TextStyle.Bold = r.status != rowSent
	return container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(icon), name), nil, status)
}

// ended marks every row with how the send ended: from the uploader's
// account of what is on the server when it gives one, else from the
// progress seen.
func (v *sendView) ended(err error) {
	var se *uploader.SendError
	if err != nil && errors.As(err, &se) {
		on := map[string]bool{}
		for _, f := range se.OnServer {
			on[f] = true
		}
		for _, r := range v.rows {
			switch {
			case se.GOUncertain && isGO(r.name):
				r.status = rowUncertain
			case se.GOUncertain && on[r.name]:
				// Only the GO may be uncertain: the files before it
				// were verified on the server.
				r.status = rowOnServer
			case se.GOUncertain:
				r.status = rowUncertain
			case on[r.name]:
				r.status = rowStopped
			case errors.Is(err, context.Canceled):
				r.status = rowCancelled
			default:
				r.status = rowNotSent
			}
		}
		return
	}
	goArrived := false
	for _, r := range v.rows {
		if isGO(r.name) && r.fraction >= 1 {
			goArrived = true
		}
	}
	for _, r := range v.rows {
		switch {
		case err == nil:
			r.status = rowSent
		case goArrived && !isGO(r.name) && r.fraction >= 1:
			r.status = rowOnServer
		case goArrived:
			r.status = rowUncertain
		case r.fraction >= 1:
			r.status = rowStopped
		case errors.Is(err, context.Canceled):
			r.status = rowCancelled
		default:
			r.status = rowNotSent
		}
	}
}

// isGO reports whether a file of a set is its GO (the signal that the
// set is complete).
func isGO(name string) bool { return strings.HasPrefix(name, "GO.") }

// uncertain reports whether a row of the view may have arrived.
func (v *sendView) uncertain() bool {
	for _, r := range v.rows {
		if r.status == rowUncertain {
			return true
		}
	}
	return false
}

// loadProfiles fills the drop-down: the practice point first, then the
// saved profiles.
func (s *sendStep) loadProfiles() {
	s.options = map[string]string{lang.L("send.practice"): practiceProfile}
	opts := []string{lang.L("send.practice")}
	ps, err := uploader.LoadProfiles()
	if err != nil {
		s.u.log.Errorf("loading profiles: %v", err)
		s.message.SetText(explain(err))
	}
	for _, p := range ps {
		label := profileLabel(p) // profile.go
		s.options[label] = p.Name
		opts = append(opts, label)
	}
	s.profileSelect.Options = opts
	selected := opts[0]
	for label, name := range s.options {
		if name == s.u.state.profile {
			selected = label
		}
	}
	s.profileSelect.SetSelected(selected)
}

// showProfile explains the chosen profile.
func (s *sendStep) showProfile() {
	if s.u.state.profile == practiceProfile {
		s.profileInfo.SetText(lang.L("send.practice.help"))
		s.editButton.Disable()
		s.removeButton.Disable()
		return
	}
	s.editButton.Enable()
	s.removeButton.Enable()
	p, err := uploader.FindProfile(s.u.state.profile)
	if err != nil {
		s.profileInfo.SetText(explain(err))
		return
	}
	s.profileInfo.SetText(lang.L("send.profile.info", map[string]any{"User": p.Endpoint.User}))
}

// refresh says what will be sent, and whether the ledger shows the set
// as already sent to the chosen account. The set is checked (its files
// read) in a task, never on the UI goroutine.
func (s *sendStep) refresh() {
	u := s.u
	if u.state.set == nil {
		s.summary.SetText(lang.L("prep.noset"))
		s.sendButton.Disable()
		s.againButton.Hide()
		s.nextButton.Disable()
		if v := s.view(); v.set != "" && v.cancel == nil {
			*v = sendView{}
			s.render()
		}
		relayout(s.content)
		return
	}
	set := *u.state.set
	if v := s.view(); v.set != set.Key() && v.cancel == nil {
		// Another declaration: nothing of the last send stays.
		*v = sendView{set: set.Key()}
		s.render()
	}
	if u.state.sent != set.Key() {
		s.nextButton.Disable()
	}
	signTest := u.signTest()
	profile := u.state.profile
	s.sendButton.Disable()
	s.summary.SetText(lang.L("send.checking"))
	relayout(s.content)
	s.checking++
	mine := s.checking
	var (
		plan *uploader.Plan
		rec  *workflow.Record
	)
	u.tasks.run(func(ctx context.Context) error {
		var err error
		if plan, err = workflow.CheckSet(set, signTest); err != nil {
			return err
		}
		account := accountOf(profile)
		if account == "" {
			return nil
		}
		l, err := workflow.OpenLedger()
		if err != nil {
			return err
		}
		defer l.Close()
		rec, err = l.Sent(account, set)
		return err
	}, func(err error) {
		if s != u.send || mine != s.checking {
			return // a newer check is under way
		}
		defer relayout(s.content) // the summary and the buttons change
		s.sentBefore = rec
		s.againButton.Hide()
		if v := s.view(); rec != nil && rec.State.Accepted() && v.set == set.Key() && v.cancel == nil && v.uncertain() {
			// The send that ended uncertain arrived: the set was
			// accepted since. Its rows and message are not left asking
			// to check the replies.
			for _, r := range v.rows {
				r.status = rowSent
			}
			v.message, v.outcome = nil, widget.MediumImportance
			s.render()
		}
		if err != nil {
			s.summary.SetText(explainIn(err, lang.L("send.notready", map[string]any{"Error": explain(err)})))
			s.sendButton.Disable()
			return
		}
		var names []string
		for _, f := range plan.Files {
			names = append(names, f.Name)
		}
		summary := lang.L("send.summary", map[string]any{"Files": strings.Join(names, ", "), "Folder": plan.Folder})
		if rec != nil {
			// Sent to this account already: the reason on screen (unless
			// the send that just succeeded is the one on record: its
			// success is said below), and only a deliberate "Send again".
			if v := s.view(); v.set != set.Key() || v.outcome != widget.SuccessImportance {
				summary += "\n\n" + alreadySentText(*rec)
			}
			s.sendButton.Disable()
			if s.view().cancel == nil {
				s.againButton.Show()
			}
		} else if s.view().cancel == nil {
			s.sendButton.Enable()
		}
		s.summary.SetText(summary)
		if u.state.sent == set.Key() {
			s.nextButton.Enable()
		} else {
			s.nextButton.Disable()
		}
	})
}

// alreadySentText says that the ledger shows a set as sent to an account,
// in which state since when; for an accepted set, that there is nothing
// to do (no "fetch the replies first").
func alreadySentText(r workflow.Record) string {
	args := map[string]any{"Set": r.Set, "Account": r.Account,
		"State": stateText(r.State), "When": r.When.Local().Format("02/01/2006 15:04")}
	if r.State.Accepted() {
		return lang.L("send.sentbefore.accepted", args)
	}
	return lang.L("send.sentbefore", args)
}

// confirmAgain asks before sending a set the ledger shows as already
// sent. The safe answer is the default: Cancel is the main button (Enter
// and Escape press it). For a set the social security accepted, the
// dialog says there is nothing to do, and the copy goes only once the
// user ticks that they want a second copy anyway.
func (s *sendStep) confirmAgain() {
	if s.sentBefore == nil {
		return
	}
	rec := *s.sentBefore
	var d *dialog.CustomDialog
	cancel := widget.NewButtonWithIcon(lang.L("cancel"), theme.CancelIcon(), func() { d.Hide() })
	cancel.Importance = widget.HighImportance
	confirm := widget.NewButtonWithIcon(lang.L("send.again.anyway"), theme.MailSendIcon(), func() {
		d.Hide()
		s.send(true)
	})
	confirm.Importance = widget.DangerImportance
	var body *widget.Label
	content := container.NewVBox()
	if rec.State.Accepted() {
		body = widget.NewLabel(lang.L("send.again.accepted", map[string]any{"When": rec.When.Local().Format("02/01/2006 15:04")}))
		confirm.Disable()
		sure := widget.NewCheck(lang.L("send.again.sure"), func(on bool) {
			if on {
				confirm.Enable()
			} else {
				confirm.Disable()
			}
		})
		content.Objects = []fyne.CanvasObject{body, sure}
	} else {
		body = widget.NewLabel(alreadySentText(rec) + "\n\n" + lang.L("send.again.question"))
		content.Objects = []fyne.CanvasObject{body}
	}
	body.Wrapping = fyne.TextWrapWord
	d = dialog.NewCustomWithoutButtons(lang.L("send.again.title"), content, s.u.window)
	d.SetButtons([]fyne.CanvasObject{cancel, confirm})
	d.Resize(fyne.NewSize(560, 300))
	s.againDialog = d
	d.Show()
}

// chosenAccount is the ledger's account of the chosen profile: see
// accountOf (it asks the practice point whether it runs: call it from a
// task).
func (u *UI) chosenAccount() string { return accountOf(u.state.profile) }

// accountOf is the ledger's account of a profile (user@host), without
// logging in; empty when the profile cannot be read. It asks the practice
// point whether it runs, and reads the profiles: call it from a task.
func accountOf(name string) string {
	if name == practiceProfile || name == "" {
		host, _, _ := strings.Cut(practice.DefaultListen, ":")
		if url, ok := practiceRunning(); ok {
			if ep, err := uploader.ParseEndpoint(url); err == nil {
				host = ep.Host
			}
		}
		return workflow.AccountOf(practice.DefaultUser, host)
	}
	p, err := uploader.FindProfile(name)
	if err != nil {
		return ""
	}
	return workflow.AccountOf(p.Endpoint.User, p.Endpoint.Host)
}

// practiceRunning is the address of the practice point of the
// configuration folder when one runs.
func practiceRunning() (string, bool) {
	root, err := practice.DefaultRoot()
	if err != nil {
		return "", false
	}
	addr, ok := practice.Running(context.Background(), root)
	if !ok {
		return "", false
	}
	return "ftp://" + practice.DefaultUser + "@" + addr, true
}

// connection is an endpoint and what opens it, resolved off the UI
// goroutine (the practice point may need starting).
type connection struct {
	ep   uploader.Endpoint
	auth uploader.Auth
	name string
}

// connect resolves the chosen profile: the practice point (started when
// needed), or a saved profile with its password from the keychain.
func (u *UI) connect(ctx context.Context) (*connection, error) {
	name := u.state.profile
	if name == practiceProfile || name == "" {
		url, _, pw, err := u.practice(ctx)
		if err != nil {
			return nil, err
		}
		ep, err := uploader.ParseEndpoint(url)
		if err != nil {
			return nil, err
		}
		return &connection{ep: ep, auth: uploader.Auth{Password: pw}, name: practiceProfile}, nil
	}
	p, err := uploader.FindProfile(name)
	if err != nil {
		return nil, err
	}
	auth, err := workflow.ResolveAuth(ctx, workflow.Target{Endpoint: p.Endpoint, Profile: name}, dialogPrompter{u})
	if err != nil {
		return nil, err
	}
	return &connection{ep: p.Endpoint, auth: auth, name: name}, nil
}

// dialogPrompter is the workflow's Prompter in the desktop assistant:
// Fyne dialogs, asked from a task.
type dialogPrompter struct{ u *UI }

func (p dialogPrompter) Secret(ctx context.Context, kind workflow.SecretKind, subject string) ([]byte, error) {
	if kind == workflow.SecretPassphrase {
		return p.u.askSecret(ctx, lang.L("ask.passphrase.title"), lang.L("ask.passphrase", map[string]any{"File": subject}), lang.L("ask.secret"))
	}
	user, host, _ := strings.Cut(subject, "@")
	return p.u.askSecret(ctx, lang.L("ask.password.title"), lang.L("ask.password", map[string]any{"User": user, "Host": host}), lang.L("ask.secret"))
}

func (p dialogPrompter) ConfirmHostKey(ctx context.Context, host, keyType, fingerprint string) (bool, error) {
	return p.u.confirmHostKey(ctx)(host, keyType, fingerprint)
}

// practice gives the practice point's address, starting it in this
// process when no practice point is running; it stops with the window.
func (u *UI) practice(ctx context.Context) (url, user string, password []byte, err error) {
	u.practiceMu.Lock()
	defer u.practiceMu.Unlock()
	url, user, password, stop, err := practice.Ensure(ctx)
	if err != nil {
		return "", "", nil, err
	}
	if u.practiceStop != nil {
		// A point is already running here; Ensure found it.
		stop()
	} else {
		u.practiceStop = stop
	}
	return url, user, password, nil
}

// confirmHostKey asks, on first contact with an SFTP server, whether to
// trust its key, named with its type ("ssh-rsa SHA256:…").
func (u *UI) confirmHostKey(ctx context.Context) func(host, keyType, fingerprint string) (bool, error) {
	return func(host, keyType, fingerprint string) (bool, error) {
		fingerprint = keyType + " " + fingerprint
		answer := make(chan bool, 1)
		uiDo(func() {
			l := widget.NewLabel(lang.L("hostkey.question", map[string]any{"Host": host, "Fingerprint": fingerprint}))
			l.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustomConfirm(lang.L("hostkey.title"), lang.L("hostkey.trust"), lang.L("cancel"), l, func(ok bool) { answer <- ok }, u.window)
			d.Resize(fyne.NewSize(560, 280))
			d.Show()
		})
		select {
		case ok := <-answer:
			u.log.Infof("host key of %s (%s): trusted %v", host, fingerprint, ok)
			return ok, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// askSecret asks for a password, passphrase or PIN in a dialog, from a
// task; field labels the entry. Cancel gives context.Canceled.
func (u *UI) askSecret(ctx context.Context, title, text, field string) ([]byte, error) {
	answer := make(chan []byte, 1)
	uiDo(func() {
		entry := widget.NewPasswordEntry()
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		d := dialog.NewForm(title, lang.L("ok"), lang.L("cancel"),
			[]*widget.FormItem{widget.NewFormItem("", l), widget.NewFormItem(field, entry)},
			func(ok bool) {
				if ok {
					answer <- []byte(entry.Text)
				} else {
					answer <- nil
				}
				entry.SetText("")
			}, u.window)
		d.Resize(fyne.NewSize(460, 220))
		d.Show()
		u.window.Canvas().Focus(entry)
	})
	select {
	case pw := <-answer:
		if pw == nil {
			return nil, context.Canceled
		}
		return pw, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// testConnection logs in and lists the upload folder.
func (s *sendStep) testConnection() {
	u := s.u
	env := batch.Production
	if u.state.set != nil {
		env = u.state.set.Base.Env
	}
	s.testButton.Disable()
	s.say(func() string { return lang.L("send.testing") })
	var (
		n    int
		ep   string
		user string
	)
	u.tasks.run(func(ctx context.Context) error {
		c, err := u.connect(ctx)
		if err != nil {
			return err
		}
		ep, user = c.ep.String(), c.ep.User
		t, err := uploader.Dial(ctx, c.ep, c.auth)
		if err != nil {
			return err
		}
		defer t.Close()
		files, err := t.List(ctx, env.UploadFolder())
		n = len(files)
		return err
	}, func(err error) {
		s := u.send // the step as shown now (the language may have changed)
		s.testButton.Enable()
		if err != nil {
			u.log.Errorf("testing connection to %s: %v", ep, err)
			s.say(func() string { return lang.L("send.test.failed", map[string]any{"Error": connectionMessage(err)}) })
			return
		}
		u.log.Infof("connection to %s works", ep)
		s.say(func() string {
			return plural("send.test.ok", n, map[string]any{"User": user, "N": n})
		})
	})
}

// say shows a message (worded when shown) under the rows.
func (s *sendStep) say(t text) {
	v := s.view()
	v.message, v.outcome = t, widget.MediumImportance
	s.message.Importance = v.outcome
	s.message.SetText(t.show())
}

// sendSet uploads the set with a progress bar per file.
func (s *sendStep) sendSet() { s.send(false) }

// send checks the set, then uploads it under the ledger's rules, in a
// task; again is the user's deliberate second send.
func (s *sendStep) send(again bool) {
	u := s.u
	if u.state.set == nil {
		return
	}
	set := *u.state.set
	signTest := u.signTest()
	s.sendButton.Disable()
	s.againButton.Hide()
	s.testButton.Disable()
	s.nextButton.Disable()
	u.log.Infof("sending %s (profile %s, again %v)", set.Key(), u.state.profile, again)

	var mu sync.Mutex
	last := map[string]float64{}
	report := func(file string, done, total int64) {
		if s.onProgress != nil {
			s.onProgress(file, done, total)
		}
		f := 1.0
		if total > 0 {
			f = float64(done) / float64(total)
		}
		mu.Lock()
		if f-last[file] < 0.01 && f < 1 && done > 0 {
			mu.Unlock()
			return
		}
		last[file] = f
		mu.Unlock()
		uiDo(func() {
			for _, r := range u.views.send.rows {
				if r.name == file {
					r.fraction = f
				}
			}
			if bar := u.send.bars[file]; bar != nil {
				bar.SetValue(f)
			}
		})
	}
	var (
		res  *uploader.SendResult
		addr string
		user string
	)
	k := u.tasks.newTask()
	*s.view() = sendView{set: set.Key(), cancel: k.cancel, message: func() string { return lang.L("send.sending") }}
	s.render()
	k.start(func(ctx context.Context) error {
		plan, err := workflow.CheckSet(set, signTest)
		if err != nil {
			return err
		}
		uiDoAndWait(func() {
			v := &u.views.send
			for _, f := range plan.Files {
				v.rows = append(v.rows, &sendRow{name: f.Name})
			}
			u.send.render()
		})
		c, err := u.connect(ctx)
		if err != nil {
			return err
		}
		addr, user = c.ep.String(), c.ep.User
		l, err := workflow.OpenLedger()
		if err != nil {
			return err
		}
		defer l.Close()
		res, err = l.Send(ctx, workflow.SendRequest{Endpoint: c.ep, Auth: c.auth, Set: set, Plan: plan, Again: again,
			Options: uploader.SendOptions{SignTest: signTest, Progress: report}})
		return err
	}, func(err error) {
		s := u.send // the step as shown now (the language may have changed)
		v := s.view()
		v.cancel = nil
		s.testButton.Enable()
		if cur := u.state.set; cur == nil || cur.Key() != set.Key() {
			// Another declaration was opened meanwhile: the ledger has
			// this one's outcome; the step shows only the current one.
			u.log.Infof("send of %s ended (%v) while another declaration is open", set.Key(), err)
			*v = sendView{}
			s.render()
			s.refresh()
			return
		}
		if v.set == set.Key() {
			v.ended(err)
		}
		if err != nil {
			s.failed(set, err)
			s.render()
			s.refresh()
			return
		}
		u.state.sent = set.Key()
		u.log.Infof("sent %s to %s", set.Key(), addr)
		var names []string
		for _, f := range res.Files {
			names = append(names, f.Name)
		}
		files := strings.Join(names, ", ")
		v.outcome = widget.SuccessImportance
		v.message = func() string {
			return lang.L("send.done", map[string]any{"Files": files, "User": user})
		}
		if u.practicing() {
			v.message = func() string {
				return lang.L("send.done", map[string]any{"Files": files, "User": user}) + "\n" + lang.L("send.practice.done")
			}
		}
		s.render()
		s.refresh()
		s.nextButton.Enable()
		u.refreshStatus()
	})
}

// failed says what is on the server after a send that stopped.
func (s *sendStep) failed(set batch.Set, err error) {
	s.u.log.Errorf("sending %s: %v", set.Key(), err)
	var se *uploader.SendError
	var m *workflow.Message
	v := s.view()
	v.outcome = widget.DangerImportance
	switch {
	case errors.As(err, &m):
		v.message = func() string { return messageText(m) }
	case errors.Is(err, uploader.ErrAlreadyOnServer), errors.As(err, &se):
		v.message = func() string { return explain(err) }
	case errors.Is(err, context.Canceled):
		v.outcome = widget.WarningImportance
		v.message = func() string {
			return lang.L("send.cancelled", map[string]any{"OnServer": lang.L("send.failed.nothing"), "Folder": set.Folder()})
		}
	default:
		v.message = func() string {
			return lang.L("send.failed", map[string]any{"Error": connectionMessage(err), "OnServer": lang.L("send.failed.nothing"), "Folder": set.Folder()})
		}
	}
	if errors.Is(err, context.Canceled) {
		v.outcome = widget.WarningImportance
	}
}

// profileSummary describes the chosen profile for the diagnostic report:
// the address, never a password.
func (u *UI) profileSummary() string {
	switch u.state.profile {
	case practiceProfile, "":
		return "Profile: practice point (on this computer)\n"
	}
	p, err := uploader.FindProfile(u.state.profile)
	if err != nil {
		return fmt.Sprintf("Profile: %s (%v)\n", u.state.profile, err)
	}
	saved := "no"
	if _, err := uploader.LookupPassword(p.Name); err == nil {
		saved = "yes"
	}
	return fmt.Sprintf("Profile: %s, %s, password saved in the keychain: %s\n", p.Name, p.Endpoint.String(), saved)
}

// removeProfile deletes the chosen profile after asking.
func (u *UI) removeProfile() {
	name := u.state.profile
	if name == practiceProfile {
		return
	}
	dialog.ShowConfirm(lang.L("send.profile.remove"), lang.L("send.profile.remove.question", map[string]any{"Name": name}), func(ok bool) {
		if !ok {
			return
		}
		if err := uploader.RemoveProfile(name); err != nil {
			u.log.Errorf("removing profile %s: %v", name, err)
			u.send.message.SetText(explain(err))
			u.views.send.message = words(explain(err))
			return
		}
		u.log.Infof("profile %s removed", name)
		u.state.profile = practiceProfile
		u.send.loadProfiles()
	}, u.window)
}
