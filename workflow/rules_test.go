package workflow

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
)

// The rules below used to be written twice, in the command line and in the
// desktop assistant; each test checks that the one rule gives the answers
// both gave.

// cliNameBefore is the command line's naming checks before they moved here.
func cliNameBefore(app, sender string, day time.Time, env batch.Environment, seq string, now time.Time) (batch.Name, error) {
	n, err := batch.NewFI(app, sender, day, 1, env, 1, 1)
	if err == nil {
		err = n.CheckDate(now)
	}
	if err == nil && seq != "" {
		n, err = batch.ParseName(fmt.Sprintf("FI.%s.%s.%s.%s.%s.1.1", app, sender, n.Date, seq, env))
	}
	if err != nil {
		return n, err
	}
	if seq == "" {
		n.Seq = ""
	}
	return n, nil
}

// guiNameBefore is the assistant's (a sequence number typed and parsed
// as 1 to 99999 first).
func guiNameBefore(app, sender string, day time.Time, env batch.Environment, seq int, now time.Time) (batch.Name, error) {
	n, err := batch.NewFI(app, sender, day, seq, env, 1, 1)
	if err == nil {
		err = n.CheckDate(now)
	}
	return n, err
}

func nameCode(err error) int {
	var ne *batch.NameError
	if errors.As(err, &ne) {
		return ne.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestCheckNameAsBothFrontEnds(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.Local)
	today := now
	cases := []struct {
		app, sender string
		day         time.Time
		env         batch.Environment
		seq         string
	}{
		{"DMFA", "123456", today, batch.Production, ""},
		{"DMFA", "123456", today, batch.Test, "00007"},
		{"DMFA", "123456", today, batch.Simulation, "7"},
		{"DMFA", "123456", today, batch.Production, "00000"},
		{"DMFA", "123456", today, batch.Production, "12a45"},
		{"DMFA", "123456", today, batch.Production, "123456"},
		{"dmfa", "123456", today, batch.Production, ""},
		{"DMFA", "12345", today, batch.Production, ""},
		{"DMFA", "123456", today.AddDate(0, 0, 1), batch.Production, ""},
		{"DMFA", "123456", today.AddDate(-3, 0, 0), batch.Production, ""},
	}
	for _, c := range cases {
		got, err := CheckName(NameFields{App: c.app, Sender: c.sender, Day: c.day, Env: c.env, Seq: c.seq}, now)
		want, werr := cliNameBefore(c.app, c.sender, c.day, c.env, c.seq, now)
		if nameCode(err) != nameCode(werr) || got.String() != want.String() {
			t.Errorf("%+v: %v %v, the command line gave %v %v", c, got, err, want, werr)
		}
		// The assistant gives a number it parsed (1 to 99999).
		var seq int
		if _, serr := fmt.Sscanf(c.seq, "%d", &seq); serr != nil || seq < 1 || seq > 99999 || len(c.seq) > 5 {
			continue
		}
		gui, gerr := CheckName(NameFields{App: c.app, Sender: c.sender, Day: c.day, Env: c.env, Seq: fmt.Sprintf("%05d", seq)}, now)
		gwant, gwerr := guiNameBefore(c.app, c.sender, c.day, c.env, seq, now)
		if nameCode(gerr) != nameCode(gwerr) || gui.String() != gwant.String() {
			t.Errorf("%+v: %v %v, the assistant gave %v %v", c, gui, gerr, gwant, gwerr)
		}
	}
}

func TestNameDeclarationWithTheJournal(t *testing.T) {
	t.Setenv("EXPEDITOR_HOME", t.TempDir())
	dir := t.TempDir()
	src := filepath.Join(dir, "export.xml")
	if err := os.WriteFile(src, []byte("<DmfA/>\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := CheckName(NameFields{App: "DMFA", Sender: "123456", Env: batch.Test, Day: time.Now()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := NextFreeSeq(dir, n); err != nil || seq != 1 {
		t.Fatalf("next free: %d, %v", seq, err)
	}
	named, dst, err := NameDeclaration(context.Background(), src, dir, n)
	if err != nil || named.Seq != "00001" || filepath.Base(dst) != named.String() {
		t.Fatalf("named %v %s, %v", named, dst, err)
	}
	// The number is used: the next is 2, and 1 given by hand is refused (133).
	if seq, err := NextFreeSeq(dir, n); err != nil || seq != 2 {
		t.Errorf("next free after naming: %d, %v", seq, err)
	}
	n.Seq = "00001"
	if _, _, err := NameDeclaration(context.Background(), src, t.TempDir(), n); nameCode(err) != batch.CodeNameAlreadySent {
		t.Errorf("a used number: %v", err)
	}
}

func TestEmptyDeclarationRule(t *testing.T) {
	t.Setenv("EXPEDITOR_HOME", t.TempDir())
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.xml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := CheckDeclaration(empty)
	var m *Message
	if !errors.As(err, &m) || m.Code != MsgEmptyDeclaration || m.Args["name"] != "empty.xml" || !errors.Is(err, batch.ErrEmptyDeclaration) {
		t.Fatalf("empty file: %#v", err)
	}
	// The same words as batch's own refusal, which the command line showed.
	n, _ := CheckName(NameFields{App: "DMFA", Sender: "123456", Env: batch.Test, Day: time.Now()}, time.Now())
	_, _, berr := batch.NameDeclaration(context.Background(), openTest(t), empty, dir, n)
	_, _, werr := NameDeclaration(context.Background(), empty, dir, n)
	if berr == nil || werr == nil || werr.Error() != berr.Error() || !errors.Is(werr, batch.ErrEmptyDeclaration) {
		t.Errorf("naming an empty file: %v, batch said %v", werr, berr)
	}
	if err := CheckDeclaration(dir); err == nil {
		t.Error("a folder passed as a declaration")
	}
	// Sending: an empty part of a set is the same coded message.
	fi := filepath.Join(dir, "FI.DMFA.123456."+time.Now().Format(batch.DateLayout)+".00001.T.1.1")
	os.WriteFile(fi, nil, 0o644)
	set, _ := batch.SetOf(fi)
	os.WriteFile(set.Path(set.GO()), nil, 0o644)
	if _, err := CheckSet(set, false); !errors.As(err, &m) || m.Code != MsgEmptyDeclaration {
		t.Errorf("CheckSet of an empty part: %v", err)
	}
}

func TestSignatureNeeded(t *testing.T) {
	for _, env := range batch.Environments {
		for _, signTest := range []bool{false, true} {
			if got, want := SignatureNeeded(env, signTest), env == batch.Production || signTest; got != want {
				t.Errorf("%s, sign test %v: %v", env, signTest, got)
			}
		}
	}
}

// certInfo makes a certificate with the key usage given, for the token's
// listing.
func certInfo(t *testing.T, label string, ku x509.KeyUsage, ca bool) signer.CertInfo {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: label},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: ku,
		IsCA: ca, BasicConstraintsValid: ca}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return signer.CertInfo{Label: label, Cert: c}
}

// guiDefaultBefore is the key the assistant preselected: the one labelled
// "Signature", else the first listed.
func guiDefaultBefore(keys []signer.KeyInfo) string {
	if len(keys) == 0 {
		return ""
	}
	def := keys[0].Label
	for _, k := range keys {
		if k.Label == signer.EIDSignatureLabel {
			def = k.Label
		}
	}
	return def
}

func labels(keys []signer.KeyInfo) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Label)
	}
	return out
}

func TestTokenKeyChoice(t *testing.T) {
	auth := certInfo(t, "Authentication", x509.KeyUsageDigitalSignature, false)
	sig := certInfo(t, "Signature", x509.KeyUsageContentCommitment, false)
	ca := certInfo(t, "CA", x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature, true)
	enc := certInfo(t, "Encryption", x509.KeyUsageKeyEncipherment, false)

	// An eID card that hides its keys until the PIN: its certificates
	// stand for them; the CA's does not; "Signature" signs.
	hidden := &signer.TokenInfo{Label: "BELPIC", LoginRequired: true, Certificates: []signer.CertInfo{auth, sig, ca}}
	keys := TokenKeys(hidden)
	if got := fmt.Sprint(labels(keys)); got != "[Authentication Signature]" {
		t.Errorf("hidden keys: %s", got)
	}
	if def, err := DefaultKey(hidden); def != "Signature" || err != nil || def != guiDefaultBefore(keys) {
		t.Errorf("hidden default: %q, %v", def, err)
	}

	// A token that listed its keys: the default is signer's choice (the
	// one OpenToken takes), which the assistant preselected too.
	listed := &signer.TokenInfo{LoggedIn: true, Keys: []signer.KeyInfo{
		{Label: "Authentication", Certificate: &auth}, {Label: "Signature", Certificate: &sig}, {Label: "Encryption", Certificate: &enc},
	}, DefaultKey: "Signature"}
	keys = TokenKeys(listed)
	if got := fmt.Sprint(labels(keys)); got != "[Authentication Signature]" {
		t.Errorf("listed keys: %s", got)
	}
	if def, _ := DefaultKey(listed); def != "Signature" || def != guiDefaultBefore(keys) {
		t.Errorf("listed default: %q", def)
	}

	// Two signing keys, neither "Signature": no default (the command line
	// asks for --key; the assistant preselects the first and lets choose).
	amb := &signer.TokenInfo{Keys: []signer.KeyInfo{{Label: "a", Certificate: &auth}, {Label: "b", Certificate: &auth}},
		DefaultErr: signer.ErrAmbiguousKey}
	if def, err := DefaultKey(amb); def != "" || !errors.Is(err, signer.ErrAmbiguousKey) {
		t.Errorf("ambiguous: %q, %v", def, err)
	}
	// One signing key of another name, hidden: it signs.
	one := &signer.TokenInfo{LoginRequired: true, Certificates: []signer.CertInfo{auth, enc}}
	if def, err := DefaultKey(one); def != "Authentication" || err != nil {
		t.Errorf("only key: %q, %v", def, err)
	}
}

func TestProfileEndpointDefaults(t *testing.T) {
	cases := []struct {
		in         uploader.Endpoint
		host       string
		port       int
		wantErr    error
		endpointer bool
	}{
		{in: uploader.Endpoint{Scheme: "ftp", User: "sender0123"}, host: uploader.DefaultFTPHost, port: uploader.DefaultFTPPort},
		{in: uploader.Endpoint{Scheme: "ftps", User: "sender0123"}, host: uploader.DefaultFTPHost, port: uploader.DefaultFTPPort},
		{in: uploader.Endpoint{User: "sender0123"}, host: uploader.DefaultFTPHost, port: uploader.DefaultFTPPort},
		{in: uploader.Endpoint{Scheme: "sftp", User: "sender0123", IdentityFile: "/k"}, host: uploader.DefaultSFTPHost, port: uploader.DefaultSFTPPort},
		{in: uploader.Endpoint{Scheme: "sftp", User: "u", Host: "sftp.example.be", IdentityFile: "/k"}, host: "sftp.example.be", port: 22},
		{in: uploader.Endpoint{Scheme: "ftp", User: "u", Host: "ftp.example.be", Port: 2121}, host: "ftp.example.be", port: 2121},
		{in: uploader.Endpoint{Scheme: "sftp", User: "sender0123"}, host: uploader.DefaultSFTPHost, port: uploader.DefaultSFTPPort, wantErr: ErrNoIdentity},
		{in: uploader.Endpoint{Scheme: "ftp", User: "u", IdentityFile: "/k"}, wantErr: uploader.ErrEndpoint, endpointer: true},
		{in: uploader.Endpoint{Scheme: "ftp"}, wantErr: uploader.ErrEndpoint, endpointer: true},
	}
	for _, c := range cases {
		got, err := ProfileEndpoint(c.in)
		if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
			t.Errorf("%+v: error %v, want %v", c.in, err, c.wantErr)
			continue
		}
		var ee *uploader.EndpointError
		if c.endpointer != errors.As(err, &ee) {
			t.Errorf("%+v: %v is not an EndpointError", c.in, err)
		}
		if c.host != "" && (got.Host != c.host || got.Port != c.port) {
			t.Errorf("%+v: %s:%d, want %s:%d", c.in, got.Host, got.Port, c.host, c.port)
		}
		// What the command line reads from the same address is the same.
		if err == nil {
			parsed, perr := uploader.ParseEndpoint(got.String())
			if perr != nil || parsed != got {
				t.Errorf("%+v: %+v reads back as %+v, %v", c.in, got, parsed, perr)
			}
		}
	}
}

func TestCancel(t *testing.T) {
	l := openTest(t)
	set := testSendSet(t)
	srv := &memServer{files: map[string][]byte{}}
	req := CancelRequest{Endpoint: uploader.Endpoint{Scheme: "ftp", User: "xt1", Host: "ftp.example.be"}, Set: set.FI(1).String(), Transport: srv}
	td := set.Base.With(batch.TD).String()
	var m *Message

	// Never sent to the account: refused, nothing uploaded or recorded.
	if _, err := l.Cancel(context.Background(), req); !errors.As(err, &m) || m.Code != MsgCancelNotSent {
		t.Fatalf("not sent: %v", err)
	}
	if len(srv.files) != 0 {
		t.Fatalf("uploaded: %v", srv.files)
	}
	if rec, _ := l.Get("xt1@ftp.example.be", set.Base.Env, set.Key()); rec != nil {
		t.Fatalf("recorded: %+v", rec)
	}

	if _, err := l.Send(context.Background(), sendReq(set, srv, false)); err != nil {
		t.Fatal(err)
	}
	res, err := l.Cancel(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := srv.files["INTEST/"+td]; !ok || len(b) != 0 || res.TD != td || res.Folder != "INTEST" {
		t.Errorf("TD on the server: %v, result %+v", srv.files, res)
	}
	if res.Record.State != StateCancelled || res.Prior == nil || res.Prior.State != StateSent || res.Note.Code != MsgCancelSent {
		t.Errorf("recorded %+v, prior %+v, note %v", res.Record, res.Prior, res.Note)
	}
	tl, _ := l.Timeline(res.Record.ID)
	if last := tl[len(tl)-1]; last.State != StateCancelled || len(last.Files) != 1 || last.Files[0].Name != td {
		t.Errorf("timeline %+v", tl)
	}
	// Sending it again is a deliberate act, like after a send.
	if _, err := l.Send(context.Background(), sendReq(set, srv, false)); !errors.As(err, &m) || m.Code != MsgAlreadySent {
		t.Errorf("send after the TD: %v", err)
	}
	// A second TD: refused, unless forced.
	if _, err := l.Cancel(context.Background(), req); !errors.As(err, &m) || m.Code != MsgCancelAgain {
		t.Errorf("second TD: %v", err)
	}
	forced := req
	forced.Force = true
	if _, err := l.Cancel(context.Background(), forced); err != nil {
		t.Errorf("forced: %v", err)
	}
	// The replies tell: a notification after the TD moves the state on,
	// and a processed set is refused.
	if _, err := l.AddByName("xt1@ftp.example.be", set.Base.Env, set.Key(), Event{State: StateNotiAccepted}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Cancel(context.Background(), req); !errors.As(err, &m) || m.Code != MsgCancelProcessed || m.Args["state"] != string(StateNotiAccepted) {
		t.Errorf("processed: %v", err)
	}
	// An upload that fails records nothing.
	other := "GO.DMFA.123456." + time.Now().Format(batch.DateLayout) + ".00002.T.1"
	failing := &memServer{files: map[string][]byte{}, put: func(string) error { return errors.New("550 no") }}
	freq := CancelRequest{Endpoint: req.Endpoint, Set: other, Transport: failing, Force: true}
	if _, err := l.Cancel(context.Background(), freq); err == nil {
		t.Error("a failed upload succeeded")
	}
	if rec, _ := l.Get("xt1@ftp.example.be", batch.Test, other); rec != nil {
		t.Errorf("a failed TD was recorded: %+v", rec)
	}
	// A reply's name is no set to cancel.
	if _, err := TDName("FO.ACRF.999999.20261121.00001.R"); err == nil {
		t.Error("a reply's TD")
	}
}

// A test set prepared without a signature is recorded as prepared, with
// the SHA-256 of its parts, like a signed one; send does not hold it to
// those digests, since nothing signed them.
func TestRecordPreparedUnsigned(t *testing.T) {
	t.Setenv("EXPEDITOR_HOME", t.TempDir())
	dir := t.TempDir()
	content := []byte("<DmfA/>\r\n")
	fi := filepath.Join(dir, "FI.DMFA.123456."+time.Now().Format(batch.DateLayout)+".00001.T.1.1")
	if err := os.WriteFile(fi, content, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := signer.Prepare(context.Background(), []string{fi}, nil, signer.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Parts) != 0 {
		t.Fatalf("signed parts: %+v", res.Parts)
	}
	if err := RecordPrepared(res); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	set, _ := batch.SetOf(fi)
	rec, err := l.Get("", batch.Test, set.Key())
	if err != nil || rec == nil || rec.State != StatePrepared {
		t.Fatalf("record %+v, %v", rec, err)
	}
	tl, _ := l.Timeline(rec.ID)
	sum := sha256.Sum256(content)
	if len(tl) != 1 || len(tl[0].Files) != 1 || tl[0].Files[0].SHA256 != hex.EncodeToString(sum[:]) || tl[0].Files[0].Size != int64(len(content)) {
		t.Errorf("timeline %+v", tl)
	}
	if recs, _ := l.List(Query{}); len(recs) != 1 {
		t.Errorf("status lists %+v", recs)
	}
	if d, err := l.PreparedDigests(set); d != nil || err != nil {
		t.Errorf("digests of an unsigned set: %v, %v", d, err)
	}
}

// Which states a TD may follow, without --force.
func TestCheckCancelStates(t *testing.T) {
	want := map[State]Code{
		StatePrepared: MsgCancelNotSent, StateSending: MsgCancelNotSent, StateSendFailed: MsgCancelNotSent,
		StateSent: "", StateGOUncertain: "", StateAckAccepted: "",
		StateAckRefused: MsgCancelProcessed, StateNotiAccepted: MsgCancelProcessed, StateNotiAnomalies: MsgCancelProcessed,
		StateNotiRefused: MsgCancelProcessed, StateCancelled: MsgCancelAgain,
	}
	if len(want) != len(States) {
		t.Fatalf("a state is missing from the table")
	}
	for i, st := range States {
		l := openTest(t)
		set := testSet(i + 1)
		if _, err := l.Add("a@h", set, Event{State: st}); err != nil {
			t.Fatal(err)
		}
		_, err := l.CheckCancel("a@h", set.Base.Env, set.Key())
		var m *Message
		got := Code("")
		if errors.As(err, &m) {
			got = m.Code
		} else if err != nil {
			t.Fatal(err)
		}
		if got != want[st] {
			t.Errorf("%s: %q, want %q", st, got, want[st])
		}
	}
	if _, err := openTest(t).CheckCancel("a@h", batch.Production, testSet(99).Key()); !errors.Is(err, &Message{Code: MsgCancelNotSent}) {
		t.Errorf("no record: %v", err)
	}
}
