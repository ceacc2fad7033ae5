package testservers

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FTPOptions choose the kind of FTP server.
type FTPOptions struct {
	// TLS makes the server require explicit TLS (AUTH TLS) for the login
	// and the data, and data connections that resume the control
	// connection's TLS session (vsftpd's require_ssl_reuse=YES, ProFTPD's
	// default).
	TLS bool
	// TLSVersion limits the server to one TLS version, "1.2" or "1.3"
	// (ProFTPD only); empty offers what the server's OpenSSL offers, TLS
	// 1.3 included.
	TLSVersion string
	// NoSessionTickets makes ProFTPD resume TLS 1.2 sessions by session
	// ID only (its TLSSessionTickets default), which Go's TLS cannot do.
	NoSessionTickets bool
}

// FTPServer is a running vsftpd, ProFTPD or Pure-FTPd.
type FTPServer struct {
	Kind     string // vsftpd, proftpd or pure-ftpd
	Addr     string // 127.0.0.1:PORT
	User     string // a throwaway local user, 8–17 letters and digits
	Password string // follows the Chaman rules
	Root     string // the user's folder, holding IN, INTEST, … (see Folders)
	// CAFile is the PEM certificate of the server (TLS only); CertPool
	// holds it for a tls.Config.
	CAFile    string
	CertPool  *x509.CertPool
	PasvPorts []int // the passive data ports, for a Proxy
	// LogFiles are the server's logs (protocol, transfers, TLS).
	LogFiles []string
}

// Log returns the server's logs so far.
func (s *FTPServer) Log() string {
	var b strings.Builder
	for _, f := range s.LogFiles {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "== %s\n%s", filepath.Base(f), data)
	}
	return b.String()
}

// logOnFailure shows the server's logs when the test fails.
func (s *FTPServer) logOnFailure(t testing.TB) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s logs:\n%s", s.Kind, s.Log())
		}
	})
}

// Port is the control port.
func (s *FTPServer) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// StartVsftpd starts vsftpd for the test, with a new local user whose
// folder holds the transfer point's folders.
func StartVsftpd(t testing.TB, opts FTPOptions) *FTPServer {
	t.Helper()
	bin := need(t, "vsftpd", true)
	if opts.TLSVersion != "" {
		t.Fatal("vsftpd tests take the TLS versions vsftpd offers; TLSVersion is for ProFTPD")
	}
	need(t, "useradd", true)
	dir := publicTempDir(t, "vsftpd-")
	root := filepath.Join(dir, "home")
	makeFolders(t, root)
	s := newFTPUser(t, root)
	s.Kind = "vsftpd"
	// vsftpd needs an empty folder, owned by root and not writable, to
	// chroot its unprivileged helpers into. The package's default
	// (/run/vsftpd/empty) only exists once its service has started, which
	// a fresh machine or container may never have done.
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o555); err != nil {
		t.Fatal(err)
	}
	conf := []string{
		"listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", "background=NO",
		"secure_chroot_dir=" + empty,
		"anonymous_enable=NO", "local_enable=YES", "write_enable=YES", "local_umask=022",
		"local_root=" + root, "check_shell=NO", "pam_service_name=vsftpd",
		"seccomp_sandbox=NO", "pasv_enable=YES",
		"vsftpd_log_file=" + filepath.Join(dir, "vsftpd.log"), "log_ftp_protocol=YES", "debug_ssl=YES",
		"xferlog_enable=YES", "dual_log_enable=YES",
	}
	if opts.TLS {
		s.CAFile = filepath.Join(dir, "cert.pem")
		keyFile := filepath.Join(dir, "key.pem")
		s.CertPool = writeCert(t, s.CAFile, keyFile)
		conf = append(conf, "ssl_enable=YES", "rsa_cert_file="+s.CAFile, "rsa_private_key_file="+keyFile,
			"allow_anon_ssl=NO", "force_local_data_ssl=YES", "force_local_logins_ssl=YES",
			"require_ssl_reuse=YES", "ssl_ciphers=HIGH", "ssl_tlsv1=YES", "ssl_sslv2=NO", "ssl_sslv3=NO")
	}
	var lastErr error
	for range 5 {
		ports := freePorts(t, 9)
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
		s.PasvPorts = ports[1:]
		c := append(conf, "listen_port="+strconv.Itoa(ports[0]),
			"pasv_min_port="+strconv.Itoa(ports[1]), "pasv_max_port="+strconv.Itoa(ports[len(ports)-1]))
		cfgFile := filepath.Join(dir, "vsftpd.conf")
		if err := os.WriteFile(cfgFile, []byte(strings.Join(c, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		d := startDaemon(t, bin, cfgFile)
		if lastErr = d.waitBanner(s.Addr, "220"); lastErr == nil {
			s.LogFiles = []string{filepath.Join(dir, "vsftpd.log")}
			s.logOnFailure(t)
			return s
		}
		d.cmd.Process.Kill()
	}
	t.Fatalf("vsftpd did not start: %v", lastErr)
	return nil
}

// newFTPUser creates a local user whose folder is root, with the
// transfer point's folders in it, owned by the user.
func newFTPUser(t testing.TB, root string) *FTPServer {
	t.Helper()
	var rnd [4]byte
	rand.Read(rnd[:])
	s := &FTPServer{
		User:     fmt.Sprintf("xt%08d", new(big.Int).SetBytes(rnd[:]).Int64()%100000000),
		Password: "Xp;" + hex.EncodeToString(rnd[:]) + "=",
		Root:     root,
	}
	addUser(t, s.User, s.Password, root)
	if err := exec.Command("chown", "-R", s.User, root).Run(); err != nil {
		t.Fatalf("chown: %v", err)
	}
	return s
}

// addUser creates a local user with no home of its own, removed when the
// test ends. useradd may meet another test's lock on /etc/passwd: retry.
func addUser(t testing.TB, user, password, home string) {
	t.Helper()
	var out []byte
	var err error
	for range 50 {
		out, err = exec.Command("useradd", "-M", "-d", home, "-s", "/bin/sh", user).CombinedOutput()
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("useradd %s: %v: %s", user, err, out)
	}
	t.Cleanup(func() {
		for range 50 {
			if exec.Command("userdel", user).Run() == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	for range 50 {
		cmd := exec.Command("chpasswd")
		cmd.Stdin = strings.NewReader(user + ":" + password + "\n")
		if out, err = cmd.CombinedOutput(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("chpasswd: %v: %s", err, out)
}

// writeCert writes a self-signed server certificate for the loopback
// addresses and localhost.
func writeCert(t testing.TB, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(ProxyHost)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	kb := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, kb, 0o600); err != nil {
		t.Fatal(err)
	}
	return pool
}
