package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/uploader/practice"
)

// prefWelcomed is set once the first-run offer was answered.
const prefWelcomed = "welcomed"

// demoKeychainEntry names the demo certificate's password in the keychain.
// It is a practice-only password for a certificate the transfer point
// refuses, kept so the demo file can be reused.
const demoKeychainEntry = "practice-demo-certificate"

// sampleDeclaration is a small declaration to practise with. The practice
// point does not read its content.
const sampleDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n" +
	"<DmfAOriginal>\r\n  <Form>\r\n    <Identification>DMFA</Identification>\r\n" +
	"    <Comment>Practice declaration made by Expeditor: it goes nowhere.</Comment>\r\n" +
	"  </Form>\r\n</DmfAOriginal>\r\n"

// firstRun offers, on a fresh machine, to try the whole flow offline with
// the practice point and a demo certificate.
func (u *UI) firstRun() {
	if u.app.Preferences().Bool(prefWelcomed) {
		return
	}
	text := widget.NewLabel(lang.L("welcome.text"))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("welcome.title"), lang.L("welcome.try"), lang.L("welcome.later"), text, func(try bool) {
		u.app.Preferences().SetBool(prefWelcomed, true)
		if try {
			u.tryPractice()
		}
	}, u.window)
	d.Resize(fyne.NewSize(560, 300))
	d.Show()
}

// tryPractice sets everything up for a practice run: the practice point as
// profile, a demo certificate, and a sample declaration in the naming form.
func (u *UI) tryPractice() {
	u.log.Infof("practice run set up")
	u.state.profile = practiceProfile
	u.app.Preferences().SetString(prefProfile, practiceProfile)
	u.send.loadProfiles()
	u.app.Preferences().SetBool(prefWelcomed, true)
	home, err := batch.Home()
	if err != nil {
		u.decl.setMessage(explain(err))
		return
	}
	dir := filepath.Join(home, "practice-declarations")
	sample := filepath.Join(dir, "sample-dmfa.xml")
	if err := os.MkdirAll(dir, 0o700); err == nil {
		if _, err := os.Stat(sample); errors.Is(err, os.ErrNotExist) {
			_ = os.WriteFile(sample, []byte(sampleDeclaration), 0o644)
		}
	}
	u.goTo(stepDeclaration)
	u.decl.open(sample)
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	if u.decl.senderEntry.Text == "" {
		u.decl.senderEntry.SetText("123456")
	}
	u.decl.envRadio.SetSelected(envLabel(batch.Production))
	u.decl.setText(func() string { return lang.L("welcome.sample") })
	u.makeDemoCert()
}

// makeDemoCert makes (or reuses) the practice-only demo certificate and
// opens it in the signature step.
func (u *UI) makeDemoCert() {
	var path, password string
	u.sig.start()
	u.tasks.run(func(ctx context.Context) error {
		var err error
		path, password, err = demoCredential()
		return err
	}, func(err error) {
		u.sig.stop()
		if err != nil {
			u.log.Errorf("making the demo certificate: %v", err)
			u.sig.setMessage(explain(err), true)
			return
		}
		u.log.Infof("demo certificate: %s", path)
		u.sig.kind.SetSelected(u.sig.kind.Options[0])
		u.sig.p12Entry.SetText(path)
		u.sig.passwordEntry.SetText(password)
		u.sig.useFile()
	})
}

// demoCredential returns the demo certificate file and its password,
// making a new one when there is none (or its password was lost).
func demoCredential() (path, password string, err error) {
	home, err := batch.Home()
	if err != nil {
		return "", "", err
	}
	path = filepath.Join(home, "practice-demo.p12")
	if _, err := os.Stat(path); err == nil {
		if pw, err := uploader.LookupPassword(demoKeychainEntry); err == nil {
			return path, string(pw), nil
		}
		// The password is gone (no keychain): make a new demo file. The
		// old one is ours, a practice certificate, so it can go.
		if err := os.Remove(path); err != nil {
			return "", "", err
		}
	}
	password, err = practice.DemoCert(path)
	if err != nil {
		return "", "", err
	}
	_ = uploader.StorePassword(demoKeychainEntry, []byte(password))
	return path, password, nil
}
