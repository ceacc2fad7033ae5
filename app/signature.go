package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/workflow"
)

// prefP12 remembers the path of the last .p12/.pfx file used (never its
// password).
const prefP12 = "p12"

// sigView is what the signature step shows, kept across a change of
// language: its last message.
type sigView struct {
	message text
	isError bool
	// The eID card or token chosen as the kind, the keys its last scan
	// found and the one chosen.
	tokenKind bool
	scanned   bool
	tokens    []tokenKey
	chosen    int
}

// signatureStep is step 2: choose the credential that signs, a .p12/.pfx
// file or a key on an eID card or token, and see its check.
type signatureStep struct {
	u       *UI
	content fyne.CanvasObject

	intro *widget.Label
	kind  *widget.RadioGroup

	// A .p12/.pfx file.
	fileBox        *fyne.Container
	p12Entry       *widget.Entry
	browseButton   *widget.Button
	passwordEntry  *widget.Entry
	useFileButton  *widget.Button
	demoButton     *widget.Button
	tokenBox       *fyne.Container
	scanButton     *widget.Button
	keys           *widget.RadioGroup
	pinEntry       *widget.Entry
	pinBox         *fyne.Container
	pinpadNotice   *widget.Label
	useTokenButton *widget.Button

	message    *widget.Label
	busy       *widget.ProgressBarInfinite
	ready      *widget.Label // "Certificate ready ✓", the holder, valid until
	checkTitle *widget.Label
	findings   *fyne.Container
	nextButton *widget.Button

	// found are the keys listed by the last scan, by option text.
	found map[string]tokenKey
	// module is the PKCS#11 module searched: signer.AutoModule (the eID
	// middleware, then the modules registered with p11-kit) unless a test
	// names one.
	module string
	// now is the clock used for the certificate check (tests set it).
	now func() time.Time
}

// tokenKey is one signing key found on a token.
type tokenKey struct {
	slot signer.Slot
	key  signer.KeyInfo
}

func newSignatureStep(u *UI) *signatureStep {
	s := &signatureStep{u: u, now: time.Now, found: map[string]tokenKey{}, module: signer.AutoModule}
	kept := u.views.sig // what the step showed before a change of language
	s.intro = widget.NewLabel("")
	s.intro.Wrapping = fyne.TextWrapWord
	fileKind, tokenKind := lang.L("sig.kind.file"), lang.L("sig.kind.token")
	s.kind = widget.NewRadioGroup([]string{fileKind, tokenKind}, func(k string) {
		u.views.sig.tokenKind = k == tokenKind
		if k == tokenKind {
			s.fileBox.Hide()
			s.tokenBox.Show()
			// Cards and tokens are looked for as soon as the user
			// picks them; the button looks again.
			if !u.views.sig.scanned {
				u.views.sig.scanned = true
				s.scan()
			}
		} else {
			s.tokenBox.Hide()
			s.fileBox.Show()
		}
		relayout(s.content)
	})
	s.kind.Horizontal = true
	s.kind.Required = true

	s.p12Entry = widget.NewEntry()
	s.p12Entry.SetPlaceHolder(lang.L("sig.file.placeholder"))
	s.p12Entry.SetText(u.app.Preferences().String(prefP12))
	s.browseButton = widget.NewButtonWithIcon(lang.L("sig.file.browse"), theme.FolderOpenIcon(), s.browse)
	s.passwordEntry = widget.NewPasswordEntry()
	s.passwordEntry.SetPlaceHolder(lang.L("sig.file.password"))
	s.passwordEntry.OnSubmitted = func(string) { s.useFile() }
	s.useFileButton = widget.NewButtonWithIcon(lang.L("sig.file.use"), theme.ConfirmIcon(), s.useFile)
	s.useFileButton.Importance = widget.HighImportance
	s.demoButton = widget.NewButtonWithIcon(lang.L("sig.demo"), theme.ContentAddIcon(), u.makeDemoCert)
	s.fileBox = container.NewVBox(
		widget.NewForm(
			widget.NewFormItem(lang.L("sig.file.label"), container.NewBorder(nil, nil, nil, s.browseButton, s.p12Entry)),
			widget.NewFormItem(lang.L("sig.file.password"), s.passwordEntry),
		),
		container.NewHBox(s.useFileButton, s.demoButton),
	)

	s.scanButton = widget.NewButtonWithIcon(lang.L("sig.token.scan"), theme.SearchIcon(), s.scan)
	s.keys = widget.NewRadioGroup(nil, func(string) { s.keyChosen() })
	s.pinEntry = widget.NewPasswordEntry()
	s.pinEntry.SetPlaceHolder(lang.L("sig.token.pin"))
	s.pinEntry.OnSubmitted = func(string) { s.useToken() }
	s.pinBox = container.NewVBox(widget.NewForm(widget.NewFormItem(lang.L("sig.token.pin"), s.pinEntry)))
	s.pinBox.Hide()
	s.pinpadNotice = widget.NewLabel(lang.L("sig.token.pinpad"))
	s.pinpadNotice.Wrapping = fyne.TextWrapWord
	s.pinpadNotice.Importance = widget.WarningImportance
	s.pinpadNotice.Hide()
	s.useTokenButton = widget.NewButtonWithIcon(lang.L("sig.token.use"), theme.ConfirmIcon(), s.useToken)
	s.useTokenButton.Importance = widget.HighImportance
	s.useTokenButton.Disable()
	tokenHelp := widget.NewLabel(lang.L("sig.token.help"))
	tokenHelp.Wrapping = fyne.TextWrapWord
	s.tokenBox = container.NewVBox(tokenHelp, container.NewHBox(s.scanButton), s.keys, s.pinBox, s.pinpadNotice, container.NewHBox(s.useTokenButton))
	s.tokenBox.Hide()
	s.kind.SetSelected(fileKind)

	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.busy = widget.NewProgressBarInfinite()
	s.busy.Stop()
	s.busy.Hide()
	s.ready = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.ready.Wrapping = fyne.TextWrapWord
	s.ready.Importance = widget.SuccessImportance
	s.ready.Hide()
	s.checkTitle = widget.NewLabelWithStyle(lang.L("sig.check.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.checkTitle.Hide()
	s.findings = container.NewVBox()
	s.nextButton = widget.NewButtonWithIcon(lang.L("sig.next"), theme.NavigateNextIcon(), func() { u.goTo(stepPrepare) })
	s.nextButton.Importance = widget.HighImportance

	s.content = page(container.NewVBox(
		heading(lang.L("step.signature")),
		s.intro,
		s.kind,
		s.fileBox,
		s.tokenBox,
		s.busy,
		s.message,
		s.ready,
		s.checkTitle,
		s.findings,
	), s.nextButton)
	if u.state.cred != nil {
		s.showCheck(u.state.cred)
	}
	u.views.sig = kept
	if kept.tokenKind {
		// Back after a change of language: the keys found, the one chosen.
		s.kind.SetSelected(tokenKind)
		s.showKeys(kept.tokens, kept.chosen)
	}
	s.showText(kept.message, kept.isError)
	s.showReady()
	s.refresh()
	return s
}

// refresh is called when the step is shown.
func (s *signatureStep) refresh() {
	switch {
	case s.u.state.set != nil && !s.u.signatureNeeded():
		s.intro.SetText(lang.L("sig.intro.unsigned", map[string]any{"Env": envLabel(s.u.state.set.Base.Env)}))
	default:
		s.intro.SetText(lang.L("sig.intro"))
	}
	s.updateNext()
}

// updateNext shows "Continue" only when there is a certificate to sign
// with, or nothing to sign.
func (s *signatureStep) updateNext() {
	if s.u.state.cred != nil || (s.u.state.set != nil && !s.u.signatureNeeded()) {
		s.nextButton.Enable()
		s.nextButton.Show()
	} else {
		s.nextButton.Disable()
		s.nextButton.Hide()
	}
	relayout(s.content)
}

// noCredential drops the credential after a failure (a wrong password, a
// card that does not answer): no previous certificate's check stays on
// screen, so it is clear that none is active.
func (s *signatureStep) noCredential() {
	s.u.setCredential(nil, "")
	s.showReady()
	s.checkTitle.Hide()
	s.findings.Objects = nil
	s.findings.Refresh()
	s.updateNext()
	s.u.refreshStatus()
	relayout(s.content)
}

// browse opens a file dialog filtered on .p12 and .pfx.
func (s *signatureStep) browse() {
	s.u.openFile(fileCertificate, func(path string) { // filedialog.go
		s.p12Entry.SetText(path)
		s.u.window.Canvas().Focus(s.passwordEntry)
	})
}

// useFile opens the .p12/.pfx file with the typed password, off the UI
// goroutine (the key derivation takes a moment).
func (s *signatureStep) useFile() {
	path := strings.TrimSpace(s.p12Entry.Text)
	if path == "" {
		s.setMessage(lang.L("sig.file.none"), true)
		return
	}
	password := []byte(s.passwordEntry.Text)
	s.start()
	var cred signer.Credential
	s.u.tasks.run(func(context.Context) error {
		defer clear(password)
		var err error
		cred, err = signer.LoadP12(path, password)
		return err
	}, func(err error) {
		s = s.u.sig // the step as shown now (the language may have changed)
		s.stop()
		if err != nil {
			s.u.log.Errorf("opening certificate file %s: %v", path, err)
			defer s.noCredential()
			switch {
			case errors.Is(err, signer.ErrWrongPassword):
				s.setText(func() string { return explain(err) }, true)
				s.u.window.Canvas().Focus(s.passwordEntry)
			case errors.Is(err, signer.ErrNotP12):
				s.setText(func() string {
					return lang.L("sig.file.notp12", map[string]any{"Name": filepath.Base(path)})
				}, true)
			default:
				s.setText(func() string {
					return explainIn(err, lang.L("sig.file.error", map[string]any{"Error": explain(err)}))
				}, true)
			}
			return
		}
		s.passwordEntry.SetText("")
		s.u.app.Preferences().SetString(prefP12, path)
		s.u.log.Infof("certificate file opened: %s, %s", path, cred.Certificate().Subject.CommonName)
		s.chosen(cred, lang.L("sig.label.file", map[string]any{"Holder": holder(cred), "File": filepath.Base(path)}))
	})
}

// scan lists the keys of the tokens present (eID card in its reader, other
// PKCS#11 tokens).
func (s *signatureStep) scan() {
	s.start()
	s.keys.Options = nil
	s.keys.Refresh()
	s.useTokenButton.Disable()
	var slots []signer.Slot
	module := s.module
	s.u.tasks.run(func(ctx context.Context) error {
		var err error
		slots, err = signer.ListTokens(ctx, signer.TokenOptions{Module: module})
		return err
	}, func(err error) {
		s.stop()
		if err != nil {
			s.u.log.Errorf("looking for tokens: %v", err)
			s.setMessage(explain(err), true)
			return
		}
		var found []tokenKey
		chosen := 0
		for _, sl := range slots {
			if sl.Token == nil {
				continue
			}
			def, _ := workflow.DefaultKey(sl.Token)
			for _, k := range tokenKeys(sl.Token) {
				if def != "" && k.Label == def {
					chosen = len(found)
				}
				found = append(found, tokenKey{slot: sl, key: k})
			}
		}
		s = s.u.sig // the step as shown now (the language may have changed)
		s.showKeys(found, chosen)
		if len(found) == 0 {
			s.setMessage(lang.L("sig.token.nokey"), true)
			return
		}
		n := len(found)
		s.setText(func() string { return plural("sig.token.found", n, map[string]any{"N": n}) }, false)
	})
}

// showKeys lists the keys found, in the current language, and chooses
// one (by its place in the list).
func (s *signatureStep) showKeys(found []tokenKey, chosen int) {
	v := &s.u.views.sig
	v.tokens = found
	s.found = map[string]tokenKey{}
	var options []string
	for _, tk := range found {
		k := tk.key
		opt := lang.L("sig.token.key", map[string]any{
			"Holder": k.Certificate.Cert.Subject.CommonName,
			"Until":  k.Certificate.Cert.NotAfter.Format("02/01/2006"),
			"Key":    k.Label,
			"Token":  tk.slot.Token.Label,
		})
		if !k.Certificate.ValidAt(s.now()) {
			opt += " — " + lang.L("sig.token.expired")
		}
		s.found[opt] = tk
		options = append(options, opt)
	}
	s.keys.Options = options
	s.keys.Refresh()
	if chosen >= 0 && chosen < len(options) {
		s.keys.SetSelected(options[chosen])
	}
	relayout(s.content)
}

// tokenKeys lists the keys of a token that can sign, each with its
// certificate. A token that hides its private keys until the PIN is given
// shows only certificates: each signing certificate then stands for the
// key of the same label (as on the eID card, "Signature").
func tokenKeys(ti *signer.TokenInfo) []signer.KeyInfo {
	return workflow.TokenKeys(ti)
}

// keyChosen shows the PIN field only when the token needs one, and the
// pinpad notice for readers with their own keypad.
func (s *signatureStep) keyChosen() {
	for i, o := range s.keys.Options {
		if o == s.keys.Selected {
			s.u.views.sig.chosen = i
		}
	}
	k, ok := s.found[s.keys.Selected]
	if !ok {
		s.pinBox.Hide()
		s.pinpadNotice.Hide()
		s.useTokenButton.Disable()
		return
	}
	s.useTokenButton.Enable()
	ti := k.slot.Token
	switch {
	case ti.ProtectedAuthPath:
		s.pinBox.Hide()
		s.pinpadNotice.Show()
	case ti.LoginRequired:
		s.pinBox.Show()
		s.pinpadNotice.Hide()
	default:
		s.pinBox.Hide()
		s.pinpadNotice.Hide()
	}
}

// useToken opens the chosen key; the PIN typed (if any) answers the
// token's first PIN request, and a dialog asks for any later one.
func (s *signatureStep) useToken() {
	k, ok := s.found[s.keys.Selected]
	if !ok {
		return
	}
	pin := []byte(s.pinEntry.Text)
	s.pinEntry.SetText("")
	token := k.slot.Token.Serial
	if token == "" {
		token = k.slot.Token.Label
	}
	opts := signer.TokenOptions{
		Module: k.slot.Module,
		Token:  token,
		Key:    k.key.Label,
		PIN:    s.u.pinPrompt(pin),
		Notify: func(msg string) { uiDo(func() { s.setMessage(notifyText(msg), false) }) },
	}
	s.start()
	var cred signer.Credential
	s.u.tasks.run(func(ctx context.Context) error {
		var err error
		cred, err = signer.OpenToken(ctx, opts)
		return err
	}, func(err error) {
		s = s.u.sig
		s.stop()
		clear(pin)
		if err != nil {
			s.u.log.Errorf("opening token key %s: %v", k.key.Label, err)
			s.setText(func() string { return explain(err) }, true)
			s.noCredential()
			return
		}
		s.u.log.Infof("token key opened: %s on %s", k.key.Label, k.slot.Token.Label)
		s.chosen(cred, lang.L("sig.label.token", map[string]any{"Holder": holder(cred), "Token": k.slot.Token.Label}))
	})
}

// pinPrompt answers the token's PIN requests: the first token login with
// the PIN typed in the step, every other one through a dialog.
func (u *UI) pinPrompt(typed []byte) signer.PINPrompt {
	first := true
	return func(ctx context.Context, req signer.PINRequest) ([]byte, error) {
		if first && req.Key == "" && len(typed) > 0 && !req.CountLow {
			first = false
			return append([]byte(nil), typed...), nil
		}
		first = false
		text := lang.L("pin.prompt", map[string]any{"Token": req.Token})
		if req.Key != "" {
			text = lang.L("pin.prompt.key", map[string]any{"Token": req.Token, "Key": req.Key})
		}
		if req.FinalTry {
			text += "\n" + lang.L("pin.finaltry")
		} else if req.CountLow {
			text += "\n" + lang.L("pin.countlow")
		}
		pin, err := u.askSecret(ctx, lang.L("pin.title"), text, lang.L("sig.token.pin"))
		if err != nil {
			return nil, signer.ErrCancelled
		}
		return pin, nil
	}
}

// chosen keeps the credential and shows its check.
func (s *signatureStep) chosen(cred signer.Credential, label string) {
	s.u.setCredential(cred, label)
	s.setText(func() string { return lang.L("sig.chosen", map[string]any{"Label": label}) }, false)
	s.showCheck(cred)
	s.u.refreshStatus()
}

// showCheck lists what the certificate check found. A blocking finding
// keeps the user from going on: the transfer point would refuse the
// signature.
func (s *signatureStep) showCheck(cred signer.Credential) {
	findings := signer.CheckCertificate(cred.Certificate(), s.now())
	s.findings.Objects = certificateLines(cred.Certificate(), findings) // details.go
	s.checkTitle.Show()
	s.findings.Refresh()
	if err := signer.BlockingError(findings); err != nil {
		s.setText(func() string { return lang.L("sig.blocked") }, true)
		s.u.setCredential(nil, "")
		s.showReady()
		s.updateNext()
		return
	}
	s.showReady()
	s.updateNext()
}

// showReady says in one unmistakable line which certificate signs, until
// when; or, once one was tried, that none is active.
func (s *signatureStep) showReady() {
	cred := s.u.state.cred
	switch {
	case cred != nil:
		s.ready.SetText(lang.L("sig.ready", map[string]any{"Holder": holder(cred), "Until": cred.Certificate().NotAfter.Local().Format("02/01/2006")}))
		s.ready.Importance = widget.SuccessImportance
		s.ready.Show()
	case s.u.views.sig.isError:
		s.ready.SetText(lang.L("sig.none"))
		s.ready.Importance = widget.WarningImportance
		s.ready.Show()
	default:
		s.ready.Hide()
	}
	s.ready.Refresh()
	relayout(s.content)
}

func (s *signatureStep) start() {
	s.busy.Show()
	s.busy.Start()
	s.useFileButton.Disable()
	s.useTokenButton.Disable()
	s.scanButton.Disable()
	s.setMessage("", false)
}

func (s *signatureStep) stop() {
	s.busy.Stop()
	s.busy.Hide()
	s.useFileButton.Enable()
	s.scanButton.Enable()
	if _, ok := s.found[s.keys.Selected]; ok {
		s.useTokenButton.Enable()
	}
}

// setMessage shows a message already worded; setText one worded when
// shown (it follows a change of language).
func (s *signatureStep) setMessage(msg string, isError bool) { s.setText(words(msg), isError) }

func (s *signatureStep) setText(t text, isError bool) {
	s.u.views.sig.message, s.u.views.sig.isError = t, isError
	s.showText(t, isError)
}

func (s *signatureStep) showText(t text, isError bool) {
	msg := t.show()
	s.message.Importance = widget.MediumImportance
	if isError {
		s.message.Importance = widget.DangerImportance
	}
	s.message.SetText(msg)
	relayout(s.content)
}

// holder is the certificate holder's name.
func holder(c signer.Credential) string {
	cert := c.Certificate()
	if cert.Subject.CommonName != "" {
		return cert.Subject.CommonName
	}
	return fmt.Sprint(cert.Subject)
}
