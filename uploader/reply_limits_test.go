package uploader

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
)

func leftOnServer(t *testing.T, m *memTransport, folder string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := m.files[folder][n]; !ok {
			t.Errorf("%s/%s was deleted from the server", folder, n)
		}
	}
}

func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left in the replies folder: %s", e.Name())
		}
	}
}

// issue 11: a 1 GB reply was downloaded whole. A file listed over the
// limit is not downloaded at all; one that grows past it while it comes
// (the listing lied) is cut; both stay on the server with their GO.
func TestFetchRepliesFileLimit(t *testing.T) {
	isolateHome(t)
	defer func(old int64) { replyFileLimit = old }(replyFileLimit)
	replyFileLimit = 4096
	const listedBig, lyingBig = "FO.ACRF.999999.20261121.00007.R", "FO.ACRF.999999.20261121.00008.R"
	m := replyServer(t)
	m.put("OUT", listedBig, bytes.Repeat([]byte("x"), 5000))
	m.put("OUT", lyingBig, bytes.Repeat([]byte("x"), 5000))
	m.listSize[lyingBig] = 100
	for _, n := range []string{listedBig, lyingBig} {
		m.put("OUT", goOf(n), nil)
	}
	dir := t.TempDir()
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}, Delete: true})
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v", err)
	}
	rs := byRemote(got)
	for _, n := range []string{listedBig, lyingBig} {
		r := rs["OUT/"+n]
		if !errors.Is(r.Err, ErrReplyTooLarge) || !strings.Contains(r.Err.Error(), "left on the server") || r.Local != "" || r.Deleted {
			t.Errorf("%s: %+v", n, r)
		}
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s was kept", n)
		}
		leftOnServer(t, m, "OUT", n, goOf(n))
	}
	if r := rs["OUT/"+acrfOK]; r.Err != nil || !r.Deleted {
		t.Errorf("the good reply beside them: %+v", r)
	}
	noTempFiles(t, dir)
}

// A fetch stops downloading at its total; the rest comes next run.
func TestFetchRepliesTotalLimit(t *testing.T) {
	isolateHome(t)
	defer func(old int64) { fetchLimit = old }(fetchLimit)
	m := replyServer(t)
	fetchLimit = int64(len(m.files["OUT"][acrfOK]) + len(m.files["OUT"][acrfBad]) + 10)
	dir := t.TempDir()
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}, Delete: true})
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v", err)
	}
	r := byRemote(got)["OUT/"+notiOK]
	if !errors.Is(r.Err, ErrReplyTooLarge) || !strings.Contains(r.Err.Error(), "run the command again for the rest") {
		t.Errorf("the reply past the total: %+v", r)
	}
	leftOnServer(t, m, "OUT", notiOK, goOf(notiOK))
	// The next run brings it.
	fetchLimit = MaxFetchSize
	got, err = FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}, Delete: true})
	if err != nil || byRemote(got)["OUT/"+notiOK].Reply == nil {
		t.Errorf("second run: %v, %+v", err, got)
	}
	noTempFiles(t, dir)
}

// issue 11: a zip of more than 64 files was unpacked up to the 64th and
// those were taken as replies. It is now refused whole and left on the
// server.
func TestFetchRepliesZipRefusedWhole(t *testing.T) {
	isolateHome(t)
	many := map[string][]byte{}
	for i := 0; i <= MaxZipEntries; i++ {
		many[fmt.Sprintf("FO.ACRF.999999.20261121.%05d.R", i+1)] = sample(t, "acrf-accepted.xml")
	}
	const tooMany, tooBig = "CO.ACRF.999999.20261121.00011.R", "CO.ACRF.999999.20261121.00012.R"
	m := newMem()
	m.put("OUT", tooMany, zipOf(t, many))
	m.put("OUT", tooBig, bombZip(t, 2, unzipLimit/2+1))
	for _, n := range []string{tooMany, tooBig} {
		m.put("OUT", goOf(n), nil)
	}
	dir := t.TempDir()
	got, err := FetchReplies(context.Background(), m, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}, Delete: true})
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v", err)
	}
	if len(got) != 4 { // two refused zips and their GO files
		t.Fatalf("got %d results: %+v", len(got), got)
	}
	for _, n := range []string{tooMany, tooBig} {
		r := byRemote(got)["OUT/"+n]
		if !errors.Is(r.Err, ErrZipTooLarge) || r.Reply != nil || r.Deleted || !strings.Contains(r.Err.Error(), "none of its files was unpacked and it was left on the server") {
			t.Errorf("%s: %+v", n, r)
		}
		leftOnServer(t, m, "OUT", n, goOf(n))
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "CO.") && !strings.HasPrefix(e.Name(), "GO.") {
			t.Errorf("unpacked or left behind: %s", e.Name())
		}
	}
}

// bombZip is a zip of n files of size zero bytes each, compressed fast.
func bombZip(t testing.TB, n int, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for i := 0; i < n; i++ {
		w, err := zw.Create(fmt.Sprintf("FO.NOTI.999999.20261121.%05d.R", i+1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, io.LimitReader(zeros{}, size)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// genTransport serves generated files: a server can hold more than the
// test has memory for.
type genTransport struct {
	memTransport
	gen map[string]func(w io.Writer) (int64, error)
}

func (g *genTransport) Get(ctx context.Context, folder, name string, w io.Writer) (int64, error) {
	if f, ok := g.gen[name]; ok {
		return f(w)
	}
	return g.memTransport.Get(ctx, folder, name, w)
}

func genBytes(pattern string, n int64) func(w io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		block := bytes.Repeat([]byte(pattern), 64<<10/len(pattern))
		var done int64
		for done < n {
			k, err := w.Write(block[:min(int64(len(block)), n-done)])
			done += int64(k)
			if err != nil {
				return done, err
			}
		}
		return done, nil
	}
}

// notiZip is a CO file holding one valid notification of about size
// bytes (anomalies with long details), compressed as it is written.
func notiZip(t testing.TB, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	w, err := zw.Create("FO.NOTI.999999.20261121.00021.R")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><NOTIFICATION><Form><Identification>NOTI001</Identification>
<FileReference><FileName>GO.DMFA.123456.20261122.00003.R.1</FileName></FileReference><HandlingResult><ResultCode>0</ResultCode></HandlingResult>`)
	anomaly := "<AnomalyReport><ErrorID>00013-011</ErrorID><AnomalyClass>B</AnomalyClass><Path>" + strings.Repeat("p", 3000) + "</Path></AnomalyReport>\n"
	for written := int64(0); written < size; written += int64(len(anomaly)) {
		io.WriteString(w, anomaly)
	}
	io.WriteString(w, "</Form></NOTIFICATION>")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// peakHeap samples the heap in use while f runs.
func peakHeap(f func()) uint64 {
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse+ms.StackInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	mu.Lock()
	defer mu.Unlock()
	return peak
}

// issue 11: memory stays under 100 MB whatever the server holds: a 1 GB
// reply listed as such, a 1 GB reply listed as 1 KB, a zip that unpacks
// to 600 MB, a zip of 100 000 entries, a 200 MB notification (zipped) with
// 70 000 anomalies. The numbers are logged (go test -v -run
// TestFetchRepliesMemory ./uploader).
func TestFetchRepliesMemory(t *testing.T) {
	isolateHome(t)
	const (
		listedGB = "FO.ACRF.999999.20261121.00031.R"
		lyingGB  = "FO.ACRF.999999.20261121.00032.R"
		bomb     = "CO.NOTI.999999.20261121.00033.R"
		crowd    = "CO.NOTI.999999.20261121.00034.R"
		bigNoti  = "CO.NOTI.999999.20261121.00035.R"
	)
	g := &genTransport{memTransport: *newMem(), gen: map[string]func(io.Writer) (int64, error){
		listedGB: genBytes("<x>", 1<<30),
		lyingGB:  genBytes("<x>", 1<<30),
	}}
	g.put("OUT", listedGB, nil)
	g.listSize[listedGB] = 1 << 30
	g.put("OUT", lyingGB, nil)
	g.listSize[lyingGB] = 1 << 10
	g.put("OUT", bomb, bombZip(t, 1, 600<<20))
	crowded := map[string][]byte{}
	for i := 0; i < 100000; i++ {
		crowded[fmt.Sprintf("f%06d", i)] = nil
	}
	g.put("OUT", crowd, zipOf(t, crowded))
	crowded = nil
	g.put("OUT", bigNoti, notiZip(t, 200<<20))
	for _, n := range []string{listedGB, lyingGB, bomb, crowd, bigNoti} {
		g.put("OUT", goOf(n), nil)
	}
	// And 150 notifications of 10 000 anomalies each (1.4 MB apiece, one
	// array shared by the server).
	many := manyAnomalies(10000)
	for i := 0; i < 150; i++ {
		n := fmt.Sprintf("FO.NOTI.999999.20261121.%05d.R", 100+i)
		g.put("OUT", n, many)
		g.put("OUT", goOf(n), nil)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var got []FetchedReply
	var err error
	dir := t.TempDir()
	start := time.Now()
	peak := peakHeap(func() {
		got, err = FetchReplies(context.Background(), g, FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}, Delete: true})
	})
	t.Logf("peak heap %d MB (%d MB before the fetch, the server's files included), %v", peak>>20, (before.HeapInuse+before.StackInuse)>>20, time.Since(start).Round(time.Millisecond))
	if !errors.Is(err, ErrFetchIncomplete) {
		t.Fatalf("err = %v", err)
	}
	rs := byRemote(got)
	for n, want := range map[string]error{listedGB: ErrReplyTooLarge, lyingGB: ErrReplyTooLarge, bomb: ErrZipTooLarge, crowd: ErrZipTooLarge} {
		if r := rs["OUT/"+n]; !errors.Is(r.Err, want) || r.Deleted {
			t.Errorf("%s: %+v", n, r)
		}
	}
	if r := rs["OUT/"+bigNoti]; r.Err != nil || r.Reply == nil || len(r.Reply.Errors)+r.Reply.MoreErrors < 60000 {
		t.Errorf("the large notification: %+v", r)
	}
	kept := 0
	for _, r := range got {
		if r.Reply != nil && strings.HasPrefix(r.Reply.FileName, "FO.NOTI.999999.20261121.001") {
			if len(r.Reply.Errors)+r.Reply.MoreErrors != 10000 {
				t.Fatalf("%s: %d anomalies and %d more", r.Reply.FileName, len(r.Reply.Errors), r.Reply.MoreErrors)
			}
			kept += len(r.Reply.Errors)
		}
	}
	t.Logf("%d anomalies of 1 500 000 kept in memory; the rest counted", kept)
	if peak > 100<<20 {
		t.Errorf("peak heap %d MB, want under 100 MB", peak>>20)
	}
}

func manyAnomalies(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><NOTIFICATION><Form><Identification>NOTI001</Identification>
<FileReference><FileName>GO.DMFA.123456.20261122.00003.R.1</FileName></FileReference><HandlingResult><ResultCode>0</ResultCode></HandlingResult>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "<AnomalyReport><ErrorID>%05d-011</ErrorID><AnomalyClass>B</AnomalyClass><Path>/Form/EmployerDeclaration/NaturalPerson[%d]/INSS</Path></AnomalyReport>\n", i, i)
	}
	b.WriteString("</Form></NOTIFICATION>")
	return b.Bytes()
}

// A fetch handles at most maxFetchFiles files; the rest stay on the
// server for the next run.
func TestFetchRepliesFileCount(t *testing.T) {
	isolateHome(t)
	defer func(old int) { maxFetchFiles = old }(maxFetchFiles)
	maxFetchFiles = 4
	m := replyServer(t)
	dir := t.TempDir()
	opts := FetchOptions{Dir: dir, Envs: []batch.Environment{batch.Production}, Delete: true}
	got, err := FetchReplies(context.Background(), m, opts)
	if !errors.Is(err, ErrFetchIncomplete) || !strings.Contains(err.Error(), "2 more files than one run takes (4)") || len(got) != 4 {
		t.Fatalf("%d results, %v", len(got), err)
	}
	if left := m.names("OUT"); len(left) != 2 {
		t.Errorf("left on the server: %v", left)
	}
	got, err = FetchReplies(context.Background(), m, opts)
	if err != nil || len(got) != 2 || len(m.names("OUT")) != 0 {
		t.Errorf("second run: %d results, %v, left %v", len(got), err, m.names("OUT"))
	}
}
