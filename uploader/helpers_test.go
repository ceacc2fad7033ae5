package uploader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/internal/testservers"
	"github.com/expeditor-be/expeditor/signer"
)

// writeDeclaration writes a CRLF file of about n bytes, streamed (the
// benchmark writes 100 MiB parts).
func writeDeclaration(t testing.TB, path string, n int) {
	t.Helper()
	line := "<DmfAOriginal><Quarter>20264</Quarter><Filler>xxxxxxxxxxxxxxxxxxxxxxxx</Filler></DmfAOriginal>\r\n"
	block := strings.Repeat(line, 1000)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for written := 0; written < n; {
		chunk := block
		if rest := n - written; rest < len(chunk) {
			chunk = block[:((rest+len(line)-1)/len(line))*len(line)]
		}
		k, err := f.WriteString(chunk)
		if err != nil {
			t.Fatal(err)
		}
		written += k
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// makeSet writes a declaration of parts parts of about size bytes each in
// env and signs it for real (openssl-made certificate, signer.Prepare).
func makeSet(t testing.TB, env batch.Environment, parts, size int) batch.Set {
	t.Helper()
	dir := t.TempDir()
	date := time.Now().Format(batch.DateLayout)
	var fis []string
	for i := 1; i <= parts; i++ {
		p := filepath.Join(dir, fmt.Sprintf("FI.DMFA.123456.%s.00001.%s.%d.%d", date, env, parts, i))
		writeDeclaration(t, p, size)
		fis = append(fis, p)
	}
	id := testpki.New(t, testpki.Options{Key: "rsa2048"})
	cred, err := signer.LoadP12(id.P12, []byte(id.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer cred.Close()
	if _, err := signer.Prepare(context.Background(), fis, cred, signer.PrepareOptions{SignTest: true}); err != nil {
		t.Fatal(err)
	}
	set, err := batch.SetOf(fis[0])
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// isolate gives the test its own configuration folder.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("EXPEDITOR_HOME", home)
	return home
}

func ftpEndpoint(s *testservers.FTPServer, tls bool, addr string) Endpoint {
	if addr == "" {
		addr = s.Addr
	}
	scheme := "ftp"
	if tls {
		scheme = "ftps"
	}
	ep, err := ParseEndpoint(scheme + "://" + s.User + "@" + addr)
	if err != nil {
		panic(err)
	}
	return ep
}

func sftpEndpoint(s *testservers.SSHServer, addr string) Endpoint {
	if addr == "" {
		addr = s.Addr
	}
	ep, err := ParseEndpoint("sftp://" + s.User + "@" + addr)
	if err != nil {
		panic(err)
	}
	ep.IdentityFile = s.KeyPath
	return ep
}

// sshAuth trusts the server's key on first contact after checking it is
// the one the server was made with.
func sshAuth(t testing.TB, s *testservers.SSHServer) Auth {
	return Auth{ConfirmHostKey: func(host, fp string) (bool, error) {
		if fp != s.HostKeyFingerprint {
			t.Errorf("fingerprint %s, want %s", fp, s.HostKeyFingerprint)
		}
		return true, nil
	}}
}

// serverFiles lists the names in a server folder.
func serverFiles(t testing.TB, root, folder string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, folder))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func hasGO(names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, "GO.") {
			return true
		}
	}
	return false
}

// vsftpdSender starts vsftpd (plain FTP) and returns it with a function
// that sends a set to it, its folder emptied first, with retries after a
// millisecond.
func vsftpdSender(t *testing.T) (*testservers.FTPServer, func(batch.Set, SendOptions) (*SendResult, error)) {
	t.Helper()
	srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
	ep, auth := ftpEndpoint(srv, false, ""), Auth{Password: []byte(srv.Password)}
	return srv, func(set batch.Set, opts SendOptions) (*SendResult, error) {
		emptyFolder(t, srv.Root, set.Folder())
		opts.Backoff = time.Millisecond
		return Send(context.Background(), ep, auth, set, opts)
	}
}
