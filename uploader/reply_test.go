package uploader

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testservers"
)

// memTransport is a transfer point in memory: folder → name → content.
// Only the reply folders matter here.
type memTransport struct {
	mu       sync.Mutex
	files    map[string]map[string][]byte
	gets     int
	cut      map[string]int  // name → bytes Get stops after (a broken transfer)
	noDelete bool            // Delete fails, like a server that refuses
	refuse   map[string]bool // names Delete fails on
	listSize map[string]int64
}

func newMem() *memTransport {
	return &memTransport{files: map[string]map[string][]byte{}, cut: map[string]int{}, listSize: map[string]int64{}}
}

func (m *memTransport) put(folder, name string, data []byte) {
	if m.files[folder] == nil {
		m.files[folder] = map[string][]byte{}
	}
	m.files[folder][name] = data
}

func (m *memTransport) names(folder string) []string {
	var n []string
	for k := range m.files[folder] {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

func (m *memTransport) List(ctx context.Context, folder string) ([]RemoteFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, ok := m.files[folder]
	if !ok {
		return nil, fmt.Errorf("%w: no folder %s", ErrFolderMissing, folder)
	}
	var out []RemoteFile
	for name, data := range dir {
		size := int64(len(data))
		if s, ok := m.listSize[name]; ok {
			size = s
		}
		out = append(out, RemoteFile{Name: name, Size: size, ModTime: time.Now()})
	}
	return out, nil
}

func (m *memTransport) Put(ctx context.Context, folder, name string, r io.Reader, size int64) error {
	return errors.New("not used")
}

func (m *memTransport) Size(ctx context.Context, folder, name string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[folder][name]
	if !ok {
		return 0, os.ErrNotExist
	}
	return int64(len(data)), nil
}

func (m *memTransport) Get(ctx context.Context, folder, name string, w io.Writer) (int64, error) {
	m.mu.Lock()
	data, ok := m.files[folder][name]
	m.gets++
	if n, cut := m.cut[name]; cut {
		data = data[:n]
	}
	m.mu.Unlock()
	if !ok {
		return 0, os.ErrNotExist
	}
	// Two writes, so progress is seen moving.
	half := len(data) / 2
	n1, err := w.Write(data[:half])
	if err != nil {
		return int64(n1), err
	}
	n2, err := w.Write(data[half:])
	return int64(n1 + n2), err
}

func (m *memTransport) Delete(ctx context.Context, folder, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.noDelete || m.refuse[name] {
		return errors.New("550 permission denied")
	}
	if _, ok := m.files[folder][name]; !ok {
		return os.ErrNotExist
	}
	delete(m.files[folder], name)
	return nil
}

func (m *memTransport) Close() error { return nil }

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "batch", "testdata", "replies", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func zipOf(t testing.TB, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(entries[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Reply names used below.
const (
	acrfOK   = "FO.ACRF.999999.20261121.00001.R"
	notiOK   = "FO.NOTI.999999.20261122.00001.R"
	acrfBad  = "FO.ACRF.999999.20261121.00002.R"
	coNoti   = "CO.NOTI.999999.20261124.00001.T"
	notiBadS = "FO.NOTI.999999.20261123.00004.S"
)

func goOf(name string) string { return "GO" + name[2:] }

// replyServer is a server with an accepted ACRF and NOTI, a refused ACRF
// (each with its GO) in OUT, and a zipped NOTI in OUTTEST.
func replyServer(t testing.TB) *memTransport {
	m := newMem()
	for name, file := range map[string]string{acrfOK: "acrf-accepted.xml", notiOK: "noti-accepted-warning.xml", acrfBad: "acrf-refused.xml"} {
		m.put("OUT", name, sample(t, file))
		m.put("OUT", goOf(name), nil)
	}
	m.put("OUTTEST", coNoti, zipOf(t, map[string][]byte{"FO.NOTI.999999.20261124.00001.T": sample(t, "noti-refused-latin1.xml")}))
	m.put("OUTTEST", goOf(coNoti), nil)
	m.put("OUTTEST-S", notiBadS, sample(t, "noti-refused.xml"))
	m.put("OUTTEST-S", goOf(notiBadS), nil)
	return m
}

func isolateHome(t *testing.T) {
	t.Helper()
	t.Setenv("EXPEDITOR_HOME", t.TempDir())
}

func byRemote(got []FetchedReply) map[string]FetchedReply {
	m := map[string]FetchedReply{}
	for _, r := range got {
		m[r.Remote] = r
	}
	return m
}

func TestFetchRepliesKeepsExplainsAndDeletes(t *testing.T) {
	isolateHome(t)
	m := replyServer(t)
	// A reply still being written: no GO yet.
	m.put("OUT", "FO.NOTI.999999.20261125.00009.R", []byte("<NOTIFICATION><Form>"))

	dir := filepath.Join(t.TempDir(), "replies")
	var progress []string
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Delete: true, Progress: func(file string, done, total int64) {
		progress = append(progress, fmt.Sprintf("%s %d/%d", file, done, total))
	}})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range got {
		order = append(order, r.Remote)
	}
	want := []string{
		"OUT/" + acrfOK, "OUT/" + goOf(acrfOK), "OUT/" + acrfBad, "OUT/" + goOf(acrfBad),
		"OUT/" + notiOK, "OUT/" + goOf(notiOK), "OUT/FO.NOTI.999999.20261125.00009.R",
		"OUTTEST/" + coNoti, "OUTTEST/" + goOf(coNoti),
		"OUTTEST-S/" + notiBadS, "OUTTEST-S/" + goOf(notiBadS),
	}
	if !slices.Equal(order, want) {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	rs := byRemote(got)

	// Every complete file is kept byte for byte and gone from the server.
	for folder, names := range map[string][]string{"OUT": {acrfOK, acrfBad, notiOK}, "OUTTEST-S": {notiBadS}} {
		for _, n := range names {
			r := rs[folder+"/"+n]
			if r.Err != nil || !r.Deleted || !r.Downloaded || r.Reply == nil || r.Local != filepath.Join(dir, n) {
				t.Errorf("%s: %+v", n, r)
			}
			if g := rs[folder+"/"+goOf(n)]; g.Reply != nil || !g.Deleted || g.Local != filepath.Join(dir, goOf(n)) {
				t.Errorf("GO of %s: %+v", n, g)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, acrfBad)); !bytes.Equal(b, sample(t, "acrf-refused.xml")) {
		t.Error("the refused ACRF was not kept byte for byte")
	}
	if n := m.names("OUT"); !slices.Equal(n, []string{"FO.NOTI.999999.20261125.00009.R"}) {
		t.Errorf("left in OUT: %v, want only the reply still being written", n)
	}
	if p := rs["OUT/FO.NOTI.999999.20261125.00009.R"]; !p.Pending || p.Local != "" || p.Deleted {
		t.Errorf("pending reply: %+v", p)
	}
	if _, err := os.Stat(filepath.Join(dir, "FO.NOTI.999999.20261125.00009.R")); err == nil {
		t.Error("a reply without its GO was downloaded")
	}

	// The CO file is kept and unpacked; its NOTI is read.
	co := rs["OUTTEST/"+coNoti]
	if co.Err != nil || co.Archive != filepath.Join(dir, coNoti) || co.Local != filepath.Join(dir, "FO.NOTI.999999.20261124.00001.T") || !co.Deleted {
		t.Fatalf("CO reply: %+v", co)
	}
	if co.Reply == nil || co.Reply.Accepted || co.Reply.SetKey() != "GO.DIMN.004321.20261123.00001.T.1" || co.Reply.FileName != coNoti {
		t.Errorf("CO reply: %+v", co.Reply)
	}
	if _, err := os.Stat(co.Archive); err != nil {
		t.Errorf("the zip is not kept: %v", err)
	}

	if len(progress) == 0 || !strings.HasPrefix(progress[0], "OUT/"+acrfOK+" ") {
		t.Errorf("progress: %v", progress)
	}
	// Nothing half-written is left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestFetchRepliesAgainKeepsOneCopy(t *testing.T) {
	isolateHome(t)
	m := replyServer(t)
	dir := t.TempDir()
	opts := FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production, batch.Test}}
	first, err := FetchReplies(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Fetched again (a kept copy is recognised by its content, never by
	// its size alone) but kept once.
	second, err := FetchReplies(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(second) {
		t.Fatalf("%d then %d replies", len(first), len(second))
	}
	for i := range second {
		if second[i].Downloaded || second[i].Local != first[i].Local || second[i].Deleted || (first[i].Reply == nil) != (second[i].Reply == nil) {
			t.Errorf("second run: %+v, first %+v", second[i], first[i])
		}
	}
	if n := len(m.names("OUT")); n != 6 {
		t.Errorf("%d files left in OUT without --delete, want 6", n)
	}
}

// Two accounts' replies share names, and often sizes: a kept file of the
// same name and size but other content is not "already downloaded".
func TestFetchRepliesSameSizeIsNotSameFile(t *testing.T) {
	isolateHome(t)
	m := newMem()
	content := sample(t, "acrf-accepted.xml")
	m.put("OUT", acrfOK, content)
	m.put("OUT", goOf(acrfOK), nil)
	dir := t.TempDir()
	other := bytes.Repeat([]byte("x"), len(content))
	if err := os.WriteFile(filepath.Join(dir, acrfOK), other, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Delete: true, Envs: []batch.Environment{batch.Production}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Local != filepath.Join(dir, acrfOK+"-2") || !got[0].Downloaded || !got[0].Deleted || got[0].Reply == nil {
		t.Errorf("got %+v", got[0])
	}
	if b, _ := os.ReadFile(got[0].Local); !bytes.Equal(b, content) {
		t.Error("the reply deleted from the server is not what was kept")
	}
}

func TestFetchRepliesNeverReplacesAKeptFile(t *testing.T) {
	isolateHome(t)
	m := newMem()
	m.put("OUT", acrfOK, sample(t, "acrf-accepted.xml"))
	m.put("OUT", goOf(acrfOK), nil)
	dir := t.TempDir()
	older := []byte("an older reply that happened to have this name")
	if err := os.WriteFile(filepath.Join(dir, acrfOK), older, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Local != filepath.Join(dir, acrfOK+"-2") || got[0].Reply == nil || !got[0].Reply.Accepted {
		t.Errorf("got %+v", got[0])
	}
	if b, _ := os.ReadFile(filepath.Join(dir, acrfOK)); !bytes.Equal(b, older) {
		t.Error("the kept file was replaced")
	}
	// The same content unpacked from a zip later is not kept twice.
	m2 := newMem()
	m2.put("OUT", "CO.ACRF.999999.20261121.00001.R", zipOf(t, map[string][]byte{acrfOK: sample(t, "acrf-accepted.xml")}))
	m2.put("OUT", "GO.ACRF.999999.20261121.00001.R", nil)
	got, err = FetchReplies(context.Background(), m2, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Local != filepath.Join(dir, acrfOK+"-2") || got[0].Downloaded {
		t.Errorf("unpacked again: %+v", got[0])
	}
}

func TestFetchRepliesCutTransfer(t *testing.T) {
	isolateHome(t)
	m := replyServer(t)
	m.cut[acrfBad] = 100 // the connection drops after 100 bytes
	dir := t.TempDir()
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Delete: true, Envs: []batch.Environment{batch.Production}})
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v, want ErrFetchIncomplete", err)
	}
	rs := byRemote(got)
	bad := rs["OUT/"+acrfBad]
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), "left on the server") || bad.Deleted || bad.Local != "" {
		t.Errorf("cut reply: %+v", bad)
	}
	if _, err := os.Stat(filepath.Join(dir, acrfBad)); err == nil {
		t.Error("a cut download was kept")
	}
	// Its GO stays too, so the next run still sees the set as complete.
	if n := m.names("OUT"); !slices.Equal(n, []string{acrfBad, goOf(acrfBad)}) {
		t.Errorf("left in OUT: %v", n)
	}
	if ok := rs["OUT/"+acrfOK]; ok.Err != nil || !ok.Deleted {
		t.Errorf("the other replies should go through: %+v", ok)
	}
	// A listing without sizes is not a cut transfer.
	m2 := newMem()
	m2.put("OUT", acrfOK, sample(t, "acrf-accepted.xml"))
	m2.put("OUT", goOf(acrfOK), nil)
	m2.listSize[acrfOK] = 0
	got, err = FetchReplies(context.Background(), m2, FetchOptions{Dir: t.TempDir(), Envs: []batch.Environment{batch.Production}})
	if err != nil || got[0].Reply == nil {
		t.Errorf("listing without sizes: %+v, %v", got, err)
	}
}

func TestFetchRepliesDeleteRefused(t *testing.T) {
	isolateHome(t)
	m := replyServer(t)
	m.noDelete = true
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: t.TempDir(), Delete: true, Envs: []batch.Environment{batch.Production}})
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v", err)
	}
	r := got[0]
	if r.Deleted || r.Reply == nil || r.Err == nil || !strings.Contains(r.Err.Error(), "could not be deleted") {
		t.Errorf("got %+v", r)
	}
}

// A reply that cannot be deleted keeps its GO on the server, so that it
// is not mistaken next time for a reply still being written.
func TestFetchRepliesDeleteRefusedKeepsGO(t *testing.T) {
	isolateHome(t)
	m := replyServer(t)
	m.refuse = map[string]bool{acrfOK: true}
	_, err := FetchReplies(context.Background(), m, FetchOptions{Dir: t.TempDir(), Delete: true, Envs: []batch.Environment{batch.Production}})
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v", err)
	}
	if n := m.names("OUT"); !slices.Equal(n, []string{acrfOK, goOf(acrfOK)}) {
		t.Errorf("left in OUT: %v", n)
	}
}

func TestFetchRepliesMissingFolder(t *testing.T) {
	isolateHome(t)
	m := newMem()
	m.put("OUT", acrfOK, sample(t, "acrf-accepted.xml"))
	m.put("OUT", goOf(acrfOK), nil)
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrFolderMissing) || len(got) != 2 {
		t.Errorf("got %d replies, %v; want 2 and ErrFolderMissing", len(got), err)
	}
	got, err = FetchReplies(context.Background(), m, FetchOptions{Dir: t.TempDir(), SkipMissingFolders: true})
	if err != nil || len(got) != 2 {
		t.Errorf("got %d replies, %v", len(got), err)
	}
}

func TestFetchRepliesHostileZip(t *testing.T) {
	isolateHome(t)
	outer := t.TempDir()
	dir := filepath.Join(outer, "replies")
	defer func(old int64) { unzipLimit = old }(unzipLimit)
	unzipLimit = 10000

	const slip, bomb, dots, junk = "CO.ACRF.999999.20261121.00001.R", "CO.ACRF.999999.20261121.00002.R", "CO.ACRF.999999.20261121.00003.R", "CO.ACRF.999999.20261121.00004.R"
	m := newMem()
	m.put("OUT", slip, zipOf(t, map[string][]byte{"../../evil.xml": sample(t, "acrf-accepted.xml")}))
	m.put("OUT", bomb, zipOf(t, map[string][]byte{"big.xml": make([]byte, 1<<20)}))
	m.put("OUT", dots, zipOf(t, map[string][]byte{"..": []byte("x"), ".hidden": []byte("x")}))
	m.put("OUT", junk, []byte("this is not a zip file"))
	for _, n := range []string{slip, bomb, dots, junk} {
		m.put("OUT", goOf(n), nil)
	}
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}, Delete: true})
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v", err)
	}
	rs := map[string][]FetchedReply{}
	for _, r := range got {
		rs[r.Remote] = append(rs[r.Remote], r)
	}
	// "../../evil.xml" lands inside the replies folder, as evil.xml.
	if r := rs["OUT/"+slip]; len(r) != 1 || r[0].Local != filepath.Join(dir, "evil.xml") || r[0].Reply == nil {
		t.Errorf("zip slip: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(outer, "evil.xml")); err == nil {
		t.Error("a zip entry was written outside the replies folder")
	}
	if r := rs["OUT/"+bomb]; len(r) != 1 || !errors.Is(r[0].Err, ErrZipTooLarge) || r[0].Local != "" {
		t.Errorf("zip bomb: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "big.xml")); err == nil {
		t.Error("the zip bomb was unpacked")
	}
	if r := rs["OUT/"+dots]; len(r) != 2 || r[0].Err == nil || r[1].Err == nil {
		t.Errorf("unsafe names: %+v", r)
	}
	if r := rs["OUT/"+junk]; len(r) != 1 || r[0].Err == nil || r[0].Archive == "" || !r[0].Deleted {
		t.Errorf("not a zip: %+v", r)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left in the replies folder: %s", e.Name())
		}
	}
}

func TestSafeName(t *testing.T) {
	for _, n := range []string{acrfOK, "GO.ACRF.999999.20261121.00001.R", "reply.xml"} {
		if !safeName(n) {
			t.Errorf("safeName(%q) = false", n)
		}
	}
	for _, n := range []string{"", ".", "..", ".hidden", "a/b", `a\b`, "c:x", "nul\x00", "NUL", "com1.txt", "tab\tname", "FO.\u202eRX.R", "FO.\u009b2J", "FO.\xff", strings.Repeat("a", 300)} {
		if safeName(n) {
			t.Errorf("safeName(%q) = true", n)
		}
	}
}

// TestFetchRepliesVsftpd brings replies back from a real FTP server.
func TestFetchRepliesVsftpd(t *testing.T) {
	isolateHome(t)
	s := testservers.StartVsftpd(t, testservers.FTPOptions{})
	files := map[string][]byte{
		acrfOK:        sample(t, "acrf-accepted.xml"),
		goOf(acrfOK):  nil,
		acrfBad:       sample(t, "acrf-refused.xml"),
		goOf(acrfBad): nil,
		coNoti:        nil, // below: a CO file lives in OUTTEST
		"NOTICE.txt":  []byte("not a reply set"),
	}
	delete(files, coNoti)
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(s.Root, "OUT", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	co := zipOf(t, map[string][]byte{"FO.NOTI.999999.20261124.00001.T": sample(t, "noti-refused-latin1.xml")})
	os.WriteFile(filepath.Join(s.Root, "OUTTEST", coNoti), co, 0o644)
	os.WriteFile(filepath.Join(s.Root, "OUTTEST", goOf(coNoti)), nil, 0o644)

	ep, err := ParseEndpoint("ftp://" + s.User + "@" + s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tr, err := Dial(ctx, ep, Auth{Password: []byte(s.Password)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	dir := t.TempDir()
	got, err := FetchReplies(ctx, tr, FetchOptions{Dir: dir, Delete: true, SkipMissingFolders: true})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range got {
		outcome := "-"
		if r.Reply != nil {
			outcome = r.Reply.Outcome()
		}
		lines = append(lines, fmt.Sprintf("%s %s deleted=%v", r.Remote, outcome, r.Deleted))
	}
	want := []string{
		"OUT/NOTICE.txt - deleted=true", // not a reply set: sorted first
		"OUT/" + acrfOK + " accepted deleted=true",
		"OUT/" + goOf(acrfOK) + " - deleted=true",
		"OUT/" + acrfBad + " refused deleted=true",
		"OUT/" + goOf(acrfBad) + " - deleted=true",
		"OUTTEST/" + coNoti + " refused deleted=true",
		"OUTTEST/" + goOf(coNoti) + " - deleted=true",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, folder := range []string{"OUT", "OUTTEST"} {
		if left, _ := os.ReadDir(filepath.Join(s.Root, folder)); len(left) != 0 {
			t.Errorf("left in %s: %v", folder, left)
		}
	}
	for name, data := range files {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(b, data) {
			t.Errorf("%s not kept byte for byte: %v", name, err)
		}
	}
}

// TestFetchRepliesSFTP brings a reply set back over SFTP from a real sshd.
func TestFetchRepliesSFTP(t *testing.T) {
	isolateHome(t)
	s := testservers.StartSSHD(t, testservers.SSHOptions{})
	for name, data := range map[string][]byte{notiBadS: sample(t, "noti-refused.xml"), goOf(notiBadS): nil} {
		if err := os.WriteFile(filepath.Join(s.Root, "OUTTEST-S", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ep, err := ParseEndpoint("sftp://" + s.User + "@" + s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ep.IdentityFile = s.KeyPath
	ctx := context.Background()
	tr, err := Dial(ctx, ep, Auth{ConfirmHostKey: func(host, fp string) (bool, error) { return fp == s.HostKeyFingerprint, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	dir := t.TempDir()
	got, err := FetchReplies(ctx, tr, FetchOptions{Dir: dir, Delete: true, Envs: []batch.Environment{batch.Simulation}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Reply == nil || got[0].Reply.Outcome() != "refused" || len(got[0].Reply.Errors) != 3 || !got[0].Deleted || !got[1].Deleted {
		t.Fatalf("got %+v", got)
	}
	if left, _ := os.ReadDir(filepath.Join(s.Root, "OUTTEST-S")); len(left) != 0 {
		t.Errorf("left on the server: %v", left)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, notiBadS)); !bytes.Equal(b, sample(t, "noti-refused.xml")) {
		t.Error("not kept byte for byte")
	}
}
