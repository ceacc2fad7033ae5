package app

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
)

// key sends a key as the desktop driver does: to the focused widget, else
// to the window.
func key(c fyne.Canvas, name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// tabTo moves the focus with Tab until it is on target, and fails when a
// full round of the window's controls never reaches it.
func tabTo(t *testing.T, c fyne.Canvas, target fyne.Focusable) {
	t.Helper()
	seen := map[fyne.Focusable]bool{}
	for c.Focused() != target {
		test.FocusNext(c)
		f := c.Focused()
		if f == nil || seen[f] {
			t.Fatalf("Tab never reaches %T", target)
		}
		seen[f] = true
	}
}

// The whole flow with the keyboard alone (issue 12, point 7): Tab reaches
// each control, text is typed, Enter does the step's main action, Space
// presses a button, Escape closes a dialog.
func TestKeyboardOnly(t *testing.T) {
	u, w := newTestUI(t)
	c := w.Canvas()
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})

	// Step 1: the open button is reachable; the file itself comes from the
	// file dialog (its own keyboard is Fyne's).
	tabTo(t, c, u.decl.openButton)
	src := writeFile(t, t.TempDir(), "payroll.xml", "<DmfAOriginal>\r\n</DmfAOriginal>\r\n")
	u.decl.open(src)
	tabTo(t, c, u.decl.appSelect)
	for i := 0; u.decl.appSelect.Selected != appOption("DMFA"); i++ {
		if i > len(u.decl.appSelect.Options) {
			t.Fatal("the arrow keys never choose DMFA")
		}
		key(c, fyne.KeyRight)
	}
	tabTo(t, c, u.decl.senderEntry)
	test.Type(u.decl.senderEntry, "123456")
	u.decl.envRadio.SetSelected(envLabel(batch.Production)) // a radio item takes Space (see TestTabReachesEveryControl)
	tabTo(t, c, u.decl.senderEntry)
	key(c, fyne.KeyReturn) // Enter in the sender number names the file
	u.tasks.wait()
	if u.state.fi == "" {
		t.Fatalf("Enter did not name the file: %q", u.decl.message.Text)
	}
	c.Unfocus()
	key(c, fyne.KeyReturn)
	if u.current != stepSignature {
		t.Fatalf("Enter should continue to the signature, step %d", u.current)
	}

	// Step 2: the certificate file and its password, Enter uses it.
	tabTo(t, c, u.sig.p12Entry)
	test.Type(u.sig.p12Entry, id.P12)
	tabTo(t, c, u.sig.passwordEntry)
	test.Type(u.sig.passwordEntry, id.Password)
	key(c, fyne.KeyReturn)
	u.tasks.wait()
	if u.state.cred == nil {
		t.Fatalf("Enter in the password did not use the certificate: %q", u.sig.message.Text)
	}
	c.Unfocus()
	key(c, fyne.KeyReturn)
	if u.current != stepPrepare {
		t.Fatalf("Enter should continue to preparing, step %d", u.current)
	}

	// Step 3: Enter prepares, Enter again continues.
	key(c, fyne.KeyReturn)
	u.tasks.wait()
	if !u.state.prepared {
		t.Fatalf("Enter did not prepare: %q", u.prep.message.Text)
	}
	key(c, fyne.KeyReturn)
	if u.current != stepSend {
		t.Fatalf("Enter should continue to sending, step %d", u.current)
	}

	// Step 4: Tab then Space on Send.
	u.tasks.wait()
	tabTo(t, c, u.send.sendButton)
	key(c, fyne.KeySpace)
	u.tasks.wait()
	if u.state.sent == "" {
		t.Fatalf("Space on Send did not send: %q", u.send.message.Text)
	}
	c.Unfocus()
	key(c, fyne.KeyReturn)
	if u.current != stepReplies {
		t.Fatalf("Enter should continue to the replies, step %d", u.current)
	}

	// A dialog: Space opens the settings, Escape closes them.
	tabTo(t, c, u.settingsButton)
	key(c, fyne.KeySpace)
	if c.Overlays().Top() == nil {
		t.Fatal("Space on Settings opened nothing")
	}
	c.Unfocus()
	key(c, fyne.KeyEscape)
	if c.Overlays().Top() != nil {
		t.Error("Escape did not close the settings")
	}
}

// Enter presses a dialog's main button and Escape its Cancel: the profile
// form saves with Enter and closes with Escape.
func TestKeyboardDialogs(t *testing.T) {
	u, w := newTestUI(t)
	c := w.Canvas()
	u.goTo(stepSend)
	tabTo(t, c, u.send.addButton)
	key(c, fyne.KeySpace)
	f := u.profileDialog
	if f == nil || c.Focused() != fyne.Focusable(f.user) {
		t.Fatalf("the profile form should open with the account name focused (%T)", c.Focused())
	}
	key(c, fyne.KeyEscape) // the text box hands it to the dialog
	if c.Overlays().Top() != nil {
		t.Fatal("Escape in the account name did not close the profile form")
	}

	// Without a focus, Escape goes to the window, which closes the dialog.
	test.Tap(u.send.addButton)
	c.Unfocus()
	key(c, fyne.KeyEscape)
	if c.Overlays().Top() != nil {
		t.Fatal("Escape did not close the profile form")
	}

	test.Tap(u.send.addButton)
	f = u.profileDialog
	test.Type(f.user, "expedit01")
	tabTo(t, c, f.password)
	test.Type(f.password, "pa;ss:w0rd")
	key(c, fyne.KeyReturn)
	if c.Overlays().Top() != nil || u.state.profile != "expedit01" {
		t.Fatalf("Enter did not save the profile: %q", f.warnings.Text)
	}
}

// Every control of the declaration form is on the Tab path, with the
// window's own buttons.
func TestTabReachesEveryControl(t *testing.T) {
	u, w := newTestUI(t)
	c := w.Canvas()
	u.decl.open(writeFile(t, t.TempDir(), "payroll.xml", "<DmfAOriginal/>\r\n"))
	for _, want := range []fyne.Focusable{u.decl.openButton, u.decl.appSelect, u.decl.senderEntry,
		u.settingsButton, u.diagButton, u.steps} {
		tabTo(t, c, want)
	}
	// The environment's radio items too.
	radios := 0
	start := c.Focused()
	for {
		test.FocusNext(c)
		if c.Focused() == start {
			break
		}
		if fmt.Sprintf("%T", c.Focused()) == "*widget.radioItem" {
			radios++
		}
	}
	if radios != len(u.decl.envRadio.Options) {
		t.Errorf("Tab reaches %d of the %d environments", radios, len(u.decl.envRadio.Options))
	}
}

// Escape answers Fyne's own dialogs as their dismiss button does (the
// callback runs, with "no"), and Enter as their main button.
func TestKeyboardFyneDialogs(t *testing.T) {
	u, w := newTestUI(t)
	c := w.Canvas()
	answer := ""
	dialog.ShowConfirm("Question", "Really?", func(ok bool) { answer = fmt.Sprint(ok) }, u.window)
	c.Unfocus()
	key(c, fyne.KeyEscape)
	if answer != "false" || c.Overlays().Top() != nil {
		t.Errorf("Escape on a question: answer %q, dialog still open %v", answer, c.Overlays().Top() != nil)
	}
	dialog.ShowConfirm("Question", "Really?", func(ok bool) { answer = fmt.Sprint(ok) }, u.window)
	key(c, fyne.KeyReturn)
	if answer != "true" || c.Overlays().Top() != nil {
		t.Errorf("Enter on a question: answer %q", answer)
	}
}
