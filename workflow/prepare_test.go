package workflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
)

// signTestSet writes a two-part production set and signs it with a test
// certificate (real CMS signatures, checked by the uploader as it sends).
func signTestSet(t *testing.T) (batch.Set, *signer.Prepared, signer.Credential) {
	t.Helper()
	id := testpki.New(t, testpki.Options{})
	cred, err := signer.LoadP12(id.P12, []byte(id.Password))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cred.Close() })
	dir := t.TempDir()
	date := time.Now().Format(batch.DateLayout)
	var fis []string
	for part := 1; part <= 2; part++ {
		fi := filepath.Join(dir, "FI.DMFA.123456."+date+".00001.R.2."+string(rune('0'+part)))
		if err := os.WriteFile(fi, []byte("<DmfA part=\"1\">\r\n<x/>\r\n</DmfA>\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		fis = append(fis, fi)
	}
	res, err := signer.Prepare(context.Background(), fis, cred, signer.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set, err := batch.SetOf(fis[0])
	if err != nil {
		t.Fatal(err)
	}
	return set, res, cred
}

// changeFI changes one byte of the set's first FI, keeping its size and
// its CRLF line endings.
func changeFI(t *testing.T, set batch.Set) {
	t.Helper()
	p := set.Path(set.FI(1))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[1] ^= 0x20 // "<DmfA" → "<dmfA"
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRecordPrepared(t *testing.T) {
	l := openTest(t)
	set, res, _ := signTestSet(t)
	if len(res.Parts) != 2 {
		t.Fatalf("parts %+v", res.Parts)
	}
	if err := l.RecordPrepared(res.Parts); err != nil {
		t.Fatal(err)
	}
	rec, err := l.Get("", batch.Production, set.Key())
	if err != nil || rec == nil || rec.State != StatePrepared || rec.Account != "" {
		t.Fatalf("record %+v, %v", rec, err)
	}
	if abs, _ := filepath.Abs(set.Dir); rec.Dir != abs {
		t.Errorf("dir %q", rec.Dir)
	}
	recs, _ := l.List(Query{Sets: []string{set.FI(1).String()}})
	if len(recs) != 1 || recs[0].State != StatePrepared {
		t.Errorf("List: %+v", recs)
	}
	got, err := l.PreparedDigests(set)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Parts {
		if got[filepath.Base(p.FI)] != p.SHA256 || p.SHA256 == "" {
			t.Errorf("%s: %q, signed %q", filepath.Base(p.FI), got[filepath.Base(p.FI)], p.SHA256)
		}
	}
	// Signed again: the new digests are the ones Send plans with.
	parts := append([]signer.PreparedPart(nil), res.Parts...)
	parts[0].SHA256 = strings.Repeat("ab", 32)
	if err := l.RecordPrepared(parts); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.PreparedDigests(set); got[set.FI(1).String()] != parts[0].SHA256 {
		t.Errorf("after signing again: %v", got)
	}
	// A set signed elsewhere has no digests: sent as today.
	if got, err := l.PreparedDigests(testSendSet(t)); got != nil || err != nil {
		t.Errorf("unknown set: %v, %v", got, err)
	}
}

// A declaration changed after it was signed (same size) is refused before
// its GO, and nothing of the set stays on the server.
func TestSendRefusesAChangedDeclaration(t *testing.T) {
	l := openTest(t)
	set, res, _ := signTestSet(t)
	if err := l.RecordPrepared(res.Parts); err != nil {
		t.Fatal(err)
	}
	changeFI(t, set)
	srv := &memServer{files: map[string][]byte{}}
	_, err := l.Send(context.Background(), sendReq(set, srv, false))
	if !errors.Is(err, uploader.ErrBadSignature) {
		t.Fatalf("err = %v", err)
	}
	if len(srv.files) != 0 {
		t.Errorf("left on the server: %v", srv.files)
	}
	if rec, _ := l.Get("xt1@ftp.example.be", batch.Production, set.Key()); rec == nil || rec.State != StateSendFailed {
		t.Errorf("record %+v", rec)
	}
	// Listed: the account's record only, its timeline opening with the
	// digests as prepared.
	recs, _ := l.List(Query{Sets: []string{set.Key()}})
	if len(recs) != 1 || recs[0].Account != "xt1@ftp.example.be" {
		t.Fatalf("List: %+v", recs)
	}
	if tl, _ := l.Timeline(recs[0].ID); len(tl) == 0 || tl[0].State != StatePrepared || tl[0].Files[0].SHA256 != res.Parts[0].SHA256 {
		t.Errorf("timeline %+v", tl)
	}
}

// Changed and signed again by another tool: its FS matches, but it is not
// what was prepared here, so it is refused before anything is sent.
func TestSendPlansWithPreparedDigests(t *testing.T) {
	l := openTest(t)
	set, res, cred := signTestSet(t)
	if err := l.RecordPrepared(res.Parts); err != nil {
		t.Fatal(err)
	}
	changeFI(t, set)
	var fis []string
	for _, p := range res.Parts {
		fis = append(fis, p.FI)
	}
	if _, err := signer.Prepare(context.Background(), fis, cred, signer.PrepareOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	puts := 0
	srv := &memServer{files: map[string][]byte{}, put: func(string) error { puts++; return nil }}
	_, err := l.Send(context.Background(), sendReq(set, srv, false))
	if !errors.Is(err, uploader.ErrBadSignature) || !strings.Contains(err.Error(), "prepared") {
		t.Fatalf("err = %v", err)
	}
	if puts != 0 {
		t.Errorf("%d files uploaded", puts)
	}
	// Recorded anew (signed here again): it goes.
	res2, err := signer.Prepare(context.Background(), fis, cred, signer.PrepareOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.RecordPrepared(res2.Parts); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Send(context.Background(), sendReq(set, srv, false)); err != nil {
		t.Fatalf("after signing again here: %v", err)
	}
	if len(srv.files) != 5 {
		t.Errorf("on the server: %d files", len(srv.files))
	}
}

// Without a record of its signing (another tool), a set is sent as today.
func TestSendWithoutPreparedRecord(t *testing.T) {
	l := openTest(t)
	set, _, _ := signTestSet(t)
	srv := &memServer{files: map[string][]byte{}}
	res, err := l.Send(context.Background(), sendReq(set, srv, false))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 5 || len(srv.files) != 5 {
		t.Errorf("sent %d files, %d on the server", len(res.Files), len(srv.files))
	}
}

// A plan given is sent as it is: the set is not checked again.
func TestSendUsesTheGivenPlan(t *testing.T) {
	l := openTest(t)
	set, _, _ := signTestSet(t)
	plan, err := CheckSet(set, false)
	if err != nil {
		t.Fatal(err)
	}
	// Checking again would refuse the set (the GO must be empty); the
	// plan made before does not read it again.
	plan.Files[len(plan.Files)-1].Path = ""
	if err := os.WriteFile(set.Path(set.GO()), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckSet(set, false); err == nil {
		t.Fatal("CheckSet accepted a GO that is not empty")
	}
	req := sendReq(set, &memServer{files: map[string][]byte{}}, false)
	req.Plan = plan
	if _, err := l.Send(context.Background(), req); err != nil {
		t.Fatalf("Send checked the set again: %v", err)
	}
}
