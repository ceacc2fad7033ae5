package uploader

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

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
	Changed     bool
}

func (e *HostKeyError) Error() string {
	if e.Changed {
		return fmt.Sprintf("the key of the server %s has CHANGED (it now shows %s): someone may be intercepting the connection, so Expeditor refuses to send; ask the transfer point (or your IT) whether the key really changed before removing the old key from known_hosts", e.Host, e.Fingerprint)
	}
	return fmt.Sprintf("the server %s is not known yet: its key fingerprint is %s and it has not been accepted", e.Host, e.Fingerprint)
}

// Fingerprint is a key's fingerprint as OpenSSH shows it (SHA256:…).
func Fingerprint(key ssh.PublicKey) string { return ssh.FingerprintSHA256(key) }

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
		return false, &HostKeyError{Host: hostport, Fingerprint: Fingerprint(key), Changed: true}
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
func (k *KnownHosts) callback(confirm func(host, fingerprint string) (bool, error)) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		known, err := k.Lookup(hostname, key)
		if err != nil || known {
			return err
		}
		fp := Fingerprint(key)
		if confirm == nil {
			return &HostKeyError{Host: hostname, Fingerprint: fp}
		}
		ok, err := confirm(hostname, fp)
		if err != nil {
			return err
		}
		if !ok {
			return &HostKeyError{Host: hostname, Fingerprint: fp}
		}
		return k.Add(hostname, key)
	}
}

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
		if t == ssh.KeyAlgoRSA {
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
			continue
		}
		algos = append(algos, t)
	}
	return algos
}
