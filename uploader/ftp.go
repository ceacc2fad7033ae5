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

	mu   sync.Mutex
	ctx  context.Context // the running operation's, for data connections
	data dataTLS
}

// ftpTLSConfigs are the TLS setups of the control and of the data
// connections: TLS 1.3 where the server offers it, 1.2 otherwise.
//
// Servers want the data connections to resume the control connection's
// TLS session (vsftpd's require_ssl_reuse=YES, its default; ProFTPD's
// default too), so both share one session cache, under the server's name
// (which must therefore be set: data connections go to other ports). Only
// the control connection puts sessions in it: a data connection finds the
// control connection's session (in TLS 1.3, a ticket the server sent after
// the control handshake) and never replaces it with its own: the control
// connection's session is the one servers compare with (ProFTPD, vsftpd
// only ask for a resumed session). How data connections end so that TLS
// 1.3 loses no upload tail is tlsDataConn's part.
func ftpTLSConfigs(ep Endpoint, auth Auth) (ctrl, data *tls.Config, err error) {
	roots := auth.RootCAs
	if roots == nil && ep.CAFile != "" {
		pemData, err := readBounded(ep.CAFile, maxCAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read the certificate file for FTPS: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pemData) {
			return nil, nil, fmt.Errorf("%s holds no PEM certificate", ep.CAFile)
		}
	}
	cache := tls.NewLRUClientSessionCache(4)
	ctrl = &tls.Config{
		ServerName:         ep.Host,
		RootCAs:            roots,
		MinVersion:         tls.VersionTLS12,
		ClientSessionCache: cache,
	}
	data = ctrl.Clone()
	data.ClientSessionCache = resumeOnlyCache{cache}
	return ctrl, data, nil
}

// resumeOnlyCache lends the control connection's TLS session to data
// connections and ignores the sessions (tickets) they are given.
type resumeOnlyCache struct{ tls.ClientSessionCache }

func (resumeOnlyCache) Put(string, *tls.ClientSessionState) {}

func dialFTP(ctx context.Context, ep Endpoint, auth Auth) (Transport, error) {
	connect, idle := auth.timeouts()
	t := &ftpTransport{ep: ep, ctx: ctx}
	var tlsConf, dataConf *tls.Config
	if ep.Scheme == "ftps" {
		var err error
		if tlsConf, dataConf, err = ftpTLSConfigs(ep, auth); err != nil {
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
		if dataConf != nil {
			// Data connections are TLS too (PROT P).
			return &tlsDataConn{Conn: tls.Client(c, dataConf), raw: c, seen: t.sawDataTLS}, nil
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
		if tlsConf == nil && tlsRequired(err) {
			return nil, tlsRequiredError(ep, err)
		}
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
		case tlsConf == nil && tlsRequired(err):
			return nil, tlsRequiredError(ep, err)
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

// dataTLS counts the TLS data connections of a transport, for tests and
// diagnostics: how many, how many resumed the control connection's
// session, and with which TLS versions.
type dataTLS struct {
	conns, resumed int
	versions       map[uint16]int
}

func (t *ftpTransport) sawDataTLS(st tls.ConnectionState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.data.conns++
	if st.DidResume {
		t.data.resumed++
	}
	if t.data.versions == nil {
		t.data.versions = map[uint16]int{}
	}
	t.data.versions[st.Version]++
}

// tlsRequired reports whether a plain FTP server refused the login because
// it accepts only TLS: ProFTPD's "550 SSL/TLS required on the control
// channel", Pure-FTPd's "421 … Please reconnect using TLS security
// mechanisms", vsftpd's "530 Non-anonymous sessions must use encryption",
// FileZilla Server's "534 Policy requires SSL". The FTP library keeps only
// the words of a refused USER, not the code.
func tlsRequired(err error) bool {
	var tp *textproto.Error
	msg := err.Error()
	if errors.As(err, &tp) {
		switch tp.Code {
		case 421, 530, 534, 550:
			msg = tp.Msg
		default:
			return false
		}
	}
	msg = strings.ToLower(msg)
	for _, w := range []string{"tls", "ssl", "encryption", "encrypted"} {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

func tlsRequiredError(ep Endpoint, err error) error {
	return fmt.Errorf("%w: %s refused an unencrypted login (%s); use the address ftps://%s@%s", ErrTLSRequired, ep.Addr(), ftpReason(err), ep.User, ep.Addr())
}

// dataRefused words a server's refusal of a TLS data connection: "425
// Unable to build data connection: Operation not permitted" (ProFTPD),
// "522 SSL connection failed: session reuse required" (vsftpd). Both come
// from a server that wants the data connection to resume the control
// connection's TLS session in a way the client could not: by session ID
// (Go's TLS resumes only with session tickets), with a server that offers
// no tickets and only TLS 1.2.
func (t *ftpTransport) dataRefused(err error) error {
	var tp *textproto.Error
	if t.ep.Scheme != "ftps" || !errors.As(err, &tp) {
		return err
	}
	msg := strings.ToLower(tp.Msg)
	tlsWords := strings.Contains(msg, "tls") || strings.Contains(msg, "ssl") || strings.Contains(msg, "operation not permitted")
	// Other 425s ("Connection timed out") are network failures, to retry.
	if tp.Code != 522 && !(tp.Code == 425 && tlsWords) {
		return err
	}
	return fmt.Errorf("%w: %s refused the secure data connection (%s); the server may require TLS session reuse by session ID, which Expeditor does not do: its administrator can enable TLS 1.3 or TLS session tickets (ProFTPD: TLSSessionTickets on)", ErrTLS, t.ep.Addr(), ftpReason(err))
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
	if strings.Contains(err.Error(), "protocol version") {
		return fmt.Errorf("%w with %s: the server offers only TLS versions older than 1.2, which are no longer safe (%v); ask its administrator to enable TLS 1.2 or 1.3", ErrTLS, ep.Addr(), err)
	}
	return fmt.Errorf("%w with %s: %v; check that the server offers FTPS (explicit TLS) and that its certificate is trusted", ErrTLS, ep.Addr(), err)
}

// begin makes ctx the running operation's and returns the function that
// ends it: it turns a failure caused by cancelling ctx into ctx's error,
// and says so when the server broke off a secure session (see
// plainReplyOnTLS), whatever the operation.
func (t *ftpTransport) begin(ctx context.Context) func(error) error {
	t.mu.Lock()
	t.ctx = ctx
	t.mu.Unlock()
	stop := t.conns.watch(ctx)
	return func(err error) error {
		err = stop(err)
		if plainReplyOnTLS(err) {
			err = fmt.Errorf("the server broke off the session (it wrote an error in plain text on the secure connection, as vsftpd does when a secure transfer breaks): %w", err)
		}
		return err
	}
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
			if replyMeaning(err) == denied {
				return nil, refused(err, true, "the server refused to open the folder %s", folder)
			}
			return nil, folderMissing(t.ep, folder)
		}
		return nil, err
	}
	entries, err := t.c.List("")
	if err == nil && t.home != "" {
		err = t.c.ChangeDir(t.home)
	}
	if err = stop(err); err != nil {
		return nil, t.dataRefused(err)
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
	err := t.c.Stor(t.path(folder, name), r)
	if (isFTPCode(err, 553) || isFTPCode(err, 550)) && ctx.Err() == nil {
		err = t.storRefused(folder, name, err)
	}
	return t.dataRefused(stop(err))
}

// storRefused tells why the server refused to store a file, keeping its
// own words: a folder that does not exist, a permission, or another
// refusal. When the reply does not say (vsftpd answers "553 Could not
// create file." to all), the folder is looked for.
func (t *ftpTransport) storRefused(folder, name string, err error) error {
	meaning := replyMeaning(err)
	if meaning == unclear && t.home != "" {
		cdErr := t.c.ChangeDir(t.path(folder, ""))
		switch {
		case cdErr == nil:
			t.c.ChangeDir(t.home)
			meaning = other
		case isFTPCode(cdErr, 550) && replyMeaning(cdErr) != denied:
			meaning = missing
		}
	}
	switch meaning {
	case missing:
		return fmt.Errorf("the server cannot store %s in %s (%s): %w", name, folder, ftpReason(err), ErrFolderMissing)
	case denied:
		return refused(err, true, "the server does not allow this account to store %s in %s", name, folder)
	}
	return refused(err, false, "the server refused to store %s in %s", name, folder)
}

func (t *ftpTransport) Size(ctx context.Context, folder, name string) (int64, error) {
	stop := t.begin(ctx)
	n, err := t.c.FileSize(t.path(folder, name))
	err = stop(err)
	if isFTPCode(err, 550) {
		if replyMeaning(err) == denied {
			return 0, refused(err, true, "the server does not allow this account to read %s in %s", name, folder)
		}
		return 0, notOnServer(folder, name, err)
	}
	return n, err
}

func (t *ftpTransport) Get(ctx context.Context, folder, name string, w io.Writer) (int64, error) {
	stop := t.begin(ctx)
	resp, err := t.c.Retr(t.path(folder, name))
	if err != nil {
		err = stop(err)
		if isFTPCode(err, 550) {
			if replyMeaning(err) == denied {
				return 0, refused(err, true, "the server does not allow this account to read %s in %s", name, folder)
			}
			return 0, notOnServer(folder, name, err)
		}
		return 0, t.dataRefused(err)
	}
	n, err := io.Copy(w, resp)
	if cerr := resp.Close(); err == nil {
		err = cerr
	}
	return n, t.dataRefused(stop(err))
}

func (t *ftpTransport) Delete(ctx context.Context, folder, name string) error {
	stop := t.begin(ctx)
	p := t.path(folder, name)
	err := t.c.Delete(p)
	if !isFTPCode(err, 550) || ctx.Err() != nil {
		return stop(err)
	}
	meaning := replyMeaning(err)
	if meaning == unclear {
		// vsftpd answers "550 Delete operation failed." whatever the
		// cause: the file's size tells whether it is there.
		if _, serr := t.c.FileSize(p); isFTPCode(serr, 550) && replyMeaning(serr) != denied {
			meaning = missing
		}
	}
	stop(nil)
	switch meaning {
	case missing:
		return notOnServer(folder, name, err)
	case denied:
		return refused(err, true, "the server does not allow this account to delete %s from %s", name, folder)
	}
	return refused(err, false, "the server refused to delete %s from %s", name, folder)
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

func notOnServer(folder, name string, err error) error {
	return fmt.Errorf("%s is not in %s on the server (%s): %w", name, folder, ftpReason(err), fs.ErrNotExist)
}

// ftpReason is the server's own words in an FTP error reply, on one line
// ("550 IN/x: Permission denied").
func ftpReason(err error) string {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return fmt.Sprintf("%d %s", tp.Code, strings.Join(strings.Fields(tp.Msg), " "))
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// What a server's refusal says, from the wording of the servers met:
// "Permission denied" and "Operation not permitted" (the system's own
// words, quoted by ProFTPD and Pure-FTPd), "No such file or directory".
type meaning int

const (
	unclear meaning = iota
	missing
	denied
	other
)

func replyMeaning(err error) meaning {
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		return unclear
	}
	msg := strings.ToLower(tp.Msg)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(msg, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("permission denied", "not permitted", "access denied", "not allowed", "forbidden", "prohibited", "read-only"):
		return denied
	case has("no such file", "no such directory", "not found", "does not exist", "doesn't exist", "not exist", "can't find", "cannot find"):
		return missing
	}
	return unclear
}

// refusal is a server's refusal of a file operation, in the server's own
// words; it is ErrRefused, and fs.ErrPermission when it is a permission.
type refusal struct {
	msg  string
	perm bool
	err  error
}

func refused(err error, perm bool, format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...) + " (" + ftpReason(err) + ")", perm: perm, err: err}
}

func (r *refusal) Error() string { return r.msg }

// ServerReason is the server's own words for a refusal in err (an FTP
// reply such as "550 /IN/FI.X: Permission denied"), or "" when err holds
// none.
func ServerReason(err error) string {
	var r *refusal
	if errors.As(err, &r) {
		return ftpReason(r.err)
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return ftpReason(tp)
	}
	return ""
}
func (r *refusal) Unwrap() error { return r.err }
func (r *refusal) Is(target error) bool {
	return target == ErrRefused || (r.perm && target == fs.ErrPermission)
}

func folderMissing(ep Endpoint, folder string) error {
	return fmt.Errorf("%w: %s has no folder %s for user %s; check that the account is the right one for this environment", ErrFolderMissing, ep.Host, folder, ep.User)
}
