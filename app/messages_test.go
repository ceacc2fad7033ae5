package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// inLanguage runs f with the interface in language code, then goes back
// to the system's (English in the tests).
func inLanguage(t *testing.T, code string, f func() string) string {
	t.Helper()
	applyLanguage(code)
	defer applyLanguage("")
	return f()
}

// checkTranslated fails when the French text is the English one, still
// holds a placeholder, or is empty.
func checkTranslated(t *testing.T, what, en, fr string) {
	t.Helper()
	switch {
	case strings.TrimSpace(fr) == "":
		t.Errorf("%s: empty in French", what)
	case fr == en:
		t.Errorf("%s: the French text is the English one: %q", what, fr)
	case strings.Contains(fr, "{{") || strings.Contains(en, "{{"):
		t.Errorf("%s: a placeholder is left:\n en %q\n fr %q", what, en, fr)
	}
}

const (
	testFS = "FS.DMFA.123456.20260105.00001.R.1.1"
	testFI = "FI.DMFA.123456.20260105.00001.R.1.1"
)

// Every error the assistant knows is shown in French when the interface
// is in French, with the values it carries.
func TestExplainTranslated(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string // in the French text
	}{
		{"wrong password", signer.ErrWrongPassword, "mot de passe"},
		{"not a p12", fmt.Errorf("x.txt: %w", signer.ErrNotP12), ".p12"},
		{"no PKCS#11", signer.ErrNoPKCS11, ""},
		{"no module", fmt.Errorf("looking: %w", signer.ErrNoModule), "eid.belgium.be"},
		{"module load", signer.ErrModuleLoad, ""},
		{"no reader", signer.ErrNoReader, ""},
		{"no card", signer.ErrNoCard, ""},
		{"token not found", signer.ErrTokenNotFound, ""},
		{"several tokens", signer.ErrAmbiguousToken, ""},
		{"PIN required", signer.ErrPINRequired, "PIN"},
		{"PIN incorrect", signer.ErrPINIncorrect, "PIN"},
		{"PIN locked", signer.ErrPINLocked, "PUK"},
		{"cancelled", signer.ErrCancelled, ""},
		{"key not found", signer.ErrKeyNotFound, ""},
		{"several keys", signer.ErrAmbiguousKey, ""},
		{"no certificate", signer.ErrCertNotFound, ""},
		{"certificate not for signing", signer.ErrCertNotForSigning, "Signature"},
		{"card removed", signer.ErrTokenRemoved, ""},
		{"mechanism", signer.ErrMechanismNotAllowed, ""},
		{"needs CRLF", fmt.Errorf("%s cannot be signed as it is: LF: %w", testFI, signer.ErrNeedsCRLF), "CRLF"},
		{"too large", fmt.Errorf("%s is 300 bytes: %w", testFI, signer.ErrTooLarge), "200 Mo"},
		{"already prepared", &workflow.Message{Code: workflow.MsgAlreadyPrepared, Args: map[string]string{"name": testFS}, Err: signer.ErrAlreadyPrepared}, testFS},
		{"already prepared, no name", fmt.Errorf("%s: %w", testFS, signer.ErrAlreadyPrepared), "FS/GO"},
		{"changed after signing", fmt.Errorf("verify: %w", signer.ErrChangedAfterSigning), "125"},
		{"not text-mode safe", fmt.Errorf("%s: %w: LF", testFI, signer.ErrNotTextModeSafe), "CRLF"},
		{"already on server", uploader.ErrAlreadyOnServer, ""},
		{"send stopped", &uploader.SendError{Set: "GO.x", Folder: "IN", OnServer: []string{testFI, testFS}, Err: uploader.ErrLogin}, testFS},
		{"send stopped, nothing there", &uploader.SendError{Set: "GO.x", Folder: "IN", Err: errors.New("connection reset")}, "connection reset"},
		{"send cancelled", &uploader.SendError{Set: "GO.x", Folder: "IN", OnServer: []string{testFI}, Err: context.Canceled}, testFI},
		{"GO uncertain", &uploader.SendError{Set: "GO.x", Folder: "IN", GOUncertain: true, Err: uploader.ErrTLS}, "Réponses"},
		{"incomplete", &workflow.Message{Code: workflow.MsgIncomplete, Args: map[string]string{"missing": testFS}, Err: uploader.ErrIncomplete}, testFS},
		{"incomplete, no name", uploader.ErrIncomplete, ""},
		{"changed while sent", &uploader.SendError{Set: "GO.x", Folder: "IN", Err: fmt.Errorf("%s: %w: %s was opened for writing by another program while it was being sent", testFI, uploader.ErrFileChanged, testFI)}, "un autre programme"},
		{"bad signature", &workflow.Message{Code: workflow.MsgBadSignature, Args: map[string]string{"fs": testFS, "fi": testFI}, Err: uploader.ErrBadSignature}, testFS},
		{"already sent", workflow.Msg(workflow.MsgAlreadySent, "set", "GO.x", "account", "u@h", "state", "ack-accepted", "when", "2026-11-21 10:00"), "u@h"},
		{"being sent", workflow.Msg(workflow.MsgBusy, "set", "GO.x", "account", "u@h", "since", "2026-11-21 10:00"), "u@h"},
		{"GO uncertain (ledger)", workflow.Msg(workflow.MsgGOUncertain, "set", "GO.x", "account", "u@h"), "GO.x"},
		{"no identity", workflow.ErrNoIdentity, "service d'enregistrement"},
		{"no keychain", uploader.ErrNoKeychain, ""},
		{"no password", uploader.ErrNoPassword, ""},
		{"no profile", fmt.Errorf("office: %w", uploader.ErrNoProfile), ""},
		{"host key changed", &uploader.HostKeyError{Host: "sftp.example.be:22", Fingerprint: "SHA256:abc", Changed: true}, "sftp.example.be:22"},
		{"host key unknown", &uploader.HostKeyError{Host: "sftp.example.be:22", Fingerprint: "SHA256:abc"}, "sftp.example.be:22"},
		{"login", fmt.Errorf("dial: %w", uploader.ErrLogin), ""},
		{"key passphrase", uploader.ErrKeyPassphrase, ""},
		{"folder missing", uploader.ErrFolderMissing, ""},
		{"TLS", uploader.ErrTLS, ""},
		{"TLS required", fmt.Errorf("%w: 550 SSL/TLS required", uploader.ErrTLSRequired), "ftps"},
		{"refused", fmt.Errorf("store: %w", uploader.ErrRefused), ""},
		{"endpoint", fmt.Errorf("%w: no host", uploader.ErrEndpoint), ""},
		{"fetch incomplete", uploader.ErrFetchIncomplete, ""},
		{"zip too large", uploader.ErrZipTooLarge, ""},
		{"reply too large", uploader.ErrReplyTooLarge, ""},
		{"no private key", signer.ErrNoPrivateKey, ""},
		{"p12 work", signer.ErrP12TooMuchWork, ""},
		{"line too long", &batch.LineTooLongError{MaxPart: 200e6}, ""},
		{"connection cancelled", context.Canceled, ""},
		{"name", &batch.NameError{Name: testFI, Field: "date", Code: 126, Reason: "the date is more than a year old"}, "126"},
		{"empty declaration", batch.ErrEmptyDeclaration, "134"},
		{"name taken", batch.ErrNameTaken, ""},
		{"file gone", &fs.PathError{Op: "open", Path: "/tmp/gone.xml", Err: fs.ErrNotExist}, "/tmp/gone.xml"},
		{"permission", fmt.Errorf("reading: %w", &fs.PathError{Op: "open", Path: "/root/x", Err: fs.ErrPermission}), "/root/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := explainKnown(tc.err); !ok {
				t.Fatalf("%v is not mapped", tc.err)
			}
			en := inLanguage(t, "en", func() string { return explain(tc.err) })
			fr := inLanguage(t, "fr", func() string { return explain(tc.err) })
			checkTranslated(t, tc.name, en, fr)
			if !strings.Contains(fr, tc.want) {
				t.Errorf("French text %q should mention %q", fr, tc.want)
			}
			if fr == tc.err.Error() {
				t.Errorf("French text is the error itself: %q", fr)
			}
		})
	}
}

// An error Expeditor does not know keeps its text, with the signer's hint.
func TestExplainUnknown(t *testing.T) {
	err := errors.New("disk on fire")
	if got := inLanguage(t, "fr", func() string { return explain(err) }); got != "disk on fire" {
		t.Errorf("explain = %q", got)
	}
	wrapped := inLanguage(t, "fr", func() string {
		return explainIn(err, "La préparation a échoué : "+explain(err))
	})
	if wrapped != "La préparation a échoué : disk on fire" {
		t.Errorf("explainIn = %q", wrapped)
	}
	if explain(nil) != "" {
		t.Error("explain(nil) should be empty")
	}
}

// Every certificate finding is shown in French, by its code, with its
// values.
func TestCertificateFindingsTranslated(t *testing.T) {
	now := time.Now()
	day := 24 * time.Hour
	codes := map[string]bool{}
	for _, opts := range []testpki.Options{
		{Key: "ec384", CommonName: "Marie Dupont"},
		{Key: "rsa1024", WithCA: true},
		{Key: "ec384", Digest: "sha1"},
		{Key: "ec384", WithCA: true, KeyUsage: "keyEncipherment"},
		{Key: "ec384", WithCA: true, NotBefore: now.Add(-400 * day), NotAfter: now.Add(-3 * day)},
		{Key: "ec384", WithCA: true, NotBefore: now.Add(5 * day), NotAfter: now.Add(400 * day)},
		{Key: "ec384", WithCA: true, Days: 10},
	} {
		id := testpki.New(t, opts)
		for _, f := range signer.CheckCertificate(id.Cert, now) {
			codes[f.Code] = true
			en := inLanguage(t, "en", func() string { return findingText(f) })
			fr := inLanguage(t, "fr", func() string { return findingText(f) })
			checkTranslated(t, f.Code, en, fr)
			if fr == f.Message {
				t.Errorf("%s: not translated: %q", f.Code, fr)
			}
			for _, v := range []string{"Date", "Days", "Algorithm"} {
				if a := f.Args[v]; a != "" && v != "Date" && !strings.Contains(fr, a) {
					t.Errorf("%s: French text %q lacks %s %q", f.Code, fr, v, a)
				}
			}
			if d := f.Args["Date"]; d != "" {
				day, _ := time.Parse("2006-01-02", d)
				if !strings.Contains(fr, day.Format("02/01/2006")) {
					t.Errorf("%s: French text %q lacks the date %s", f.Code, fr, d)
				}
			}
		}
	}
	for _, c := range []string{"subject", "issuer", "validity", "key", "key-weak", "sig-weak", "usage-no-signing", "expired", "not-yet-valid", "expiring-soon", "self-signed"} {
		if !codes[c] {
			t.Errorf("no test certificate gave a %q finding", c)
		}
	}
	// A code this version does not know keeps the English message.
	f := signer.Finding{Code: "future", Message: "something new"}
	if got := inLanguage(t, "fr", func() string { return findingText(f) }); got != "something new" {
		t.Errorf("unknown code: %q", got)
	}
	if got := inLanguage(t, "fr", func() string {
		return findingText(signer.Finding{Code: "key-unsupported", Args: map[string]string{"Key": "Ed25519"}})
	}); !strings.Contains(got, "Détails") || strings.Contains(got, "Ed25519") || strings.Contains(got, "{{") {
		t.Errorf("key-unsupported: %q", got)
	}
}

// Every kind of note signer.Prepare writes is recognised and shown in
// French: this keeps notePatterns in step with the signer's wording.
func TestPrepareNotesTranslated(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384", WithCA: true})
	cred, err := signer.LoadP12(id.P12, []byte(id.Password))
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().Format("20060102")
	old := time.Now().AddDate(-2, 0, 0).Format("20060102")
	dir := t.TempDir()
	write := func(name, content string) string {
		return writeFile(t, dir, name, content)
	}
	var notes []signer.Note
	prepare := func(paths []string, opts signer.PrepareOptions) {
		t.Helper()
		opts.Force = true
		res, err := signer.Prepare(context.Background(), paths, cred, opts)
		if err != nil {
			t.Fatalf("Prepare %v: %v", paths, err)
		}
		notes = append(notes, res.Notes...)
	}
	// A test file (no FS) with an FS lying there, and its second part
	// missing; an old date.
	write("FS.DMFA.123456."+old+".00001.T.2.1", "x")
	prepare([]string{write("FI.DMFA.123456."+old+".00001.T.2.1", "<a/>\r\n")}, signer.PrepareOptions{})
	// Unix line endings converted; a file split.
	prepare([]string{write("FI.DMFA.123456."+day+".00002.R.1.1", "<a>\n<b/>\n</a>\n")}, signer.PrepareOptions{ConvertCRLF: true})
	prepare([]string{write("FI.DMFA.123456."+day+".00003.R.1.1", strings.Repeat("<line/>\r\n", 6))}, signer.PrepareOptions{Split: true, MaxPart: 20})
	// A production set whose other part is not signed, or signed badly.
	write("FI.DMFA.123456."+day+".00004.R.2.2", "<b/>\r\n")
	prepare([]string{write("FI.DMFA.123456."+day+".00004.R.2.1", "<a/>\r\n")}, signer.PrepareOptions{})
	write("FI.DMFA.123456."+day+".00005.R.2.2", "<b/>\r\n")
	write("FS.DMFA.123456."+day+".00005.R.2.2", "bm90IGEgc2lnbmF0dXJl\r\n")
	prepare([]string{write("FI.DMFA.123456."+day+".00005.R.2.1", "<a/>\r\n")}, signer.PrepareOptions{})

	kinds := map[string]bool{}
	for _, n := range notes {
		kinds[n.Code] = true
		en := inLanguage(t, "en", func() string { return noteText(n) })
		fr := inLanguage(t, "fr", func() string { return noteText(n) })
		if en == n.Message || fr == n.Message {
			t.Errorf("note not recognised: %q (%s)", n.Message, n.Code)
			continue
		}
		checkTranslated(t, n.Message, en, fr)
	}
	for _, k := range noteKinds {
		if !kinds[k] {
			t.Errorf("no note of kind %q was made; notes: %v", k, notes)
		}
	}
	if len(kinds) != len(noteKinds) {
		t.Errorf("Prepare made notes of kinds %v; noteKinds has %v", kinds, noteKinds)
	}
	unknown := signer.Note{Code: "new", Message: "a note of a new kind"}
	if got := noteText(unknown); got != unknown.Message {
		t.Errorf("unknown note: %q", got)
	}
}

// The line-ending problems asked about before converting are in French.
func TestLineEndingsTranslated(t *testing.T) {
	for _, le := range []signer.LineEndings{
		{BareLF: 3, Lines: 3},
		{CRLF: 2, BareLF: 1, FirstBadLine: 3, Lines: 3},
		{BareCR: 1, BareLF: 1, FirstBadLine: 1, Lines: 1},
	} {
		en := inLanguage(t, "en", func() string { return lineEndingsText(le) })
		fr := inLanguage(t, "fr", func() string { return lineEndingsText(le) })
		checkTranslated(t, le.Problem(), en, fr)
	}
	if lineEndingsText(signer.LineEndings{TextModeSafe: true}) != "" {
		t.Error("a safe file has no problem")
	}
	fr := inLanguage(t, "fr", func() string { return notifyText("type your PIN on the card reader's keypad") })
	checkTranslated(t, "pinpad", "type your PIN on the card reader's keypad", fr)
}

// In French, a wrong .p12 password is said in French, and the
// certificate check of the right one too.
func TestWrongPasswordFrench(t *testing.T) {
	u, _ := newTestUI(t)
	u.setLanguage("fr")
	t.Cleanup(func() { u.setLanguage("") })
	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	nameDeclaration(t, u, t.TempDir(), batch.Production)

	useP12(t, u, id.P12, "pas-le-bon")
	if u.state.cred != nil {
		t.Fatal("a wrong password gave a credential")
	}
	want := loadLang(t, "fr")["sig.file.wrongpassword"]
	if u.sig.message.Text != want {
		t.Errorf("message = %q, want %q", u.sig.message.Text, want)
	}

	u.sig.passwordEntry.SetText("")
	test.Type(u.sig.passwordEntry, id.Password)
	test.Tap(u.sig.useFileButton)
	u.tasks.wait()
	if u.state.cred == nil {
		t.Fatalf("no credential: %q", u.sig.message.Text)
	}
	check := rendered(u.sig.findings)
	// The holder's name and "valid until" in plain words; the full subject
	// and the validity dates are under Details.
	for _, want := range []string{"Titulaire : Marie Dupont", "Valable jusqu'au ", "auto-signé", "Titulaire : CN=Marie Dupont", "Valable du "} {
		if !strings.Contains(check, want) {
			t.Errorf("the certificate check lacks %q:\n%s", want, check)
		}
	}
	if strings.Contains(check, "subject:") || strings.Contains(check, "{{") {
		t.Errorf("the certificate check is not in French:\n%s", check)
	}
}

// The profile form says the Chaman warnings, refused addresses and
// refused profile names in French, by their codes, with their values.
func TestProfileMessagesTranslated(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil && os.Getenv("CI") == "" {
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	genkey := func(name string, args ...string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		args = append([]string{"genpkey", "-out", path}, args...)
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", args, err, out)
		}
		return path
	}
	small := genkey("small", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
	ed := genkey("ed", "-algorithm", "ED25519")
	ftp := uploader.Endpoint{Scheme: "ftp", User: "sender0123", Host: uploader.DefaultFTPHost}
	sftp := func(key string) uploader.Endpoint {
		return uploader.Endpoint{Scheme: "sftp", User: "sender0123", Host: uploader.DefaultSFTPHost, IdentityFile: key}
	}
	var warnings []uploader.Warning
	for _, c := range []struct {
		ep uploader.Endpoint
		pw string
	}{
		{uploader.Endpoint{Scheme: "ftp", User: "ab"}, "ab;cd=12"},
		{ftp, "abcdefghijk;=1234"},
		{ftp, "ab; cd=12"},
		{ftp, "ab;cd=12é"},
		{ftp, "abcdef12"},
		{sftp(filepath.Join(dir, "missing")), ""},
		{sftp(small), ""},
		{sftp(ed), ""},
	} {
		var pw []byte
		if c.pw != "" {
			pw = []byte(c.pw)
		}
		warnings = append(warnings, uploader.CheckCredentials(c.ep, pw)...)
	}
	seen := map[string]bool{}
	for _, w := range warnings {
		seen[w.Code] = true
		en := inLanguage(t, "en", func() string { return chamanText(w) })
		fr := inLanguage(t, "fr", func() string { return chamanText(w) })
		checkTranslated(t, "chaman."+w.Code, en, fr)
		for _, a := range []string{"User", "Allowed", "File", "Type", "Bits"} {
			if v := w.Args[a]; v != "" && !strings.Contains(fr, v) {
				t.Errorf("%s: French text %q lacks %s %q", w.Code, fr, a, v)
			}
		}
	}
	for _, c := range uploader.WarningCodes {
		if !seen[c] {
			t.Errorf("no test account gave the warning %q", c)
		}
	}
	if got := inLanguage(t, "fr", func() string { return chamanText(uploader.Warning{Code: "future", Message: "something new"}) }); got != "something new" {
		t.Errorf("unknown warning code: %q", got)
	}

	errs := map[string]error{}
	for _, addr := range []string{
		"ftp.socialsecurity.be", "ftp://u@host name", "http://u@host", "ftp://host", "ftp://u:hunter2@host",
		"ftp://u@host/IN", "ftp://u@host:99999", "ftp://u@host?colour=blue", "ftp://u@host?ssh-rsa=on", "sftp://u@host?epsv=off",
		"u@sftp://host",
	} {
		_, err := uploader.ParseEndpoint(addr)
		var ee *uploader.EndpointError
		if !errors.As(err, &ee) {
			t.Fatalf("ParseEndpoint(%q) = %v", addr, err)
		}
		errs["endpoint "+ee.Code] = err
	}
	for _, c := range uploader.EndpointErrorCodes {
		if errs["endpoint "+c] == nil {
			t.Errorf("no test address gave the error %q", c)
		}
	}
	errs["name length"] = uploader.ValidProfileName("")
	errs["name chars"] = uploader.ValidProfileName("mon bureau")
	for what, err := range errs {
		en := inLanguage(t, "en", func() string { return profileErrorText(err) })
		fr := inLanguage(t, "fr", func() string { return profileErrorText(err) })
		checkTranslated(t, what, en, fr)
		if strings.Contains(fr, "hunter2") {
			t.Errorf("%s: the password is in %q", what, fr)
		}
		var ee *uploader.EndpointError
		if errors.As(err, &ee) {
			for _, v := range ee.Args {
				if strings.Contains(en, v) && !strings.Contains(fr, v) {
					t.Errorf("%s: French text %q lacks %q", what, fr, v)
				}
			}
		}
	}
	if fr := inLanguage(t, "fr", func() string { return profileErrorText(uploader.ValidProfileName("mon bureau")) }); !strings.Contains(fr, "« mon bureau »") {
		t.Errorf("the refused name is not quoted: %q", fr)
	}
}
