package uploader

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expeditor-be/expeditor/internal/testservers"
)

// exercise runs every Transport operation, including the empty file that
// FTPS must handshake explicitly.
func exercise(t *testing.T, tr Transport, root string) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 70000) // > 1 MiB
	if err := tr.Put(ctx, "INTEST", "FI.TEST", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := tr.Put(ctx, "INTEST", "GO.TEST", bytes.NewReader(nil), 0); err != nil {
		t.Fatalf("Put empty: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(root, "INTEST", "FI.TEST"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("server file differs (%d bytes, %v)", len(got), err)
	}
	if info, err := os.Stat(filepath.Join(root, "INTEST", "GO.TEST")); err != nil || info.Size() != 0 {
		t.Fatalf("empty file: %v", err)
	}
	n, err := tr.Size(ctx, "INTEST", "FI.TEST")
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Size = %d, %v", n, err)
	}
	if _, err := tr.Size(ctx, "INTEST", "NOPE"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Size of a missing file: %v", err)
	}
	files, err := tr.List(ctx, "INTEST")
	if err != nil || len(files) != 2 {
		t.Fatalf("List = %v, %v", files, err)
	}
	if _, err := tr.List(ctx, "NOFOLDER"); !errors.Is(err, ErrFolderMissing) {
		t.Fatalf("List of a missing folder: %v", err)
	}
	var buf bytes.Buffer
	if n, err := tr.Get(ctx, "INTEST", "FI.TEST", &buf); err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("Get = %d, %v", n, err)
	}
	if err := tr.Delete(ctx, "INTEST", "FI.TEST"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := tr.Delete(ctx, "INTEST", "FI.TEST"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Delete again: %v", err)
	}
	// The session still works after errors.
	if _, err := tr.List(ctx, "INTEST"); err != nil {
		t.Fatalf("List after errors: %v", err)
	}
}

func TestTransportFTP(t *testing.T) {
	s := testservers.StartVsftpd(t, testservers.FTPOptions{})
	for _, epsv := range []bool{true, false} {
		ep := ftpEndpoint(s, false, "")
		ep.DisableEPSV = !epsv
		tr, err := Dial(context.Background(), ep, Auth{Password: []byte(s.Password)})
		if err != nil {
			t.Fatal(err)
		}
		exercise(t, tr, s.Root)
		tr.Close()
	}
}

// vsftpd's default require_ssl_reuse=YES refuses data connections that do
// not resume the control session; the upload must also not lose its end
// (the TLS 1.3 trap).
func TestTransportFTPS(t *testing.T) {
	s := testservers.StartVsftpd(t, testservers.FTPOptions{TLS: true})
	tr, err := Dial(context.Background(), ftpEndpoint(s, true, ""), Auth{Password: []byte(s.Password), RootCAs: s.CertPool})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	exercise(t, tr, s.Root)
}

func TestFTPSUntrustedCertificate(t *testing.T) {
	s := testservers.StartVsftpd(t, testservers.FTPOptions{TLS: true})
	_, err := Dial(context.Background(), ftpEndpoint(s, true, ""), Auth{Password: []byte(s.Password)})
	if !errors.Is(err, ErrTLS) {
		t.Fatalf("err = %v, want ErrTLS", err)
	}
	// The certificate file in the endpoint is trusted.
	ep := ftpEndpoint(s, true, "")
	ep.CAFile = s.CAFile
	tr, err := Dial(context.Background(), ep, Auth{Password: []byte(s.Password)})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
}

// A plain FTP client must not log in to a server that requires TLS
// without saying why.
func TestFTPWrongPassword(t *testing.T) {
	s := testservers.StartVsftpd(t, testservers.FTPOptions{})
	_, err := Dial(context.Background(), ftpEndpoint(s, false, ""), Auth{Password: []byte("wrong;pw=1")})
	if !errors.Is(err, ErrLogin) || IsTransient(err) {
		t.Fatalf("err = %v, want ErrLogin", err)
	}
	if strings.Contains(err.Error(), "wrong;pw=1") {
		t.Fatal("the password is in the message")
	}
}

func TestTransportSFTP(t *testing.T) {
	isolate(t)
	s := testservers.StartSSHD(t, testservers.SSHOptions{})
	tr, err := Dial(context.Background(), sftpEndpoint(s, ""), sshAuth(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	exercise(t, tr, s.Root)
}

// The transfer point is reported to accept only ssh-rsa signatures: the
// default client is refused with a hint, the legacy option gets in.
func TestSFTPLegacyRSA(t *testing.T) {
	isolate(t)
	s := testservers.StartSSHD(t, testservers.SSHOptions{LegacyRSAOnly: true})
	ep := sftpEndpoint(s, "")
	_, err := Dial(context.Background(), ep, sshAuth(t, s))
	if !errors.Is(err, ErrLogin) || !strings.Contains(err.Error(), "ssh-rsa") {
		t.Fatalf("err = %v, want ErrLogin with an ssh-rsa hint", err)
	}
	ep.LegacySSHRSA = true
	tr, err := Dial(context.Background(), ep, sshAuth(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Put(context.Background(), "IN", "x", strings.NewReader("hello"), 5); err != nil {
		t.Fatal(err)
	}
}

func TestSFTPKeyFormats(t *testing.T) {
	isolate(t)
	for _, opts := range []testservers.SSHOptions{{PEM: true}, {Passphrase: "secret words"}, {PEM: true, Passphrase: "secret words", KeyBits: 3072}} {
		s := testservers.StartSSHD(t, opts)
		ep := sftpEndpoint(s, "")
		need, err := KeyNeedsPassphrase(ep.IdentityFile)
		if err != nil || need != (opts.Passphrase != "") {
			t.Fatalf("%+v: KeyNeedsPassphrase = %v, %v", opts, need, err)
		}
		if opts.Passphrase != "" {
			if _, err := Dial(context.Background(), ep, sshAuth(t, s)); !errors.Is(err, ErrKeyPassphrase) {
				t.Fatalf("no passphrase: %v", err)
			}
			a := sshAuth(t, s)
			a.KeyPassphrase = []byte("wrong")
			if _, err := Dial(context.Background(), ep, a); !errors.Is(err, ErrKeyPassphrase) {
				t.Fatalf("wrong passphrase: %v", err)
			}
		}
		a := sshAuth(t, s)
		a.KeyPassphrase = []byte(opts.Passphrase)
		tr, err := Dial(context.Background(), ep, a)
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		tr.Close()
		if w := CheckCredentials(ep, nil); len(w) != 1 || !strings.Contains(w[0].Message, "user name") && opts.Passphrase == "" {
			// root is too short for Chaman: the only warning expected.
			t.Logf("warnings: %q", w)
		}
	}
}

// Host keys are pinned: unknown keys need a yes, a changed key is refused
// whatever the answer.
func TestSFTPHostKeys(t *testing.T) {
	home := isolate(t)
	s := testservers.StartSSHD(t, testservers.SSHOptions{})
	ep := sftpEndpoint(s, "")
	_, err := Dial(context.Background(), ep, Auth{})
	var hk *HostKeyError
	if !errors.As(err, &hk) || hk.Changed || hk.Fingerprint != s.HostKeyFingerprint {
		t.Fatalf("first contact without confirmation: %v", err)
	}
	_, err = Dial(context.Background(), ep, Auth{ConfirmHostKey: func(string, string) (bool, error) { return false, nil }})
	if !errors.As(err, &hk) {
		t.Fatalf("refused key: %v", err)
	}
	tr, err := Dial(context.Background(), ep, sshAuth(t, s))
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	// Now pinned: no question asked.
	tr, err = Dial(context.Background(), ep, Auth{ConfirmHostKey: func(string, string) (bool, error) {
		t.Error("asked again for a pinned key")
		return false, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	// Another server's key under the same address: changed, refused.
	other := testservers.StartSSHD(t, testservers.SSHOptions{})
	kh := &KnownHosts{Path: filepath.Join(home, "known_hosts")}
	os.Remove(kh.Path)
	if err := kh.Add(ep.Addr(), other.HostKey); err != nil {
		t.Fatal(err)
	}
	_, err = Dial(context.Background(), ep, Auth{ConfirmHostKey: func(string, string) (bool, error) { return true, nil }})
	if !errors.As(err, &hk) || !hk.Changed || IsTransient(err) || !strings.Contains(err.Error(), "CHANGED") {
		t.Fatalf("changed key: %v", err)
	}
}
