package app

import (
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// The profile form asks what a person knows about their account: its
// name, whether they received a password or a key file, and whether it
// is the social security's own transfer point or a test server. The
// protocol, the server and the port follow from that, by the rule the
// command line uses (workflow.ProfileEndpoint); support staff can change
// them under Details.

// profileForm is the dialog that adds or edits a profile.
type profileForm struct {
	u      *UI
	dialog *dialog.CustomDialog

	user     *escEntry
	login    *widget.RadioGroup // a password or a key file
	password *escEntry
	identity *escEntry
	browse   *widget.Button
	where    *widget.RadioGroup // production or a test server
	secret   *widget.FormItem   // the password or the key file
	form     *widget.Form
	warnings *widget.Label
	save     *widget.Button

	// Details: what the answers above decide, for support staff.
	name    *escEntry
	scheme  *widget.Select
	host    *escEntry
	port    *escEntry
	legacy  *widget.Check
	derived *widget.Label
	details *widget.Accordion

	// editing is the profile being edited, if any: its settings the form
	// does not show (an FTPS CA file, EPSV off) are kept.
	editing *uploader.Profile
}

var schemes = []string{"ftp", "ftps", "sftp"}

// editProfile opens the profile form: new when p is nil.
func (u *UI) editProfile(p *uploader.Profile) {
	f := newProfileForm(u, p)
	f.dialog.Show()
	u.window.Canvas().Focus(f.user)
	u.profileDialog = f
}

func newProfileForm(u *UI, p *uploader.Profile) *profileForm {
	f := &profileForm{u: u, editing: p}
	loginPassword, loginKey := lang.L("profile.login.password"), lang.L("profile.login.key")
	production, testServer := lang.L("profile.where.production"), lang.L("profile.where.test")

	// Boxes that pass Escape to the dialog (keys.go) and the mouse wheel
	// to the form (wheel.go), the key file's path excepted.
	f.user, f.password, f.identity = newEscEntry(false), newEscEntry(true), newEscEntry(false)
	f.name, f.host, f.port = newEscEntry(false), newEscEntry(false), newEscEntry(false)
	for _, e := range []*escEntry{f.user, f.password, f.name, f.host, f.port} {
		wheelEntry(&e.Entry)
	}
	f.password.SetPlaceHolder(lang.L("profile.password.placeholder"))
	f.identity.SetPlaceHolder(lang.L("profile.identity.placeholder"))
	f.browse = widget.NewButtonWithIcon(lang.L("profile.identity.browse"), theme.FolderOpenIcon(), func() {
		u.openFile(fileAny, func(path string) { f.identity.SetText(path) })
	})
	f.name.SetPlaceHolder(lang.L("profile.name.placeholder"))
	f.scheme = widget.NewSelect(schemes, nil)
	f.legacy = widget.NewCheck(lang.L("profile.legacy"), nil)
	f.derived = wrapped("")
	f.warnings = wrapped("")
	f.warnings.Importance = widget.WarningImportance

	f.secret = widget.NewFormItem(lang.L("profile.password"), container.NewStack(f.password,
		container.NewBorder(nil, nil, nil, f.browse, f.identity)))
	if p != nil {
		// Only an existing profile has a saved password to keep.
		f.secret.HintText = lang.L("profile.password.hint")
	}
	f.login = widget.NewRadioGroup([]string{loginPassword, loginKey}, nil)
	f.login.Horizontal = true
	f.where = widget.NewRadioGroup([]string{production, testServer}, nil)
	f.where.Required = true
	f.form = widget.NewForm(
		&widget.FormItem{Text: lang.L("profile.account"), Widget: f.user, HintText: lang.L("profile.account.hint")},
		widget.NewFormItem(lang.L("profile.login"), f.login),
		f.secret,
		widget.NewFormItem(lang.L("profile.where"), f.where),
	)
	f.details = details(container.NewVBox(
		widget.NewForm(
			widget.NewFormItem(lang.L("profile.name"), f.name),
			widget.NewFormItem(lang.L("profile.scheme"), f.scheme),
			widget.NewFormItem(lang.L("profile.host"), f.host),
			widget.NewFormItem(lang.L("profile.port"), f.port),
			widget.NewFormItem("", f.legacy),
		),
		f.derived,
	))

	// The answers decide the protocol; a protocol chosen under Details
	// changes the answer.
	f.login.OnChanged = func(choice string) {
		if choice == loginKey {
			f.scheme.SetSelected("sftp")
		} else if f.scheme.Selected == "sftp" || f.scheme.Selected == "" {
			f.scheme.SetSelected("ftp")
		}
		f.showSecret()
	}
	f.scheme.OnChanged = func(sc string) {
		if sc == "sftp" {
			f.login.SetSelected(loginKey)
			f.legacy.Enable()
		} else {
			f.login.SetSelected(loginPassword)
			f.legacy.Disable()
		}
		f.check()
	}
	f.where.OnChanged = func(string) {
		if f.where.Selected == testServer {
			f.details.Open(0)
		}
		f.check()
	}
	for _, e := range []*escEntry{f.user, f.password, f.identity, f.host, f.port} {
		e.OnChanged = func(string) { f.check() }
	}
	for _, e := range []*escEntry{f.user, f.password, f.identity, f.name, f.host, f.port} {
		e.OnSubmitted = func(string) { f.doSave() }
		e.onEscape = func() { f.dialog.Hide() }
	}

	f.where.SetSelected(production)
	f.login.SetSelected(loginPassword)
	if p != nil {
		ep := p.Endpoint
		f.name.SetText(p.Name)
		f.name.Disable()
		f.user.SetText(ep.User)
		f.scheme.SetSelected(ep.Scheme)
		f.identity.SetText(ep.IdentityFile)
		f.legacy.SetChecked(ep.LegacySSHRSA)
		// The transfer point's own server and port stay implicit.
		std, _ := workflow.ProfileEndpoint(uploader.Endpoint{Scheme: ep.Scheme, User: ep.User})
		if ep.Host != std.Host {
			f.where.SetSelected(testServer)
			f.host.SetText(ep.Host)
		}
		if ep.Port != 0 && (ep.Host != std.Host || ep.Port != std.Port) {
			f.port.SetText(strconv.Itoa(ep.Port))
		}
	}

	f.save = widget.NewButtonWithIcon(lang.L("profile.save"), theme.DocumentSaveIcon(), f.doSave)
	f.save.Importance = widget.HighImportance
	title := lang.L("profile.title.new")
	if p != nil {
		title = lang.L("profile.title.edit")
	}
	var d *dialog.CustomDialog
	cancel := widget.NewButton(lang.L("cancel"), func() { d.Hide() })
	// One scroll for the whole form (Details can make it tall).
	body := container.NewVScroll(container.NewVBox(f.form, f.warnings, f.details))
	d = dialog.NewCustomWithoutButtons(title, body, u.window)
	d.SetButtons([]fyne.CanvasObject{cancel, f.save})
	d.Resize(fyne.NewSize(620, 540))
	f.dialog = d
	f.showSecret()
	f.check()
	return f
}

// profileLabel names a profile in the drop-down by its account (the
// address is under the form's Details).
func profileLabel(p uploader.Profile) string {
	if p.Name == p.Endpoint.User || p.Endpoint.User == "" {
		return p.Name
	}
	return p.Name + " — " + p.Endpoint.User
}

// showSecret shows the password or the key file, as the account has.
func (f *profileForm) showSecret() {
	stack := f.secret.Widget.(*fyne.Container)
	if f.scheme.Selected == "sftp" {
		f.secret.Text = lang.L("profile.identity")
		stack.Objects[0].Hide()
		stack.Objects[1].Show()
	} else {
		f.secret.Text = lang.L("profile.password")
		stack.Objects[0].Show()
		stack.Objects[1].Hide()
	}
	if f.form != nil {
		f.form.Refresh()
	}
}

// errNoTestHost: a test server is chosen but not named.
var errNoTestHost = errors.New("no test server named")

// endpoint builds the endpoint the form describes, completed by
// workflow.ProfileEndpoint (the command line's rule).
func (f *profileForm) endpoint() (uploader.Endpoint, error) {
	ep := uploader.Endpoint{
		Scheme: f.scheme.Selected,
		User:   strings.TrimSpace(f.user.Text),
	}
	if f.where.Selected == lang.L("profile.where.test") {
		ep.Host = strings.TrimSpace(f.host.Text)
		if ep.Host == "" {
			return ep, errNoTestHost
		}
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

// formErrorText is why the form cannot save, in the user's words.
func formErrorText(err error) string {
	switch {
	case errors.Is(err, errNoTestHost):
		return lang.L("profile.err.nohost")
	case errors.Is(err, workflow.ErrNoIdentity):
		return lang.L("profile.err.nokey")
	}
	return profileErrorText(err)
}

// check shows what the answers derive (under Details) and the
// registration service's rules as the user types (they do not stop the
// save: a practice or private server may differ).
func (f *profileForm) check() {
	if f.warnings == nil || f.scheme == nil || f.derived == nil {
		return
	}
	ep, err := f.endpoint()
	if ep.Host != "" {
		f.derived.SetText(lang.L("profile.derived", map[string]any{"Protocol": strings.ToUpper(ep.Scheme), "Host": ep.Host, "Port": ep.Port}))
	} else {
		f.derived.SetText("")
	}
	if err != nil {
		if ep.User == "" || errors.Is(err, workflow.ErrNoIdentity) || errors.Is(err, errNoTestHost) {
			f.warnings.SetText("")
			return
		}
		f.warnings.SetText("⚠ " + formErrorText(err))
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

// doSave saves the profile and its password (in the keychain). A new
// profile without a name under Details is named after its account.
func (f *profileForm) doSave() {
	u := f.u
	name := strings.TrimSpace(f.name.Text)
	if name == "" && f.editing == nil {
		name = strings.TrimSpace(f.user.Text)
	}
	if err := uploader.ValidProfileName(name); err != nil {
		f.warnings.SetText("⚠ " + profileErrorText(err))
		return
	}
	ep, err := f.endpoint()
	if err != nil {
		f.warnings.SetText("⚠ " + formErrorText(err))
		return
	}
	if _, err := uploader.SaveProfile(uploader.Profile{Name: name, Endpoint: ep}); err != nil {
		u.log.Errorf("saving profile %s: %v", name, err)
		f.warnings.SetText("⚠ " + lang.L("profile.err.save", map[string]any{"Error": profileErrorText(err)}))
		return
	}
	u.log.Infof("profile %s saved: %s", name, ep.String())
	if f.password.Text != "" && ep.Scheme != "sftp" {
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
