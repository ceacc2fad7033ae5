package practice

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
)

// The whole flow with the real parts: a declaration is named, signed with
// the demo certificate (signer.Prepare writes its FS and GO) and sent with
// uploader.SendSet over explicit TLS trusting the practice certificate. It
// is accepted, with an acknowledgement and a notification (each with its
// GO) in OUT, and its files leave IN once answered.
func TestAcceptedOverTLS(t *testing.T) {
	srv := startPractice(t, Options{Now: func() time.Time { return practiceNow }, MoveDelay: time.Hour})
	cred := demoCredential(t)
	dir := t.TempDir()
	fi := filepath.Join(dir, name("FI", "R.1.1"))
	if err := os.WriteFile(fi, decl, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := signer.Prepare(context.Background(), []string{fi}, cred, signer.PrepareOptions{}); err != nil {
		t.Fatal(err)
	}
	set, err := batch.SetOf(fi)
	if err != nil {
		t.Fatal(err)
	}
	tr := dial(t, srv.Server, srv.User, true)
	if _, err := uploader.SendSet(context.Background(), tr, set, uploader.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	// The files wait in IN until the next login (or MoveDelay).
	in, _ := os.ReadDir(filepath.Join(srv.Accounts, "practice", "IN"))
	if len(in) != 3 {
		t.Errorf("IN holds %d files right after sending, want the 3 sent", len(in))
	}
	out, err := tr.List(context.Background(), "OUT")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range out {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	want := []string{
		"FO.ACRF.999999." + today + ".00001.R", "FO.NOTI.999999." + today + ".00002.R",
		"GO.ACRF.999999." + today + ".00001.R", "GO.NOTI.999999." + today + ".00002.R",
	}
	if !slices.Equal(names, want) {
		t.Errorf("OUT holds %v, want %v", names, want)
	}

	tr2 := dial(t, srv.Server, srv.User, true)
	_, got := fetchReplies(t, tr2, batch.Production)
	var kinds []string
	for _, r := range got {
		if r.Reply == nil {
			continue
		}
		kinds = append(kinds, r.Reply.Kind)
		if !r.Reply.Accepted || r.Reply.About != name("GO", "R.1") || len(r.Reply.Errors) != 0 {
			t.Errorf("%s: %s about %s, errors %v", r.Remote, r.Reply.Outcome(), r.Reply.About, r.Reply.Errors)
		}
	}
	if !slices.Equal(kinds, []string{batch.KindACRF, batch.KindNOTI}) {
		t.Errorf("replies %v, want an ACRF and a NOTI", kinds)
	}
	if rest, _ := tr2.List(context.Background(), "OUT"); len(rest) != 0 {
		t.Errorf("OUT still holds %v after fetching with Delete", rest)
	}
	// The second login moved the answered files out of IN.
	in, _ = os.ReadDir(filepath.Join(srv.Accounts, "practice", "IN"))
	if len(in) != 0 {
		t.Errorf("IN still holds %v after the answer", in)
	}
	for _, n := range []string{name("FI", "R.1.1"), name("FS", "R.1.1"), name("GO", "R.1")} {
		if _, err := os.Stat(filepath.Join(srv.Root, "received", "practice", "IN", n)); err != nil {
			t.Errorf("%s not put aside: %v", n, err)
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.answers) != 1 || !srv.answers[0].Accepted || srv.answers[0].Notification == "" {
		t.Errorf("answers: %+v", srv.answers)
	}
}

// Files go only into the upload folders, and folders cannot be made.
func TestFoldersAreFixed(t *testing.T) {
	srv := startPractice(t, Options{})
	c := rawConn(t, srv.Server, srv.User, false)
	if err := c.Stor("OUT/FI.x", strings.NewReader("x")); err == nil {
		t.Error("upload into OUT accepted")
	}
	if err := c.MakeDir("MINE"); err == nil {
		t.Error("MKD accepted")
	}
	if err := c.Stor("../../escape", strings.NewReader("x")); err == nil {
		t.Error("upload above the account accepted")
	}
	root, err := c.NameList("/")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(root)
	want := []string{"IN", "INTEST", "INTEST-S", "OUT", "OUTTEST", "OUTTEST-S"}
	for i := range root {
		root[i] = filepath.Base(root[i])
	}
	if !slices.Equal(root, want) {
		t.Errorf("account folders %v, want %v", root, want)
	}
}

// A wrong password and an unknown user are refused; per-sender accounts
// are created at their first login.
func TestLogin(t *testing.T) {
	srv := startPractice(t, Options{})
	c := rawConn(t, srv.Server, AccountFor("000123"), false)
	c.Quit()
	if _, err := os.Stat(filepath.Join(srv.Accounts, "practice000123", "INTEST-S")); err != nil {
		t.Errorf("account not created: %v", err)
	}
	for _, user := range []string{"practice", "someone", "practice12345"} {
		pw := "wrong"
		if user != "practice" {
			pw = srv.Password
		}
		cc, err := dialOnly(srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := cc.Login(user, pw); err == nil {
			t.Errorf("login as %s with %s accepted", user, pw)
		}
		cc.Quit()
	}
}

// The demo certificate is practice-only, signs, and passes the certificate
// checks but for being self-signed.
func TestDemoCert(t *testing.T) {
	p := filepath.Join(t.TempDir(), "demo.p12")
	pw, err := DemoCert(p)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(p); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	cred, err := signer.LoadP12(p, []byte(pw))
	if err != nil {
		t.Fatal(err)
	}
	defer cred.Close()
	cert := cred.Certificate()
	if cert.Subject.CommonName != DemoSubject {
		t.Errorf("subject %q", cert.Subject.CommonName)
	}
	if cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 || cert.KeyUsage&x509.KeyUsageContentCommitment == 0 {
		t.Errorf("key usage %v", cert.KeyUsage)
	}
	if d := cert.NotAfter.Sub(time.Now()); d < 3*364*24*time.Hour || d > 3*367*24*time.Hour {
		t.Errorf("valid until %v", cert.NotAfter)
	}
	findings := signer.CheckCertificate(cert, time.Now())
	if err := signer.BlockingError(findings); err != nil {
		t.Errorf("blocking findings: %v", err)
	}
	var warnings []string
	for _, f := range findings {
		if f.Severity == signer.Warning {
			warnings = append(warnings, f.Message)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "self-signed") {
		t.Errorf("warnings %q, want only the self-signed one", warnings)
	}
	if _, err := DemoCert(p); !errors.Is(err, ErrDemoCertExists) {
		t.Errorf("second DemoCert: %v, want ErrDemoCertExists", err)
	}
}

// Ensure starts a practice point when none runs, and finds the running one
// of the same root otherwise; the password and certificate are kept.
func TestEnsure(t *testing.T) {
	root := t.TempDir()
	srv, err := Start(context.Background(), Options{Root: root, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	url, user, pw, stop, err := EnsureAt(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if url != srv.URL() || user != DefaultUser || string(pw) != srv.Password {
		t.Errorf("Ensure gave %s %s, want the running %s", url, user, srv.URL())
	}
	fp := srv.CertFingerprint
	srv.Close()
	if _, ok := Running(context.Background(), root); ok {
		t.Error("still running after Close")
	}

	// Nothing runs now: Ensure starts one (on a free port if 2121 is taken).
	url2, _, pw2, stop2, err := EnsureAt(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	defer stop2()
	if string(pw2) != string(pw) {
		t.Error("password changed between starts")
	}
	if _, ok := Running(context.Background(), root); !ok || !strings.HasPrefix(url2, "ftp://practice@127.0.0.1:") {
		t.Errorf("Ensure did not start a practice point: %s", url2)
	}
	srv3, err := Start(context.Background(), Options{Root: root, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv3.Close()
	if srv3.CertFingerprint != fp {
		t.Error("server certificate changed between starts")
	}
}

// A second practice point on a taken address says so.
func TestAddressInUse(t *testing.T) {
	srv := startPractice(t, Options{})
	_, err := Start(context.Background(), Options{Root: t.TempDir(), Listen: srv.Addr})
	if !errors.Is(err, ErrAddressInUse) {
		t.Errorf("second Start on %s: %v, want ErrAddressInUse", srv.Addr, err)
	}
}

// Files answered by a practice point that stopped before moving them are
// moved by the next one started on the same root.
func TestMovedAtNextStart(t *testing.T) {
	root := t.TempDir()
	srv := startPractice(t, Options{Root: root, MoveDelay: time.Hour})
	tr := dial(t, srv.Server, srv.User, false)
	drop(t, tr, testSet())
	tr.Close()
	in := filepath.Join(srv.Accounts, "practice", "INTEST")
	if got, _ := os.ReadDir(in); len(got) != 2 {
		t.Fatalf("INTEST holds %d files before the move, want 2", len(got))
	}
	srv.ftp.Shutdown() // a process that ends without Close
	srv2 := startPractice(t, Options{Root: root})
	if got, _ := os.ReadDir(in); len(got) != 0 {
		t.Errorf("INTEST still holds %v after the next start", got)
	}
	if _, err := os.Stat(filepath.Join(srv2.Root, "received", "practice", "INTEST", name("GO", "T.1"))); err != nil {
		t.Error(err)
	}
}
