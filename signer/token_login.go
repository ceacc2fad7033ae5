package signer

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"sync"
)

// PKCS#11 values used by the PIN policy and error mapping. They are fixed
// by the standard; they are repeated here so this file builds without cgo
// and can be tested without a token.
const (
	ckfLoginRequired     = 0x00000004
	ckfProtectedAuthPath = 0x00000100
	ckfUserPINCountLow   = 0x00010000
	ckfUserPINFinalTry   = 0x00020000
	ckfUserPINLocked     = 0x00040000
	ckfTokenInitialized  = 0x00000400

	ckuUser            = 1
	ckuContextSpecific = 2

	ckrFunctionCanceled        = 0x050
	ckrDeviceError             = 0x030
	ckrDeviceRemoved           = 0x032
	ckrKeyFunctionNotPermitted = 0x068
	ckrMechanismInvalid        = 0x070
	ckrPINIncorrect            = 0x0A0
	ckrPINInvalid              = 0x0A1
	ckrPINLenRange             = 0x0A2
	ckrPINExpired              = 0x0A3
	ckrPINLocked               = 0x0A4
	ckrSessionClosed           = 0x0B0
	ckrTokenNotPresent         = 0x0E0
	ckrTokenNotRecognized      = 0x0E1
	ckrUserAlreadyLoggedIn     = 0x100
	ckrUserNotLoggedIn         = 0x101
	ckrCryptokiAlreadyInit     = 0x191
)

// loginKind is what the token needs before it signs.
type loginKind int

const (
	loginNone   loginKind = iota // no login: the middleware asks the PIN itself, or no PIN at all
	loginPINPad                  // log in without a PIN: the user types it on the reader
	loginPIN                     // log in with the PIN from the PINPrompt
)

func (k loginKind) String() string {
	return [...]string{"none", "pinpad", "pin"}[k]
}

// tokenLogin is the PIN policy for the session login, read from the
// token's flags at run time because eID middleware versions differ:
// a reader with a PIN pad sets CKF_PROTECTED_AUTHENTICATION_PATH; a
// middleware without its own dialog sets CKF_LOGIN_REQUIRED; with neither,
// logging in would only make the middleware ask the PIN twice.
func tokenLogin(flags uint) loginKind {
	switch {
	case flags&ckfProtectedAuthPath != 0:
		return loginPINPad
	case flags&ckfLoginRequired != 0:
		return loginPIN
	}
	return loginNone
}

// signLogin is the PIN policy for one signature: a key marked
// CKA_ALWAYS_AUTHENTICATE needs a context-specific login between
// C_SignInit and C_Sign, on the reader's PIN pad when it has one.
func signLogin(flags uint, alwaysAuth bool) loginKind {
	if !alwaysAuth {
		return loginNone
	}
	if flags&ckfProtectedAuthPath != 0 {
		return loginPINPad
	}
	return loginPIN
}

// rvError is a PKCS#11 return value (CKR_*) as an error.
type rvError uint

func (e rvError) Error() string {
	if n, ok := rvNames[uint(e)]; ok {
		return fmt.Sprintf("PKCS#11 error %s", n)
	}
	return fmt.Sprintf("PKCS#11 error 0x%X", uint(e))
}

// rvNames name the return values that reach the user without a message of
// their own, so a support desk can look them up.
var rvNames = map[uint]string{
	0x005: "CKR_GENERAL_ERROR", 0x006: "CKR_FUNCTION_FAILED", 0x030: "CKR_DEVICE_ERROR",
	0x031: "CKR_DEVICE_MEMORY", 0x082: "CKR_OBJECT_HANDLE_INVALID", 0x090: "CKR_OPERATION_ACTIVE",
	0x0B3: "CKR_SESSION_HANDLE_INVALID", 0x0B5: "CKR_SESSION_COUNT", 0x190: "CKR_CRYPTOKI_NOT_INITIALIZED",
}

// session is the narrow set of token operations the login and signing
// flow uses. pkcs11.go implements it on a real module; tests use a fake.
type session interface {
	tokenFlags() (uint, error)
	login(userType uint, pin []byte) error
	signInit(mech mechanism, key uint) error
	sign(data []byte) ([]byte, error)
}

// mechanism is a PKCS#11 signing mechanism (CKM_*).
type mechanism uint

const (
	ckmRSAPKCS       mechanism = 0x001
	ckmSHA256RSAPKCS mechanism = 0x040
	ckmSHA384RSAPKCS mechanism = 0x041
	ckmSHA512RSAPKCS mechanism = 0x042
	ckmECDSA         mechanism = 0x1041
	ckmECDSASHA256   mechanism = 0x1044
	ckmECDSASHA384   mechanism = 0x1045
	ckmECDSASHA512   mechanism = 0x1046
)

// loginFlow logs in and signs following the PIN policy. It keeps the PIN
// it was given, in memory only, for keys that need it on every signature
// (so the parts of a set are signed in one session with one PIN prompt),
// and wipes it on close.
type loginFlow struct {
	mu       sync.Mutex
	s        session
	ctx      context.Context
	opts     *TokenOptions
	token    *TokenInfo
	pin      []byte
	hasPIN   bool
	flagsAt  uint // token flags when the credential was opened
	loggedIn bool // this flow logged the user in
	closed   bool
}

// loginToken performs the session login the token's flags call for.
func (f *loginFlow) loginToken() error {
	flags, err := f.s.tokenFlags()
	if err != nil {
		return mapTokenError(err, f.token)
	}
	f.flagsAt = flags
	if flags&ckfUserPINLocked != 0 {
		return pinLockedError(f.token)
	}
	switch tokenLogin(flags) {
	case loginNone:
		return nil
	case loginPINPad:
		f.opts.notify("type your PIN on the card reader's keypad")
		err = f.s.login(ckuUser, nil)
	case loginPIN:
		pin, perr := f.getPIN("", flags)
		if perr != nil {
			return perr
		}
		err = f.s.login(ckuUser, pin)
	}
	f.loggedIn = err == nil
	return f.checkLogin(err, false)
}

// signWith signs data with the key using mech, logging in for this one
// signature between C_SignInit and C_Sign when the key requires it.
func (f *loginFlow) signWith(key KeyInfo, mech mechanism, data []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errors.New("the token session is closed")
	}
	if err := f.s.signInit(mech, key.handle); err != nil {
		return nil, mapTokenError(err, f.token)
	}
	switch signLogin(f.flagsAt, key.AlwaysAuthenticate) {
	case loginPINPad:
		f.opts.notify("type your PIN on the card reader's keypad to sign with the key %q", key.Label)
		if err := f.checkLogin(f.s.login(ckuContextSpecific, nil), true); err != nil {
			f.abortSign()
			return nil, err
		}
	case loginPIN:
		pin, err := f.getPIN(key.Label, f.flagsAt)
		if err != nil {
			f.abortSign()
			return nil, err
		}
		if err := f.checkLogin(f.s.login(ckuContextSpecific, pin), true); err != nil {
			f.abortSign()
			return nil, err
		}
	}
	sig, err := f.s.sign(data)
	if err != nil {
		return nil, mapTokenError(err, f.token)
	}
	return sig, nil
}

// abortSign ends a C_SignInit that will not be followed by a signature,
// so the next part can start a new one: PKCS#11 before v3 has no way to
// cancel, but a C_Sign that fails (here, for want of the context-specific
// login) terminates the operation.
func (f *loginFlow) abortSign() {
	_, _ = f.s.sign(nil)
}

// getPIN returns the PIN given earlier (for a context-specific login) or
// asks for it.
func (f *loginFlow) getPIN(keyLabel string, flags uint) ([]byte, error) {
	if f.hasPIN {
		return f.pin, nil
	}
	if f.opts.PIN == nil {
		return nil, tokenErr(ErrPINRequired, "give the PIN, or use a card reader with a PIN pad",
			"the token %s needs its PIN and none was given", f.token.Label)
	}
	pin, err := f.opts.PIN(f.ctx, PINRequest{
		Token: f.token.Label, Serial: f.token.Serial, Key: keyLabel,
		CountLow: flags&ckfUserPINCountLow != 0, FinalTry: flags&ckfUserPINFinalTry != 0,
	})
	if err != nil {
		if errors.Is(err, ErrCancelled) || errors.Is(err, context.Canceled) {
			return nil, cancelledError()
		}
		return nil, err
	}
	if len(pin) == 0 {
		return nil, tokenErr(ErrPINRequired, "type the PIN of the card", "no PIN was given")
	}
	f.pin, f.hasPIN = pin, true
	return pin, nil
}

// checkLogin turns the result of C_Login into an error for the user. A
// wrong PIN is forgotten and never retried by itself: retrying a PIN from
// a file or the environment would block the card.
func (f *loginFlow) checkLogin(err error, contextSpecific bool) error {
	if err == nil {
		return nil
	}
	var rv rvError
	if errors.As(err, &rv) && rv == ckrUserAlreadyLoggedIn && !contextSpecific {
		return nil
	}
	f.forgetPIN()
	if errors.As(err, &rv) && rv == ckrPINIncorrect {
		flags, ferr := f.s.tokenFlags()
		if ferr != nil {
			flags = 0
		}
		return pinIncorrectError(flags)
	}
	return mapTokenError(err, f.token)
}

func (f *loginFlow) forgetPIN() {
	clear(f.pin)
	f.pin, f.hasPIN = nil, false
}

func pinIncorrectError(flags uint) error {
	switch {
	case flags&ckfUserPINLocked != 0:
		return tokenErr(ErrPINLocked, "unblock the card with its PUK code (for an eID card: at the town hall)",
			"the PIN is incorrect, and the PIN is now blocked")
	case flags&ckfUserPINFinalTry != 0:
		return tokenErr(ErrPINIncorrect, "check the PIN carefully: the next wrong PIN blocks the card",
			"the PIN is incorrect: one try left before the PIN is blocked")
	case flags&ckfUserPINCountLow != 0:
		return tokenErr(ErrPINIncorrect, "check the PIN carefully: few tries are left before the card is blocked",
			"the PIN is incorrect: few tries left before the PIN is blocked")
	}
	return tokenErr(ErrPINIncorrect, "check the PIN and try again; after too many wrong PINs the card is blocked",
		"the PIN is incorrect")
}

func pinLockedError(t *TokenInfo) error {
	return tokenErr(ErrPINLocked, "unblock the card with its PUK code (for an eID card: at the town hall)",
		"the PIN of the token %s is blocked", t.Label)
}

func cancelledError() error {
	return tokenErr(ErrCancelled, "sign again when ready; nothing was written", "the signature was cancelled")
}

// mapTokenError turns a PKCS#11 return value into words for the user.
func mapTokenError(err error, t *TokenInfo) error {
	var rv rvError
	if !errors.As(err, &rv) {
		return err
	}
	label := "the token"
	if t != nil && t.Label != "" {
		label = fmt.Sprintf("the token %s", t.Label)
	}
	switch rv {
	case ckrPINIncorrect:
		return pinIncorrectError(0)
	case ckrPINLocked:
		return pinLockedError(&TokenInfo{Label: label})
	case ckrPINInvalid, ckrPINLenRange:
		return tokenErr(ErrPINIncorrect, "check the PIN: an eID PIN has 4 to 12 digits",
			"the PIN has the wrong length or characters")
	case ckrPINExpired:
		return tokenErr(ErrPINLocked, "change the PIN of the card with its own software first",
			"the PIN of %s has expired", label)
	case ckrFunctionCanceled:
		return cancelledError()
	case ckrTokenNotPresent, ckrDeviceRemoved, ckrSessionClosed:
		return tokenErr(ErrTokenRemoved, "put the card back in the reader and sign again; nothing was written",
			"the card was removed from the reader")
	case ckrTokenNotRecognized:
		return tokenErr(ErrNoCard, "check that the card is inserted the right way and is a Belgian eID or a PKCS#11 token",
			"the card in the reader is not recognised")
	case ckrUserNotLoggedIn:
		return tokenErr(ErrPINRequired, "give the PIN of the token", "%s refused to sign without its PIN", label)
	case ckrKeyFunctionNotPermitted, ckrMechanismInvalid:
		return tokenErr(ErrMechanismNotAllowed, "choose another key, or check the token's documentation",
			"%s does not allow this key to sign (%v)", label, err)
	case ckrDeviceError:
		return tokenErr(ErrTokenRemoved, "take the card out, put it back, and sign again",
			"the card reader reported an error")
	}
	return fmt.Errorf("%s: %w", label, err)
}

// rsaDigestInput is what an RSA key signs for a precomputed digest:
// with CKM_RSA_PKCS, the DigestInfo, the raw PKCS#1 v1.5 signature of a
// hash computed outside the token. The combined CKM_SHA256_RSA_PKCS hashes
// the data itself, so it cannot take a digest: it is used only by
// SignMessage, for callers that hand over the whole message.
func rsaDigestInput(h crypto.Hash, digest []byte) ([]byte, error) {
	prefix, ok := digestInfoPrefix[h]
	if !ok {
		return nil, fmt.Errorf("signing with %v is not supported: use SHA-256, SHA-384 or SHA-512", h)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("the digest has %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	return append(append([]byte{}, prefix...), digest...), nil
}

// digestInfoPrefix is the DER of DigestInfo before the digest value
// (RFC 8017, section 9.2, note 1).
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// messageMechanism is the combined hash-and-sign mechanism for a key type
// and hash, or 0 when there is none.
func messageMechanism(keyType string, h crypto.Hash) mechanism {
	switch keyType {
	case "RSA":
		switch h {
		case crypto.SHA256:
			return ckmSHA256RSAPKCS
		case crypto.SHA384:
			return ckmSHA384RSAPKCS
		case crypto.SHA512:
			return ckmSHA512RSAPKCS
		}
	case "EC":
		switch h {
		case crypto.SHA256:
			return ckmECDSASHA256
		case crypto.SHA384:
			return ckmECDSASHA384
		case crypto.SHA512:
			return ckmECDSASHA512
		}
	}
	return 0
}
