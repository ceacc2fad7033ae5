package workflow

import (
	"context"
	"errors"

	"github.com/expeditor-be/expeditor/uploader"
)

// SecretKind says which secret a Prompter is asked for.
type SecretKind string

// The secrets of a connection.
const (
	// SecretPassword is an FTP account's password; the subject is
	// USER@HOST.
	SecretPassword SecretKind = "password"
	// SecretPassphrase is the passphrase of an SFTP private key; the
	// subject is the key file.
	SecretPassphrase SecretKind = "passphrase"
)

// Prompter asks the person in front of the screen what the workflow
// cannot know. The command line answers on the terminal, the desktop
// assistant with dialogs; each is written once, and the rules of when to
// ask are here.
type Prompter interface {
	// Secret asks for a secret. It returns context.Canceled when the user
	// cancels, and an error of its own when it cannot ask (no terminal).
	Secret(ctx context.Context, kind SecretKind, subject string) ([]byte, error)
	// ConfirmHostKey asks whether to trust an SFTP server whose key (of
	// type keyType: ssh-rsa, ssh-ed25519…) is seen for the first time.
	ConfirmHostKey(ctx context.Context, host, keyType, fingerprint string) (bool, error)
}

// Target is where to connect and what is already known of its secrets.
type Target struct {
	Endpoint uploader.Endpoint
	// Profile is the saved profile the endpoint comes from, whose
	// password (or key passphrase) may be in the keychain; empty for an
	// address given directly.
	Profile string
	// Secret is the password (FTP) or key passphrase (SFTP) the user gave
	// ahead (an environment variable, a file); nil when not given.
	Secret []byte
	// Auth holds secrets already complete (the practice point's).
	Auth *uploader.Auth
}

// ErrNoIdentity: an SFTP address without a private key. The transfer
// point logs SFTP users in with their key only.
var ErrNoIdentity = errors.New("SFTP needs your private key")

// ResolveAuth completes the secrets and host-key policy of a connection,
// the same way for both front-ends: for FTP the password given ahead, else
// the keychain entry of the profile, else asked; for SFTP the key is
// required, its passphrase (when it has one) given ahead, from the
// keychain or asked; a new SFTP host key is always asked about.
func ResolveAuth(ctx context.Context, t Target, p Prompter) (uploader.Auth, error) {
	if t.Auth != nil {
		return *t.Auth, nil
	}
	ep := t.Endpoint
	auth := uploader.Auth{}
	lookup := func() []byte {
		if t.Secret != nil {
			return t.Secret
		}
		if t.Profile != "" {
			if pw, err := uploader.LookupPassword(t.Profile); err == nil {
				return pw
			}
		}
		return nil
	}
	switch ep.Scheme {
	case "sftp":
		if ep.IdentityFile == "" {
			return auth, ErrNoIdentity
		}
		need, err := uploader.KeyNeedsPassphrase(ep.IdentityFile)
		if err != nil {
			return auth, err
		}
		if need {
			if auth.KeyPassphrase = lookup(); auth.KeyPassphrase == nil {
				if auth.KeyPassphrase, err = p.Secret(ctx, SecretPassphrase, ep.IdentityFile); err != nil {
					return auth, err
				}
			}
		}
		auth.ConfirmHostKeyType = func(host, keyType, fp string) (bool, error) { return p.ConfirmHostKey(ctx, host, keyType, fp) }
	default:
		if auth.Password = lookup(); auth.Password == nil {
			var err error
			if auth.Password, err = p.Secret(ctx, SecretPassword, ep.User+"@"+ep.Host); err != nil {
				return auth, err
			}
		}
	}
	return auth, nil
}
