package signer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
)

// snapshot records every file under dir with its content, to check that a
// failed Prepare left everything as it was.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			m[rel] = string(b)
		}
		return nil
	})
	return m
}

func sameFiles(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := snapshot(t, dir)
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s was left behind", k)
		}
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed or disappeared", k)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "originals")); err == nil {
		t.Error("an originals folder was left behind")
	}
}

const fi1 = "FI.DMFA.123456.20261121.00001.R.1.1"

func TestPrepareRefusesBareLF(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	lf := bytes.ReplaceAll(crlfDeclaration(50), []byte("\r\n"), []byte("\n"))
	fi := writeFile(t, dir, fi1, lf)
	before := snapshot(t, dir)
	_, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{})
	if err == nil || !errors.Is(err, ErrNeedsCRLF) || !strings.Contains(err.Error(), "LF") {
		t.Fatalf("err = %v, want a refusal explaining line endings and --crlf", err)
	}
	sameFiles(t, dir, before)

	// With consent: converted, original kept, verifies in every mode.
	res, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{ConvertCRLF: true})
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := os.ReadFile(filepath.Join(dir, "originals", fi1))
	if !bytes.Equal(kept, lf) {
		t.Error("original not kept in originals/")
	}
	got, _ := os.ReadFile(fi)
	if !bytes.Equal(got, crlfDeclaration(50)) {
		t.Error("FI not converted to CRLF")
	}
	if !slices.ContainsFunc(res.Notes, func(n Note) bool { return n.Code == "converted" && strings.Contains(n.Message, "converted to CRLF") }) {
		t.Errorf("notes %q", res.Notes)
	}
	if f := opensslVerify(t, fi, res.Written[0], ""); len(f) > 0 {
		t.Fatal(f)
	}
}

func TestPrepareExistingFS(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	fi := writeFile(t, dir, fi1, crlfDeclaration(5))
	writeFile(t, dir, "FS.DMFA.123456.20261121.00001.R.1.1", []byte("old signature"))
	before := snapshot(t, dir)
	_, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{})
	if err == nil || !strings.Contains(err.Error(), "FS.DMFA.123456.20261121.00001.R.1.1: already exists") || !errors.Is(err, ErrAlreadyPrepared) {
		t.Fatalf("err = %v", err)
	}
	sameFiles(t, dir, before)

	res, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{Force: true, SingleLine: true})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(res.Written[0])
	if bytes.ContainsAny(data, "\r\n") {
		t.Error("SingleLine FS has line breaks")
	}
	if _, err := VerifyFile(fi, res.Written[0]); err != nil {
		t.Fatal(err)
	}
	// And now the GO exists: preparing again needs --force.
	if _, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{}); !errors.Is(err, ErrAlreadyPrepared) {
		t.Errorf("second Prepare: %v", err)
	}
}

func TestPrepareNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"FI.DMFA.123456.20261121.00001.R.1.1.xml", "FI.DMFA.12345.20261121.00001.R.1.1", "declaration.xml"} {
		p := writeFile(t, dir, name, []byte("x\r\n"))
		var ne *batch.NameError
		if _, err := Prepare(context.Background(), []string{p}, nil, PrepareOptions{}); !errors.As(err, &ne) {
			t.Errorf("%s: err = %v, want a NameError", name, err)
		}
	}
	p := writeFile(t, dir, "FS.DMFA.123456.20261121.00001.R.1.1", []byte("x"))
	if _, err := Prepare(context.Background(), []string{p}, nil, PrepareOptions{}); err == nil || !strings.Contains(err.Error(), "not a declaration (FI)") {
		t.Errorf("FS given: %v", err)
	}
	if _, err := Prepare(context.Background(), []string{filepath.Join(dir, fi1)}, nil, PrepareOptions{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing FI: %v", err)
	}
	// Production needs a certificate.
	p = writeFile(t, dir, fi1, []byte("x\r\n"))
	if _, err := Prepare(context.Background(), []string{p}, nil, PrepareOptions{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("no credential: %v", err)
	}
}

func TestPrepareBlockingCertificate(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec256"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	fi := writeFile(t, dir, fi1, crlfDeclaration(5))
	before := snapshot(t, dir)
	if _, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{}); err == nil || !strings.Contains(err.Error(), "P-384") {
		t.Fatalf("err = %v", err)
	}
	sameFiles(t, dir, before)
}

// Test and simulation files get no FS unless asked, and need no
// credential; bare LF does not matter for them.
func TestPrepareTestEnvironment(t *testing.T) {
	dir := t.TempDir()
	fi := writeFile(t, dir, "FI.DMFA.123456.20261121.00002.T.1.1", []byte("a\nb\n"))
	res, err := Prepare(context.Background(), []string{fi}, nil, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "GO.DMFA.123456.20261121.00002.T.1")}; !slices.Equal(res.Written, want) {
		t.Errorf("Written = %q, want %q", res.Written, want)
	}
	if !slices.ContainsFunc(res.Notes, func(n Note) bool { return n.Code == "unsigned" && strings.Contains(n.Message, "no FS needed") }) {
		t.Errorf("notes %q", res.Notes)
	}

	id := testpki.New(t, testpki.Options{Key: "ec384"})
	fi = writeFile(t, dir, "FI.DMFA.123456.20261121.00003.S.1.1", crlfDeclaration(3))
	res, err = Prepare(context.Background(), []string{fi}, loadP12(t, id), PrepareOptions{SignTest: true})
	if err != nil || len(res.Written) != 2 || !strings.Contains(res.Written[0], "FS.DMFA.123456.20261121.00003.S.1.1") {
		t.Fatalf("%v %+v", err, res)
	}
}

// A set of three parts signed over two runs: the GO comes only when every
// part has a verifying FS.
func TestPrepareMultiPartOverTwoRuns(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "rsa2048"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	var fis []string
	for i := 1; i <= 3; i++ {
		fis = append(fis, writeFile(t, dir, "FI.DMFA.123456.20261121.00004.R.3."+string(rune('0'+i)), crlfDeclaration(10*i)))
	}
	res, err := Prepare(context.Background(), fis[:2], cred, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 2 || !slices.ContainsFunc(res.Notes, func(n Note) bool { return n.Code == "partunsigned" && strings.Contains(n.Message, "not signed") }) {
		t.Fatalf("first run: %q %q", res.Written, res.Notes)
	}
	res, err = Prepare(context.Background(), fis[2:], cred, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	goPath := filepath.Join(dir, "GO.DMFA.123456.20261121.00004.R.3")
	if len(res.Written) != 2 || res.Written[1] != goPath {
		t.Fatalf("second run: %q %q", res.Written, res.Notes)
	}
}

// A failure in the middle of a set (card pulled out, cancel) leaves
// nothing new.
func TestPrepareAllOrNothing(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	var fis []string
	for i := 1; i <= 3; i++ {
		data := crlfDeclaration(10 * i)
		if i == 3 {
			data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")) // to be converted
		}
		fis = append(fis, writeFile(t, dir, "FI.DMFA.123456.20261121.00005.R.3."+string(rune('0'+i)), data))
	}
	before := snapshot(t, dir)

	broken := &testCred{signer: &failingSigner{Signer: cred.Signer(), failAt: 3}, cert: id.Cert}
	_, err := Prepare(context.Background(), fis, broken, PrepareOptions{ConvertCRLF: true})
	if err == nil || !strings.Contains(err.Error(), "card removed") {
		t.Fatalf("err = %v", err)
	}
	sameFiles(t, dir, before)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = Prepare(ctx, fis, cred, PrepareOptions{ConvertCRLF: true, Progress: func(done, total int64) {
		if done > total/2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	sameFiles(t, dir, before)

	// And the same set succeeds once nothing goes wrong.
	var calls []int64
	res, err := Prepare(context.Background(), fis, cred, PrepareOptions{ConvertCRLF: true, Progress: func(done, total int64) { calls = append(calls, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 4 || len(calls) == 0 {
		t.Errorf("Written %q, %d progress calls", res.Written, len(calls))
	}
}

func TestPrepareSplit(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec521"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	data := crlfDeclaration(400) // about 30 kB
	fi := writeFile(t, dir, fi1, data)
	before := snapshot(t, dir)
	const maxPart = 8000

	_, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{MaxPart: maxPart})
	if err == nil || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	sameFiles(t, dir, before)

	// Too many parts: refused, nothing changed.
	_, err = Prepare(context.Background(), []string{fi}, cred, PrepareOptions{MaxPart: 2000, Split: true})
	if err == nil || !strings.Contains(err.Error(), "at most 9 parts") {
		t.Fatalf("err = %v", err)
	}
	sameFiles(t, dir, before)

	res, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{MaxPart: maxPart, Split: true})
	if err != nil {
		t.Fatal(err)
	}
	k := (len(data) + maxPart - 1) / maxPart
	if len(res.Written) != k+1 {
		t.Fatalf("Written %q for %d parts", res.Written, k)
	}
	var joined []byte
	for i := 1; i <= k; i++ {
		name := strings.Replace(fi1, "R.1.1", "R."+string(rune('0'+k))+"."+string(rune('0'+i)), 1)
		part, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(part) > maxPart {
			t.Errorf("part %d has %d bytes", i, len(part))
		}
		joined = append(joined, part...)
		fsName := "FS" + name[2:]
		if res.Written[i-1] != filepath.Join(dir, fsName) {
			t.Errorf("Written[%d] = %s", i-1, res.Written[i-1])
		}
		if f := opensslVerify(t, filepath.Join(dir, name), filepath.Join(dir, fsName), ""); len(f) > 0 {
			t.Fatal(f)
		}
	}
	if !bytes.Equal(joined, data) {
		t.Error("parts do not concatenate to the original")
	}
	if res.Written[k] != filepath.Join(dir, "GO.DMFA.123456.20261121.00001.R."+string(rune('0'+k))) {
		t.Errorf("GO = %s", res.Written[k])
	}
	if _, err := os.Stat(fi); err == nil {
		t.Error("the one-part FI is still there: it would be uploaded too")
	}
	if kept, _ := os.ReadFile(filepath.Join(dir, "originals", fi1)); !bytes.Equal(kept, data) {
		t.Error("original not kept")
	}
}

// Convert and split at once: the original kept is the untouched one, and
// no intermediate copy is left.
func TestPrepareConvertAndSplit(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	lf := bytes.ReplaceAll(crlfDeclaration(300), []byte("\r\n"), []byte("\n"))
	fi := writeFile(t, dir, fi1, lf)
	before := snapshot(t, dir)
	broken := &testCred{signer: &failingSigner{Signer: cred.Signer(), failAt: 2}, cert: id.Cert}
	if _, err := Prepare(context.Background(), []string{fi}, broken, PrepareOptions{MaxPart: 10000, Split: true, ConvertCRLF: true}); err == nil {
		t.Fatal("a failing signer succeeded")
	}
	sameFiles(t, dir, before)

	res, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{MaxPart: 10000, Split: true, ConvertCRLF: true})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "originals"))
	if len(entries) != 1 {
		t.Errorf("originals: %v", entries)
	}
	if kept, _ := os.ReadFile(filepath.Join(dir, "originals", fi1)); !bytes.Equal(kept, lf) {
		t.Error("the kept original is not the untouched file")
	}
	if len(res.Written) < 3 {
		t.Errorf("Written %q", res.Written)
	}
}
