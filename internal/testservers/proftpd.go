package testservers

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// StartProFTPD starts ProFTPD 1.3.8 (unpacked by scripts/deps.sh test)
// for the test, with a new local user whose folder holds the transfer
// point's folders. With opts.TLS it loads mod_tls and requires TLS on the
// control and data connections, and (its default) data connections that
// resume the control connection's TLS session; opts.TLSVersion makes it a
// TLS 1.2-only or TLS 1.3-only server. It offers TLS session tickets
// unless opts.NoSessionTickets.
func StartProFTPD(t testing.TB, opts FTPOptions) *FTPServer {
	t.Helper()
	bin := unpacked(t, "usr/sbin/proftpd")
	need(t, "useradd", true)
	dir := publicTempDir(t, "proftpd-")
	root := filepath.Join(dir, "home")
	makeFolders(t, root)
	s := newFTPUser(t, root)
	s.Kind = "proftpd"
	s.LogFiles = []string{filepath.Join(dir, "system.log"), filepath.Join(dir, "xfer.log")}
	conf := []string{
		"ServerType standalone", "DefaultServer on", "ServerName \"Expeditor test ProFTPD\"",
		"UseIPv6 off", "DefaultAddress 127.0.0.1", "SocketBindTight on",
		"User nobody", "Group nogroup", "Umask 022", "MaxInstances 30",
		"PidFile " + filepath.Join(dir, "proftpd.pid"),
		"ScoreboardFile " + filepath.Join(dir, "proftpd.scoreboard"),
		"DelayTable " + filepath.Join(dir, "proftpd.delay"),
		"SystemLog " + s.LogFiles[0], "TransferLog " + s.LogFiles[1],
		"WtmpLog off", "UseReverseDNS off",
		"AuthPAM off", "AuthOrder mod_auth_unix.c", "RequireValidShell off", "PersistentPasswd off",
		"DefaultRoot ~", "AllowOverwrite on", "TimeoutIdle 120",
		"ModulePath " + filepath.Join(CacheDir(), "root/usr/lib/proftpd"),
	}
	if opts.TLS {
		s.CAFile = filepath.Join(dir, "cert.pem")
		keyFile := filepath.Join(dir, "key.pem")
		s.CertPool = writeCert(t, s.CAFile, keyFile)
		protocol := "TLSv1.2 TLSv1.3"
		switch opts.TLSVersion {
		case "":
		case "1.2", "1.3":
			protocol = "TLSv" + opts.TLSVersion
		default:
			t.Fatalf("TLSVersion %q: want 1.2 or 1.3", opts.TLSVersion)
		}
		tlsLog := filepath.Join(dir, "tls.log")
		s.LogFiles = append(s.LogFiles, tlsLog)
		conf = append(conf, "LoadModule mod_tls.c", "<IfModule mod_tls.c>",
			"TLSEngine on", "TLSLog "+tlsLog, "TLSProtocol "+protocol,
			"TLSRSACertificateFile "+s.CAFile, "TLSRSACertificateKeyFile "+keyFile,
			"TLSRequired on", "TLSVerifyClient off", "TLSRenegotiate none")
		if !opts.NoSessionTickets {
			// Go's TLS resumes TLS 1.2 sessions with tickets only.
			conf = append(conf, "TLSSessionTickets on")
		}
		conf = append(conf, "</IfModule>")
	}
	var lastErr error
	for range 5 {
		ports := freePorts(t, 9)
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
		s.PasvPorts = ports[1:]
		c := append(conf, "Port "+strconv.Itoa(ports[0]),
			"PassivePorts "+strconv.Itoa(ports[1])+" "+strconv.Itoa(ports[len(ports)-1]))
		cfgFile := filepath.Join(dir, "proftpd.conf")
		if err := os.WriteFile(cfgFile, []byte(strings.Join(c, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		d := startDaemon(t, bin, "--nodaemon", "--config", cfgFile)
		if lastErr = d.waitBanner(s.Addr, "220"); lastErr == nil {
			s.logOnFailure(t)
			return s
		}
		d.cmd.Process.Kill()
	}
	t.Fatalf("proftpd did not start: %v", lastErr)
	return nil
}
