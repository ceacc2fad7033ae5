package app

import (
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// On a fresh machine the assistant offers the practice run; accepting it
// gives a demo certificate, the practice point and a sample declaration,
// and the whole flow works from there, offline.
func TestFirstRunPractice(t *testing.T) {
	u, w := newTestUI(t)
	u.firstRun()
	if w.Canvas().Overlays().Top() == nil {
		t.Fatal("the first run should offer the practice run")
	}
	u.app.Preferences().SetBool(prefWelcomed, true)
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	u.tryPractice()
	u.tasks.wait()
	if u.state.cred == nil {
		t.Fatalf("no demo credential: %q", u.sig.message.Text)
	}
	if !strings.Contains(u.state.cred.Certificate().Subject.CommonName, "practice") {
		t.Errorf("credential %q is not the demo certificate", u.state.cred.Certificate().Subject.CommonName)
	}
	if !u.decl.formBox.Visible() || u.decl.nameButton.Disabled() {
		t.Fatalf("the sample declaration should be ready to name: %q", u.decl.preview.Text)
	}
	test.Tap(u.decl.nameButton)
	u.tasks.wait()
	if u.state.set == nil {
		t.Fatalf("sample not named: %q", u.decl.preview.Text)
	}
	u.goTo(stepPrepare)
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	u.goTo(stepSend)
	u.tasks.wait() // the set is checked in a task
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	if u.state.sent == "" {
		t.Fatalf("practice send failed: %q", u.send.message.Text)
	}

	// A second window reuses the demo certificate (its password is in the
	// keychain) instead of making another.
	u2, _ := newTestUIKeepHome(t)
	u2.makeDemoCert()
	u2.tasks.wait()
	if u2.state.cred == nil || u2.sig.p12Entry.Text != u.sig.p12Entry.Text {
		t.Errorf("demo certificate not reused: %q %q", u2.sig.p12Entry.Text, u2.sig.message.Text)
	}
}

// The diagnostic report goes to the clipboard, says where the user is, and
// holds no secret even after one was typed.
func TestDiagnosticReport(t *testing.T) {
	u, _ := newTestUI(t)
	dir := t.TempDir()
	fi := writeFile(t, dir, "FI.DMFA.123456."+today()+".00007.R.1.1", "<x/>\r\n")
	u.decl.open(fi)
	u.goTo(stepSignature)
	const secret = "S3cret;Pass!"
	test.Type(u.sig.passwordEntry, secret)
	u.sig.p12Entry.SetText(writeFile(t, dir, "not-a.p12", "garbage"))
	test.Tap(u.sig.useFileButton)
	u.tasks.wait()

	test.Tap(u.diagButton)
	report := u.app.Clipboard().Content()
	for _, want := range []string{"Expeditor " + Version, "Current step: Signature", fi, "Profile: practice point", "Recent errors:", "Log file:"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	logData, _ := os.ReadFile(u.log.path)
	if strings.Contains(report, secret) || strings.Contains(string(logData), secret) {
		t.Error("the password typed appears in the report or the log")
	}
	if !strings.Contains(u.sig.message.Text, "not a certificate file") {
		t.Errorf("message = %q", u.sig.message.Text)
	}
}
