package uploader

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// The transfer point's own hosts and ports (transfer-point.md §6).
const (
	DefaultFTPHost  = "ftp.socialsecurity.be"
	DefaultSFTPHost = "sftp.socialsecurity.be"
	DefaultFTPPort  = 21
	DefaultSFTPPort = 8022
)

// Endpoint is where a set is sent: a scheme, an account and a server. It
// never holds a secret, so it can be saved in a profile and shown.
type Endpoint struct {
	Scheme string `json:"scheme"` // ftp, ftps (explicit TLS) or sftp
	User   string `json:"user"`
	Host   string `json:"host"`
	Port   int    `json:"port"`
	// DisableEPSV makes FTP use PASV instead of EPSV, for firewalls and
	// servers that get EPSV wrong.
	DisableEPSV bool `json:"disable_epsv,omitempty"`
	// LegacySSHRSA forces the old ssh-rsa (SHA-1) signature for the SFTP
	// login, which the transfer point is reported to require.
	LegacySSHRSA bool `json:"legacy_ssh_rsa,omitempty"`
	// IdentityFile is the private key for SFTP (OpenSSH or PEM format).
	IdentityFile string `json:"identity_file,omitempty"`
	// CAFile is a PEM file of certificates to trust for FTPS instead of
	// the system's, for a private or practice server.
	CAFile string `json:"ca_file,omitempty"`
}

// ErrEndpoint is wrapped by every error about an endpoint address.
var ErrEndpoint = errors.New("invalid transfer point address")

// EndpointError says why an address was refused. It wraps ErrEndpoint.
type EndpointError struct {
	// Address is the address as given, any password in it replaced.
	Address string
	// Code names the problem, stable and machine-readable, so a caller can
	// say it in another language: see EndpointErrorCodes.
	Code string
	// Args are the values Reason holds, by name: Detail (syntax), Scheme
	// (scheme, user-missing), Port (port), Option (option).
	Args map[string]string
	// Reason is the problem in English.
	Reason string
	// Understood is how the address reads when taken apart leniently
	// ("scheme sftp, user MYUSER01, host sftp.socialsecurity.be"), so the
	// person can see which part went wrong; empty when nothing could be
	// made of it.
	Understood string
}

// EndpointErrorCodes are the codes of EndpointError, for callers that
// translate them.
var EndpointErrorCodes = []string{"form", "user-order", "syntax", "scheme", "user-missing", "password", "folder", "port", "option", "sftp-options", "ftp-options"}

func (e *EndpointError) Error() string {
	if e.Understood != "" {
		return fmt.Sprintf("%v %q: %s (read as: %s)", ErrEndpoint, e.Address, e.Reason, e.Understood)
	}
	return fmt.Sprintf("%v %q: %s", ErrEndpoint, e.Address, e.Reason)
}

func (e *EndpointError) Unwrap() error { return ErrEndpoint }

// ParseEndpoint reads an address such as ftp://USER@HOST[:PORT],
// ftps://USER@HOST[:PORT] or sftp://USER@HOST[:PORT]. A missing host or
// port is the transfer point's. Options may follow as a query:
// ?epsv=off, ?ssh-rsa=on, ?identity=PATH.
func ParseEndpoint(s string) (Endpoint, error) {
	fail := func(code string, args map[string]string, format string, fargs ...any) (Endpoint, error) {
		return Endpoint{}, &EndpointError{Address: redactURL(s), Code: code, Args: args, Reason: fmt.Sprintf(format, fargs...)}
	}
	// Where the address did not fall apart into its pieces, say how it was
	// read, so the person sees which piece is wrong.
	failRead := func(code string, args map[string]string, format string, fargs ...any) (Endpoint, error) {
		ep, err := fail(code, args, format, fargs...)
		err.(*EndpointError).Understood = understood(s)
		return ep, err
	}
	if sugg, ok := userBeforeScheme(s); ok {
		return fail("user-order", map[string]string{"Suggestion": sugg}, "the user name goes after the scheme: write %s", sugg)
	}
	if !strings.Contains(s, "://") {
		return failRead("form", nil, "write it like ftp://USER@%s, ftps://USER@%s or sftp://USER@%s", DefaultFTPHost, DefaultFTPHost, DefaultSFTPHost)
	}
	u, err := url.Parse(s)
	if err != nil {
		detail := fmt.Sprint(errors.Unwrap(err))
		return failRead("syntax", map[string]string{"Detail": detail}, "%s", detail)
	}
	var ep Endpoint
	ep.Scheme = strings.ToLower(u.Scheme)
	switch ep.Scheme {
	case "ftp", "ftps", "sftp":
	default:
		return failRead("scheme", map[string]string{"Scheme": u.Scheme}, "the scheme %q is not ftp, ftps or sftp", u.Scheme)
	}
	if u.User == nil || u.User.Username() == "" {
		return fail("user-missing", map[string]string{"Scheme": ep.Scheme}, "the user name is missing: write %s://USER@HOST", ep.Scheme)
	}
	if _, has := u.User.Password(); has {
		return fail("password", nil, "a password must never be written in the address; Expeditor asks for it, or reads it from the keychain, EXPEDITOR_PASSWORD or --password-file")
	}
	ep.User = u.User.Username()
	if u.Path != "" && u.Path != "/" {
		return fail("folder", nil, "an address has no folder: Expeditor picks IN, INTEST or INTEST-S from the file names")
	}
	ep.Host = u.Hostname()
	if !validHost(ep.Host) {
		detail := fmt.Sprintf("the server name %q is neither a host name nor an IP address", ep.Host)
		return failRead("syntax", map[string]string{"Detail": detail}, "%s", detail)
	}
	if ep.Host == "" {
		ep.Host = DefaultFTPHost
		if ep.Scheme == "sftp" {
			ep.Host = DefaultSFTPHost
		}
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fail("port", map[string]string{"Port": p}, "the port %q is not a number between 1 and 65535", p)
		}
		ep.Port = n
	}
	ep.Port = ep.port()
	q := u.Query()
	for k, v := range q {
		val := ""
		if len(v) > 0 {
			val = v[len(v)-1]
		}
		switch k {
		case "epsv":
			ep.DisableEPSV = isOff(val)
		case "ssh-rsa":
			ep.LegacySSHRSA = !isOff(val)
		case "identity":
			ep.IdentityFile = val
		case "ca":
			ep.CAFile = val
		default:
			return fail("option", map[string]string{"Option": k}, "unknown option %q (known: epsv=off, ssh-rsa=on, identity=PATH, ca=PATH)", k)
		}
	}
	if ep.Scheme != "sftp" && (ep.LegacySSHRSA || ep.IdentityFile != "") {
		return fail("sftp-options", nil, "ssh-rsa and identity are SFTP options")
	}
	if ep.Scheme == "sftp" && (ep.DisableEPSV || ep.CAFile != "") {
		return fail("ftp-options", nil, "epsv and ca are FTP options")
	}
	return ep, nil
}

func isOff(v string) bool {
	switch strings.ToLower(v) {
	case "off", "no", "0", "false":
		return true
	}
	return false
}

// port is the port to use: the endpoint's, or the scheme's default.
func (e Endpoint) port() int {
	if e.Port != 0 {
		return e.Port
	}
	if e.Scheme == "sftp" {
		if e.Host == DefaultSFTPHost {
			return DefaultSFTPPort
		}
		return 22
	}
	return DefaultFTPPort
}

// Addr is HOST:PORT.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.port())) }

// String is the address in the form ParseEndpoint reads. It holds no secret.
// Paths in options are shown as written (?ca=/etc/ca.pem, not %2F), only
// the characters a query cannot hold being escaped.
func (e Endpoint) String() string {
	u := url.URL{Scheme: e.Scheme, User: url.User(e.User), Host: e.Addr()}
	var q []string // in the order of the option names
	if e.CAFile != "" {
		q = append(q, "ca="+readableQueryValue(e.CAFile))
	}
	if e.DisableEPSV {
		q = append(q, "epsv=off")
	}
	if e.IdentityFile != "" {
		q = append(q, "identity="+readableQueryValue(e.IdentityFile))
	}
	if e.LegacySSHRSA {
		q = append(q, "ssh-rsa=on")
	}
	u.RawQuery = strings.Join(q, "&")
	return u.String()
}

// readableQueryValue escapes only what would change the meaning of a query
// value (%, &, #, +, ;, space and control characters), so that a path
// stays readable and still parses back to itself.
func readableQueryValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '%' || c == '&' || c == '#' || c == '+' || c == ';' || c == ' ' || c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Validate checks a hand-built endpoint.
func (e Endpoint) Validate() error {
	_, err := ParseEndpoint(e.String())
	return err
}
