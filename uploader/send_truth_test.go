package uploader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
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

// goHook is a real transport that runs a function when the GO starts to
// leave: Cancel pressed, or the network cut, at that very moment.
type goHook struct {
	Transport
	onGO func()
}

func (g *goHook) Put(ctx context.Context, folder, name string, r io.Reader, size int64) error {
	if strings.HasPrefix(name, "GO.") && g.onGO != nil {
		g.onGO()
	}
	return g.Transport.Put(ctx, folder, name, r, size)
}

func sha256Hex(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Cancel while the GO is leaving: the GO may have arrived, so the error
// says so (issue 9: it used to say "no GO was sent: sending again is safe"
// although the transfer point had received it and accepted the set).
func TestSendCancelDuringGO(t *testing.T) {
	isolate(t)
	srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
	set := makeSet(t, batch.Production, 1, 50_000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr, err := Dial(ctx, ftpEndpoint(srv, false, ""), Auth{Password: []byte(srv.Password)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	_, err = SendSet(ctx, &goHook{Transport: tr, onGO: cancel}, set, SendOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	expectGOUncertain(t, err)
}

// A cut while the GO is leaving, over SFTP: uncertain without retries;
// with retries the set is found still whole on the server without its
// GO, so the GO is sent (once).
func TestSendCutDuringGOSFTP(t *testing.T) {
	isolate(t)
	srv := testservers.StartSSHD(t, testservers.SSHOptions{})
	proxy := testservers.StartProxy(t, srv.Addr)
	ep := sftpEndpoint(srv, proxy.Addr)
	auth := sshAuth(t, srv)
	set := makeSet(t, batch.Production, 1, 50_000)
	for _, retries := range []int{-1, 0} {
		emptyFolder(t, srv.Root, "IN")
		tr, err := Dial(context.Background(), ep, auth)
		if err != nil {
			t.Fatal(err)
		}
		cut := true
		hook := &goHook{Transport: tr, onGO: func() {
			if cut {
				cut = false
				proxy.Cut()
			}
		}}
		opts := SendOptions{Retries: retries, Backoff: time.Millisecond, Redial: func(ctx context.Context) (Transport, error) { return Dial(ctx, ep, auth) }}
		res, err := SendSet(context.Background(), hook, set, opts)
		tr.Close()
		if retries < 0 {
			expectGOUncertain(t, err)
			continue
		}
		if err != nil {
			t.Fatalf("with retries: %v", err)
		}
		checkSent(t, set, srv.Root, res)
	}
}

// "Sending again is safe" only when it is: not after "already in IN", a
// changed host key, a refused login (TestSendWrongPasswordNotRetried) or
// a permission problem.
func TestSendResendSafe(t *testing.T) {
	t.Run("already-on-server", func(t *testing.T) {
		isolate(t)
		srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
		set := makeSet(t, batch.Production, 1, 1000)
		ep, auth := ftpEndpoint(srv, false, ""), Auth{Password: []byte(srv.Password)}
		if _, err := Send(context.Background(), ep, auth, set, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := Send(context.Background(), ep, auth, set, SendOptions{})
		if !errors.Is(err, ErrAlreadyOnServer) || !strings.Contains(err.Error(), "do not send it again") {
			t.Fatalf("err = %v", err)
		}
		expectCleanFailure(t, err, srv.Root, "IN", false)
	})
	t.Run("host-key-changed", func(t *testing.T) {
		home := isolate(t)
		srv := testservers.StartSSHD(t, testservers.SSHOptions{})
		other := testservers.StartSSHD(t, testservers.SSHOptions{})
		ep := sftpEndpoint(srv, "")
		kh := &KnownHosts{Path: filepath.Join(home, "known_hosts")}
		if err := kh.Add(ep.Addr(), other.HostKey); err != nil {
			t.Fatal(err)
		}
		set := makeSet(t, batch.Production, 1, 1000)
		_, err := Send(context.Background(), ep, Auth{ConfirmHostKey: func(string, string) (bool, error) { return true, nil }}, set, SendOptions{Backoff: time.Millisecond})
		var hk *HostKeyError
		if !errors.As(err, &hk) || !hk.Changed {
			t.Fatalf("err = %v", err)
		}
		expectCleanFailure(t, err, srv.Root, "IN", false)
	})
	t.Run("permission", func(t *testing.T) {
		isolate(t)
		srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
		in := filepath.Join(srv.Root, "IN")
		if err := os.Chmod(in, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(in, 0o755)
		set := makeSet(t, batch.Production, 1, 1000)
		_, err := Send(context.Background(), ftpEndpoint(srv, false, ""), Auth{Password: []byte(srv.Password)}, set, SendOptions{Backoff: time.Millisecond})
		se := expectCleanFailure(t, err, srv.Root, "IN", false)
		if len(se.OnServer) != 0 {
			t.Errorf("on server: %v", se.OnServer)
		}
	})
}

// One read of each declaration, as it leaves: a declaration that is not
// the one signed is found out during the upload, its set's files are
// taken off the server and no GO is sent.
func TestSendContentChecked(t *testing.T) {
	srv, send := vsftpdSender(t)
	expectRemoved := func(t *testing.T, err error, folder string, is ...error) {
		t.Helper()
		se := expectCleanFailure(t, err, srv.Root, folder, false)
		for _, target := range append(is, ErrBadSignature) {
			if !errors.Is(err, target) {
				t.Errorf("err = %v, want %v", err, target)
			}
		}
		if names := serverFiles(t, srv.Root, folder); len(names) != 0 || len(se.OnServer) != 0 {
			t.Errorf("left on the server: %v (OnServer %v)", names, se.OnServer)
		}
	}

	t.Run("changed-after-signing", func(t *testing.T) {
		isolate(t)
		set := makeSet(t, batch.Production, 2, 100_000)
		// The same size, one byte changed, in the second part: the
		// first part is on the server by then and must go too.
		fi := set.Path(set.FI(2))
		data, _ := os.ReadFile(fi)
		data[10] ^= 1
		os.WriteFile(fi, data, 0o644)
		if _, err := CheckSet(set, false); err != nil {
			t.Fatalf("CheckSet reads no declaration, so it cannot see this: %v", err)
		}
		_, err := send(set, SendOptions{})
		expectRemoved(t, err, "IN", signer.ErrChangedAfterSigning)
	})
	t.Run("bare-LF", func(t *testing.T) {
		// Signed over its exact bytes, so valid in binary mode, but with
		// LF line endings: it would fail the text-mode check.
		isolate(t)
		dir := t.TempDir()
		name := "FI.DMFA.123456." + time.Now().Format(batch.DateLayout) + ".00001.R.1.1"
		fi := filepath.Join(dir, name)
		content := bytes.Repeat([]byte("<Worker>x</Worker>\n"), 2000)
		os.WriteFile(fi, content, 0o644)
		id := testpki.New(t, testpki.Options{Key: "rsa2048"})
		cred, err := signer.LoadP12(id.P12, []byte(id.Password))
		if err != nil {
			t.Fatal(err)
		}
		defer cred.Close()
		der, err := signer.SignDetached(bytes.NewReader(content), cred, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		set, _ := batch.SetOf(fi)
		os.WriteFile(set.Path(set.FS(1)), signer.EncodeFS(der, false), 0o644)
		os.WriteFile(set.Path(set.GO()), nil, 0o644)
		_, err = send(set, SendOptions{})
		expectRemoved(t, err, "IN", signer.ErrNotTextModeSafe)
	})
	t.Run("expected-digest", func(t *testing.T) {
		isolate(t)
		set := makeSet(t, batch.Production, 1, 100_000)
		fi := set.FI(1).String()
		want := sha256Hex(t, set.Path(set.FI(1)))
		// The digest recorded when it was signed: sent.
		res, err := send(set, SendOptions{ExpectedSHA256: map[string]string{fi: want}})
		if err != nil {
			t.Fatal(err)
		}
		checkSent(t, set, srv.Root, res)
		// Another digest than the one its FS signs: refused before
		// anything is sent.
		_, err = send(set, SendOptions{ExpectedSHA256: map[string]string{fi: strings.Repeat("0", 64)}})
		var se *SendError
		if !errors.Is(err, ErrBadSignature) || errors.As(err, &se) || len(serverFiles(t, srv.Root, "IN")) != 0 {
			t.Fatalf("err = %v, on the server %v", err, serverFiles(t, srv.Root, "IN"))
		}
	})
	t.Run("expected-digest-unsigned", func(t *testing.T) {
		// A test set sent without its FS: only the expected digest says
		// what the declaration must be, checked as it leaves.
		isolate(t)
		set := makeSet(t, batch.Test, 1, 100_000)
		_, err := send(set, SendOptions{ExpectedSHA256: map[string]string{set.FI(1).String(): strings.Repeat("ab", 32)}})
		expectRemoved(t, err, "INTEST")
	})
}
