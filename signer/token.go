package signer

// This file holds the part of PKCS#11 support that needs no cgo: the
// options, the descriptions of tokens, keys and certificates, the errors,
// and the choice of the default key. The token calls themselves are in
// pkcs11.go (cgo) with a stub twin in pkcs11_stub.go.

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"
)

// AutoModule as TokenOptions.Module looks for the Belgian eID module in its
// standard places, then for the modules registered with p11-kit (Linux).
const AutoModule = "auto"

// EIDSignatureLabel is the label of the eID non-repudiation key and of its
// certificate: the key a Belgian eID card signs declarations with.
const EIDSignatureLabel = "Signature"

// Errors of the PKCS#11 credential that callers branch on. Each error
// returned by OpenToken or ListTokens wraps one of them; the message itself
// is written for the person at the screen, and Hint(err) gives the next step.
var (
	ErrNoPKCS11      = errors.New("built without PKCS#11 support")
	ErrNoModule      = errors.New("no PKCS#11 module found")
	ErrModuleLoad    = errors.New("the PKCS#11 module cannot be loaded")
	ErrNoReader      = errors.New("no card reader found")
	ErrNoCard        = errors.New("no card in the reader")
	ErrTokenNotFound = errors.New("token not found")
	// ErrNoToken: the modules have slots, but only free ones, with no
	// token initialised (a software token's spare slot). It wraps
	// ErrTokenNotFound.
	ErrNoToken             = fmt.Errorf("%w: no token initialised", ErrTokenNotFound)
	ErrAmbiguousToken      = errors.New("several tokens are present")
	ErrPINRequired         = errors.New("the token needs its PIN")
	ErrPINIncorrect        = errors.New("the PIN is incorrect")
	ErrPINLocked           = errors.New("the PIN is blocked")
	ErrCancelled           = errors.New("cancelled by the user")
	ErrKeyNotFound         = errors.New("key not found")
	ErrAmbiguousKey        = errors.New("several keys can sign")
	ErrCertNotFound        = errors.New("certificate not found")
	ErrCertNotForSigning   = errors.New("the certificate is not valid for signing")
	ErrTokenRemoved        = errors.New("the card was removed")
	ErrMechanismNotAllowed = errors.New("the token cannot make this kind of signature")
)

// tokenError is an error for the person at the screen: a message, the
// sentinel callers branch on, and the next step.
type tokenError struct {
	kind error
	msg  string
	hint string
}

func (e *tokenError) Error() string { return e.msg }
func (e *tokenError) Unwrap() error { return e.kind }

// Hint is the next step for the user, written without command-line flags
// so the GUI can show it too.
func (e *tokenError) Hint() string { return e.hint }

func tokenErr(kind error, hint, format string, args ...any) error {
	return &tokenError{kind: kind, msg: fmt.Sprintf(format, args...), hint: hint}
}

// Hint returns the next step attached to err by the signer, or "".
func Hint(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// PINRequest says which PIN is asked for and why.
type PINRequest struct {
	Token  string // token label, e.g. BELPIC
	Serial string // token serial number
	// Key is the key label when the PIN unlocks one signature with that key
	// (a key marked CKA_ALWAYS_AUTHENTICATE), empty for the token login.
	Key string
	// CountLow and FinalTry come from the token: a wrong PIN was typed
	// before, and FinalTry means one more wrong PIN blocks it.
	CountLow, FinalTry bool
}

// PINPrompt asks the user for a PIN. It returns ErrCancelled (or an error
// wrapping it) when the user gives up. The CLI reads EXPEDITOR_PIN, a PIN
// file or the terminal; the GUI shows a dialog.
type PINPrompt func(ctx context.Context, req PINRequest) ([]byte, error)

// TokenOptions choose a key on a PKCS#11 token.
type TokenOptions struct {
	// Module is AutoModule (or empty, the same) or the absolute path of a
	// PKCS#11 module (.so, .dylib, .dll).
	Module string
	// Token is the label or serial number of the token; empty when only
	// one token is present.
	Token string
	// Key is the label of the private key; empty for the default key:
	// the one labelled "Signature", otherwise the only key with a
	// certificate valid for signing.
	Key string
	// PIN is asked only when the token says it needs one
	// (CKF_LOGIN_REQUIRED, or a key marked CKA_ALWAYS_AUTHENTICATE).
	// Nil means no PIN can be given: such a token fails with
	// ErrPINRequired.
	PIN PINPrompt
	// Notify receives messages for the user while the token works, such
	// as "type your PIN on the card reader". Nil discards them.
	Notify func(msg string)
	// Search is where AutoModule looks for modules; nil is the system's
	// places (SystemModuleSearch).
	Search *ModuleSearch
}

func (o *TokenOptions) notify(format string, args ...any) {
	if o.Notify != nil {
		o.Notify(fmt.Sprintf(format, args...))
	}
}

// ModuleCandidate is a PKCS#11 module found on this computer.
type ModuleCandidate struct {
	Path   string // absolute path of the library
	Name   string // "Belgian eID" or the p11-kit module name
	Source string // where it was found: "eID middleware", the p11-kit file, or "given"
	EID    bool   // the Belgian eID middleware's module
}

// Slot is a reader (or a software token's slot) and the token in it.
type Slot struct {
	Module string // module path
	ID     uint   // slot ID, only meaningful while the module is loaded
	Reader string // slot description, usually the card reader's name
	Token  *TokenInfo
	// Free is set for a slot without Token that is not a card reader
	// without a card: a software token's spare slot, with no token
	// initialised (SoftHSM always keeps one).
	Free bool
	// Err is set when the token is present but could not be read.
	Err error
}

// TokenInfo describes a token and what is on it.
type TokenInfo struct {
	Label, Serial, Manufacturer, Model string

	LoginRequired     bool // CKF_LOGIN_REQUIRED: the application must log in with the PIN
	ProtectedAuthPath bool // CKF_PROTECTED_AUTHENTICATION_PATH: the PIN is typed on the reader
	PINCountLow       bool
	PINFinalTry       bool
	PINLocked         bool
	// LoggedIn is true when the listing logged in, so private objects
	// are listed too. When false and LoginRequired, some keys may be
	// hidden until the PIN is given.
	LoggedIn bool

	Keys         []KeyInfo
	Certificates []CertInfo
	// DefaultKey is the label of the key used when none is named, or ""
	// with DefaultErr saying why there is none.
	DefaultKey string
	DefaultErr error
}

// KeyInfo describes a private key on a token.
type KeyInfo struct {
	Label              string
	ID                 []byte
	Type               string // "RSA" or "EC"
	Bits               int    // modulus size or curve size
	Curve              string // "P-256", "P-384", "P-521" for EC keys
	AlwaysAuthenticate bool   // CKA_ALWAYS_AUTHENTICATE: a PIN for every signature
	Certificate        *CertInfo

	handle  uint   // object handle in the session that listed it
	modulus []byte // RSA modulus, to check the pairing with a certificate
}

// Describe is a one-line description such as `"Signature" RSA 2048`.
func (k KeyInfo) Describe() string {
	s := fmt.Sprintf("%q %s", k.Label, k.Type)
	if k.Curve != "" {
		s += " " + k.Curve
	} else if k.Bits > 0 {
		s += fmt.Sprintf(" %d", k.Bits)
	}
	return s
}

// CertInfo describes a certificate on a token.
type CertInfo struct {
	Label string
	ID    []byte
	Cert  *x509.Certificate
}

// Subject is the certificate's subject as one line.
func (c CertInfo) Subject() string { return nameString(c.Cert.RawSubject, c.Cert.Subject) }

// Issuer is the certificate's issuer as one line.
func (c CertInfo) Issuer() string { return nameString(c.Cert.RawIssuer, c.Cert.Issuer) }

// nameAttrs are the short names of the attributes in eID and other
// personal certificates; pkix.Name.String shows given name and surname
// only as OIDs.
var nameAttrs = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.42": "GN", "2.5.4.5": "SERIALNUMBER",
	"2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
	"1.2.840.113549.1.9.1": "emailAddress",
}

// nameString writes a distinguished name in the order of the certificate,
// as openssl shows it, with readable attribute names.
func nameString(raw []byte, parsed pkix.Name) string {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &rdns); err != nil || len(rest) > 0 {
		return parsed.String()
	}
	var parts []string
	for _, rdn := range rdns {
		for _, atv := range rdn {
			k, ok := nameAttrs[atv.Type.String()]
			if !ok {
				k = atv.Type.String()
			}
			parts = append(parts, fmt.Sprintf("%s=%v", k, atv.Value))
		}
	}
	return strings.Join(parts, ", ")
}

// KeyUsage lists the certificate's key usages in the words of RFC 5280.
func (c CertInfo) KeyUsage() []string { return keyUsageNames(c.Cert.KeyUsage) }

// CanSign reports whether the certificate allows signing documents: key
// usage digitalSignature or nonRepudiation (the eID signature certificate
// has only the latter), or no key usage extension at all.
func (c CertInfo) CanSign() bool { return certCanSign(c.Cert) }

// ValidAt reports whether t is within the certificate's validity period.
func (c CertInfo) ValidAt(t time.Time) bool {
	return !t.Before(c.Cert.NotBefore) && !t.After(c.Cert.NotAfter)
}

func certCanSign(c *x509.Certificate) bool {
	if c.KeyUsage == 0 {
		return true
	}
	return c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) != 0
}

func keyUsageNames(ku x509.KeyUsage) []string {
	names := []struct {
		bit  x509.KeyUsage
		name string
	}{
		{x509.KeyUsageDigitalSignature, "digitalSignature"},
		{x509.KeyUsageContentCommitment, "nonRepudiation"},
		{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
		{x509.KeyUsageDataEncipherment, "dataEncipherment"},
		{x509.KeyUsageKeyAgreement, "keyAgreement"},
		{x509.KeyUsageCertSign, "keyCertSign"},
		{x509.KeyUsageCRLSign, "cRLSign"},
		{x509.KeyUsageEncipherOnly, "encipherOnly"},
		{x509.KeyUsageDecipherOnly, "decipherOnly"},
	}
	var out []string
	for _, n := range names {
		if ku&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// pairKeys attaches to each key its certificate: the certificate with the
// same CKA_ID, else the one with the same label. IDs are compared, never
// assumed: the eID and other tokens number their objects differently.
func pairKeys(keys []KeyInfo, certs []CertInfo) {
	for i := range keys {
		k := &keys[i]
		k.Certificate = nil
		if len(k.ID) > 0 {
			for j := range certs {
				if string(certs[j].ID) == string(k.ID) && keyMatchesCert(k, certs[j].Cert) {
					k.Certificate = &certs[j]
					break
				}
			}
		}
		if k.Certificate == nil && k.Label != "" {
			for j := range certs {
				if certs[j].Label == k.Label && keyMatchesCert(k, certs[j].Cert) {
					k.Certificate = &certs[j]
					break
				}
			}
		}
	}
}

// keyMatchesCert rejects a pairing whose key differs from the
// certificate's (type, RSA modulus, curve): a mismatch would give
// signatures nobody can verify.
func keyMatchesCert(k *KeyInfo, c *x509.Certificate) bool {
	switch pub := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return k.Type == "RSA" && (len(k.modulus) == 0 || new(big.Int).SetBytes(k.modulus).Cmp(pub.N) == 0)
	case *ecdsa.PublicKey:
		return k.Type == "EC" && (k.Curve == "" || k.Curve == pub.Curve.Params().Name)
	}
	return false
}

// DefaultKeyLabel is the label of the key OpenToken signs with among keys
// when none is named: the one labelled "Signature", else the only key with
// a certificate that allows signing. It is "" with the reason when there
// is no such key or several.
func DefaultKeyLabel(keys []KeyInfo) (string, error) {
	k, err := chooseKey(keys, "")
	if err != nil {
		return "", err
	}
	return k.Label, nil
}

// chooseKey picks the key to sign with: the one named, else the one
// labelled "Signature", else the only key with a certificate that allows
// signing. An ambiguous choice is an error listing the candidates.
func chooseKey(keys []KeyInfo, label string) (KeyInfo, error) {
	if label != "" {
		var found []KeyInfo
		for _, k := range keys {
			if k.Label == label {
				found = append(found, k)
			}
		}
		switch len(found) {
		case 0:
			return KeyInfo{}, tokenErr(ErrKeyNotFound, "choose one of the keys listed, or list the token's keys",
				"no private key labelled %q on the token%s", label, listKeys(keys))
		case 1:
			return found[0], checkKeyCert(found[0])
		default:
			return KeyInfo{}, tokenErr(ErrAmbiguousKey, "give the token's keys distinct labels",
				"%d private keys are labelled %q on the token", len(found), label)
		}
	}
	if len(keys) == 0 {
		return KeyInfo{}, tokenErr(ErrKeyNotFound, "check that this is the right token and that its PIN was given if it hides its keys",
			"no private key on the token")
	}
	var sig []KeyInfo
	for _, k := range keys {
		if k.Label == EIDSignatureLabel {
			sig = append(sig, k)
		}
	}
	if len(sig) == 1 {
		return sig[0], checkKeyCert(sig[0])
	}
	var candidates []KeyInfo
	withCert := 0
	for _, k := range keys {
		if k.Certificate != nil {
			withCert++
			if k.Certificate.CanSign() {
				candidates = append(candidates, k)
			}
		}
	}
	switch {
	case len(candidates) == 1:
		return candidates[0], nil
	case len(candidates) > 1:
		return KeyInfo{}, tokenErr(ErrAmbiguousKey, "choose the key by its label",
			"several keys on the token can sign%s", listKeys(candidates))
	case withCert == 0:
		return KeyInfo{}, tokenErr(ErrCertNotFound, "import the certificate of the signing key on the token",
			"no private key on the token has a certificate%s", listKeys(keys))
	default:
		return KeyInfo{}, tokenErr(ErrCertNotForSigning, "use a signing certificate: on an eID card, the one labelled \"Signature\"",
			"no certificate on the token allows signing (key usage digitalSignature or nonRepudiation)")
	}
}

func checkKeyCert(k KeyInfo) error {
	if k.Certificate == nil {
		return tokenErr(ErrCertNotFound, "import the key's certificate on the token with the same ID or label",
			"the key %q has no certificate on the token", k.Label)
	}
	if !k.Certificate.CanSign() {
		return tokenErr(ErrCertNotForSigning, "use a key whose certificate allows signing: on an eID card, the one labelled \"Signature\"",
			"the certificate of key %q is not valid for signing (key usage: %s)", k.Label, strings.Join(k.Certificate.KeyUsage(), ", "))
	}
	return nil
}

func listKeys(keys []KeyInfo) string {
	if len(keys) == 0 {
		return ""
	}
	d := make([]string, len(keys))
	for i, k := range keys {
		d[i] = k.Describe()
	}
	sort.Strings(d)
	return ": " + strings.Join(d, ", ")
}

// tokenMatches reports whether the token is the one asked for by label or
// serial number.
func tokenMatches(t *TokenInfo, want string) bool {
	return want == "" || t.Label == want || t.Serial == want
}

func describeToken(t *TokenInfo) string {
	if t.Serial != "" {
		return fmt.Sprintf("%q (serial %s)", t.Label, t.Serial)
	}
	return fmt.Sprintf("%q", t.Label)
}
