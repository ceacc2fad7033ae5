package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/workflow"
)

// prepareAndSend runs steps 3 and 4 on the practice point.
func prepareAndSend(t *testing.T, u *UI) {
	t.Helper()
	u.goTo(stepPrepare)
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	if !u.state.prepared {
		t.Fatalf("not prepared: %q", u.prep.message.Text)
	}
	test.Tap(u.prep.nextButton)
	u.tasks.wait()
	if u.current != stepSend || u.send.sendButton.Disabled() {
		t.Fatalf("send step not ready: %q", u.send.summary.Text)
	}
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	if u.state.sent == "" {
		t.Fatalf("not sent: %q", u.send.message.Text)
	}
}

// fetchOutcome fetches the replies until the current declaration has its
// outcome.
func fetchOutcome(t *testing.T, u *UI) *finishOutcome {
	t.Helper()
	u.goTo(stepReplies)
	u.tasks.wait()
	waitFor(t, "the outcome", func() bool {
		test.Tap(u.replies.fetchButton)
		u.tasks.wait()
		o := u.views.replies.outcome
		return o != nil && o.state != workflow.StateAckAccepted
	})
	return u.views.replies.outcome
}

// The second declaration shows nothing of the first: no rows, no "Sent…",
// no files prepared, no name of the first in the status line.
func TestSecondDeclarationShowsNothingOfTheFirst(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	dir := t.TempDir()
	nameDeclaration(t, u, dir, batch.Production)
	first := *u.state.set
	useP12(t, u, id.P12, id.Password)
	prepareAndSend(t, u)
	if len(u.send.filesBox.Objects) == 0 || u.send.message.Text == "" {
		t.Fatal("the first send should show its rows and message")
	}

	// A new file: while it is being named, the status names it, not the
	// first set.
	u.goTo(stepDeclaration)
	src := writeFile(t, dir, "payroll-q2.xml", "<DmfAOriginal/>\r\n")
	u.decl.open(src)
	if strings.Contains(u.status.Text, first.FI(1).String()) || strings.Contains(u.status.Text, first.Key()) {
		t.Errorf("status %q still names the first declaration", u.status.Text)
	}
	if !strings.Contains(u.status.Text, "payroll-q2.xml") {
		t.Errorf("status %q should name the file being named", u.status.Text)
	}
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	test.Tap(u.decl.nameButton)
	u.tasks.wait()
	second := *u.state.set
	if second.Key() == first.Key() {
		t.Fatal("the second declaration got the first one's name")
	}
	if !strings.Contains(u.status.Text, second.FI(1).String()) {
		t.Errorf("status %q should name the second declaration's FI", u.status.Text)
	}

	u.goTo(stepPrepare)
	if len(u.prep.files.Objects) != 0 || u.prep.message.Text != "" || u.prep.progress.Visible() || !u.prep.nextButton.Disabled() {
		t.Errorf("prepare shows the first declaration: %q, %d lines, progress %v", u.prep.message.Text, len(u.prep.files.Objects), u.prep.progress.Visible())
	}
	u.goTo(stepSend)
	u.tasks.wait()
	if len(u.send.filesBox.Objects) != 0 || u.send.message.Text != "" || len(u.send.bars) != 0 {
		t.Errorf("send shows the first declaration: %q\n%s", u.send.message.Text, rendered(u.send.filesBox))
	}
	if !u.send.nextButton.Disabled() {
		t.Error("Continue to the replies should wait for the second declaration's send")
	}
	u.goTo(stepReplies)
	u.tasks.wait()
	if u.replies.finish.Visible() || u.replies.nextButton.Visible() {
		t.Error("the replies step shows an outcome before the second declaration was sent")
	}
}

// A cancelled send does not look like a finished one: no row is marked
// sent, none shows a full bar, the message is a warning. And the rows are
// laid out before the first byte leaves: none drawn over the message.
func TestCancelledSendLooksCancelled(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{})
	nameDeclaration(t, u, t.TempDir(), batch.Production)
	useP12(t, u, id.P12, id.Password)
	u.goTo(stepPrepare)
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	u.goTo(stepSend)
	u.tasks.wait()
	cancelled := false
	var layout string
	u.send.onProgress = func(file string, done, total int64) {
		if cancelled || !strings.HasPrefix(file, "FS.") {
			return
		}
		cancelled = true
		uiDoAndWait(func() {
			s := u.send
			box, msg := s.filesBox, s.message
			if box.Size().Height < box.MinSize().Height || msg.Position().Y < box.Position().Y+box.MinSize().Height {
				layout = fmt.Sprintf("the rows overlap the message: rows at %v %v (min %v), message at %v", box.Position(), box.Size(), box.MinSize(), msg.Position())
			}
		})
		u.views.send.cancel()
	}
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	if !cancelled {
		t.Fatal("the upload ended before it could be cancelled")
	}
	if layout != "" {
		t.Error(layout)
	}
	v := u.views.send
	if len(v.rows) == 0 {
		t.Fatal("no rows after a cancelled send")
	}
	for _, r := range v.rows {
		if r.status == rowSent || r.status == rowSending {
			t.Errorf("%s looks sent or still sending after Cancel (status %d)", r.name, r.status)
		}
	}
	if v.rows[len(v.rows)-1].status != rowCancelled {
		t.Errorf("the GO row should say cancelled, status %d", v.rows[len(v.rows)-1].status)
	}
	// The FI was complete on the server when Cancel came: it is there,
	// and will not be processed (no GO).
	if fi := v.rows[0]; !strings.HasPrefix(fi.name, "FI.") || fi.status != rowStopped || !strings.Contains(u.send.message.Text, fi.name) {
		t.Errorf("FI row %s: status %d; message %q", fi.name, fi.status, u.send.message.Text)
	}
	text := rendered(u.send.filesBox)
	if !strings.Contains(text, "Cancelled: not sent") {
		t.Errorf("rows:\n%s", text)
	}
	// No progress bar is left on screen, so nothing is a blue 100%.
	var bars int
	walk(u.send.filesBox, func(o fyne.CanvasObject) {
		if _, ok := o.(*widget.ProgressBar); ok && o.Visible() {
			bars++
		}
	})
	if bars != 0 {
		t.Errorf("%d progress bars still shown after Cancel", bars)
	}
	if u.send.message.Importance != widget.WarningImportance {
		t.Errorf("message importance %v, want a warning", u.send.message.Importance)
	}
	if !u.send.nextButton.Disabled() {
		t.Error("Continue to the replies after a cancelled send")
	}
}

// walk calls f on o and everything inside it.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			walk(c, f)
		}
	case *container.Scroll:
		walk(w.Content, f)
	case *container.Split:
		walk(w.Leading, f)
		walk(w.Trailing, f)
	}
}

// walkDeep is walk that also looks inside widgets (a dialog's content).
func walkDeep(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	f(o)
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			walkDeep(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			walkDeep(c, f)
		}
	}
}

// After a split, Prepare's header and the status line say how many parts
// the declaration has now.
func TestPrepareHeaderAfterSplit(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	dir := t.TempDir()
	src := writeFile(t, dir, "FI.DMFA.123456."+today()+".00001.R.1.1", strings.Repeat("<line/>\r\n", 6))
	u.decl.open(src)
	u.state.split = true
	u.maxPart = 20
	useP12(t, u, id.P12, id.Password)
	u.goTo(stepPrepare)
	if !strings.Contains(u.prep.summary.Text, "with Marie Dupont (signer.p12), checks the signature,") {
		t.Errorf("header before the split: %q", u.prep.summary.Text)
	}
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	parts := u.state.set.Base.Parts
	if !u.state.prepared || parts < 2 {
		t.Fatalf("prepared %v, %d parts: %q", u.state.prepared, parts, u.prep.message.Text)
	}
	want := "(" + strconv.Itoa(parts) + " parts)"
	if !strings.Contains(u.prep.summary.Text, want) || strings.Contains(u.prep.summary.Text, "part(s)") {
		t.Errorf("header after the split: %q, want %q", u.prep.summary.Text, want)
	}
	if !strings.Contains(u.status.Text, want) || !strings.Contains(u.status.Text, u.state.set.FI(1).String()) {
		t.Errorf("status after the split: %q", u.status.Text)
	}
}

// A wrong password after a good one leaves no certificate active and says
// so; a good one shows "Certificate ready ✓" with the holder and the end
// of validity.
func TestWrongThenRightPassword(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	nameDeclaration(t, u, t.TempDir(), batch.Production)
	useP12(t, u, id.P12, id.Password)
	ready := func() {
		t.Helper()
		if u.state.cred == nil || !u.sig.ready.Visible() || u.sig.ready.Importance != widget.SuccessImportance {
			t.Fatalf("no certificate ready: %q", u.sig.message.Text)
		}
		for _, want := range []string{"Certificate ready ✓", "Marie Dupont", "valid until"} {
			if !strings.Contains(u.sig.ready.Text, want) {
				t.Errorf("summary %q lacks %q", u.sig.ready.Text, want)
			}
		}
		if !u.sig.nextButton.Visible() || u.sig.nextButton.Disabled() || !u.sig.checkTitle.Visible() {
			t.Error("Continue and the check should show with a certificate ready")
		}
	}
	ready()

	u.sig.passwordEntry.SetText("")
	test.Type(u.sig.passwordEntry, "wrong password")
	test.Tap(u.sig.useFileButton)
	u.tasks.wait()
	if u.state.cred != nil || u.state.credLabel != "" {
		t.Error("the previous certificate stayed active after a wrong password")
	}
	if u.sig.checkTitle.Visible() || len(u.sig.findings.Objects) != 0 {
		t.Error("the previous certificate's check is still shown")
	}
	if u.sig.nextButton.Visible() {
		t.Error("Continue is still shown without a certificate")
	}
	if !u.sig.ready.Visible() || !strings.Contains(u.sig.ready.Text, "No certificate is active") || strings.Contains(u.sig.ready.Text, "Marie Dupont") {
		t.Errorf("summary after a wrong password: %q", u.sig.ready.Text)
	}
	if strings.Contains(u.status.Text, "Marie Dupont") {
		t.Errorf("status %q still names the certificate", u.status.Text)
	}

	u.sig.passwordEntry.SetText("")
	test.Type(u.sig.passwordEntry, id.Password)
	test.Tap(u.sig.useFileButton)
	u.tasks.wait()
	ready()
}

// Switching language keeps everything on screen (in the new language)
// and "Continue" as it was; an open Settings dialog follows.
func TestLanguageSwitchKeepsState(t *testing.T) {
	u, _ := newTestUI(t)
	t.Cleanup(func() { u.setLanguage("") })
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	nameDeclaration(t, u, t.TempDir(), batch.Production)
	test.Tap(u.decl.nextButton)
	u.setLanguage("de")
	if u.sig.nextButton.Visible() && !u.sig.nextButton.Disabled() {
		t.Error("Continue is enabled on the signature step without a certificate after a switch")
	}
	u.setLanguage("en")
	useP12(t, u, id.P12, id.Password)
	prepareAndSend(t, u)
	rows := len(u.views.send.rows)

	u.showSettings()
	before := u.settingsDialog
	u.setLanguage("fr")
	u.tasks.wait()
	if u.settingsDialog == nil || u.settingsDialog == before {
		t.Error("the settings dialog was not rebuilt in the new language")
	}
	if !strings.Contains(u.sig.ready.Text, "Certificat prêt ✓") || u.sig.nextButton.Disabled() || !u.sig.checkTitle.Visible() {
		t.Errorf("signature after the switch: %q", u.sig.ready.Text)
	}
	if len(u.prep.files.Objects) == 0 || !strings.Contains(u.prep.message.Text, "Prêt") || u.prep.nextButton.Disabled() {
		t.Errorf("prepare after the switch: %q, %d lines", u.prep.message.Text, len(u.prep.files.Objects))
	}
	u.goTo(stepSend)
	u.tasks.wait()
	if len(u.send.filesBox.Objects) != rows || !strings.Contains(rendered(u.send.filesBox), "Envoyé") {
		t.Errorf("send rows after the switch:\n%s", rendered(u.send.filesBox))
	}
	if u.send.message.Text == "" || u.send.nextButton.Disabled() {
		t.Errorf("send after the switch: %q, continue disabled %v", u.send.message.Text, u.send.nextButton.Disabled())
	}
	if u.state.sent == "" || !u.state.prepared || u.state.cred == nil {
		t.Errorf("state lost: %+v", u.state)
	}
}

// The finish after an accepted practice send: one outcome, the reference
// number, never "legal effect", and a clean first step after "Start the
// next declaration".
func TestFinishAccepted(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	nameDeclaration(t, u, t.TempDir(), batch.Production)
	if strings.Contains(rendered(u.decl.formBox), "legal effect") {
		t.Error("the practice flow says the declaration has legal effect")
	}
	useP12(t, u, id.P12, id.Password)
	if strings.Contains(rendered(u.decl.detailsBox), "legal effect") {
		t.Error("the practice flow says the declaration has legal effect")
	}
	prepareAndSend(t, u)
	if !strings.Contains(u.send.message.Text, "nothing left this computer") {
		t.Errorf("practice send: %q", u.send.message.Text)
	}
	o := fetchOutcome(t, u)
	if !o.state.Accepted() || o.reference == "" {
		t.Fatalf("outcome %+v", o)
	}
	text := rendered(u.replies.finish)
	for _, want := range []string{"your DmfA declaration of " + u.state.set.FI(1).Time().Format("02/01/2006") + " was accepted by the practice point", "Reference number: " + o.reference, "nothing left this computer"} {
		if !strings.Contains(text, want) {
			t.Errorf("finish lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "legal effect") || strings.Contains(text, "accepted by the social security") {
		t.Errorf("the practice finish alarms:\n%s", text)
	}
	if !u.replies.nextButton.Visible() {
		t.Fatal("no way to the next declaration")
	}

	test.Tap(u.replies.nextButton)
	if u.current != stepDeclaration || u.state.set != nil || u.state.fi != "" || u.state.sent != "" || u.state.prepared {
		t.Errorf("not a clean start: step %d, %+v", u.current, u.state)
	}
	if u.decl.message.Text != "" || u.decl.detailsBox.Visible() || u.decl.formBox.Visible() || u.decl.nextButton.Visible() {
		t.Error("the declaration step still shows the last declaration")
	}
	if u.state.cred == nil {
		t.Error("the certificate should stay chosen for the next declaration")
	}
	if len(u.views.send.rows) != 0 || len(u.views.prep.lines) != 0 || u.views.replies.outcome != nil {
		t.Error("the steps keep the last declaration's results")
	}
	if !strings.Contains(strings.ToLower(u.status.Text), "no declaration chosen") {
		t.Errorf("status %q", u.status.Text)
	}

	// The next declaration's replies step lists none of the last one's
	// replies, unless asked.
	nameDeclaration(t, u, t.TempDir(), batch.Production)
	u.goTo(stepReplies)
	u.tasks.wait()
	if len(u.replies.cards) != 0 || u.replies.finish.Visible() || !u.replies.allCheck.Visible() {
		t.Errorf("the replies step shows the last declaration: %d replies, finish %v", len(u.replies.cards), u.replies.finish.Visible())
	}
	test.Tap(u.replies.allCheck)
	if len(u.replies.cards) < 2 {
		t.Errorf("%d replies listed with the other declarations'", len(u.replies.cards))
	}
}

// A refusal (here: a test set signed, which the practice point refuses
// like the real one, code 121) says what went wrong and what to do, in the
// glossary's words.
func TestFinishRefused(t *testing.T) {
	u, _ := newTestUI(t)
	u.app.Preferences().SetBool(prefSignTest, true)
	id := testpki.New(t, testpki.Options{})
	nameDeclaration(t, u, t.TempDir(), batch.Test)
	useP12(t, u, id.P12, id.Password)
	prepareAndSend(t, u)
	o := fetchOutcome(t, u)
	if !o.state.Refused() {
		t.Fatalf("outcome %+v, want refused", o)
	}
	text := rendered(u.replies.finish)
	ex := batch.Explain(batch.CodeFSNotAllowed, "en")
	for _, want := range []string{"was refused by the practice point", "ACRF-121", ex.Text, ex.Next, "What went wrong, and what to do"} {
		if !strings.Contains(text, want) {
			t.Errorf("refusal lacks %q:\n%s", want, text)
		}
	}
	if !u.replies.nextButton.Visible() {
		t.Error("no way to the next declaration after a refusal")
	}
}

// Outside the practice flow, the finish names the social security.
func TestFinishPageWords(t *testing.T) {
	newTestUI(t)
	o := &finishOutcome{set: "GO.DMFA.123456.20261127.00001.R.1.1", app: "DMFA", state: workflow.StateNotiAccepted, reference: "0123ABCDEF45Z"}
	o.date, _ = parseDay("27/11/2026")
	text := rendered(finishPage(o).(*fyne.Container))
	for _, want := range []string{"Your DmfA declaration of 27/11/2026 was accepted by the social security.", "Reference number: 0123ABCDEF45Z"} {
		if !strings.Contains(text, want) {
			t.Errorf("finish lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "practice") {
		t.Errorf("a real finish mentions practice:\n%s", text)
	}
	o.state = workflow.StateAckRefused
	o.problems = []batch.ReplyError{{ID: "ACRF-999999", Code: 999999}}
	text = rendered(finishPage(o).(*fyne.Container))
	if !strings.Contains(text, "was refused by the social security") || !strings.Contains(text, batch.Explain(999999, "en").Text) {
		t.Errorf("unknown code:\n%s", text)
	}
}

// "Not now" on the welcome is not forever: Settings offers the practice
// flow again.
func TestPracticeAgainFromSettings(t *testing.T) {
	u, _ := newTestUI(t)
	u.app.Preferences().SetBool(prefWelcomed, true)
	u.state.profile = "someone"
	u.showSettings()
	var again *widget.Button
	walkDeep(u.window.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Try the practice flow again" {
			again = b
		}
	})
	if again == nil {
		t.Fatal("no \"Try the practice flow again\" in the settings")
	}
	test.Tap(again)
	u.tasks.wait()
	if u.state.profile != practiceProfile || u.state.naming == "" || filepath.Base(u.state.naming) != "sample-dmfa.xml" {
		t.Errorf("practice flow not set up: profile %q, naming %q", u.state.profile, u.state.naming)
	}
	if u.settingsDialog != nil {
		t.Error("the settings dialog should close")
	}
	if _, err := os.Stat(u.state.naming); err != nil {
		t.Error(err)
	}
}

// The naming form keeps its fields and the file being named across a
// change of language.
func TestLanguageSwitchKeepsNamingForm(t *testing.T) {
	u, _ := newTestUI(t)
	t.Cleanup(func() { u.setLanguage("") })
	src := writeFile(t, t.TempDir(), "payroll.xml", "<DmfAOriginal/>\r\n")
	u.decl.open(src)
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	u.decl.senderEntry.SetText("654321")
	u.decl.envRadio.SetSelected(envLabel(batch.Simulation))
	u.decl.seqEntry.SetText("00042")
	u.setLanguage("nl")
	d := u.decl
	if !d.formBox.Visible() || !d.nameButton.Visible() || d.nextButton.Visible() {
		t.Fatal("the naming form is gone after the switch")
	}
	if d.selectedApp() != "DMFA" || d.senderEntry.Text != "654321" || d.selectedEnv() != batch.Simulation || d.seqEntry.Text != "00042" {
		t.Errorf("fields after the switch: %q %q %q %q", d.selectedApp(), d.senderEntry.Text, d.selectedEnv(), d.seqEntry.Text)
	}
	if !strings.Contains(d.message.Text, "payroll.xml") || !strings.Contains(u.status.Text, "payroll.xml") {
		t.Errorf("message %q, status %q", d.message.Text, u.status.Text)
	}
	if !strings.Contains(d.preview.Text, "FI.DMFA.654321.") || !strings.Contains(d.preview.Text, ".00042.S.1.1") {
		t.Errorf("preview %q", d.preview.Text)
	}
}
