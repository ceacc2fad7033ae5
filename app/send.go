package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	cancel  func()
	// sentBefore is the ledger's record of the set already sent to the
	// chosen account (Send is disabled; "Send again" is the way); nil
	// when the set may be sent.
	sentBefore *workflow.Record
	// checking counts the checks under way, so that only the last one
	// updates the step.
	checking int
	// onProgress is called on each progress report (tests cancel from it).
	onProgress func(file string, done, total int64)
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
		if s.cancel != nil {
			s.cancel()
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

	s.content = container.NewVScroll(container.NewVBox(
		heading(lang.L("step.send")),
		widget.NewForm(widget.NewFormItem(lang.L("send.profile"), s.profileSelect)),
		container.NewHBox(s.addButton, s.editButton, s.removeButton, s.testButton),
		s.profileInfo,
		widget.NewSeparator(),
		s.summary,
		container.NewHBox(s.sendButton, s.againButton, s.cancelButton),
		s.filesBox,
		s.message,
		container.NewHBox(s.nextButton),
	))
	if u.state.profile == "" {
		u.state.profile = u.app.Preferences().StringWithFallback(prefProfile, practiceProfile)
	}
	s.loadProfiles()
	return s
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
		label := p.Name + " — " + p.Endpoint.String()
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
	s.profileInfo.SetText(lang.L("send.profile.info", map[string]any{"Address": p.Endpoint.String()}))
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
		return
	}
	set := *u.state.set
	signTest := u.signTest()
	profile := u.state.profile
	s.sendButton.Disable()
	s.summary.SetText(lang.L("send.checking"))
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
		if mine != s.checking {
			return // a newer check is under way
		}
		s.sentBefore = rec
		s.againButton.Hide()
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
			// Sent to this account already: the reason on screen, and
			// only a deliberate "Send again".
			summary += "\n\n" + alreadySentText(*rec)
			s.sendButton.Disable()
			if s.cancel == nil {
				s.againButton.Show()
			}
		} else if s.cancel == nil {
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
// in which state since when.
func alreadySentText(r workflow.Record) string {
	return lang.L("send.sentbefore", map[string]any{"Set": r.Set, "Account": r.Account,
		"State": stateText(r.State), "When": r.When.Local().Format("02/01/2006 15:04")})
}

// confirmAgain asks before sending a set the ledger shows as already sent.
func (s *sendStep) confirmAgain() {
	if s.sentBefore == nil {
		return
	}
	l := widget.NewLabel(alreadySentText(*s.sentBefore) + "\n\n" + lang.L("send.again.question"))
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("send.again.title"), lang.L("send.again"), lang.L("cancel"), l, func(ok bool) {
		if ok {
			s.send(true)
		}
	}, s.u.window)
	d.Resize(fyne.NewSize(560, 280))
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
		fyne.Do(func() {
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
	fyne.Do(func() {
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
	s.message.SetText(lang.L("send.testing"))
	var (
		n  int
		ep string
	)
	u.tasks.run(func(ctx context.Context) error {
		c, err := u.connect(ctx)
		if err != nil {
			return err
		}
		ep = c.ep.String()
		t, err := uploader.Dial(ctx, c.ep, c.auth)
		if err != nil {
			return err
		}
		defer t.Close()
		files, err := t.List(ctx, env.UploadFolder())
		n = len(files)
		return err
	}, func(err error) {
		s.testButton.Enable()
		if err != nil {
			u.log.Errorf("testing connection to %s: %v", ep, err)
			s.message.SetText(lang.L("send.test.failed", map[string]any{"Error": connectionMessage(err)}))
			return
		}
		u.log.Infof("connection to %s works", ep)
		s.message.SetText(lang.L("send.test.ok", map[string]any{"Address": ep, "Folder": env.UploadFolder(), "N": n}))
	})
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
	s.filesBox.Objects = nil
	s.bars = map[string]*widget.ProgressBar{}
	s.filesBox.Refresh()
	s.sendButton.Disable()
	s.againButton.Hide()
	s.testButton.Disable()
	s.cancelButton.Show()
	s.nextButton.Disable()
	s.message.SetText(lang.L("send.sending"))
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
		fyne.Do(func() {
			if bar := s.bars[file]; bar != nil {
				bar.SetValue(f)
			}
		})
	}
	var (
		res  *uploader.SendResult
		addr string
	)
	k := u.tasks.newTask()
	s.cancel = k.cancel
	k.start(func(ctx context.Context) error {
		plan, err := workflow.CheckSet(set, signTest)
		if err != nil {
			return err
		}
		fyne.DoAndWait(func() {
			for _, f := range plan.Files {
				bar := widget.NewProgressBar()
				s.bars[f.Name] = bar
				s.filesBox.Add(container.NewBorder(nil, nil, widget.NewLabel(f.Name), nil, bar))
			}
			s.filesBox.Refresh()
		})
		c, err := u.connect(ctx)
		if err != nil {
			return err
		}
		addr = c.ep.String()
		l, err := workflow.OpenLedger()
		if err != nil {
			return err
		}
		defer l.Close()
		res, err = l.Send(ctx, workflow.SendRequest{Endpoint: c.ep, Auth: c.auth, Set: set, Plan: plan, Again: again,
			Options: uploader.SendOptions{SignTest: signTest, Progress: report}})
		return err
	}, func(err error) {
		s.cancel = nil
		s.cancelButton.Hide()
		s.testButton.Enable()
		if err != nil {
			s.failed(set, err)
			s.refresh()
			return
		}
		u.state.sent = set.Key()
		u.log.Infof("sent %s to %s", set.Key(), addr)
		var names []string
		for _, f := range res.Files {
			names = append(names, f.Name)
		}
		s.message.SetText(lang.L("send.done", map[string]any{"Folder": res.Plan.Folder, "Files": strings.Join(names, ", "), "Address": addr}))
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
	switch {
	case errors.As(err, &m):
		s.message.SetText(messageText(m))
	case errors.Is(err, uploader.ErrAlreadyOnServer), errors.As(err, &se):
		s.message.SetText(explain(err))
	case errors.Is(err, context.Canceled):
		s.message.SetText(lang.L("send.cancelled", map[string]any{"OnServer": lang.L("send.failed.nothing"), "Folder": set.Folder()}))
	default:
		s.message.SetText(lang.L("send.failed", map[string]any{"Error": connectionMessage(err), "OnServer": lang.L("send.failed.nothing"), "Folder": set.Folder()}))
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

// editProfile opens the profile form: new when p is nil.
func (u *UI) editProfile(p *uploader.Profile) {
	f := newProfileForm(u, p)
	f.dialog.Show()
	u.profileDialog = f
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
			return
		}
		u.log.Infof("profile %s removed", name)
		u.state.profile = practiceProfile
		u.send.loadProfiles()
	}, u.window)
}

// profileForm is the dialog that adds or edits a profile.
type profileForm struct {
	u        *UI
	dialog   dialog.Dialog
	name     *widget.Entry
	scheme   *widget.Select
	host     *widget.Entry
	port     *widget.Entry
	user     *widget.Entry
	password *widget.Entry
	identity *widget.Entry
	legacy   *widget.Check
	warnings *widget.Label
	save     *widget.Button
	// editing is the profile being edited, if any: its settings the form
	// does not show (an FTPS CA file, EPSV off) are kept.
	editing *uploader.Profile
}

var schemes = []string{"ftp", "ftps", "sftp"}

func newProfileForm(u *UI, p *uploader.Profile) *profileForm {
	f := &profileForm{u: u, editing: p}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder(lang.L("profile.name.placeholder"))
	f.scheme = widget.NewSelect(schemes, nil)
	f.host = widget.NewEntry()
	f.port = widget.NewEntry()
	f.user = widget.NewEntry()
	f.password = widget.NewPasswordEntry()
	f.password.SetPlaceHolder(lang.L("profile.password.placeholder"))
	f.identity = widget.NewEntry()
	f.identity.SetPlaceHolder(lang.L("profile.identity.placeholder"))
	f.legacy = widget.NewCheck(lang.L("profile.legacy"), nil)
	f.warnings = widget.NewLabel("")
	f.warnings.Wrapping = fyne.TextWrapWord
	f.warnings.Importance = widget.WarningImportance
	f.scheme.OnChanged = func(sc string) {
		if sc == "sftp" {
			f.host.SetPlaceHolder(uploader.DefaultSFTPHost)
			f.port.SetPlaceHolder(strconv.Itoa(uploader.DefaultSFTPPort))
			f.identity.Enable()
			f.legacy.Enable()
		} else {
			f.host.SetPlaceHolder(uploader.DefaultFTPHost)
			f.port.SetPlaceHolder(strconv.Itoa(uploader.DefaultFTPPort))
			f.identity.Disable()
			f.legacy.Disable()
		}
		f.check()
	}
	for _, e := range []*widget.Entry{f.user, f.password, f.identity} {
		e.OnChanged = func(string) { f.check() }
	}
	f.scheme.SetSelected("ftp")
	if p != nil {
		f.name.SetText(p.Name)
		f.name.Disable()
		f.scheme.SetSelected(p.Endpoint.Scheme)
		f.host.SetText(p.Endpoint.Host)
		if p.Endpoint.Port != 0 {
			f.port.SetText(strconv.Itoa(p.Endpoint.Port))
		}
		f.user.SetText(p.Endpoint.User)
		f.identity.SetText(p.Endpoint.IdentityFile)
		f.legacy.SetChecked(p.Endpoint.LegacySSHRSA)
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("profile.name"), f.name),
		widget.NewFormItem(lang.L("profile.scheme"), f.scheme),
		widget.NewFormItem(lang.L("profile.host"), f.host),
		widget.NewFormItem(lang.L("profile.port"), f.port),
		widget.NewFormItem(lang.L("profile.user"), f.user),
		widget.NewFormItem(lang.L("profile.password"), f.password),
		widget.NewFormItem(lang.L("profile.identity"), f.identity),
		widget.NewFormItem("", f.legacy),
	)
	form.Items[5].HintText = lang.L("profile.password.hint")
	f.save = widget.NewButtonWithIcon(lang.L("profile.save"), theme.DocumentSaveIcon(), f.doSave)
	f.save.Importance = widget.HighImportance
	title := lang.L("profile.title.new")
	if p != nil {
		title = lang.L("profile.title.edit")
	}
	var d *dialog.CustomDialog
	cancel := widget.NewButton(lang.L("cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(title, container.NewVBox(form, f.warnings), f.u.window)
	d.SetButtons([]fyne.CanvasObject{cancel, f.save})
	d.Resize(fyne.NewSize(600, 520))
	f.dialog = d
	f.check()
	return f
}

// endpoint builds the endpoint the form describes.
func (f *profileForm) endpoint() (uploader.Endpoint, error) {
	ep := uploader.Endpoint{
		Scheme: f.scheme.Selected,
		User:   strings.TrimSpace(f.user.Text),
		Host:   strings.TrimSpace(f.host.Text),
	}
	if t := strings.TrimSpace(f.port.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 65535 {
			return ep, errors.New(lang.L("profile.err.port"))
		}
		ep.Port = n
	}
	if ep.Scheme == "sftp" {
		ep.IdentityFile = strings.TrimSpace(f.identity.Text)
		ep.LegacySSHRSA = f.legacy.Checked
	} else if f.editing != nil && f.editing.Endpoint.Scheme != "sftp" {
		ep.CAFile = f.editing.Endpoint.CAFile
		ep.DisableEPSV = f.editing.Endpoint.DisableEPSV
	}
	return workflow.ProfileEndpoint(ep)
}

// check shows the Chaman rule warnings as the user types (they do not
// stop the save: a practice or private server may differ).
func (f *profileForm) check() {
	if f.warnings == nil {
		return
	}
	ep, err := f.endpoint()
	if err != nil {
		if ep.User == "" {
			f.warnings.SetText("")
			return
		}
		f.warnings.SetText("⚠ " + profileErrorText(err))
		return
	}
	var pw []byte
	if f.password.Text != "" {
		pw = []byte(f.password.Text)
	}
	w := uploader.CheckCredentials(ep, pw)
	clear(pw)
	if len(w) == 0 {
		f.warnings.SetText("")
		return
	}
	lines := make([]string, len(w))
	for i, x := range w {
		lines[i] = chamanText(x)
	}
	f.warnings.SetText(lang.L("profile.warnings") + "\n• " + strings.Join(lines, "\n• "))
}

// doSave saves the profile and its password (in the keychain).
func (f *profileForm) doSave() {
	u := f.u
	name := strings.TrimSpace(f.name.Text)
	if err := uploader.ValidProfileName(name); err != nil {
		f.warnings.SetText("⚠ " + profileErrorText(err))
		return
	}
	ep, err := f.endpoint()
	if err != nil {
		f.warnings.SetText("⚠ " + profileErrorText(err))
		return
	}
	if _, err := uploader.SaveProfile(uploader.Profile{Name: name, Endpoint: ep}); err != nil {
		u.log.Errorf("saving profile %s: %v", name, err)
		f.warnings.SetText("⚠ " + lang.L("profile.err.save", map[string]any{"Error": profileErrorText(err)}))
		return
	}
	u.log.Infof("profile %s saved: %s", name, ep.String())
	if f.password.Text != "" {
		pw := []byte(f.password.Text)
		err := uploader.StorePassword(name, pw)
		clear(pw)
		f.password.SetText("")
		if err != nil {
			u.log.Errorf("saving the password of profile %s in the keychain: %v", name, err)
			dialog.ShowInformation(lang.L("profile.nokeychain.title"), lang.L("profile.nokeychain"), u.window)
		}
	}
	f.dialog.Hide()
	u.state.profile = name
	u.app.Preferences().SetString(prefProfile, name)
	u.send.loadProfiles()
	u.replies.loadProfiles()
}
