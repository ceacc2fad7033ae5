package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/uploader/practice"
)

// waitFor polls until cond holds (the practice point answers from its own
// goroutine), running the UI loop meanwhile, or fails after a generous
// delay.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		testLoop.runFor(50 * time.Millisecond)
	}
}

// nameDeclaration runs step 1 on a fresh payroll export and returns the
// FI path.
func nameDeclaration(t *testing.T, u *UI, dir string, env batch.Environment) string {
	t.Helper()
	src := writeFile(t, dir, "payroll.xml", "<DmfAOriginal>\r\n  <Quarter>20264</Quarter>\r\n</DmfAOriginal>\r\n")
	u.decl.open(src)
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	u.decl.senderEntry.SetText("")
	test.Type(u.decl.senderEntry, "123456")
	u.decl.envRadio.SetSelected(envLabel(env))
	test.Tap(u.decl.nameButton)
	u.tasks.wait()
	if u.state.fi == "" {
		t.Fatalf("no declaration after naming: %q / %q", u.decl.message.Text, u.decl.preview.Text)
	}
	return u.state.fi
}

// useP12 runs step 2 with a .p12 file and its password.
func useP12(t *testing.T, u *UI, p12, password string) {
	t.Helper()
	test.Tap(u.decl.nextButton)
	if u.current != stepSignature {
		t.Fatalf("step = %d, want the signature step", u.current)
	}
	u.sig.p12Entry.SetText(p12)
	test.Type(u.sig.passwordEntry, password)
	test.Tap(u.sig.useFileButton)
	u.tasks.wait()
}

// The whole flow against the practice point: name, sign with a .p12 made
// by openssl, prepare, send, fetch the accepted reply, see it in the
// history.
func TestWholeFlowAgainstPracticePoint(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	dir := t.TempDir()

	fi := nameDeclaration(t, u, dir, batch.Production)
	useP12(t, u, id.P12, id.Password)
	if u.state.cred == nil {
		t.Fatalf("no credential: %q", u.sig.message.Text)
	}
	if !u.sig.checkTitle.Visible() || len(u.sig.findings.Objects) == 0 {
		t.Error("the certificate check should be shown before signing")
	}
	if !strings.Contains(u.status.Text, "Marie Dupont") {
		t.Errorf("status line %q should name the signer", u.status.Text)
	}

	test.Tap(u.sig.nextButton)
	if u.current != stepPrepare || u.prep.prepareButton.Disabled() {
		t.Fatalf("prepare step not ready: %q", u.prep.summary.Text)
	}
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	set := *u.state.set
	for _, n := range []batch.Name{set.FS(1), set.GO()} {
		if _, err := os.Stat(set.Path(n)); err != nil {
			t.Errorf("%s not written: %v (message %q)", n, err, u.prep.message.Text)
		}
	}
	if !u.state.prepared || u.prep.progress.Value != 1 {
		t.Errorf("prepared %v, progress %v", u.state.prepared, u.prep.progress.Value)
	}
	if !strings.Contains(rendered(u.prep.files), "signature checked, made by Marie Dupont") {
		t.Errorf("the verification should be shown:\n%s", rendered(u.prep.files))
	}

	test.Tap(u.prep.nextButton)
	if u.current != stepSend || u.state.profile != practiceProfile {
		t.Fatalf("step %d, profile %q: want the send step on the practice point", u.current, u.state.profile)
	}
	test.Tap(u.send.testButton)
	u.tasks.wait()
	if !strings.Contains(u.send.message.Text, "The connection works") {
		t.Fatalf("test connection: %q", u.send.message.Text)
	}
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	if u.state.sent != set.Key() {
		t.Fatalf("not sent: %q", u.send.message.Text)
	}
	for _, want := range []string{"practice", filepath.Base(fi), set.FS(1).String(), set.GO().String()} {
		if !strings.Contains(u.send.message.Text, want) {
			t.Errorf("send result %q should name %s", u.send.message.Text, want)
		}
	}
	for name, bar := range u.send.bars {
		if bar.Value != 1 {
			t.Errorf("progress of %s = %v, want 1", name, bar.Value)
		}
	}

	test.Tap(u.send.nextButton)
	if u.current != stepReplies {
		t.Fatalf("step %d, want replies", u.current)
	}
	u.replies.deleteCheck.SetChecked(true)
	waitFor(t, "the acknowledgement", func() bool {
		test.Tap(u.replies.fetchButton)
		u.tasks.wait()
		for _, c := range u.replies.cards {
			if c.reply.Kind == batch.KindACRF {
				return true
			}
		}
		return false
	})
	var acrf *replyCard
	for i, c := range u.replies.cards {
		if c.reply.Kind == batch.KindACRF {
			acrf = &u.replies.cards[i]
		}
	}
	if !acrf.accepted || !strings.HasPrefix(acrf.title.Text, "Accepted") || !strings.Contains(acrf.title.Text, set.GO().String()) {
		t.Errorf("acknowledgement shown as %q (accepted %v), want Accepted for %s", acrf.title.Text, acrf.accepted, set.GO())
	}

	if !u.stepDone(stepReplies) {
		t.Error("the replies step should be ticked once the set is answered")
	}

	u.goTo(stepHistory)
	u.tasks.wait() // the ledger is read in a task
	if len(u.hist.entries) != 1 || u.hist.entries[0].Set != set.Key() {
		t.Fatalf("history = %+v", u.hist.entries)
	}
	if line := historyLine(u.hist.entries[0]); !strings.Contains(line, "Accepted") {
		t.Errorf("history line %q should say Accepted", line)
	}
	// Re-open the set from the history.
	u.state = flowState{profile: practiceProfile}
	u.hist.list.Select(0)
	u.tasks.wait()
	if !strings.Contains(u.hist.timeline.Text, "Sent, waiting for the reply") || !strings.Contains(u.hist.timeline.Text, "Accepted (acknowledgement)") {
		t.Errorf("timeline:\n%s", u.hist.timeline.Text)
	}
	test.Tap(u.hist.reopenButton)
	if u.current != stepDeclaration || u.state.fi != fi {
		t.Errorf("re-open: step %d, declaration %q, want %s", u.current, u.state.fi, fi)
	}
}

// A wrong password says so and writes nothing; nothing about it reaches
// the log or the diagnostic report.
func TestWrongPassword(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{})
	dir := t.TempDir()
	nameDeclaration(t, u, dir, batch.Production)
	before, _ := os.ReadDir(dir)

	const secret = "Wr0ng-S3cret!pw"
	useP12(t, u, id.P12, secret)
	if u.state.cred != nil {
		t.Fatal("a wrong password gave a credential")
	}
	if !strings.Contains(u.sig.message.Text, "password does not open") {
		t.Errorf("message = %q, want the wrong-password message", u.sig.message.Text)
	}
	if !u.sig.nextButton.Disabled() {
		t.Error("the next step should wait for a credential")
	}
	u.goTo(stepPrepare)
	if !u.prep.prepareButton.Disabled() {
		t.Error("preparing should need a credential")
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("files were written: before %d, after %d", len(before), len(after))
	}

	report := u.diagnosticReport()
	logData, err := os.ReadFile(u.log.path)
	if err != nil {
		t.Fatalf("no log file: %v", err)
	}
	for what, text := range map[string]string{"diagnostic report": report, "log file": string(logData)} {
		if strings.Contains(text, secret) {
			t.Errorf("the password appears in the %s", what)
		}
	}
	if !strings.Contains(report, "opening certificate file") {
		t.Errorf("the report should list the recent error:\n%s", report)
	}
	if !strings.Contains(string(logData), "opening certificate file") {
		t.Errorf("the log should record the error:\n%s", logData)
	}
}

// Cancelling during the upload leaves no GO on the server: nothing is
// processed, and the message says what is there.
func TestCancelDuringUpload(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{})
	dir := t.TempDir()
	nameDeclaration(t, u, dir, batch.Production)
	useP12(t, u, id.P12, id.Password)
	test.Tap(u.sig.nextButton)
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	if !u.state.prepared {
		t.Fatalf("not prepared: %q", u.prep.message.Text)
	}
	u.goTo(stepSend)
	u.tasks.wait()
	cancelled := false
	u.send.onProgress = func(file string, done, total int64) {
		if !cancelled && strings.HasPrefix(file, "FS.") {
			cancelled = true
			u.views.send.cancel()
		}
	}
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	if !cancelled {
		t.Fatal("the upload ended before it could be cancelled")
	}
	if u.state.sent != "" {
		t.Error("a cancelled send counts as sent")
	}
	if !strings.Contains(u.send.message.Text, "Cancelled") || !strings.Contains(u.send.message.Text, "complete was not sent") {
		t.Errorf("message = %q", u.send.message.Text)
	}
	root, err := practice.DefaultRoot()
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), "GO.") {
			t.Errorf("a GO reached the practice point: %s", p)
		}
		return nil
	})
}
