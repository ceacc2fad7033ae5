package uploader

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Auth holds what proves who the sender is and which server to trust.
// None of it is ever saved by the uploader or shown in a message.
type Auth struct {
	// Password is the FTP/FTPS password (or an SFTP password, rarely used).
	Password []byte
	// KeyPassphrase unlocks an encrypted SFTP private key.
	KeyPassphrase []byte
	// HostKeys holds the pinned SFTP host keys. Nil means the known_hosts
	// file in the configuration folder.
	HostKeys *KnownHosts
	// ConfirmHostKey is asked, on first contact with an SFTP server,
	// whether to trust its key; the fingerprint is written like OpenSSH's
	// (SHA256:…). Accepting stores the key. Nil refuses unknown keys.
	ConfirmHostKey func(host, fingerprint string) (bool, error)
	// ConfirmHostKeyType is ConfirmHostKey with the key type (ssh-rsa,
	// ssh-ed25519…), for messages that name it; it is used when set.
	ConfirmHostKeyType func(host, keyType, fingerprint string) (bool, error)
	// AcceptHostKey trusts, on first contact with an SFTP server, the key
	// with this fingerprint (and type, when given), without asking: the
	// server is asked for a key of each type it offers until one matches.
	// A host already in known_hosts is checked against it instead.
	AcceptHostKey HostKeyPin
	// RootCAs replaces the system's certificates for FTPS (tests, private
	// servers); nil uses Endpoint.CAFile or the system's.
	RootCAs *x509.CertPool
	// ConnectTimeout limits connecting and logging in; 0 is DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// IdleTimeout is how long a transfer may make no progress; 0 is DefaultIdleTimeout.
	IdleTimeout time.Duration
}

func (a Auth) timeouts() (connect, idle time.Duration) {
	connect, idle = a.ConnectTimeout, a.IdleTimeout
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	return connect, idle
}

// Errors callers branch on.
var (
	// ErrLogin: the server refused the user name, password or key. Retrying
	// does not help; the credentials must be fixed.
	ErrLogin = errors.New("the transfer point refused the login")
	// ErrKeyPassphrase: the SFTP key is encrypted and no (or a wrong)
	// passphrase was given.
	ErrKeyPassphrase = errors.New("the private key needs its passphrase")
	// ErrFolderMissing: the upload folder does not exist for this account.
	ErrFolderMissing = errors.New("the folder does not exist on the server")
	// ErrTLS: the FTPS server's certificate or TLS setup was not accepted.
	ErrTLS = errors.New("the secure (TLS) connection could not be set up")
	// ErrTLSRequired: an ftp:// address names a server that accepts only
	// FTPS; the ftps:// address works.
	ErrTLSRequired = errors.New("the server accepts only secure (FTPS) connections")
	// ErrRefused: the server refused an operation on a file, for a reason
	// the error quotes (it also matches fs.ErrPermission when the reason
	// is a permission). Trying again does not help.
	ErrRefused = errors.New("the server refused it")
)

// Dial connects and logs in to the endpoint.
func Dial(ctx context.Context, ep Endpoint, auth Auth) (Transport, error) {
	if err := ep.Validate(); err != nil {
		return nil, err
	}
	switch ep.Scheme {
	case "ftp", "ftps":
		return dialFTP(ctx, ep, auth)
	case "sftp":
		return dialSFTP(ctx, ep, auth)
	}
	return nil, fmt.Errorf("%w: unknown scheme %q", ErrEndpoint, ep.Scheme)
}

// connectError words a failure to reach the server.
func connectError(ep Endpoint, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The connect timeout, not the caller's: a network problem.
		return fmt.Errorf("%s did not answer in time; check the address and your internet connection: %w", ep.Addr(), os.ErrDeadlineExceeded)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot find the server %s (%v); check the address and your internet connection", ep.Host, dnsErr.Err)
	}
	return fmt.Errorf("cannot connect to %s: %w; check the address, your internet connection and, for the transfer point, the extranet access", ep.Addr(), err)
}

// IsTransient reports whether err is a network failure that may go away
// when the connection is opened again: a cut or timed-out connection, a
// refused or reset one, or an FTP 4xx reply. Login, folder, host-key and
// local errors are not transient; neither is a cancellation.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, errAborted) || errors.Is(err, ErrLogin) || errors.Is(err, ErrKeyPassphrase) ||
		errors.Is(err, ErrFolderMissing) || errors.Is(err, ErrTLS) || errors.Is(err, ErrTLSRequired) ||
		errors.Is(err, ErrRefused) || notWhatWasSigned(err) {
		return false
	}
	var hk *HostKeyError
	var ht *HostKeyTypeError
	if errors.As(err, &hk) || errors.As(err, &ht) {
		return false
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 400 && tp.Code < 500
	}
	if plainReplyOnTLS(err) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, errSizeMismatch) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	if errors.Is(err, sftp.ErrSSHFxConnectionLost) {
		return true
	}
	var ssherr *ssh.OpenChannelError
	return errors.As(err, &ssherr)
}

// plainReplyOnTLS reports a TLS connection that received an FTP reply in
// plain text instead of a TLS record: vsftpd writes its fatal errors
// ("500 OOPS: ...") that way when a secure data connection breaks under
// it, and then ends the session. The session is lost, as after a cut.
func plainReplyOnTLS(err error) bool {
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) {
		return false
	}
	h := rh.RecordHeader
	digit := func(b byte) bool { return b >= '0' && b <= '9' }
	return digit(h[0]) && digit(h[1]) && digit(h[2]) && (h[3] == ' ' || h[3] == '-')
}
