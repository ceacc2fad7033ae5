package workflow

import (
	"github.com/expeditor-be/expeditor/signer"
)

// Key choice on a token (an eID card, a security key): which keys a person
// may sign with, and which one signs when none is named. The command
// line's `tokens` and the assistant's key list both show this choice; the
// key that signs when none is named is the one signer.OpenToken takes.

// TokenKeys lists the keys of a token that can sign, each with its
// certificate. A token that hides its private keys until the PIN is given
// shows only certificates: each signing certificate (not a CA's) then
// stands for the key of the same label (as on the eID card, "Signature").
func TokenKeys(ti *signer.TokenInfo) []signer.KeyInfo {
	var keys []signer.KeyInfo
	labels := map[string]bool{}
	for _, k := range ti.Keys {
		if k.Certificate != nil && k.Certificate.CanSign() {
			keys = append(keys, k)
			labels[k.Label] = true
		}
	}
	if KeysHidden(ti) {
		for i, c := range ti.Certificates {
			if c.CanSign() && c.Label != "" && !labels[c.Label] && !c.Cert.IsCA {
				keys = append(keys, signer.KeyInfo{Label: c.Label, Certificate: &ti.Certificates[i]})
				labels[c.Label] = true
			}
		}
	}
	return keys
}

// KeysHidden reports whether the token may hide private keys until its PIN
// is given (it was listed without logging in).
func KeysHidden(ti *signer.TokenInfo) bool { return ti.LoginRequired && !ti.LoggedIn }

// DefaultKey is the label of the key that signs when none is named: the
// one labelled "Signature" (the eID card's non-repudiation key), else the
// only key whose certificate allows signing. It is "" when there is no
// such key or several; err then says why when the token listed its keys
// (signer.ErrAmbiguousKey, ErrKeyNotFound…), and is nil for a token that
// hides them until its PIN is given.
func DefaultKey(ti *signer.TokenInfo) (string, error) {
	if !KeysHidden(ti) {
		// The listing applied signer's own rule, the one OpenToken uses.
		return ti.DefaultKey, ti.DefaultErr
	}
	// The same rule over the keys listed and those its certificates
	// stand for; when it finds none, which key signs is known only after
	// the PIN.
	def, err := signer.DefaultKeyLabel(TokenKeys(ti))
	if err != nil {
		return "", nil
	}
	return def, nil
}
