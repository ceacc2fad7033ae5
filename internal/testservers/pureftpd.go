package testservers

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// StartPureFTPd starts Pure-FTPd 1.0.50 (unpacked by scripts/deps.sh
// test) for the test, with a new local user whose folder holds the
// transfer point's folders; the user is chrooted into it. With opts.TLS it
// refuses cleartext sessions and data (--tls 3), as a server that only
// accepts FTPS does.
func StartPureFTPd(t testing.TB, opts FTPOptions) *FTPServer {
	t.Helper()
	bin := unpacked(t, "usr/sbin/pure-ftpd")
	need(t, "useradd", true)
	if opts.TLSVersion != "" {
		t.Fatal("Pure-FTPd tests take the TLS versions Pure-FTPd offers; TLSVersion is for ProFTPD")
	}
	dir := publicTempDir(t, "pureftpd-")
	root := filepath.Join(dir, "home")
	makeFolders(t, root)
	s := newFTPUser(t, root)
	s.Kind = "pure-ftpd"
	xfer := filepath.Join(dir, "xfer.log")
	s.LogFiles = []string{xfer}
	args := []string{"--login", "unix", "--noanonymous", "--chrooteveryone", "--dontresolve",
		"--ipv4only", "--umask", "133:022", "--minuid", "100", "--altlog", "clf:" + xfer,
		"--pidfile", filepath.Join(dir, "pure-ftpd.pid")}
	if opts.TLS {
		s.CAFile = filepath.Join(dir, "cert.pem")
		keyFile := filepath.Join(dir, "key.pem")
		s.CertPool = writeCert(t, s.CAFile, keyFile)
		// Pure-FTPd wants the key and the certificate in one file.
		both := filepath.Join(dir, "pure-ftpd.pem")
		key, _ := os.ReadFile(keyFile)
		cert, _ := os.ReadFile(s.CAFile)
		if err := os.WriteFile(both, append(key, cert...), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--tls", "3", "--certfile", both)
	}
	var lastErr error
	for range 5 {
		ports := freePorts(t, 9)
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
		s.PasvPorts = ports[1:]
		a := append(args, "--bind", "127.0.0.1,"+strconv.Itoa(ports[0]),
			"--passiveportrange", strconv.Itoa(ports[1])+":"+strconv.Itoa(ports[len(ports)-1]))
		d := startDaemon(t, bin, a...)
		if lastErr = d.waitBanner(s.Addr, "220"); lastErr == nil {
			s.logOnFailure(t)
			return s
		}
		d.cmd.Process.Kill()
	}
	t.Fatalf("pure-ftpd did not start: %v", lastErr)
	return nil
}
