// Package testservers starts real transfer-point stand-ins for tests:
// vsftpd, ProFTPD and Pure-FTPd (FTP and explicit FTPS) and OpenSSH's sshd (SFTP), each on free
// loopback ports with its own configuration, users and folders, plus a TCP
// proxy that can cut connections to test failures. Every server is
// stopped and cleaned up when its test ends.
//
// ProFTPD and Pure-FTPd, whose Debian packages conflict with vsftpd, run
// from where scripts/deps.sh test unpacks them (CacheDir).
//
// The servers need root (vsftpd logs in real local users; sshd needs its
// privilege separation). Without root or the binaries the tests are
// skipped, except when CI is set, where they fail.
package testservers

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Folders are the transfer point's folders, created in every server root.
var Folders = []string{"IN", "INTEST", "INTEST-S", "OUT", "OUTTEST", "OUTTEST-S"}

// need skips (or, under CI, fails) a test that cannot run here.
func need(t testing.TB, binary string, root bool) string {
	t.Helper()
	path, err := exec.LookPath(binary)
	reason := ""
	switch {
	case err != nil:
		reason = binary + " is not installed"
	case root && os.Geteuid() != 0:
		reason = binary + " tests need root (to create a test user)"
	}
	if reason == "" {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s, and CI is set: install it (apt-get install vsftpd openssh-server openssh-client) and run as root", reason)
	}
	t.Skip(reason)
	return ""
}

// publicTempDir makes a folder other users can enter (t.TempDir's are
// private to root, and vsftpd works as the test user).
func publicTempDir(t testing.TB, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// ProxyHost is the loopback address proxies listen on, distinct from the
// servers' 127.0.0.1 so a proxy can use the same port numbers (FTP
// passive ports announced by the server then reach the proxy).
const ProxyHost = "127.0.0.2"

// portFree reports whether port can be bound on both loopback addresses.
func portFree(port int) bool {
	for _, h := range []string{"127.0.0.1", ProxyHost} {
		l, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

var portMu sync.Mutex
var portsGiven = map[int]bool{}

// freePorts finds n consecutive free ports (vsftpd takes a passive range).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	for range 200 {
		base := 20000 + rand.IntN(40000)
		ok := true
		for p := base; p < base+n && ok; p++ {
			ok = !portsGiven[p] && portFree(p)
		}
		if ok {
			ports := make([]int, n)
			for i := range ports {
				ports[i] = base + i
				portsGiven[base+i] = true
			}
			return ports
		}
	}
	t.Fatal("no free ports on loopback")
	return nil
}

// daemon is a running server process with its output kept for failures.
type daemon struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startDaemon(t testing.TB, name string, args ...string) *daemon {
	t.Helper()
	d := &daemon{cmd: exec.Command(name, args...), out: &syncBuffer{}, done: make(chan struct{})}
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, d.out.String())
		}
	})
	return d
}

// waitBanner waits until addr answers with a line starting with prefix.
func (d *daemon) waitBanner(addr, prefix string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			return fmt.Errorf("the server exited: %s", d.out.String())
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(3 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if len(line) >= len(prefix) && line[:len(prefix)] == prefix {
				return nil
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	return fmt.Errorf("the server did not answer on %s: %s", addr, d.out.String())
}

func makeFolders(t testing.TB, root string) {
	t.Helper()
	for _, f := range Folders {
		if err := os.MkdirAll(root+"/"+f, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
