package uploader

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
	"github.com/expeditor-be/expeditor/internal/jsonfile"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// KnownHosts is the list of pinned SFTP server keys, an OpenSSH
// known_hosts file. A server is trusted the first time only after the
// person at the screen accepts its fingerprint; a key that changes later
// is refused.
type KnownHosts struct {
	Path string
}

// DefaultKnownHosts is known_hosts in the configuration folder.
func DefaultKnownHosts() (*KnownHosts, error) {
	home, err := batch.Home()
	if err != nil {
		return nil, err
	}
	return &KnownHosts{Path: filepath.Join(home, "known_hosts")}, nil
}

// HostKeyError is returned when an SFTP server's key is not pinned yet
// and was not accepted (Changed false), or differs from the pinned one
// (Changed true: a possible attack; never accepted automatically).
type HostKeyError struct {
	Host        string // host:port
	Fingerprint string // SHA256:… of the key the server showed
	KeyType     string // its type: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256…
	Changed     bool
	// Pinned lists the keys known_hosts holds for the host ("TYPE SHA256:…")
	// when Changed.
	Pinned []string
	// Pin is the fingerprint the user gave (Auth.AcceptHostKey) when no
	// key of the server matched it; Shown then lists every key the server
	// showed ("TYPE SHA256:…"), one per key type it offers.
	Pin   string
	Shown []string
}

// Key is the key the server showed, as "TYPE SHA256:…".
func (e *HostKeyError) Key() string { return describeKey(e.KeyType, e.Fingerprint) }

func (e *HostKeyError) Error() string {
	switch {
	case e.Changed:
		pinned := ""
		if len(e.Pinned) > 0 {
			pinned = "; the key kept for it is " + strings.Join(e.Pinned, ", ")
		}
		return fmt.Sprintf("the key of the server %s has CHANGED (it now shows %s%s): someone may be intercepting the connection, so Expeditor refuses to send; ask the transfer point (or your IT) whether the key really changed before removing the old key from known_hosts", e.Host, e.Key(), pinned)
	case e.Pin != "" && len(e.Shown) == 0:
		return fmt.Sprintf("no key of the server %s matches the fingerprint %s: the server shows no key of a type Expeditor can pin", e.Host, e.Pin)
	case e.Pin != "":
		return fmt.Sprintf("no key of the server %s matches the fingerprint %s: the server shows %s", e.Host, e.Pin, strings.Join(e.Shown, ", "))
	}
	return fmt.Sprintf("the server %s is not known yet: its key %s has not been accepted", e.Host, e.Key())
}

// HostKeyTypeError is returned when the user pinned a key of a type the
// server does not offer (Auth.AcceptHostKey with a type).
type HostKeyTypeError struct {
	Host    string
	Want    string   // the key type given
	Offered []string // the host key algorithms the server offers
}

func (e *HostKeyTypeError) Error() string {
	return fmt.Sprintf("the server %s has no %s host key: it offers %s", e.Host, e.Want, strings.Join(e.Offered, ", "))
}

// Fingerprint is a key's fingerprint as OpenSSH shows it (SHA256:…).
func Fingerprint(key ssh.PublicKey) string { return ssh.FingerprintSHA256(key) }

// DescribeKey is a key as messages show it: its type and fingerprint,
// "ssh-rsa SHA256:…".
func DescribeKey(key ssh.PublicKey) string { return describeKey(key.Type(), Fingerprint(key)) }

func describeKey(typ, fp string) string {
	if typ == "" {
		return fp
	}
	return typ + " " + fp
}

// HostKeyPin is a server key fingerprint the user was given (by the
// transfer point, Chaman or their IT), to trust on first contact.
type HostKeyPin struct {
	// Type is the key type (ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256…;
	// "ecdsa" for any ECDSA curve). Empty: the key of the server, of
	// whatever type, whose fingerprint matches.
	Type string
	// Fingerprint is SHA256:… as OpenSSH writes it, without padding.
	Fingerprint string
}

// IsZero reports whether no pin was given.
func (p HostKeyPin) IsZero() bool { return p.Fingerprint == "" }

func (p HostKeyPin) String() string { return describeKey(p.Type, p.Fingerprint) }

// Matches reports whether key is the pinned one.
func (p HostKeyPin) Matches(key ssh.PublicKey) bool {
	return p.Fingerprint != "" && Fingerprint(key) == p.Fingerprint && (p.Type == "" || keyTypeIs(key.Type(), p.Type))
}

func keyTypeIs(keyType, want string) bool {
	if want == "ecdsa" {
		return strings.HasPrefix(keyType, "ecdsa-sha2-")
	}
	return keyType == want
}

// ErrHostKeyPin is wrapped by ParseHostKeyPin's errors.
var ErrHostKeyPin = errors.New("invalid host key fingerprint")

// keyTypeNames maps the names a key type is written with (OpenSSH's
// protocol names and the short names ssh-keygen -l prints in brackets)
// to the type.
var keyTypeNames = map[string]string{
	"ssh-rsa": ssh.KeyAlgoRSA, "rsa": ssh.KeyAlgoRSA,
	"rsa-sha2-256": ssh.KeyAlgoRSA, "rsa-sha2-512": ssh.KeyAlgoRSA,
	"ssh-ed25519": ssh.KeyAlgoED25519, "ed25519": ssh.KeyAlgoED25519,
	"ecdsa-sha2-nistp256": ssh.KeyAlgoECDSA256, "ecdsa-sha2-nistp384": ssh.KeyAlgoECDSA384,
	"ecdsa-sha2-nistp521": ssh.KeyAlgoECDSA521, "ecdsa": "ecdsa",
}

// ParseHostKeyPin reads a fingerprint as the user was given it:
// "SHA256:…", "ssh-rsa:SHA256:…", "ssh-rsa SHA256:…", or a line of
// ssh-keygen -l ("3072 SHA256:… comment (RSA)"). Types may be written
// ssh-rsa, rsa, ssh-ed25519, ed25519, ecdsa-sha2-nistp256… or ecdsa.
func ParseHostKeyPin(s string) (HostKeyPin, error) {
	fail := func(format string, args ...any) (HostKeyPin, error) {
		return HostKeyPin{}, fmt.Errorf("%w %q: %s", ErrHostKeyPin, s, fmt.Sprintf(format, args...))
	}
	var p HostKeyPin
	setType := func(name string) bool {
		t, ok := keyTypeNames[strings.ToLower(name)]
		if ok {
			p.Type = t
		}
		return ok
	}
	for _, f := range strings.Fields(s) {
		i := strings.Index(f, "SHA256:")
		switch {
		case i >= 0:
			if i > 0 {
				if !setType(strings.TrimSuffix(f[:i], ":")) {
					return fail("unknown key type %q (known: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521)", strings.TrimSuffix(f[:i], ":"))
				}
			}
			p.Fingerprint = strings.TrimRight(f[i:], "=")
		case strings.HasPrefix(f, "(") && strings.HasSuffix(f, ")"):
			setType(strings.Trim(f, "()"))
		case strings.HasPrefix(strings.ToUpper(f), "MD5:") || strings.Count(f, ":") == 15:
			return fail("this is an MD5 fingerprint; ask for the SHA256 one (OpenSSH shows it by default: ssh-keygen -l -f KEY)")
		default:
			setType(f) // a bare type; anything else (size, comment) is ignored
		}
	}
	if p.Fingerprint == "" {
		return fail("write it like SHA256:… or ssh-rsa:SHA256:…, as OpenSSH shows it")
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(p.Fingerprint, "SHA256:"))
	if err != nil || len(raw) != sha256.Size {
		return fail("the part after SHA256: must be 43 base64 characters")
	}
	return p, nil
}

// Lookup reports whether the key is pinned for hostport: known is false
// when the host has no key at all, err is a *HostKeyError when it has a
// different one.
func (k *KnownHosts) Lookup(hostport string, key ssh.PublicKey) (known bool, err error) {
	if _, err := os.Stat(k.Path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	cb, err := knownhosts.New(k.Path)
	if err != nil {
		return false, fmt.Errorf("cannot read the pinned server keys in %s: %w", k.Path, err)
	}
	addr := &net.TCPAddr{IP: net.IPv4zero}
	err = cb(hostport, addr, key)
	var ke *knownhosts.KeyError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ke) && len(ke.Want) == 0:
		return false, nil
	case errors.As(err, &ke):
		var pinned []string
		for _, w := range ke.Want {
			pinned = append(pinned, DescribeKey(w.Key))
		}
		return false, &HostKeyError{Host: hostport, Fingerprint: Fingerprint(key), KeyType: key.Type(), Changed: true, Pinned: pinned}
	}
	return false, err
}

// Add pins key for hostport.
func (k *KnownHosts) Add(hostport string, key ssh.PublicKey) error {
	unlock, err := jsonfile.Lock(k.Path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	old, err := os.ReadFile(k.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		old = append(old, '\n')
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(hostport)}, key)
	if err := os.MkdirAll(filepath.Dir(k.Path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(k.Path, append(old, line+"\n"...), 0o600)
}

// callback is the ssh host-key check: pinned keys pass, changed keys
// fail, unknown keys are shown to confirm (when set) and stored.
func (k *KnownHosts) callback(auth Auth) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		known, err := k.Lookup(hostname, key)
		if err != nil || known {
			return err
		}
		fp := Fingerprint(key)
		refused := &HostKeyError{Host: hostname, Fingerprint: fp, KeyType: key.Type()}
		var ok bool
		switch {
		case auth.ConfirmHostKeyType != nil:
			ok, err = auth.ConfirmHostKeyType(hostname, key.Type(), fp)
		case auth.ConfirmHostKey != nil:
			ok, err = auth.ConfirmHostKey(hostname, fp)
		default:
			return refused
		}
		if err != nil {
			return err
		}
		if !ok {
			return refused
		}
		return k.Add(hostname, key)
	}
}

// errNotThePin ends a handshake whose host key is not the one the user
// pinned, so that the next one asks the server for a key of another type.
type errNotThePin struct{ key ssh.PublicKey }

func (errNotThePin) Error() string { return "not the pinned host key" }

// pinCallback is the host-key check of a first contact with a pin: the
// key that matches is stored, any other ends the handshake.
func (k *KnownHosts) pinCallback(pin HostKeyPin) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		if !pin.Matches(key) {
			return errNotThePin{key}
		}
		return k.Add(hostname, key)
	}
}

// Known reports whether known_hosts holds any key for hostport.
func (k *KnownHosts) Known(hostport string) bool { return len(k.keyTypes(hostport)) > 0 }

// keyTypes lists the key types pinned for hostport, so that the client
// asks the server for one of those and does not mistake a second key of
// another type for a changed key.
func (k *KnownHosts) keyTypes(hostport string) []string {
	data, err := os.ReadFile(k.Path)
	if err != nil {
		return nil
	}
	want := knownhosts.Normalize(hostport)
	var types []string
	for len(data) > 0 {
		_, hosts, key, _, rest, err := ssh.ParseKnownHosts(data)
		if err != nil {
			break
		}
		data = rest
		for _, h := range hosts {
			if h == want {
				types = append(types, key.Type())
			}
		}
	}
	return types
}

// hostKeyAlgorithms turns key types into the algorithms that use them.
func hostKeyAlgorithms(types []string) []string {
	var algos []string
	for _, t := range types {
		switch t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		case "ecdsa":
			algos = append(algos, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521)
		default:
			algos = append(algos, t)
		}
	}
	return algos
}

// plainHostKeyTypes are the key types a pin is looked for among, in the
// order they are asked for (certificates are not pinned by fingerprint).
var plainHostKeyTypes = []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoRSA}
