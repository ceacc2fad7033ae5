package uploader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testservers"
)

// ftpsServers are the FTPS servers users meet. vsftpd and ProFTPD
// require that data connections resume the control connection's TLS
// session. Pure-FTPd 1.0.50 neither requires nor allows it: it sends no
// session ticket (nor does it to curl or openssl s_client), so its data
// connections are full handshakes.
var ftpsServers = []struct {
	name    string
	start   func(testing.TB) *testservers.FTPServer
	version uint16 // the TLS version the server must end up with
	reused  string // what the server logs for a resumed data connection
	resume  bool   // the server offers resumption
}{
	{"vsftpd", func(t testing.TB) *testservers.FTPServer {
		return testservers.StartVsftpd(t, testservers.FTPOptions{TLS: true})
	}, tls.VersionTLS13, "reused, no cert", true},
	{"proftpd-tls1.2", func(t testing.TB) *testservers.FTPServer {
		return testservers.StartProFTPD(t, testservers.FTPOptions{TLS: true, TLSVersion: "1.2"})
	}, tls.VersionTLS12, "client reused TLS session for data connection", true},
	{"proftpd-tls1.3", func(t testing.TB) *testservers.FTPServer {
		return testservers.StartProFTPD(t, testservers.FTPOptions{TLS: true, TLSVersion: "1.3"})
	}, tls.VersionTLS13, "client reused TLS session for data connection", true},
	{"pure-ftpd", func(t testing.TB) *testservers.FTPServer {
		return testservers.StartPureFTPd(t, testservers.FTPOptions{TLS: true})
	}, tls.VersionTLS13, "", false},
}

// uploadMiB is the size of the big upload of TestFTPSServers:
// $EXPEDITOR_FTPS_MIB (scripts/bench-ftps.sh sets 200), else 24.
func uploadMiB(t testing.TB) int64 {
	if v := os.Getenv("EXPEDITOR_FTPS_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("EXPEDITOR_FTPS_MIB=%q: want a number of MiB", v)
		}
		return n
	}
	return 24
}

// TestFTPSServers sends over FTPS to vsftpd, ProFTPD (TLS 1.2-only and
// TLS 1.3-only) and Pure-FTPd: every operation, then a big upload that must
// arrive whole (TLS 1.3 servers lost upload tails when the client closed
// data connections with the session tickets unread), with every data
// connection resuming the control connection's session.
func TestFTPSServers(t *testing.T) {
	size := uploadMiB(t) << 20
	for _, srv := range ftpsServers {
		t.Run(srv.name, func(t *testing.T) {
			s := srv.start(t)
			tr, err := Dial(context.Background(), ftpEndpoint(s, true, ""), Auth{Password: []byte(s.Password), RootCAs: s.CertPool})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			exercise(t, tr, s.Root)

			src := rand.NewChaCha8([32]byte{byte(len(srv.name))})
			want := sha256.New()
			start := time.Now()
			r := io.TeeReader(io.LimitReader(src, size), want)
			if err := tr.Put(context.Background(), "IN", "FI.BIG", r, size); err != nil {
				t.Fatalf("Put %d MiB: %v", size>>20, err)
			}
			took := time.Since(start)
			f, err := os.Open(filepath.Join(s.Root, "IN", "FI.BIG"))
			if err != nil {
				t.Fatal(err)
			}
			got := sha256.New()
			n, err := io.Copy(got, f)
			f.Close()
			if err != nil || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
				t.Fatalf("the server has %d bytes of %d, identical: %v (%v)", n, size, bytes.Equal(got.Sum(nil), want.Sum(nil)), err)
			}
			ft := tr.(*ftpTransport)
			ft.mu.Lock()
			d := ft.data
			ft.mu.Unlock()
			wantResumed := 0
			if srv.resume {
				wantResumed = d.conns
			}
			if d.conns == 0 || d.resumed != wantResumed || d.versions[srv.version] != d.conns {
				t.Fatalf("data connections: %d, resumed %d, versions %v; want %d resumed, all with %s", d.conns, d.resumed, d.versions, wantResumed, tls.VersionName(srv.version))
			}
			logged := "no reuse log"
			if srv.reused != "" {
				c := strings.Count(s.Log(), srv.reused)
				if c < d.conns {
					t.Fatalf("the server logs %d resumed data connections of %d", c, d.conns)
				}
				logged = fmt.Sprintf("server log: %d x %q", c, srv.reused)
			}
			t.Logf("%s: %d MiB byte-identical in %v (%.0f MiB/s); %d data connections, %d resumed, %s; %s",
				srv.name, size>>20, took.Round(time.Millisecond), float64(size>>20)/took.Seconds(), d.conns, d.resumed, tls.VersionName(srv.version), logged)
		})
	}
}

// A server that wants data connections to resume the control connection's
// TLS 1.2 session by session ID (ProFTPD without TLSSessionTickets) gets
// a TLS error that says so, not a network failure to retry.
func TestFTPSSessionIDOnlyServer(t *testing.T) {
	s := testservers.StartProFTPD(t, testservers.FTPOptions{TLS: true, TLSVersion: "1.2", NoSessionTickets: true})
	tr, err := Dial(context.Background(), ftpEndpoint(s, true, ""), Auth{Password: []byte(s.Password), RootCAs: s.CertPool})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	err = tr.Put(context.Background(), "IN", "FI.X", strings.NewReader("data"), 4)
	if !errors.Is(err, ErrTLS) || IsTransient(err) || !strings.Contains(err.Error(), "TLSSessionTickets on") {
		t.Fatalf("err = %v, want ErrTLS about session reuse", err)
	}
	t.Log(err)
}

// An ftp:// address at a server that accepts only FTPS says to use
// ftps://, and is not a network failure to retry.
func TestFTPAtTLSOnlyServer(t *testing.T) {
	for _, srv := range ftpsServers {
		if srv.name == "proftpd-tls1.2" {
			continue
		}
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			s := srv.start(t)
			_, err := Dial(context.Background(), ftpEndpoint(s, false, ""), Auth{Password: []byte(s.Password)})
			if !errors.Is(err, ErrTLSRequired) || IsTransient(err) || !strings.Contains(err.Error(), "ftps://"+s.User+"@"+s.Addr) {
				t.Fatalf("err = %v, want ErrTLSRequired naming ftps://%s@%s", err, s.User, s.Addr)
			}
			t.Log(err)
		})
	}
}

// A refused upload or delete keeps the server's reason: a permission is
// not a missing folder or file.
func TestFTPRefusals(t *testing.T) {
	servers := []struct {
		name  string
		start func(testing.TB) *testservers.FTPServer
		// perm: the server's reply says "permission" (vsftpd's does not:
		// "553 Could not create file.", "550 Delete operation failed.")
		perm bool
	}{
		{"vsftpd", func(t testing.TB) *testservers.FTPServer { return testservers.StartVsftpd(t, testservers.FTPOptions{}) }, false},
		{"proftpd", func(t testing.TB) *testservers.FTPServer {
			return testservers.StartProFTPD(t, testservers.FTPOptions{})
		}, true},
		{"pure-ftpd", func(t testing.TB) *testservers.FTPServer {
			return testservers.StartPureFTPd(t, testservers.FTPOptions{})
		}, true},
	}
	ctx := context.Background()
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			s := srv.start(t)
			tr, err := Dial(ctx, ftpEndpoint(s, false, ""), Auth{Password: []byte(s.Password)})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if err := os.WriteFile(filepath.Join(s.Root, "OUT", "FO.KEPT"), []byte("reply"), 0o644); err != nil {
				t.Fatal(err)
			}
			// The account may read IN and OUT but not write in them.
			for _, f := range []string{"IN", "OUT"} {
				if err := os.Chmod(filepath.Join(s.Root, f), 0o555); err != nil {
					t.Fatal(err)
				}
			}

			err = tr.Put(ctx, "IN", "FI.X", strings.NewReader("data"), 4)
			if !errors.Is(err, ErrRefused) || errors.Is(err, ErrFolderMissing) || IsTransient(err) || errors.Is(err, fs.ErrPermission) != srv.perm {
				t.Errorf("Put in a read-only folder: %v", err)
			}
			if r := ServerReason(err); !strings.HasPrefix(r, "55") {
				t.Errorf("ServerReason = %q", r)
			}
			t.Logf("Put refused: %v", err)

			err = tr.Put(ctx, "NOFOLDER", "FI.X", strings.NewReader("data"), 4)
			if !errors.Is(err, ErrFolderMissing) || errors.Is(err, ErrRefused) {
				t.Errorf("Put in a missing folder: %v", err)
			}
			t.Logf("Put in a missing folder: %v", err)

			err = tr.Delete(ctx, "OUT", "FO.KEPT")
			if !errors.Is(err, ErrRefused) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) != srv.perm {
				t.Errorf("Delete refused: %v", err)
			}
			if _, serr := os.Stat(filepath.Join(s.Root, "OUT", "FO.KEPT")); serr != nil {
				t.Errorf("the file went: %v", serr)
			}
			t.Logf("Delete refused: %v", err)

			err = tr.Delete(ctx, "OUT", "FO.NONE")
			if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrRefused) {
				t.Errorf("Delete of a missing file: %v", err)
			}
			t.Logf("Delete of a missing file: %v", err)

			// The session still works.
			if files, err := tr.List(ctx, "OUT"); err != nil || len(files) != 1 {
				t.Errorf("List after refusals: %v, %v", files, err)
			}
		})
	}
}

// The replies of the servers met, as they word them.
func TestReplyWording(t *testing.T) {
	for _, tc := range []struct {
		code    int
		msg     string
		meaning meaning
		tls     bool // a plain login refused because the server wants TLS
	}{
		{550, "/IN/FI.X: Permission denied", denied, false},
		{550, "/OUT/FO.X: Operation not permitted", denied, false},
		{553, "Can't open that file: Permission denied", denied, false},
		{550, "Could not delete /OUT/FO.NONE: No such file or directory", missing, false},
		{550, "/NOFOLDER/FI.X: No such file or directory", missing, false},
		{553, "Could not create file.", unclear, false},
		{550, "Delete operation failed.", unclear, false},
		{550, "SSL/TLS required on the control channel", unclear, true},
		{421, "Sorry, cleartext sessions and weak ciphers are not accepted on this server.\nPlease reconnect using TLS security mechanisms.", unclear, true},
		{530, "Non-anonymous sessions must use encryption.", unclear, true},
		{534, "Policy requires SSL.", unclear, true},
		{530, "Login incorrect.", unclear, false},
		{421, "Too many connections", unclear, false},
	} {
		err := error(&textproto.Error{Code: tc.code, Msg: tc.msg})
		if got := replyMeaning(err); got != tc.meaning {
			t.Errorf("%d %s: meaning %d, want %d", tc.code, tc.msg, got, tc.meaning)
		}
		if got := tlsRequired(err); got != tc.tls {
			t.Errorf("%d %s: TLS required %v", tc.code, tc.msg, got)
		}
		// The library keeps only the words of a refused USER.
		if got := tlsRequired(errors.New(tc.msg)); got != tc.tls && tc.code != 530 {
			t.Errorf("%s (words only): TLS required %v", tc.msg, got)
		}
	}
}
