package uploader

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sftpTransport speaks SFTP over SSH with key authentication.
type sftpTransport struct {
	ep    Endpoint
	ssh   *ssh.Client
	c     *sftp.Client
	conns connSet
}

// LoadIdentity reads an SFTP private key (OpenSSH or PEM format). An
// encrypted key needs its passphrase: without one the error wraps
// ErrKeyPassphrase. With legacy set, the key signs the login with the old
// ssh-rsa (SHA-1) algorithm only.
func LoadIdentity(file string, passphrase []byte, legacy bool) (ssh.Signer, error) {
	data, err := readBounded(file, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the private key: %w", err)
	}
	var signer ssh.Signer
	if len(passphrase) > 0 {
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, passphrase)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("%w: the passphrase of %s is not right", ErrKeyPassphrase, file)
		}
		if err != nil {
			// A passphrase given for a key that has none is harmless.
			if s, err2 := ssh.ParsePrivateKey(data); err2 == nil {
				signer, err = s, nil
			}
		}
	} else {
		signer, err = ssh.ParsePrivateKey(data)
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return nil, fmt.Errorf("%w: %s is protected by a passphrase", ErrKeyPassphrase, file)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not a private key Expeditor can use (OpenSSH or PEM format): %w", file, err)
	}
	if legacy {
		as, ok := signer.(ssh.AlgorithmSigner)
		if !ok || signer.PublicKey().Type() != ssh.KeyAlgoRSA {
			return nil, fmt.Errorf("the legacy ssh-rsa login needs an RSA key; %s is %s", file, signer.PublicKey().Type())
		}
		return ssh.NewSignerWithAlgorithms(as, []string{ssh.KeyAlgoRSA})
	}
	return signer, nil
}

// KeyNeedsPassphrase reports whether the private key file is encrypted.
func KeyNeedsPassphrase(file string) (bool, error) {
	_, err := LoadIdentity(file, nil, false)
	if errors.Is(err, ErrKeyPassphrase) {
		return true, nil
	}
	return false, err
}

func dialSFTP(ctx context.Context, ep Endpoint, auth Auth) (Transport, error) {
	connect, idle := auth.timeouts()
	var methods []ssh.AuthMethod
	if ep.IdentityFile != "" {
		signer, err := LoadIdentity(ep.IdentityFile, auth.KeyPassphrase, ep.LegacySSHRSA)
		if err != nil {
			return nil, err
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if len(auth.Password) > 0 {
		methods = append(methods, ssh.Password(string(auth.Password)))
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("%w: SFTP needs a private key; give one with --identity or in the profile", ErrLogin)
	}
	hk := auth.HostKeys
	if hk == nil {
		var err error
		if hk, err = DefaultKnownHosts(); err != nil {
			return nil, err
		}
	}
	cfg := ssh.ClientConfig{
		User:              ep.User,
		Auth:              methods,
		HostKeyCallback:   hk.callback(auth),
		HostKeyAlgorithms: hostKeyAlgorithms(hk.keyTypes(ep.Addr())),
		Timeout:           connect,
	}
	t := &sftpTransport{ep: ep}
	lctx, cancel := context.WithTimeout(ctx, connect)
	defer cancel()
	stop := t.conns.watch(lctx)
	handshake := func(cfg *ssh.ClientConfig) (ssh.Conn, <-chan ssh.NewChannel, <-chan *ssh.Request, error) {
		conn, err := t.conns.dial(lctx, ep.Addr(), connect, idle)
		if err != nil {
			return nil, nil, nil, err
		}
		sc, chans, reqs, err := ssh.NewClientConn(conn, ep.Addr(), cfg)
		if err != nil {
			conn.Close()
		}
		return sc, chans, reqs, err
	}
	var (
		sc    ssh.Conn
		chans <-chan ssh.NewChannel
		reqs  <-chan *ssh.Request
		err   error
	)
	if !auth.AcceptHostKey.IsZero() && !hk.Known(ep.Addr()) {
		sc, chans, reqs, err = pinHandshake(ep, hk, auth.AcceptHostKey, cfg, handshake)
	} else {
		sc, chans, reqs, err = handshake(&cfg)
	}
	if err != nil {
		err = stop(err)
		var hkErr *HostKeyError
		var htErr *HostKeyTypeError
		switch {
		case errors.As(err, &hkErr):
			return nil, hkErr
		case errors.As(err, &htErr):
			return nil, htErr
		case strings.Contains(err.Error(), "unable to authenticate"):
			hint := ""
			if !ep.LegacySSHRSA {
				hint = "; if the key is right, the server may only accept the old ssh-rsa signature: try the ssh-rsa option"
			}
			return nil, fmt.Errorf("%w: %s did not accept the key of user %s%s", ErrLogin, ep.Host, ep.User, hint)
		}
		return nil, connectError(ep, err)
	}
	t.ssh = ssh.NewClient(sc, chans, reqs)
	t.c, err = sftp.NewClient(t.ssh, sftp.UseConcurrentWrites(true))
	if err != nil {
		t.ssh.Close()
		return nil, fmt.Errorf("%s accepted the login but offers no SFTP: %w", ep.Addr(), stop(err))
	}
	stop(nil)
	return t, nil
}

func (t *sftpTransport) List(ctx context.Context, folder string) ([]RemoteFile, error) {
	stop := t.conns.watch(ctx)
	infos, err := t.c.ReadDir(folder)
	if err = stop(err); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, folderMissing(t.ep, folder)
		}
		return nil, err
	}
	var files []RemoteFile
	for _, fi := range infos {
		if fi.Mode().IsRegular() {
			files = append(files, RemoteFile{Name: fi.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
		}
	}
	return files, nil
}

func (t *sftpTransport) Put(ctx context.Context, folder, name string, r io.Reader, size int64) error {
	stop := t.conns.watch(ctx)
	f, err := t.c.OpenFile(path.Join(folder, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		err = stop(err)
		if errors.Is(err, fs.ErrNotExist) {
			return folderMissing(t.ep, folder)
		}
		return err
	}
	_, err = f.ReadFromWithConcurrency(r, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return stop(err)
}

func (t *sftpTransport) Size(ctx context.Context, folder, name string) (int64, error) {
	stop := t.conns.watch(ctx)
	fi, err := t.c.Stat(path.Join(folder, name))
	if err = stop(err); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("%s is not in %s on the server: %w", name, folder, fs.ErrNotExist)
		}
		return 0, err
	}
	return fi.Size(), nil
}

func (t *sftpTransport) Get(ctx context.Context, folder, name string, w io.Writer) (int64, error) {
	stop := t.conns.watch(ctx)
	f, err := t.c.Open(path.Join(folder, name))
	if err != nil {
		err = stop(err)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("%s is not in %s on the server: %w", name, folder, fs.ErrNotExist)
		}
		return 0, err
	}
	n, err := f.WriteTo(w)
	f.Close()
	return n, stop(err)
}

func (t *sftpTransport) Delete(ctx context.Context, folder, name string) error {
	stop := t.conns.watch(ctx)
	err := stop(t.c.Remove(path.Join(folder, name)))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is not in %s on the server: %w", name, folder, fs.ErrNotExist)
	}
	return err
}

func (t *sftpTransport) Close() error {
	t.c.Close()
	return t.ssh.Close()
}

// pinHandshake is the first contact with a server the user gave a key
// fingerprint for: it asks the server for a key of each type it offers
// (the pin's type only, when it has one) until the key matches, so that a
// user given, say, the RSA key's fingerprint is not refused because the
// server shows its Ed25519 key first. The matching key is pinned.
func pinHandshake(ep Endpoint, hk *KnownHosts, pin HostKeyPin, cfg ssh.ClientConfig,
	handshake func(*ssh.ClientConfig) (ssh.Conn, <-chan ssh.NewChannel, <-chan *ssh.Request, error),
) (ssh.Conn, <-chan ssh.NewChannel, <-chan *ssh.Request, error) {
	types := slices.Clone(plainHostKeyTypes)
	switch pin.Type {
	case "":
	case "ecdsa":
		types = []string{ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521}
	default:
		types = []string{pin.Type}
	}
	var shown []string
	for len(types) > 0 {
		cfg.HostKeyCallback = hk.pinCallback(pin)
		cfg.HostKeyAlgorithms = hostKeyAlgorithms(types)
		sc, chans, reqs, err := handshake(&cfg)
		var np errNotThePin
		var ne *ssh.AlgorithmNegotiationError
		switch {
		case err == nil:
			return sc, chans, reqs, nil
		case errors.As(err, &np):
			shown = append(shown, DescribeKey(np.key))
			types = slices.DeleteFunc(types, func(t string) bool { return t == np.key.Type() })
			continue
		case errors.As(err, &ne) && ne.What == "host key" && len(shown) == 0 && pin.Type != "":
			return nil, nil, nil, &HostKeyTypeError{Host: ep.Addr(), Want: pin.Type, Offered: ne.RequestedAlgorithms}
		case errors.As(err, &ne) && ne.What == "host key":
			types = nil // the server has no key of the types left
			continue
		}
		return nil, nil, nil, err
	}
	return nil, nil, nil, &HostKeyError{Host: ep.Addr(), Pin: pin.String(), Shown: shown}
}
