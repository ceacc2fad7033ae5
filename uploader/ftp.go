package uploader

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/textproto"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/jlaffaye/ftp"
)

// ftpTransport speaks FTP, or FTPS with explicit TLS (AUTH TLS on the
// control port), in passive mode.
type ftpTransport struct {
	ep    Endpoint
	c     *ftp.ServerConn
	home  string // the login folder; every path is built from it
	conns connSet

	mu  sync.Mutex
	ctx context.Context // the running operation's, for data connections
}

// ftpTLSConfig is the TLS setup for both the control and the data
// connections. Two traps of real servers shape it:
//   - vsftpd (require_ssl_reuse=YES, its default) refuses a data
//     connection that does not resume the control connection's TLS
//     session, so sessions are cached under the server's name, which
//     must therefore be set (data connections go to other ports);
//   - with TLS 1.3 Go's session tickets arrive after the handshake and
//     vsftpd and other servers lose the end of an upload, so TLS is capped
//     at 1.2, where resumption is part of the handshake.
func ftpTLSConfig(ep Endpoint, auth Auth) (*tls.Config, error) {
	roots := auth.RootCAs
	if roots == nil && ep.CAFile != "" {
		pemData, err := readBounded(ep.CAFile, maxCAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read the certificate file for FTPS: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("%s holds no PEM certificate", ep.CAFile)
		}
	}
	return &tls.Config{
		ServerName:         ep.Host,
		RootCAs:            roots,
		MinVersion:         tls.VersionTLS12,
		MaxVersion:         tls.VersionTLS12,
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
	}, nil
}

func dialFTP(ctx context.Context, ep Endpoint, auth Auth) (Transport, error) {
	connect, idle := auth.timeouts()
	t := &ftpTransport{ep: ep, ctx: ctx}
	var tlsConf *tls.Config
	if ep.Scheme == "ftps" {
		var err error
		if tlsConf, err = ftpTLSConfig(ep, auth); err != nil {
			return nil, err
		}
	}
	lctx, cancel := context.WithTimeout(ctx, connect)
	defer cancel()
	stop := t.conns.watch(lctx)
	ctrl, err := t.conns.dial(lctx, ep.Addr(), connect, idle)
	if err != nil {
		return nil, connectError(ep, stop(err))
	}
	first := true
	dialFunc := func(network, addr string) (net.Conn, error) {
		if first {
			first = false
			return ctrl, nil
		}
		t.mu.Lock()
		octx := t.ctx
		t.mu.Unlock()
		c, err := t.conns.dial(octx, addr, connect, idle)
		if err != nil {
			return nil, err
		}
		if tlsConf != nil {
			// Data connections are TLS too (PROT P); the session cache
			// makes them resume the control connection's session.
			return tls.Client(c, tlsConf), nil
		}
		return c, nil
	}
	opts := []ftp.DialOption{
		ftp.DialWithDialFunc(dialFunc),
		ftp.DialWithDisabledEPSV(ep.DisableEPSV),
		ftp.DialWithContext(lctx),
	}
	if tlsConf != nil {
		opts = append(opts, ftp.DialWithExplicitTLS(tlsConf))
	}
	c, err := ftp.Dial(ep.Addr(), opts...)
	if err != nil {
		ctrl.Close()
		err = stop(err)
		if tlsConf != nil && isTLSError(err) {
			return nil, tlsError(ep, err)
		}
		return nil, connectError(ep, err)
	}
	if err := c.Login(ep.User, string(auth.Password)); err != nil {
		c.Quit()
		err = stop(err)
		var tp *textproto.Error
		switch {
		case errors.As(err, &tp) && (tp.Code == ftp.StatusNotLoggedIn || tp.Code == 332 || tp.Code == 331):
			return nil, fmt.Errorf("%w: user %s or its password is not accepted by %s; check them (Chaman manages the transfer point accounts)", ErrLogin, ep.User, ep.Host)
		case tlsConf != nil && isTLSError(err):
			return nil, tlsError(ep, err)
		}
		return nil, fmt.Errorf("logging in to %s failed: %w", ep.Addr(), err)
	}
	home, err := c.CurrentDir()
	if err != nil || !strings.HasPrefix(home, "/") {
		home = ""
	}
	stop(nil)
	t.c, t.home = c, home
	return t, nil
}

func isTLSError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ra tls.RecordHeaderError
	var ae tls.AlertError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	return errors.As(err, &cv) || errors.As(err, &ra) || errors.As(err, &ae) || errors.As(err, &ua) || errors.As(err, &hn) ||
		strings.Contains(err.Error(), "tls:")
}

func tlsError(ep Endpoint, err error) error {
	return fmt.Errorf("%w with %s: %v; check that the server offers FTPS (explicit TLS) and that its certificate is trusted", ErrTLS, ep.Addr(), err)
}

// begin makes ctx the running operation's and returns the function that
// ends it.
func (t *ftpTransport) begin(ctx context.Context) func(error) error {
	t.mu.Lock()
	t.ctx = ctx
	t.mu.Unlock()
	return t.conns.watch(ctx)
}

func (t *ftpTransport) path(folder, name string) string {
	if t.home == "" {
		return path.Join(folder, name)
	}
	return path.Join(t.home, folder, name)
}

func (t *ftpTransport) List(ctx context.Context, folder string) ([]RemoteFile, error) {
	stop := t.begin(ctx)
	dir := t.path(folder, "")
	if err := t.c.ChangeDir(dir); err != nil {
		err = stop(err)
		if isFTPCode(err, 550) {
			return nil, folderMissing(t.ep, folder)
		}
		return nil, err
	}
	entries, err := t.c.List("")
	if err == nil && t.home != "" {
		err = t.c.ChangeDir(t.home)
	}
	if err = stop(err); err != nil {
		return nil, err
	}
	var files []RemoteFile
	for _, e := range entries {
		if e.Type == ftp.EntryTypeFile {
			files = append(files, RemoteFile{Name: e.Name, Size: int64(e.Size), ModTime: e.Time})
		}
	}
	return files, nil
}

func (t *ftpTransport) Put(ctx context.Context, folder, name string, r io.Reader, size int64) error {
	stop := t.begin(ctx)
	err := stop(t.c.Stor(t.path(folder, name), r))
	if isFTPCode(err, 553) || isFTPCode(err, 550) {
		return fmt.Errorf("the server refused to store %s in %s (%v): %w", name, folder, err, ErrFolderMissing)
	}
	return err
}

func (t *ftpTransport) Size(ctx context.Context, folder, name string) (int64, error) {
	stop := t.begin(ctx)
	n, err := t.c.FileSize(t.path(folder, name))
	err = stop(err)
	if isFTPCode(err, 550) {
		return 0, fmt.Errorf("%s is not in %s on the server: %w", name, folder, fs.ErrNotExist)
	}
	return n, err
}

func (t *ftpTransport) Get(ctx context.Context, folder, name string, w io.Writer) (int64, error) {
	stop := t.begin(ctx)
	resp, err := t.c.Retr(t.path(folder, name))
	if err != nil {
		err = stop(err)
		if isFTPCode(err, 550) {
			return 0, fmt.Errorf("%s is not in %s on the server: %w", name, folder, fs.ErrNotExist)
		}
		return 0, err
	}
	n, err := io.Copy(w, resp)
	if cerr := resp.Close(); err == nil {
		err = cerr
	}
	return n, stop(err)
}

func (t *ftpTransport) Delete(ctx context.Context, folder, name string) error {
	stop := t.begin(ctx)
	err := stop(t.c.Delete(t.path(folder, name)))
	if isFTPCode(err, 550) {
		return fmt.Errorf("%s is not in %s on the server: %w", name, folder, fs.ErrNotExist)
	}
	return err
}

func (t *ftpTransport) Close() error {
	if t.conns.isAborted() {
		// The connection is already broken; QUIT would only wait.
		t.conns.mu.Lock()
		for c := range t.conns.conns {
			c.Conn.Close()
		}
		t.conns.mu.Unlock()
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- t.c.Quit() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.conns.abort()
		return nil
	}
}

func isFTPCode(err error, code int) bool {
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code == code
}

func folderMissing(ep Endpoint, folder string) error {
	return fmt.Errorf("%w: %s has no folder %s for user %s; check that the account is the right one for this environment", ErrFolderMissing, ep.Host, folder, ep.User)
}
