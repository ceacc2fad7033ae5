package uploader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testservers"
	"github.com/expeditor-be/expeditor/signer"
)

// checkSent compares the server folder with the local set, byte for byte.
func checkSent(t *testing.T, set batch.Set, root string, res *SendResult) {
	t.Helper()
	st, _ := set.State(true)
	for _, p := range st.Files() {
		name := filepath.Base(p)
		local, _ := os.ReadFile(p)
		remote, err := os.ReadFile(filepath.Join(root, set.Folder(), name))
		if err != nil || string(local) != string(remote) {
			t.Errorf("%s differs on the server (%v)", name, err)
		}
		h := sha256.Sum256(local)
		i := slices.IndexFunc(res.Files, func(f FileRecord) bool { return f.Name == name })
		if i < 0 || res.Files[i].SHA256 != hex.EncodeToString(h[:]) {
			t.Errorf("%s: no or wrong SHA-256 in the result", name)
		}
	}
}

func TestSend(t *testing.T) {
	ftpSrv := testservers.StartVsftpd(t, testservers.FTPOptions{})
	ftpsSrv := testservers.StartVsftpd(t, testservers.FTPOptions{TLS: true})
	sshSrv := testservers.StartSSHD(t, testservers.SSHOptions{})
	legacySrv := testservers.StartSSHD(t, testservers.SSHOptions{LegacyRSAOnly: true})
	legacyEP := sftpEndpoint(legacySrv, "")
	legacyEP.LegacySSHRSA = true
	cases := []struct {
		name string
		ep   Endpoint
		auth Auth
		root string
		env  batch.Environment
	}{
		{"ftp", ftpEndpoint(ftpSrv, false, ""), Auth{Password: []byte(ftpSrv.Password)}, ftpSrv.Root, batch.Production},
		{"ftps", ftpEndpoint(ftpsSrv, true, ""), Auth{Password: []byte(ftpsSrv.Password), RootCAs: ftpsSrv.CertPool}, ftpsSrv.Root, batch.Test},
		{"sftp", sftpEndpoint(sshSrv, ""), sshAuth(t, sshSrv), sshSrv.Root, batch.Simulation},
		{"sftp-legacy", legacyEP, sshAuth(t, legacySrv), legacySrv.Root, batch.Production},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolate(t)
			set := makeSet(t, c.env, 2, 300_000)
			var progressed atomic.Int64
			opts := SendOptions{SignTest: true, Progress: func(file string, done, total int64) { progressed.Store(done) }}
			res, err := Send(context.Background(), c.ep, c.auth, set, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Plan.Folder != c.env.UploadFolder() || len(res.Plan.Files) != 5 {
				t.Fatalf("plan %+v", res.Plan)
			}
			checkSent(t, set, c.root, res)
			// A second send of the same set is refused: its GO is waiting.
			_, err = Send(context.Background(), c.ep, c.auth, set, opts)
			if !errors.Is(err, ErrAlreadyOnServer) {
				t.Fatalf("second send: %v", err)
			}
		})
	}
}

func TestSendChecksLocally(t *testing.T) {
	isolate(t)
	set := makeSet(t, batch.Production, 1, 10_000)
	// Dry run: the plan, nothing dialled.
	res, err := Send(context.Background(), Endpoint{Scheme: "ftp", User: "nobody12", Host: "192.0.2.1", Port: 21}, Auth{}, set, SendOptions{DryRun: true})
	if err != nil || !res.DryRun || len(res.Plan.Files) != 3 || res.Plan.Folder != "IN" {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	// A declaration changed after signing: the dry run reads it and says so.
	fi := set.Path(set.FI(1))
	f, _ := os.OpenFile(fi, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("<Extra/>\r\n")
	f.Close()
	_, err = Send(context.Background(), Endpoint{Scheme: "ftp", User: "nobody12", Host: "192.0.2.1", Port: 21}, Auth{}, set, SendOptions{DryRun: true})
	if !errors.Is(err, ErrBadSignature) || !errors.Is(err, signer.ErrChangedAfterSigning) {
		t.Fatalf("changed FI, dry run: %v", err)
	}
	// A damaged FS: refused before connecting, without reading the FI.
	fsPath := set.Path(set.FS(1))
	data, _ := os.ReadFile(fsPath)
	os.WriteFile(fsPath, data[:len(data)/2], 0o644)
	_, err = Send(context.Background(), Endpoint{Scheme: "ftp", User: "nobody12", Host: "192.0.2.1", Port: 21}, Auth{}, set, SendOptions{})
	if !errors.Is(err, ErrBadSignature) {
		t.Fatalf("damaged FS: %v", err)
	}
	// A missing FS.
	os.Remove(set.Path(set.FS(1)))
	_, err = CheckSet(set, false)
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), set.FS(1).String()) {
		t.Fatalf("missing FS: %v", err)
	}
}

// expectCleanFailure checks a send that stopped before the GO: the send
// fails with a *SendError, no GO reaches the server, the history records
// the failure, and the message says sending again is safe exactly when
// safe is true.
func expectCleanFailure(t *testing.T, err error, root string, folder string, safe bool) *SendError {
	t.Helper()
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SendError", err)
	}
	msg := err.Error()
	if se.GOUncertain || !errors.Is(err, ErrAlreadyOnServer) && !strings.Contains(msg, "no GO was sent") {
		t.Errorf("message %q", msg)
	}
	if se.ResendSafe() != safe || strings.Contains(msg, "sending again is safe") != safe {
		t.Errorf("ResendSafe() = %v, want %v; message %q", se.ResendSafe(), safe, msg)
	}
	if names := serverFiles(t, root, folder); hasGO(names) && !errors.Is(err, ErrAlreadyOnServer) {
		t.Errorf("a GO reached the server: %v", names)
	}
	return se
}

// expectGOUncertain checks a send that stopped while the GO was leaving:
// the message says the transfer point may have it and to fetch the
// replies first, never that sending again is safe.
func expectGOUncertain(t *testing.T, err error) *SendError {
	t.Helper()
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SendError", err)
	}
	msg := err.Error()
	if !se.GOUncertain || se.ResendSafe() || strings.Contains(msg, "no GO was sent") || strings.Contains(msg, "sending again is safe") ||
		!strings.Contains(msg, "may have received it") || !strings.Contains(msg, "fetch the replies") {
		t.Errorf("GOUncertain %v, ResendSafe %v, message %q", se.GOUncertain, se.ResendSafe(), msg)
	}
	return se
}

// emptyFolder removes what earlier cases left on the server.
func emptyFolder(t *testing.T, root, folder string) {
	t.Helper()
	for _, n := range serverFiles(t, root, folder) {
		os.Remove(filepath.Join(root, folder, n))
	}
}

// cutDuring returns a Progress function that cuts every connection once
// the file with the given prefix has had more than after bytes read.
func cutDuring(p *testservers.Proxy, prefix string, after int64) func(string, int64, int64) {
	var done atomic.Bool
	return func(file string, n, total int64) {
		if strings.HasPrefix(file, prefix) && n > after && !done.Swap(true) {
			p.Cut()
		}
	}
}

func TestSendFaultsFTP(t *testing.T) {
	for _, tls := range []bool{false, true} {
		name := map[bool]string{false: "ftp", true: "ftps"}[tls]
		t.Run(name, func(t *testing.T) {
			srv := testservers.StartVsftpd(t, testservers.FTPOptions{TLS: tls})
			proxy := testservers.StartProxy(t, srv.Addr, srv.PasvPorts...)
			ep := ftpEndpoint(srv, tls, proxy.Addr)
			auth := Auth{Password: []byte(srv.Password), RootCAs: srv.CertPool}
			const fiSize = 1 << 20
			send := func(set batch.Set, retries int, progress func(string, int64, int64)) (*SendResult, error) {
				emptyFolder(t, srv.Root, "IN")
				return Send(context.Background(), ep, auth, set, SendOptions{Retries: retries, Backoff: 10 * time.Millisecond, Progress: progress})
			}
			t.Run("cut-during-FI", func(t *testing.T) {
				isolate(t)
				set := makeSet(t, batch.Production, 1, fiSize)
				_, err := send(set, -1, cutDuring(proxy, "FI.", fiSize/2))
				se := expectCleanFailure(t, err, srv.Root, "IN", true)
				if len(se.OnServer) != 0 {
					t.Errorf("on server: %v", se.OnServer)
				}
			})
			t.Run("cut-during-FS", func(t *testing.T) {
				isolate(t)
				set := makeSet(t, batch.Production, 1, fiSize)
				_, err := send(set, -1, cutDuring(proxy, "FS.", 0))
				se := expectCleanFailure(t, err, srv.Root, "IN", true)
				if !slices.Equal(se.OnServer, []string{set.FI(1).String()}) {
					t.Errorf("on server: %v (message %q)", se.OnServer, err)
				}
			})
			if !tls {
				// Plain FTP shows its commands: cut exactly when the GO is
				// asked for. The GO did not arrive, but the sender cannot
				// know: it was leaving when the connection broke.
				t.Run("cut-during-GO", func(t *testing.T) {
					isolate(t)
					set := makeSet(t, batch.Production, 1, 50_000)
					proxy.CutOn("STOR " + srv.Root + "/IN/GO.")
					_, err := send(set, -1, nil)
					se := expectGOUncertain(t, err)
					if len(se.OnServer) != 2 {
						t.Errorf("on server: %v", se.OnServer)
					}
				})
			}
			t.Run("cut-then-retry", func(t *testing.T) {
				isolate(t)
				set := makeSet(t, batch.Production, 2, fiSize)
				cuts := proxy.Cuts()
				res, err := send(set, 0, cutDuring(proxy, "FI.DMFA.123456", fiSize/2))
				if err != nil {
					t.Fatal(err)
				}
				if res.Retries == 0 || proxy.Cuts() == cuts {
					t.Errorf("retries %d, cuts %d", res.Retries, proxy.Cuts())
				}
				checkSent(t, set, srv.Root, res)
			})
			t.Run("server-down", func(t *testing.T) {
				isolate(t)
				set := makeSet(t, batch.Production, 1, 1000)
				proxy.Refuse(true)
				defer proxy.Refuse(false)
				_, err := send(set, 2, nil)
				expectCleanFailure(t, err, srv.Root, "IN", true)
			})
		})
	}
}

// The GO is never sent twice, even when its reply was lost.
func TestSendGOReplyLost(t *testing.T) {
	isolate(t)
	srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
	proxy := testservers.StartProxy(t, srv.Addr, srv.PasvPorts...)
	set := makeSet(t, batch.Production, 1, 1000)
	// Cut right after the STOR of the GO has reached the server.
	proxy.CutOn("SIZE " + srv.Root + "/IN/GO.")
	res, err := Send(context.Background(), ftpEndpoint(srv, false, proxy.Addr), Auth{Password: []byte(srv.Password)}, set, SendOptions{Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	checkSent(t, set, srv.Root, res)
}

func TestSendFaultsSFTP(t *testing.T) {
	srv := testservers.StartSSHD(t, testservers.SSHOptions{})
	proxy := testservers.StartProxy(t, srv.Addr)
	isolate(t)
	ep := sftpEndpoint(srv, proxy.Addr)
	auth := sshAuth(t, srv)
	set := makeSet(t, batch.Production, 1, 1<<20)
	_, err := Send(context.Background(), ep, auth, set, SendOptions{Retries: -1, Progress: cutDuring(proxy, "FI.", 1<<19)})
	expectCleanFailure(t, err, srv.Root, "IN", true)
	_, err = Send(context.Background(), ep, auth, set, SendOptions{Retries: -1, Progress: cutDuring(proxy, "FS.", 0)})
	se := expectCleanFailure(t, err, srv.Root, "IN", true)
	if len(se.OnServer) != 1 {
		t.Errorf("on server: %v", se.OnServer)
	}
	// With retries the same cut is survived.
	res, err := Send(context.Background(), ep, auth, set, SendOptions{Backoff: time.Millisecond, Progress: cutDuring(proxy, "FI.", 1<<19)})
	if err != nil {
		t.Fatal(err)
	}
	checkSent(t, set, srv.Root, res)
}

func TestSendWrongPasswordNotRetried(t *testing.T) {
	isolate(t)
	srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
	set := makeSet(t, batch.Production, 1, 1000)
	start := time.Now()
	_, err := Send(context.Background(), ftpEndpoint(srv, false, ""), Auth{Password: []byte("bad;pw=")}, set, SendOptions{Backoff: 5 * time.Second})
	if !errors.Is(err, ErrLogin) {
		t.Fatalf("err = %v", err)
	}
	// A refused login is not cured by sending again as it is.
	expectCleanFailure(t, err, srv.Root, "IN", false)
	if time.Since(start) > 4*time.Second+5*time.Second {
		t.Errorf("a login failure was retried")
	}
	if hasGO(serverFiles(t, srv.Root, "IN")) {
		t.Error("GO on the server")
	}
}

func TestSendMissingFolder(t *testing.T) {
	for _, scheme := range []string{"ftp", "sftp"} {
		t.Run(scheme, func(t *testing.T) {
			isolate(t)
			var ep Endpoint
			var auth Auth
			var root string
			if scheme == "ftp" {
				srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
				ep, auth, root = ftpEndpoint(srv, false, ""), Auth{Password: []byte(srv.Password)}, srv.Root
			} else {
				srv := testservers.StartSSHD(t, testservers.SSHOptions{})
				ep, auth, root = sftpEndpoint(srv, ""), sshAuth(t, srv), srv.Root
			}
			os.RemoveAll(filepath.Join(root, "INTEST-S"))
			set := makeSet(t, batch.Simulation, 1, 1000)
			_, err := Send(context.Background(), ep, auth, set, SendOptions{Backoff: time.Millisecond})
			if !errors.Is(err, ErrFolderMissing) || !strings.Contains(err.Error(), "INTEST-S") {
				t.Fatalf("err = %v", err)
			}
			expectCleanFailure(t, err, root, "INTEST", false)
		})
	}
}

func TestSendCancel(t *testing.T) {
	isolate(t)
	srv := testservers.StartVsftpd(t, testservers.FTPOptions{TLS: true})
	set := makeSet(t, batch.Production, 1, 4<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := SendOptions{Progress: func(file string, done, total int64) {
		if done > 1<<20 {
			cancel()
		}
	}}
	_, err := Send(ctx, ftpEndpoint(srv, true, ""), Auth{Password: []byte(srv.Password), RootCAs: srv.CertPool}, set, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	expectCleanFailure(t, err, srv.Root, "IN", true)
}

// pickupTransport is a transfer point in memory that takes a GO away the
// moment it arrives, as the real one may.
type pickupTransport struct{ *memTransport }

func (p pickupTransport) Put(ctx context.Context, folder, name string, r io.Reader, size int64) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(name, "GO.") {
		p.put(folder, name, data)
	}
	return nil
}

// A GO already picked up when its size is checked is a success, not an
// error that would make the user wonder whether to send again.
func TestSendGOPickedUpAtOnce(t *testing.T) {
	isolate(t)
	set := makeSet(t, batch.Production, 1, 1000)
	mem := newMem()
	mem.files[set.Folder()] = map[string][]byte{}
	res, err := SendSet(context.Background(), pickupTransport{mem}, set, SendOptions{})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if len(res.Files) != 3 || len(mem.names(set.Folder())) != 2 {
		t.Fatalf("files %v, on the server %v", res.Files, mem.names(set.Folder()))
	}
}
