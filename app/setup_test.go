package app

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/uploader/practice"
	"github.com/expeditor-be/expeditor/workflow"
)

// The set-up assistant walks through the key, the account rules, the
// certificate and the profile, doing each for real.
func TestSetupAssistant(t *testing.T) {
	u, _ := newTestUI(t)
	dir := t.TempDir()
	a := u.showSetup()
	if !strings.Contains(a.title.Text, "Step 1 of 6") || !a.back.Disabled() {
		t.Fatalf("first page: %q", a.title.Text)
	}
	test.Tap(a.next)
	if a.page != setupKey {
		t.Fatalf("page %d", a.page)
	}

	// The SFTP key: passphrases must agree; then it is made off the UI
	// goroutine and shown.
	key := filepath.Join(dir, "ssh", "office_rsa")
	a.keyPath.SetText(key)
	a.keyBits.SetSelected("2048")
	test.Type(a.keyPass, "secret pass")
	test.Type(a.keyPass2, "other pass")
	test.Tap(a.keyButton)
	if !strings.Contains(a.keyResult.Text, "differ") {
		t.Errorf("different passphrases: %q", a.keyResult.Text)
	}
	a.keyPass2.SetText("secret pass")
	test.Tap(a.keyButton)
	u.tasks.wait()
	if !strings.Contains(a.keyResult.Text, "The key is made") || !strings.Contains(a.keyResult.Text, "SHA256:") || a.keyPublic.Hidden {
		t.Fatalf("key: %q", a.keyResult.Text)
	}
	if !strings.HasPrefix(a.keyPublic.Text, "ssh-rsa ") || a.keyPass.Text != "" {
		t.Errorf("public key %q; passphrase entry not cleared", a.keyPublic.Text)
	}
	test.Tap(a.keyCopy)
	if got := u.app.Clipboard().Content(); got != a.keyPublic.Text {
		t.Errorf("clipboard %q", got)
	}
	if _, err := uploader.LoadIdentity(key, []byte("secret pass"), false); err != nil {
		t.Errorf("the key does not open with its passphrase: %v", err)
	}
	// Never replaced.
	a.keyPass.SetText("secret pass")
	a.keyPass2.SetText("secret pass")
	test.Tap(a.keyButton)
	u.tasks.wait()
	if !strings.Contains(a.keyResult.Text, "already there") {
		t.Errorf("existing key: %q", a.keyResult.Text)
	}

	// The account rules, by the same check as the command line.
	test.Tap(a.next)
	a.user.SetText("ab")
	a.password.SetText("x")
	test.Tap(a.checkButton)
	for _, want := range []string{"Change this", "8 to 17", "at least two"} {
		if !strings.Contains(a.accountResult.Text, want) {
			t.Errorf("broken rules: %q lacks %q", a.accountResult.Text, want)
		}
	}
	a.user.SetText("ACME0001")
	a.password.SetText("Abc;def=1")
	test.Tap(a.checkButton)
	if a.accountResult.Text != "Every rule of the registration service holds." {
		t.Errorf("good account: %q", a.accountResult.Text)
	}

	// The certificate: the one chosen in the Signature step.
	test.Tap(a.next)
	test.Tap(a.exportButton)
	if !strings.Contains(a.certResult.Text, "No certificate is chosen yet") {
		t.Errorf("no certificate: %q", a.certResult.Text)
	}
	p12 := filepath.Join(dir, "demo.p12")
	pw, err := practice.DemoCert(p12)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := signer.LoadP12(p12, []byte(pw))
	if err != nil {
		t.Fatal(err)
	}
	u.setCredential(cred, "demo")
	out := filepath.Join(dir, "cert.cer")
	a.certPath.SetText(out)
	test.Tap(a.exportButton)
	if !strings.Contains(a.certResult.Text, "saved in "+out) || !strings.Contains(a.certResult.Text, "does NOT accept") {
		t.Errorf("export: %q", a.certResult.Text)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != string(cred.Certificate().Raw) {
		t.Errorf("the file is not the certificate in DER: %v", err)
	}
	test.Tap(a.exportButton)
	if !strings.Contains(a.certResult.Text, "already there") {
		t.Errorf("existing file: %q", a.certResult.Text)
	}

	// The profile, with the new key, chosen for sending.
	test.Tap(a.next)
	a.profileName.SetText("office")
	test.Tap(a.saveButton)
	if !strings.Contains(a.profileResult.Text, "The profile office is saved") {
		t.Fatalf("profile: %q", a.profileResult.Text)
	}
	p, err := uploader.FindProfile("office")
	if err != nil || p.Endpoint.Scheme != "sftp" || p.Endpoint.IdentityFile != key || p.Endpoint.User != "ACME0001" {
		t.Errorf("saved profile: %+v %v", p, err)
	}
	if u.state.profile != "office" {
		t.Errorf("chosen profile %q", u.state.profile)
	}

	// What to do at the registration service, in plain words.
	test.Tap(a.next)
	if a.page != setupChaman || !a.next.Disabled() || !strings.Contains(labelText(a.pages[setupChaman]), "registration service") {
		t.Errorf("last page %d", a.page)
	}
}

// The assistant is offered once at start when no profile is saved.
func TestOfferSetup(t *testing.T) {
	u, _ := newTestUI(t)
	u.app.Preferences().SetBool(prefWelcomed, true)
	u.offerSetup()
	if !u.app.Preferences().Bool(prefSetupOffered) {
		t.Error("not offered without a profile")
	}
	// The assistant speaks the user's language too.
	u.setLanguage("fr")
	a := u.showSetup()
	if !strings.Contains(a.title.Text, "Étape 1 sur 6") {
		t.Errorf("in French: %q", a.title.Text)
	}
	u.setLanguage("")
}

// From 60 days before the end of the last certificate used, the window
// says at start to register the new one in Chaman.
func TestCertificateCare(t *testing.T) {
	u, _ := newTestUI(t)
	if got := u.certificateCare(); got != "" {
		t.Errorf("no certificate used yet: %q", got)
	}
	u.app.Preferences().SetString(prefCertNotAfter, time.Now().Add(30*24*time.Hour+time.Hour).UTC().Format(time.RFC3339))
	u.app.Preferences().SetString(prefCertSubject, "Alice Martin (Signature)")
	got := u.certificateCare()
	if !strings.HasPrefix(got, "Alice Martin (Signature): The certificate expires on ") || !strings.Contains(got, "in 30 days") || !strings.Contains(got, "register it with the social security's registration service") {
		t.Errorf("expiring: %q", got)
	}
	u.app.Preferences().SetString(prefCertNotAfter, time.Now().Add(90*24*time.Hour).UTC().Format(time.RFC3339))
	if got := u.certificateCare(); got != "" {
		t.Errorf("90 days left: %q", got)
	}
}

// An answer to a set waiting for it gives a desktop notification; an
// untrusted one says not to trust it, here and in the Replies step.
func TestNotifyAnswers(t *testing.T) {
	u, _ := newTestUI(t)
	set := "GO.DMFA.123456.20261121.00001.R.1"
	reply := func(accepted bool) *batch.Reply {
		code := "0"
		if accepted {
			code = "1"
		}
		return &batch.Reply{Kind: batch.KindACRF, FileName: "FO.ACRF.999999.20261121.00001.R", About: set, Accepted: accepted, ResultCode: code}
	}
	waiting := map[string]bool{set: true}
	test.AssertNotificationSent(t, fyne.NewNotification("Answer from the transfer point", set+" was received by the transfer point; its notification will follow."), func() {
		if n := u.notifyAnswers([]uploader.FetchedReply{{Reply: reply(true), Downloaded: true}}, waiting); n != 1 {
			t.Errorf("%d notifications", n)
		}
	})
	// The acknowledgement and the notification together: one notification.
	noti := &batch.Reply{Kind: batch.KindNOTI, FileName: "FO.NOTI.999999.20261121.00002.R", About: set, Accepted: true, ResultCode: "1"}
	test.AssertNotificationSent(t, fyne.NewNotification("Answer from the transfer point", set+" was accepted."), func() {
		if n := u.notifyAnswers([]uploader.FetchedReply{{Reply: reply(true), Downloaded: true}, {Reply: noti, Downloaded: true}}, waiting); n != 1 {
			t.Errorf("%d notifications for one set", n)
		}
	})
	test.AssertNotificationSent(t, fyne.NewNotification("Answer from the transfer point", set+" was refused: open Expeditor to see why."), func() {
		u.notifyAnswers([]uploader.FetchedReply{{Reply: reply(false), Downloaded: true}}, waiting)
	})
	// Already kept, or about a set nobody waits for: nothing.
	test.AssertNotificationSent(t, nil, func() {
		u.notifyAnswers([]uploader.FetchedReply{{Reply: reply(true)}}, waiting)
		u.notifyAnswers([]uploader.FetchedReply{{Reply: reply(true), Downloaded: true}}, map[string]bool{})
	})
	bad := uploader.FetchedReply{Reply: reply(true), Downloaded: true,
		Signature: &uploader.SignatureCheck{Status: uploader.SignatureInvalid, Err: errors.New("digest")}}
	test.AssertNotificationSent(t, fyne.NewNotification("Answer from the transfer point", "An answer to "+set+" came with an INVALID signature: do not trust it."), func() {
		u.notifyAnswers([]uploader.FetchedReply{bad}, waiting)
	})
	if got := u.warnUntrusted([]uploader.FetchedReply{bad}); !strings.Contains(got, "do not trust what they say") || !strings.Contains(got, "FO.ACRF.999999.20261121.00001.R") {
		t.Errorf("warning: %q", got)
	}
	if got := u.warnUntrusted([]uploader.FetchedReply{{Reply: reply(true)}}); got != "" {
		t.Errorf("no warning expected: %q", got)
	}

	// The Replies step says, reply by reply, what the signature is.
	valid := uploader.FetchedReply{Reply: reply(true), Signature: &uploader.SignatureCheck{Status: uploader.SignatureValid,
		Signature: &signer.ReplySignature{Signer: &x509.Certificate{Subject: pkix.Name{CommonName: "Transfer Point"}},
			Timestamp: &signer.Timestamp{Time: time.Date(2026, 11, 21, 10, 15, 2, 0, time.Local)}}}}
	unsigned := uploader.FetchedReply{Reply: reply(true), Signature: &uploader.SignatureCheck{Status: uploader.SignatureUnsigned}}
	got := strings.Join(signatureLines([]uploader.FetchedReply{valid, unsigned, bad, {}}), "\n")
	want := "FO.ACRF.999999.20261121.00001.R: signature valid, by Transfer Point (timestamped 21/11/2026 10:15:02)\n" +
		"FO.ACRF.999999.20261121.00001.R: not signed (no FS came with it)\n" +
		"FO.ACRF.999999.20261121.00001.R: signature INVALID: do not trust this reply"
	if got != want {
		t.Errorf("signature lines:\n%s\nwant:\n%s", got, want)
	}

	// They are part of the Replies message, so a change of language words
	// them again with the rest of it.
	t.Cleanup(func() { u.setLanguage("") })
	u.replies.setText(words("2 new replies"))
	u.showReplySignatures([]uploader.FetchedReply{unsigned})
	u.setLanguage("nl")
	if got := u.replies.message.Text; got != "2 new replies\nFO.ACRF.999999.20261121.00001.R: niet ondertekend (er kwam geen FS mee)" {
		t.Errorf("replies message after a change of language: %q", got)
	}
}

// The sets waiting for an answer: sent, and with no answer or only an
// acknowledgement that accepted them.
func TestWaitingSets(t *testing.T) {
	newTestUI(t)
	l, err := workflow.OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i, states := range [][]workflow.State{
		{workflow.StateSent},
		{workflow.StateSent, workflow.StateAckAccepted},
		{workflow.StateSent, workflow.StateAckAccepted, workflow.StateNotiAccepted},
		{workflow.StateSendFailed},
		{workflow.StateSent, workflow.StateAckRefused},
	} {
		for _, st := range states {
			name := "GO." + string(rune('A'+i)) + ".1"
			if _, err := l.AddByName("a@h", batch.Production, name, workflow.Event{State: st}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := waitingSets()
	if len(got) != 2 || !got["GO.A.1"] || !got["GO.B.1"] {
		t.Errorf("waiting: %v", got)
	}
}

// While the window is open, a set sent to the practice point gets its
// answer checked in the background, with a desktop notification.
func TestCheckAnswersAgainstPracticePoint(t *testing.T) {
	u, _ := newTestUI(t)
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	nameDeclaration(t, u, t.TempDir(), batch.Production)
	useP12(t, u, id.P12, id.Password)
	test.Tap(u.sig.nextButton)
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	test.Tap(u.prep.nextButton)
	u.tasks.wait() // the set is checked in a task
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	set := u.state.set.GO().String()
	if u.state.sent == "" || !waitingSets()[set] {
		t.Fatalf("not sent, or not waiting: %q", u.send.message.Text)
	}
	// The practice point answers at once: accepted (and a notification).
	test.AssertNotificationSent(t, fyne.NewNotification("Answer from the transfer point", set+" was accepted."), func() {
		u.checkAnswers(context.Background())
	})
	// Answered: nothing is waiting any more, nothing more is said.
	if waitingSets()[set] {
		t.Error("the set still waits after its notification")
	}
	test.AssertNotificationSent(t, nil, func() { u.checkAnswers(context.Background()) })
}
