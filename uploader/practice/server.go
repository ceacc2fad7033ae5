package practice

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	ftpserver "goftp.io/server/v2"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// Options configure a practice point. The zero value serves the default
// root on the configured address (DefaultListen unless changed).
type Options struct {
	// Root is the practice folder: settings, server certificate, accounts
	// and received files. Empty means DefaultRoot().
	Root string
	// Listen is host:port; port 0 picks a free port. Empty means the
	// address saved in the root's settings (DefaultListen at first).
	Listen string
	// NoTLS turns explicit TLS (AUTH TLS) off; by default the same port
	// serves plain FTP and explicit FTPS.
	NoTLS bool
	// SignTest makes the point expect an FS for test (T) and simulation (S)
	// sets too. By default, like the real one, only production (R) sets
	// carry an FS, and an FS in a T or S set is refused (121).
	SignTest bool
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time
	// Logf receives a line for each thing worth telling (nil: silent).
	Logf func(format string, args ...any)
	// OnAnswer is called after each answer is written, from the FTP
	// session's goroutine; it must not block for long.
	OnAnswer func(Answer)
	// MoveDelay is how long answered files stay in the upload folder
	// before they are moved out (default 2 s). The real transfer point
	// takes them away some time after they arrive; the delay lets an
	// uploader check the size of its last file. Any new login, and Close,
	// move them at once.
	MoveDelay time.Duration
}

// Server is a running practice point.
type Server struct {
	// User and Password open the shared practice account (DefaultUser).
	// The password is a practice secret, fine to show.
	User     string
	Password string
	// Root is the practice folder; Accounts holds one folder per account.
	Root     string
	Accounts string
	// Addr is the host:port the server listens on.
	Addr string
	// TLS says whether explicit TLS is offered; CertFile is the server's
	// self-signed certificate and CertFingerprint its SHA-256 fingerprint,
	// for clients that pin it.
	TLS             bool
	CertFile        string
	CertFingerprint string
	// ID appears in the welcome line so that Ensure can recognise the
	// server of this root.
	ID string

	opts   Options
	ftp    *ftpserver.Server
	done   chan struct{}
	mu     sync.Mutex // guards processing and st (with the files waiting to be moved)
	st     *state
	closed bool
}

// URL is the plain FTP address of the shared account, in the form the
// uploader reads (uploader.ParseEndpoint): ftp://practice@127.0.0.1:2121.
func (s *Server) URL() string { return "ftp://" + s.User + "@" + s.Addr }

// TLSURL is the explicit-TLS address (AUTH TLS on the same port), naming
// the server certificate to trust: ftps://practice@127.0.0.1:2121?ca=FILE.
// It is empty when TLS is off.
func (s *Server) TLSURL() string {
	if !s.TLS {
		return ""
	}
	// Slashes and colons need no escaping in a query: keep the path readable.
	ca := strings.NewReplacer("%2F", "/", "%3A", ":", "%5C", `\`).Replace(url.QueryEscape(s.CertFile))
	return "ftps://" + s.User + "@" + s.Addr + "?ca=" + ca
}

// AccountFor returns the user name of the practice account of one sender:
// "practice" followed by the six-digit sender number. It is created at its
// first login, with the server's password.
func AccountFor(sender string) string { return DefaultUser + sender }

// welcomePrefix starts the server's welcome line.
const welcomePrefix = "Expeditor practice transfer point (not the real one)"

// Start starts a practice point and returns once it accepts connections.
// Cancelling ctx stops it, like Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Root == "" {
		root, err := DefaultRoot()
		if err != nil {
			return nil, err
		}
		opts.Root = root
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MoveDelay == 0 {
		opts.MoveDelay = 2 * time.Second
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(root)
	if err != nil {
		return nil, err
	}
	listen := opts.Listen
	if listen == "" {
		listen = cfg.Listen
	}
	s := &Server{
		User: DefaultUser, Password: cfg.Password, Root: root, Accounts: filepath.Join(root, "accounts"),
		TLS: !opts.NoTLS, ID: cfg.ID, opts: opts, done: make(chan struct{}),
	}
	if s.st, err = loadState(root); err != nil {
		return nil, err
	}
	for _, d := range []string{s.Accounts, filepath.Join(root, "received")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("cannot create the practice folders: %w", err)
		}
	}
	if err := s.ensureAccount(DefaultUser); err != nil {
		return nil, err
	}
	// Files answered by an earlier run are moved now.
	s.flush()
	var tlsConf *tls.Config
	if s.TLS {
		cert, err := serverCert(root)
		if err != nil {
			return nil, fmt.Errorf("cannot prepare the practice server certificate: %w", err)
		}
		s.CertFile = filepath.Join(root, "server.crt")
		s.CertFingerprint = Fingerprint(cert.Certificate[0])
		// TLS 1.2 at most: Go clients resuming TLS 1.3 sessions on data
		// connections lose the end of uploads with this server.
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, NextProtos: []string{"ftp"}}
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("the practice address %q is not host:port (for example %s): %w", listen, DefaultListen, err)
	}
	// goftp only negotiates AUTH TLS when it opens the listener itself
	// (ListenAndServe), so a free port is chosen here first when asked for
	// port 0, and the start is retried if another program takes it between.
	for attempt := 0; ; attempt++ {
		p := port
		if port == "0" {
			if p, err = freePort(host); err != nil {
				return nil, err
			}
		}
		err = s.serve(host, p, tlsConf)
		if err == nil {
			break
		}
		if port != "0" || attempt >= 4 || !errors.Is(err, syscall.EADDRINUSE) {
			if errors.Is(err, syscall.EADDRINUSE) {
				return nil, fmt.Errorf("%s is already in use (another practice point may be running): %w", net.JoinHostPort(host, p), ErrAddressInUse)
			}
			return nil, fmt.Errorf("cannot start the practice point on %s: %w", net.JoinHostPort(host, p), err)
		}
	}
	// Tell other processes (Ensure) where this root's server listens, even
	// on a port picked at random.
	if err := atomicfile.WriteFile(filepath.Join(root, listeningFile), []byte(s.Addr+"\n"), 0o600); err != nil {
		s.logf("cannot record the practice address: %v", err)
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	s.logf("practice transfer point listening on %s", s.URL())
	return s, nil
}

// listeningFile, in the root, holds the address of the running server.
const listeningFile = "listening"

// ErrAddressInUse is returned by Start when the address is taken.
var ErrAddressInUse = errors.New("address in use")

func freePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("cannot find a free port on %s: %w", host, err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// serve starts the FTP server on host:port and waits until it accepts
// connections or fails.
func (s *Server) serve(host, port string, tlsConf *tls.Config) error {
	p, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("the port %q is not a number", port)
	}
	logger := &readyLogger{ready: make(chan struct{})}
	srv, err := ftpserver.NewServer(&ftpserver.Options{
		Driver:         &driver{s: s},
		Perm:           ftpserver.NewSimplePerm("practice", "practice"),
		Name:           "Expeditor practice",
		Hostname:       host,
		Port:           p,
		TLS:            tlsConf != nil,
		TLSConfig:      tlsConf,
		ExplicitFTPS:   true,
		WelcomeMessage: welcomePrefix + " [" + s.ID + "]",
		Logger:         logger,
	})
	if err != nil {
		return err
	}
	// An early-failing ListenAndServe (port taken) is told apart from a
	// running one by connecting: the first session's log line says the
	// server is serving. Waiting for it also orders goftp's own start-up
	// (which sets fields Shutdown reads, without locking) before Close.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	addr := net.JoinHostPort(host, port)
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case err := <-errc:
			return err
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			select {
			case <-logger.ready:
			case err := <-errc:
				return err
			case <-time.After(5 * time.Second):
				return fmt.Errorf("the practice point did not start serving on %s", addr)
			}
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the practice point did not start listening on %s", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.ftp, s.Addr = srv, addr
	go func() {
		<-errc
	}()
	return nil
}

// readyLogger discards goftp's log, and tells when a first session started.
type readyLogger struct {
	ftpserver.DiscardLogger
	once  sync.Once
	ready chan struct{}
}

func (l *readyLogger) Print(_ string, message any) {
	if message == "Connection Established" {
		l.once.Do(func() { close(l.ready) })
	}
}

// Close stops accepting connections and moves answered files out of the
// upload folders. (goftp lets sessions already open run to their end.)
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	err := s.ftp.Shutdown()
	s.flush()
	lf := filepath.Join(s.Root, listeningFile)
	if b, _ := os.ReadFile(lf); strings.TrimSpace(string(b)) == s.Addr {
		os.Remove(lf)
	}
	return err
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// account is what a user name means at the practice point.
type account struct {
	user   string
	sender string // "" for the shared account: any sender is accepted
}

// parseUser recognises the shared account and the per-sender accounts.
func parseUser(user string) (account, bool) {
	u := strings.ToLower(user)
	if u == DefaultUser {
		return account{user: u}, true
	}
	sender, ok := strings.CutPrefix(u, DefaultUser)
	if ok && len(sender) == 6 && strings.Trim(sender, "0123456789") == "" {
		return account{user: u, sender: sender}, true
	}
	return account{}, false
}

// uploadFolders and replyFolders are the folders of every account.
var uploadFolders = []string{"IN", "INTEST", "INTEST-S"}
var replyFolders = []string{"OUT", "OUTTEST", "OUTTEST-S"}

func (s *Server) home(user string) string { return filepath.Join(s.Accounts, user) }

func (s *Server) ensureAccount(user string) error {
	for _, f := range append(append([]string{}, uploadFolders...), replyFolders...) {
		if err := os.MkdirAll(filepath.Join(s.home(user), f), 0o700); err != nil {
			return fmt.Errorf("cannot create the practice account %s: %w", user, err)
		}
	}
	return nil
}

// checkLogin is the practice point's password check.
func (s *Server) checkLogin(user, pass string) bool {
	acct, ok := parseUser(user)
	if !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(s.Password)) != 1 {
		s.logf("refused login as %q", user)
		return false
	}
	if err := s.ensureAccount(acct.user); err != nil {
		s.logf("%v", err)
		return false
	}
	// A new session is a good moment to tidy: whoever sent the files has
	// had time to check them.
	s.flush()
	return true
}

// hold records answered files, to be moved after MoveDelay. The record is
// kept in the root's memory, so that a practice point started for one
// command moves, at its next start, what an earlier one answered. The
// caller holds s.mu.
func (s *Server) hold(moves map[string]string) {
	if len(moves) == 0 {
		return
	}
	for from, to := range moves {
		s.st.Pending[s.rel(from)] = s.rel(to)
	}
	if err := s.st.save(); err != nil {
		s.logf("cannot save the practice point's memory: %v", err)
	}
	time.AfterFunc(s.opts.MoveDelay, s.flush)
}

// flush moves every answered file out of the upload folders.
func (s *Server) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.st.Pending) == 0 {
		return
	}
	for from, to := range s.st.Pending {
		s.moveLocked(from, to)
	}
	if err := s.st.save(); err != nil {
		s.logf("cannot save the practice point's memory: %v", err)
	}
}

// release moves one answered file at once, before a new upload replaces it.
func (s *Server) release(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if to, ok := s.st.Pending[s.rel(path)]; ok {
		s.moveLocked(s.rel(path), to)
		s.st.save()
	}
}

// isPending reports whether path was answered and waits to be moved. The
// caller holds s.mu.
func (s *Server) isPending(path string) bool {
	_, ok := s.st.Pending[s.rel(path)]
	return ok
}

// rel and abs convert between paths in the root and the slash-separated
// relative paths kept in the memory.
func (s *Server) rel(p string) string {
	r, err := filepath.Rel(s.Root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

func (s *Server) abs(rel string) string { return filepath.Join(s.Root, filepath.FromSlash(rel)) }

// moveLocked moves one pending file (paths relative to the root); the
// caller holds s.mu and saves the memory.
func (s *Server) moveLocked(relFrom, relTo string) {
	delete(s.st.Pending, relFrom)
	from, to := s.abs(relFrom), s.abs(relTo)
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		s.logf("cannot move %s out of the upload folder: %v", filepath.Base(from), err)
		return
	}
	// Keep every copy of a name sent several times.
	target := to
	for i := 2; ; i++ {
		if _, err := os.Lstat(target); err != nil {
			break
		}
		target = fmt.Sprintf("%s~%d", to, i)
	}
	if err := os.Rename(from, target); err != nil && !os.IsNotExist(err) {
		s.logf("cannot move %s out of the upload folder: %v", filepath.Base(from), err)
	}
}

// archivePath is where an answered upload goes: received/USER/FOLDER/NAME.
func (s *Server) archivePath(user, folder, name string) string {
	return filepath.Join(s.Root, "received", user, folder, name)
}

// now is the server's clock.
func (s *Server) now() time.Time { return s.opts.Now() }

var _ = batch.ReplySender
