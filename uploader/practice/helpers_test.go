package practice

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// TestMain keeps the uploader's history (written by FetchReplies and
// SendSet) out of the user's configuration folder.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "practice-test-home")
	if err != nil {
		panic(err)
	}
	os.Setenv("EXPEDITOR_HOME", home)
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// dial connects with the real uploader, over explicit TLS trusting the
// practice certificate (as the practice profile does) when asked.
func dial(t *testing.T, srv *Server, user string, explicitTLS bool) uploader.Transport {
	t.Helper()
	addr := fmt.Sprintf("ftp://%s@%s", user, srv.Addr)
	if explicitTLS {
		addr = strings.Replace(srv.TLSURL(), "ftps://"+srv.User+"@", "ftps://"+user+"@", 1)
	}
	ep, err := uploader.ParseEndpoint(addr)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := uploader.Dial(context.Background(), ep, uploader.Auth{Password: []byte(srv.Password), ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// drop uploads files as they are, with the transport's raw Put: SendSet
// checks a set before sending and would refuse the faulty ones.
func drop(t *testing.T, tr uploader.Transport, files []upload) {
	t.Helper()
	for _, f := range files {
		if err := tr.Put(context.Background(), f.folder, f.name, bytes.NewReader(f.data), int64(len(f.data))); err != nil {
			t.Fatalf("upload %s/%s: %v", f.folder, f.name, err)
		}
	}
}

// fetchReplies brings the replies of env back with the uploader and
// returns the acknowledgements by the name they answer.
func fetchReplies(t *testing.T, tr uploader.Transport, env batch.Environment) (acks map[string]*batch.Reply, all []uploader.FetchedReply) {
	t.Helper()
	got, err := uploader.FetchReplies(context.Background(), tr, uploader.FetchOptions{Envs: []batch.Environment{env}, Dir: t.TempDir(), Delete: true})
	if err != nil {
		for _, r := range got {
			t.Logf("%s: %v", r.Remote, r.Err)
		}
		t.Fatal(err)
	}
	acks = map[string]*batch.Reply{}
	for _, r := range got {
		if r.Err != nil || r.Pending {
			t.Errorf("%s: pending %v, error %v", r.Remote, r.Pending, r.Err)
		}
		if r.Reply != nil && r.Reply.Kind == batch.KindACRF {
			acks[r.Reply.About] = r.Reply
		}
	}
	return acks, got
}

func codesOf(r *batch.Reply) []int {
	var c []int
	for _, e := range r.Errors {
		c = append(c, e.Code)
	}
	return c
}

// upload is one file to drop on the practice point.
type upload struct {
	folder, name string
	data         []byte
}

// practiceServer starts a practice point in a temporary root on a free
// loopback port, stopped at the end of the test; answers are collected.
type practiceServer struct {
	*Server
	mu      sync.Mutex
	answers []Answer
}

func startPractice(t *testing.T, opts Options) *practiceServer {
	t.Helper()
	ps := &practiceServer{}
	if opts.Root == "" {
		opts.Root = t.TempDir()
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	opts.Logf = t.Logf
	opts.OnAnswer = func(a Answer) {
		ps.mu.Lock()
		ps.answers = append(ps.answers, a)
		ps.mu.Unlock()
	}
	srv, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ps.Server = srv
	return ps
}

// rawConn logs in with another FTP client, for what the uploader never
// does (making folders, writing into OUT, climbing above the account).
func rawConn(t *testing.T, srv *Server, user string, explicitTLS bool) *ftp.ServerConn {
	t.Helper()
	opts := []ftp.DialOption{ftp.DialWithTimeout(5 * time.Second)}
	if explicitTLS {
		pem, err := os.ReadFile(srv.CertFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		opts = append(opts, ftp.DialWithExplicitTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS12}))
	}
	c, err := ftp.Dial(srv.Addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Quit() })
	if err := c.Login(user, srv.Password); err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	return c
}

func dialOnly(addr string) (*ftp.ServerConn, error) {
	return ftp.Dial(addr, ftp.DialWithTimeout(5*time.Second))
}
