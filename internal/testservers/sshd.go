package testservers

import (
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// SSHOptions choose the kind of SFTP server and client key.
type SSHOptions struct {
	// LegacyRSAOnly makes the server accept only the old ssh-rsa (SHA-1)
	// signature for logins, as the transfer point is reported to do.
	LegacyRSAOnly bool
	// KeyBits is the size of the client's RSA key (default 2048).
	KeyBits int
	// PEM writes the client key in the old PEM format instead of OpenSSH's.
	PEM bool
	// Passphrase encrypts the client key.
	Passphrase string
	// HostKeyTypes are the host key types the server has, as ssh-keygen -t
	// names them (ed25519, rsa, ecdsa); default: ed25519 only. The first
	// is HostKey.
	HostKeyTypes []string
}

// SSHServer is a running sshd offering only SFTP.
type SSHServer struct {
	Addr               string // 127.0.0.1:PORT
	User               string // the user running the tests
	KeyPath            string // the client's private key (KeyPath.pub is its public key)
	HostKeyFingerprint string // SHA256:… of the server's only host key
	HostKey            ssh.PublicKey
	HostKeys           map[string]ssh.PublicKey // by ssh-keygen type (ed25519, rsa, ecdsa)
	Root               string                   // the SFTP start folder, holding IN, INTEST, … (see Folders)
}

// StartSSHD starts sshd for the test. The SFTP session starts in Root,
// so relative paths such as IN/FI.… land there.
func StartSSHD(t testing.TB, opts SSHOptions) *SSHServer {
	t.Helper()
	bin := need(t, "/usr/sbin/sshd", true)
	keygen := need(t, "ssh-keygen", false)
	dir := t.TempDir()
	s := &SSHServer{Root: filepath.Join(dir, "root"), KeyPath: filepath.Join(dir, "id_rsa")}
	makeFolders(t, s.Root)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	s.User = u.Username
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	types := opts.HostKeyTypes
	if len(types) == 0 {
		types = []string{"ed25519"}
	}
	s.HostKeys = map[string]ssh.PublicKey{}
	var hostKeyLines []string
	for _, typ := range types {
		hostKey := filepath.Join(dir, "host_"+typ)
		run(t, keygen, "-q", "-t", typ, "-N", "", "-f", hostKey)
		pub, err := os.ReadFile(hostKey + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		k, _, _, _, err := ssh.ParseAuthorizedKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		s.HostKeys[typ] = k
		hostKeyLines = append(hostKeyLines, "HostKey "+hostKey)
	}
	s.HostKey = s.HostKeys[types[0]]
	s.HostKeyFingerprint = ssh.FingerprintSHA256(s.HostKey)
	bits := opts.KeyBits
	if bits == 0 {
		bits = 2048
	}
	args := []string{"-q", "-t", "rsa", "-b", strconv.Itoa(bits), "-N", opts.Passphrase, "-f", s.KeyPath, "-C", "expeditor-test"}
	if opts.PEM {
		args = append(args, "-m", "PEM")
	}
	run(t, keygen, args...)
	clientPub, err := os.ReadFile(s.KeyPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	authKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authKeys, clientPub, 0o600); err != nil {
		t.Fatal(err)
	}
	conf := append([]string{
		"ListenAddress 127.0.0.1"}, hostKeyLines...)
	conf = append(conf,
		"PidFile "+filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile "+authKeys,
		"StrictModes no", "UsePAM no", "PermitRootLogin prohibit-password",
		"PasswordAuthentication no", "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
		"Subsystem sftp internal-sftp",
		"ForceCommand internal-sftp -d "+s.Root,
		"LogLevel VERBOSE",
	)
	if opts.LegacyRSAOnly {
		conf = append(conf, "PubkeyAcceptedAlgorithms ssh-rsa")
	}
	cfgFile := filepath.Join(dir, "sshd_config")
	var lastErr error
	for range 5 {
		port := freePorts(t, 1)[0]
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		c := append([]string{"Port " + strconv.Itoa(port)}, conf...)
		if err := os.WriteFile(cfgFile, []byte(strings.Join(c, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		d := startDaemon(t, bin, "-D", "-e", "-f", cfgFile)
		if lastErr = d.waitBanner(s.Addr, "SSH-2.0"); lastErr == nil {
			return s
		}
		d.cmd.Process.Kill()
	}
	t.Fatalf("sshd did not start: %v", lastErr)
	return nil
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}
