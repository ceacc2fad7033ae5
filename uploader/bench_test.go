package uploader

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testservers"
)

// BenchmarkSend measures `expeditor send` end to end, the built binary
// (EXPEDITOR_BENCH_BIN; scripts/bench-upload.sh builds it): a signed set
// of one part of EXPEDITOR_BENCH_MIB MiB (default 190), its FS and GO,
// sent to vsftpd on loopback, against `curl -T` of the same FI. It
// reports the median times over rounds() rounds (interleaved), their
// ratio (target 1.1 plain FTP) and the sending process's peak RSS
// (target 64 MB). It is a measurement, not a test.
func BenchmarkSend(b *testing.B) {
	bin := os.Getenv("EXPEDITOR_BENCH_BIN")
	if bin == "" {
		b.Skip("set EXPEDITOR_BENCH_BIN to an expeditor binary (scripts/bench-upload.sh does)")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		b.Skip("curl is not installed")
	}
	mib := 190
	fmt.Sscan(os.Getenv("EXPEDITOR_BENCH_MIB"), &mib)
	set := makeSet(b, batch.Production, 1, mib<<20)
	fi := set.Path(set.FI(1))
	info, _ := os.Stat(fi)
	fmt.Fprintf(os.Stderr, "set: %s, %.1f MiB, signed\n", set.Key(), float64(info.Size())/(1<<20))
	for _, tls := range []bool{false, true} {
		name := map[bool]string{false: "ftp", true: "ftps"}[tls]
		b.Run(name, func(b *testing.B) {
			srv := testservers.StartVsftpd(b, testservers.FTPOptions{TLS: tls})
			url := ftpEndpoint(srv, tls, "").String()
			if tls {
				url += "?ca=" + srv.CAFile
			}
			pw := filepath.Join(b.TempDir(), "pw")
			os.WriteFile(pw, []byte(srv.Password), 0o600)
			clean := func() {
				for _, n := range serverFiles(b, srv.Root, "IN") {
					os.Remove(filepath.Join(srv.Root, "IN", n))
				}
			}
			var ours, theirs, oursCPU, theirsCPU []time.Duration
			var peak int64
			for range max(b.N, rounds()) {
				clean()
				d, cpu, rss := runSend(b, bin, url, pw, fi)
				ours, oursCPU = append(ours, d), append(oursCPU, cpu)
				peak = max(peak, rss)
				clean()
				d, cpu = runCurl(b, srv, tls, []string{fi})
				theirs, theirsCPU = append(theirs, d), append(theirsCPU, cpu)
			}
			clean()
			o, c := median(ours), median(theirs)
			// Each round's two runs follow each other: the median of the
			// rounds' own ratios is less moved by the machine's load
			// drifting during the benchmark than the ratio of medians.
			paired := make([]float64, len(ours))
			for i := range ours {
				paired[i] = float64(ours[i]) / float64(theirs[i])
			}
			pr := median(paired)
			b.ReportMetric(float64(o)/float64(c), "ratio-vs-curl")
			b.ReportMetric(pr, "paired-ratio")
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
			b.ReportMetric(o.Seconds(), "expeditor-s")
			b.ReportMetric(c.Seconds(), "curl-s")
			fmt.Fprintf(os.Stderr, "%s: expeditor send %v, curl -T %v (medians of %d): ratio %.2f (median of each round's ratio %.2f), expeditor peak RSS %.1f MB\n",
				name, o.Round(time.Millisecond), c.Round(time.Millisecond), len(ours), float64(o)/float64(c), pr, float64(peak)/1e6)
			fmt.Fprintf(os.Stderr, "%s: all expeditor %v\n%s: all curl      %v\n", name, roundAll(ours), name, roundAll(theirs))
			fmt.Fprintf(os.Stderr, "%s: CPU time (user+system, medians): expeditor %v, curl %v\n", name, median(oursCPU).Round(time.Millisecond), median(theirsCPU).Round(time.Millisecond))
		})
	}
}

// runSend runs `expeditor send` of the set of fi to url in its own
// configuration folder (a fresh ledger each time, made before the timing
// starts, as a user's already is) and returns its wall time, CPU time and
// peak RSS.
func runSend(b *testing.B, bin, url, pwFile, fi string) (time.Duration, time.Duration, int64) {
	env := append(os.Environ(), "EXPEDITOR_HOME="+b.TempDir())
	status := exec.Command(bin, "status")
	status.Env = env
	if out, err := status.CombinedOutput(); err != nil {
		b.Fatalf("expeditor status: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "send", "--to", url, "--password-file", pwFile, fi)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("expeditor send: %v\n%s", err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), ru.Maxrss * 1024
}

func roundAll(d []time.Duration) []time.Duration {
	out := make([]time.Duration, len(d))
	for i, x := range d {
		out[i] = x.Round(time.Millisecond)
	}
	return out
}

func runCurl(b *testing.B, srv *testservers.FTPServer, tls bool, files []string) (time.Duration, time.Duration) {
	args := []string{"-sS", "--ftp-pasv", "--tls-max", "1.2", "-u", srv.User + ":" + srv.Password, "-T", "{" + strings.Join(files, ",") + "}"}
	if tls {
		args = append(args, "--ssl-reqd", "--cacert", srv.CAFile)
	}
	args = append(args, "ftp://"+srv.Addr+"/IN/")
	start := time.Now()
	cmd := exec.Command("curl", args...)
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("curl: %v\n%s", err, out)
	}
	return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func median[T cmp.Ordered](d []T) T {
	s := slices.Clone(d)
	slices.Sort(s)
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
