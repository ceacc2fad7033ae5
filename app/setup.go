package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// The "Set up your account" assistant walks a newcomer through what is
// registered in Chaman (the social security's registration service)
// before a first upload: an SFTP key, an FTP account that follows the
// rules, the signing certificate, and the profile Expeditor sends with.
// The work is done by uploader and signer, as "expeditor setup" does it.

// prefSetupOffered is set once the assistant was offered at start.
const prefSetupOffered = "setupOffered"

// setup pages, in order.
const (
	setupIntro = iota
	setupKey
	setupAccount
	setupCert
	setupProfile
	setupChaman
	setupPages
)

// setupAssistant holds the assistant's widgets (tests fill and tap them).
type setupAssistant struct {
	u      *UI
	page   int
	pages  []fyne.CanvasObject
	titles []string
	title  *widget.Label
	body   *fyne.Container
	back   *widget.Button
	next   *widget.Button
	dialog dialog.Dialog

	// SFTP key
	keyPath, keyPass, keyPass2 *escEntry
	keyBits                    *widget.Select
	keyButton                  *widget.Button
	keyResult                  *widget.Label
	keyPublic                  *widget.Label
	keyCopy                    *widget.Button
	key                        *uploader.SSHKey

	// FTP account
	user, password *escEntry
	checkButton    *widget.Button
	accountResult  *widget.Label

	// certificate
	certPath     *escEntry
	certPEM      *widget.Check
	exportButton *widget.Button
	certResult   *widget.Label

	// profile
	profileName   *escEntry
	protocol      *widget.RadioGroup
	saveButton    *widget.Button
	profileResult *widget.Label
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// newSetupAssistant builds the assistant's pages.
func (u *UI) newSetupAssistant() *setupAssistant {
	a := &setupAssistant{u: u}
	home, _ := os.UserHomeDir()

	// SFTP key.
	// Text boxes that hand Escape to the dialog (keys.go); the short ones
	// let the mouse wheel through to the page (wheel.go).
	a.keyPath, a.keyPass, a.keyPass2 = newEscEntry(false), newEscEntry(true), newEscEntry(true)
	a.user, a.password, a.certPath, a.profileName = newEscEntry(false), newEscEntry(true), newEscEntry(false), newEscEntry(false)
	for _, e := range []*escEntry{a.keyPath, a.keyPass, a.keyPass2, a.user, a.password, a.certPath, a.profileName} {
		e.onEscape = func() {
			if a.dialog != nil {
				a.dialog.Hide()
			}
		}
	}
	for _, e := range []*escEntry{a.keyPass, a.keyPass2, a.user, a.password, a.profileName} {
		wheelEntry(&e.Entry)
	}
	a.keyPath.SetText(filepath.Join(home, ".ssh", "expeditor_rsa"))
	a.keyBits = widget.NewSelect([]string{"4096", "3072", "2048"}, nil)
	a.keyBits.SetSelected("4096")
	a.keyResult = wrapped("")
	// A selectable label, not a multi-line entry: an entry would be a
	// scroll area inside the page's.
	a.keyPublic = widget.NewLabel("")
	a.keyPublic.Wrapping = fyne.TextWrapBreak
	a.keyPublic.Selectable = true
	a.keyPublic.Hide()
	a.keyCopy = widget.NewButton(lang.L("setup.key.copy"), func() {
		u.app.Clipboard().SetContent(a.keyPublic.Text)
	})
	a.keyCopy.Hide()
	a.keyButton = widget.NewButton(lang.L("setup.key.make"), a.makeKey)
	a.keyButton.Importance = widget.HighImportance
	keyPage := container.NewVBox(
		wrapped(lang.L("setup.key.intro")),
		widget.NewForm(
			widget.NewFormItem(lang.L("setup.key.file"), a.keyPath),
			widget.NewFormItem(lang.L("setup.key.bits"), a.keyBits),
			widget.NewFormItem(lang.L("setup.key.pass"), a.keyPass),
			widget.NewFormItem(lang.L("setup.key.pass2"), a.keyPass2),
		),
		container.NewHBox(a.keyButton),
		a.keyResult,
		a.keyPublic,
		container.NewHBox(a.keyCopy),
	)

	// FTP account.
	a.accountResult = wrapped("")
	a.checkButton = widget.NewButton(lang.L("setup.account.check"), a.checkAccount)
	accountPage := container.NewVBox(
		wrapped(lang.L("setup.account.intro")),
		widget.NewForm(
			widget.NewFormItem(lang.L("setup.account.user"), a.user),
			widget.NewFormItem(lang.L("setup.account.password"), a.password),
		),
		container.NewHBox(a.checkButton),
		a.accountResult,
	)

	// Certificate.
	a.certPath.SetText(filepath.Join(home, "certificate.cer"))
	a.certPEM = widget.NewCheck(lang.L("setup.cert.pem"), nil)
	a.certResult = wrapped("")
	a.exportButton = widget.NewButton(lang.L("setup.cert.export"), a.exportCert)
	certPage := container.NewVBox(
		wrapped(lang.L("setup.cert.intro")),
		widget.NewForm(widget.NewFormItem(lang.L("setup.cert.file"), a.certPath)),
		a.certPEM,
		container.NewHBox(a.exportButton),
		a.certResult,
	)

	// Profile.
	a.profileName.SetText("office")
	a.protocol = widget.NewRadioGroup([]string{"SFTP", "FTP"}, nil)
	a.protocol.Horizontal = true
	a.protocol.SetSelected("SFTP")
	a.profileResult = wrapped("")
	a.saveButton = widget.NewButton(lang.L("setup.profile.save"), a.saveProfile)
	profilePage := container.NewVBox(
		wrapped(lang.L("setup.profile.intro")),
		widget.NewForm(
			widget.NewFormItem(lang.L("setup.profile.name"), a.profileName),
			widget.NewFormItem(lang.L("setup.profile.protocol"), a.protocol),
		),
		container.NewHBox(a.saveButton),
		a.profileResult,
	)

	a.pages = []fyne.CanvasObject{
		wrapped(lang.L("setup.intro")),
		keyPage,
		accountPage,
		certPage,
		profilePage,
		wrapped(lang.L("setup.chaman")),
	}
	a.titles = []string{
		lang.L("setup.title.intro"), lang.L("setup.title.key"), lang.L("setup.title.account"),
		lang.L("setup.title.cert"), lang.L("setup.title.profile"), lang.L("setup.title.chaman"),
	}
	a.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	a.body = container.NewStack()
	a.back = widget.NewButton(lang.L("setup.back"), func() { a.show(a.page - 1) })
	a.next = widget.NewButton(lang.L("setup.next"), func() { a.show(a.page + 1) })
	a.show(setupIntro)
	return a
}

// show goes to page i.
func (a *setupAssistant) show(i int) {
	if i < 0 || i >= setupPages {
		return
	}
	a.page = i
	a.title.SetText(lang.L("setup.page", map[string]any{"N": i + 1, "Total": setupPages, "Name": a.titles[i]}))
	a.body.Objects = []fyne.CanvasObject{container.NewVScroll(a.pages[i])}
	a.body.Refresh()
	if i == 0 {
		a.back.Disable()
	} else {
		a.back.Enable()
	}
	if i == setupPages-1 {
		a.next.Disable()
	} else {
		a.next.Enable()
	}
}

// showSetup opens the assistant in a dialog.
func (u *UI) showSetup() *setupAssistant {
	a := u.newSetupAssistant()
	content := container.NewBorder(a.title, container.NewHBox(a.back, a.next), nil, nil, a.body)
	a.dialog = dialog.NewCustom(lang.L("setup.button"), lang.L("close"), content, u.window)
	a.dialog.Resize(fyne.NewSize(680, 560))
	a.dialog.Show()
	return a
}

// offerSetup proposes the assistant once, at start, when no profile is
// saved yet (the practice point needs none).
func (u *UI) offerSetup() {
	prefs := u.app.Preferences()
	if prefs.Bool(prefSetupOffered) || !prefs.Bool(prefWelcomed) {
		return
	}
	if ps, err := uploader.LoadProfiles(); err != nil || len(ps) > 0 {
		return
	}
	prefs.SetBool(prefSetupOffered, true)
	dialog.ShowCustomConfirm(lang.L("setup.button"), lang.L("setup.offer.yes"), lang.L("welcome.later"),
		wrapped(lang.L("setup.offer")), func(yes bool) {
			if yes {
				u.showSetup()
			}
		}, u.window)
}

// makeKey generates the SFTP key in a task (a 4096-bit key takes seconds).
func (a *setupAssistant) makeKey() {
	u := a.u
	path := strings.TrimSpace(a.keyPath.Text)
	if a.keyPass.Text != a.keyPass2.Text {
		a.keyResult.SetText(lang.L("setup.key.differ"))
		return
	}
	bits, _ := strconv.Atoi(a.keyBits.Selected)
	pass := []byte(a.keyPass.Text)
	a.keyButton.Disable()
	a.keyResult.SetText(lang.L("setup.key.making", map[string]any{"Bits": bits}))
	var k *uploader.SSHKey
	u.tasks.run(func(ctx context.Context) error {
		defer clear(pass)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		var err error
		k, err = uploader.GenerateSSHKey(path, bits, pass, "expeditor")
		return err
	}, func(err error) {
		a.keyButton.Enable()
		switch {
		case errors.Is(err, uploader.ErrShortPassphrase):
			a.keyResult.SetText(lang.L("setup.key.short"))
			return
		case errors.Is(err, fs.ErrExist):
			a.keyResult.SetText(lang.L("setup.key.exists"))
			return
		case err != nil:
			a.keyResult.SetText(explain(err))
			return
		}
		u.log.Infof("SFTP key made: %s (%s)", k.Private, k.Fingerprint)
		a.key = k
		a.keyPass.SetText("")
		a.keyPass2.SetText("")
		a.keyResult.SetText(lang.L("setup.key.done", map[string]any{"File": k.Public, "PEM": k.PublicPEM, "RFC": k.PublicRFC4716, "Fingerprint": k.Fingerprint}))
		a.keyPublic.SetText(strings.TrimSpace(string(k.AuthorizedKey)))
		a.keyPublic.Show()
		a.keyCopy.Show()
		a.protocol.SetSelected("SFTP")
	})
}

// checkAccount checks the user name and password against the Chaman rules.
func (a *setupAssistant) checkAccount() {
	var pw []byte
	if a.password.Text != "" || a.protocol.Selected == "FTP" {
		pw = []byte(a.password.Text)
	}
	broken := uploader.CheckAccount(strings.TrimSpace(a.user.Text), pw)
	if len(broken) == 0 {
		a.accountResult.SetText(lang.L("setup.account.ok"))
		return
	}
	lines := make([]string, len(broken))
	for i, w := range broken {
		lines[i] = "• " + chamanText(w)
	}
	a.accountResult.SetText(lang.L("setup.account.broken") + "\n" + strings.Join(lines, "\n"))
}

// exportCert writes the chosen credential's certificate for Chaman.
func (a *setupAssistant) exportCert() {
	u := a.u
	if u.state.cred == nil {
		a.certResult.SetText(lang.L("setup.cert.none"))
		return
	}
	cert := u.state.cred.Certificate()
	path := strings.TrimSpace(a.certPath.Text)
	err := signer.ExportCertificate(cert, path, a.certPEM.Checked)
	switch {
	case errors.Is(err, fs.ErrExist):
		a.certResult.SetText(lang.L("setup.cert.exists"))
		return
	case err != nil:
		a.certResult.SetText(explain(err))
		return
	}
	u.log.Infof("certificate exported to %s", path)
	var lines []string
	lines = append(lines, lang.L("setup.cert.done", map[string]any{"File": path}))
	switch signer.ChamanFTP(cert) {
	case signer.ChamanEID:
		lines = append(lines, lang.L("setup.cert.eid"))
	case signer.ChamanGlobalSign:
		lines = append(lines, lang.L("setup.cert.globalsign"))
	default:
		lines = append(lines, lang.L("setup.cert.refused"))
	}
	for _, f := range signer.CheckCertificate(cert, now()) {
		if f.Severity != signer.Info {
			lines = append(lines, "• "+findingText(f))
		}
	}
	a.certResult.SetText(strings.Join(lines, "\n"))
}

// saveProfile saves the account as a sending profile.
func (a *setupAssistant) saveProfile() {
	u := a.u
	user := strings.TrimSpace(a.user.Text)
	if user == "" {
		a.profileResult.SetText(lang.L("setup.profile.nouser"))
		return
	}
	ep := uploader.Endpoint{Scheme: "ftp", User: user}
	if a.protocol.Selected == "SFTP" {
		if a.key == nil {
			a.profileResult.SetText(lang.L("setup.profile.nokey"))
			return
		}
		ep = uploader.Endpoint{Scheme: "sftp", User: user, IdentityFile: a.key.Private}
	}
	// The transfer point's server and port, as the command line derives them.
	ep, err := workflow.ProfileEndpoint(ep)
	if err != nil {
		a.profileResult.SetText(profileErrorText(err))
		return
	}
	name := strings.TrimSpace(a.profileName.Text)
	warnings, err := uploader.SaveProfile(uploader.Profile{Name: name, Endpoint: ep})
	if err != nil {
		a.profileResult.SetText(profileErrorText(err))
		return
	}
	lines := []string{lang.L("setup.profile.saved", map[string]any{"Name": name})}
	if ep.Scheme == "ftp" && a.password.Text != "" {
		warnings = uploader.CheckCredentials(ep, []byte(a.password.Text))
		if err := uploader.StorePassword(name, []byte(a.password.Text)); err != nil {
			lines = append(lines, lang.L("setup.profile.nokeychain"))
		}
	}
	for _, w := range warnings {
		lines = append(lines, "• "+chamanText(w))
	}
	u.log.Infof("profile %s saved from the set-up assistant", name)
	u.state.profile = name
	u.app.Preferences().SetString(prefProfile, name)
	u.send.loadProfiles()
	a.profileResult.SetText(strings.Join(lines, "\n"))
}
