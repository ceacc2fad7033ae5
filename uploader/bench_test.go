package uploader

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testservers"
)

// TestBenchChild is the sending process of BenchmarkSend, run on its own
// so that its time and peak memory are the uploader's alone.
func TestBenchChild(t *testing.T) {
	url := os.Getenv("EXPEDITOR_BENCH_URL")
	if url == "" {
		t.Skip("only run by BenchmarkSend")
	}
	ep, err := ParseEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	ep.CAFile = os.Getenv("EXPEDITOR_BENCH_CA")
	set, err := batch.SetOf(os.Getenv("EXPEDITOR_BENCH_FI"))
	if err != nil {
		t.Fatal(err)
	}
	// The phases are timed for the benchmark's report.
	start := time.Now()
	plan, err := CheckSet(set, false)
	if err != nil {
		t.Fatal(err)
	}
	checked := time.Now()
	tr, err := Dial(context.Background(), ep, Auth{Password: []byte(os.Getenv("EXPEDITOR_BENCH_PASSWORD"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sendPlan(context.Background(), tr, plan, SendOptions{NoHistory: true}); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	fmt.Printf("PHASES check=%.3f send=%.3f\n", checked.Sub(start).Seconds(), time.Since(checked).Seconds())
}

// BenchmarkSend uploads a 200 MiB set (two 100 MiB parts, their FS and
// the GO) to vsftpd on loopback with Expeditor and with curl -T, and
// reports Expeditor's time as a ratio to curl's (targets: 1.1 plain, 1.2
// FTPS) and the sending process's peak memory (target: 64 MB). It is a
// measurement, not a test: run it with scripts/bench-upload.sh.
func BenchmarkSend(b *testing.B) {
	if _, err := exec.LookPath("curl"); err != nil {
		b.Skip("curl is not installed")
	}
	set := makeSet(b, batch.Production, 2, 100<<20)
	st, _ := set.State(false)
	files := st.Files()
	for _, tls := range []bool{false, true} {
		name := map[bool]string{false: "ftp", true: "ftps"}[tls]
		b.Run(name, func(b *testing.B) {
			srv := testservers.StartVsftpd(b, testservers.FTPOptions{TLS: tls})
			ep := ftpEndpoint(srv, tls, "")
			clean := func() {
				for _, n := range serverFiles(b, srv.Root, "IN") {
					os.Remove(filepath.Join(srv.Root, "IN", n))
				}
			}
			var ours, uploads, theirs []time.Duration
			var peak int64
			for range max(b.N, rounds()) {
				clean()
				d, up, rss := runChild(b, ep, srv.Password, srv.CAFile, files[0])
				ours, uploads = append(ours, d), append(uploads, up)
				peak = max(peak, rss)
				clean()
				// curl cannot upload an empty file over FTPS to vsftpd (it skips
				// the TLS handshake, which require_ssl_reuse refuses): it gets
				// the FI and FS files only.
				theirs = append(theirs, runCurl(b, srv, tls, files[:len(files)-1]))
			}
			clean()
			o, u, c := median(ours), median(uploads), median(theirs)
			b.ReportMetric(float64(o)/float64(c), "ratio-vs-curl")
			b.ReportMetric(float64(u)/float64(c), "upload-ratio-vs-curl")
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
			b.ReportMetric(o.Seconds(), "expeditor-s")
			b.ReportMetric(c.Seconds(), "curl-s")
			fmt.Fprintf(os.Stderr, "%s: expeditor %v (upload alone %v, the rest is the local signature check), curl -T %v: ratio %.2f (upload alone %.2f), expeditor peak RSS %.1f MB\n",
				name, o.Round(time.Millisecond), u.Round(time.Millisecond), c.Round(time.Millisecond), float64(o)/float64(c), float64(u)/float64(c), float64(peak)/1e6)
		})
	}
}

// runChild sends the set from a child process and returns the time it
// took, the time of the upload alone (after the local checks) and the
// child's peak memory.
func runChild(b *testing.B, ep Endpoint, password, ca, fi string) (time.Duration, time.Duration, int64) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "EXPEDITOR_BENCH_URL="+ep.String(), "EXPEDITOR_BENCH_PASSWORD="+password,
		"EXPEDITOR_BENCH_CA="+ca, "EXPEDITOR_BENCH_FI="+fi, "EXPEDITOR_HOME="+b.TempDir())
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("sending: %v\n%s", err, out)
	}
	var check, send float64
	if i := strings.Index(string(out), "PHASES "); i >= 0 {
		fmt.Sscanf(string(out[i:]), "PHASES check=%f send=%f", &check, &send)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, time.Duration(send * float64(time.Second)), ru.Maxrss * 1024
}

func runCurl(b *testing.B, srv *testservers.FTPServer, tls bool, files []string) time.Duration {
	args := []string{"-sS", "--ftp-pasv", "--tls-max", "1.2", "-u", srv.User + ":" + srv.Password, "-T", "{" + strings.Join(files, ",") + "}"}
	if tls {
		args = append(args, "--ssl-reqd", "--cacert", srv.CAFile)
	}
	args = append(args, "ftp://"+srv.Addr+"/IN/")
	start := time.Now()
	out, err := exec.Command("curl", args...).CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("curl: %v\n%s", err, out)
	}
	return d
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// rounds is how many times each upload is timed (EXPEDITOR_BENCH_ROUNDS,
// default 5); the medians are compared.
func rounds() int {
	var n int
	fmt.Sscan(os.Getenv("EXPEDITOR_BENCH_ROUNDS"), &n)
	if n <= 0 {
		return 5
	}
	return n
}
