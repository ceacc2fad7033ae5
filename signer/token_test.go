package signer

// Tests of the PKCS#11 logic that needs no token: the PIN policy and the
// login/sign flow against a fake session, r‖s to DER, DigestInfo, the
// choice of the default key, and module discovery.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTokenLoginPolicy(t *testing.T) {
	cases := []struct {
		flags uint
		want  loginKind
	}{
		{0, loginNone}, // eID middleware with its own PIN dialog
		{ckfLoginRequired, loginPIN},
		{ckfProtectedAuthPath, loginPINPad},
		{ckfLoginRequired | ckfProtectedAuthPath, loginPINPad},
		{ckfTokenInitialized | ckfUserPINCountLow, loginNone},
	}
	for _, c := range cases {
		if got := tokenLogin(c.flags); got != c.want {
			t.Errorf("tokenLogin(%#x) = %v, want %v", c.flags, got, c.want)
		}
	}
	sign := []struct {
		flags  uint
		always bool
		want   loginKind
	}{
		{ckfLoginRequired, false, loginNone},
		{0, false, loginNone},
		{0, true, loginPIN},
		{ckfLoginRequired, true, loginPIN},
		{ckfProtectedAuthPath, true, loginPINPad},
	}
	for _, c := range sign {
		if got := signLogin(c.flags, c.always); got != c.want {
			t.Errorf("signLogin(%#x, %v) = %v, want %v", c.flags, c.always, got, c.want)
		}
	}
}

// fakeSession records the calls of the flow and plays a token.
type fakeSession struct {
	flags    uint
	pin      string
	calls    []string
	loginErr error // returned by every login when set
	signErr  error
}

func (s *fakeSession) tokenFlags() (uint, error) { return s.flags, nil }

func (s *fakeSession) login(userType uint, pin []byte) error {
	kind := map[uint]string{ckuUser: "user", ckuContextSpecific: "context"}[userType]
	if pin == nil {
		s.calls = append(s.calls, "login "+kind+" pinpad")
	} else {
		s.calls = append(s.calls, "login "+kind)
	}
	if s.loginErr != nil {
		return s.loginErr
	}
	if pin != nil && string(pin) != s.pin {
		s.flags |= ckfUserPINCountLow
		return rvError(ckrPINIncorrect)
	}
	return nil
}

func (s *fakeSession) signInit(m mechanism, key uint) error {
	s.calls = append(s.calls, "signinit")
	return nil
}

func (s *fakeSession) sign(data []byte) ([]byte, error) {
	s.calls = append(s.calls, "sign")
	if s.signErr != nil {
		return nil, s.signErr
	}
	return []byte("sig"), nil
}

type promptLog struct {
	reqs []PINRequest
	pin  string
	err  error
}

func (p *promptLog) prompt(_ context.Context, r PINRequest) ([]byte, error) {
	p.reqs = append(p.reqs, r)
	return []byte(p.pin), p.err
}

func newFlow(s *fakeSession, p *promptLog, notes *[]string) *loginFlow {
	opts := &TokenOptions{Notify: func(m string) { *notes = append(*notes, m) }}
	if p != nil {
		opts.PIN = p.prompt
	}
	return &loginFlow{s: s, ctx: context.Background(), opts: opts, token: &TokenInfo{Label: "BELPIC", Serial: "534C"}}
}

func TestLoginFlow(t *testing.T) {
	key := KeyInfo{Label: "Signature"}
	always := KeyInfo{Label: "Signature", AlwaysAuthenticate: true}

	t.Run("middleware dialog: no login", func(t *testing.T) {
		s, p, notes := &fakeSession{}, &promptLog{pin: "1234"}, []string{}
		f := newFlow(s, p, &notes)
		if err := f.loginToken(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.signWith(key, ckmRSAPKCS, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if want := []string{"signinit", "sign"}; !reflect.DeepEqual(s.calls, want) || len(p.reqs) != 0 || f.loggedIn {
			t.Errorf("calls %v prompts %d loggedIn %v, want %v and no prompt", s.calls, len(p.reqs), f.loggedIn, want)
		}
	})

	t.Run("already logged in by another session: accepted, not ours to log out", func(t *testing.T) {
		s, notes := &fakeSession{flags: ckfLoginRequired, loginErr: rvError(ckrUserAlreadyLoggedIn)}, []string{}
		f := newFlow(s, &promptLog{pin: "1234"}, &notes)
		if err := f.loginToken(); err != nil || f.loggedIn {
			t.Errorf("err %v loggedIn %v, want nil and false", err, f.loggedIn)
		}
	})

	t.Run("login required: one prompt, PIN kept for always-authenticate", func(t *testing.T) {
		s, p, notes := &fakeSession{flags: ckfLoginRequired, pin: "1234"}, &promptLog{pin: "1234"}, []string{}
		f := newFlow(s, p, &notes)
		if err := f.loginToken(); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := f.signWith(always, ckmECDSA, []byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"login user", "signinit", "login context", "sign", "signinit", "login context", "sign"}
		if !reflect.DeepEqual(s.calls, want) {
			t.Errorf("calls %v, want %v", s.calls, want)
		}
		if !f.loggedIn {
			t.Error("loggedIn not set")
		}
		if len(p.reqs) != 1 || p.reqs[0].Token != "BELPIC" || p.reqs[0].Key != "" {
			t.Errorf("prompts %+v, want one for the token", p.reqs)
		}
		f.forgetPIN()
		if f.hasPIN || f.pin != nil {
			t.Error("PIN still kept after forgetPIN")
		}
	})

	t.Run("no login required, always-authenticate key asks per key", func(t *testing.T) {
		s, p, notes := &fakeSession{pin: "1234"}, &promptLog{pin: "1234"}, []string{}
		f := newFlow(s, p, &notes)
		if err := f.loginToken(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.signWith(always, ckmRSAPKCS, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if want := []string{"signinit", "login context", "sign"}; !reflect.DeepEqual(s.calls, want) {
			t.Errorf("calls %v, want %v", s.calls, want)
		}
		if len(p.reqs) != 1 || p.reqs[0].Key != "Signature" {
			t.Errorf("prompts %+v, want one naming the key", p.reqs)
		}
	})

	t.Run("PIN pad: login without PIN and a message", func(t *testing.T) {
		s, p, notes := &fakeSession{flags: ckfProtectedAuthPath | ckfLoginRequired}, &promptLog{}, []string{}
		f := newFlow(s, p, &notes)
		if err := f.loginToken(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.signWith(always, ckmRSAPKCS, []byte("x")); err != nil {
			t.Fatal(err)
		}
		want := []string{"login user pinpad", "signinit", "login context pinpad", "sign"}
		if !reflect.DeepEqual(s.calls, want) || len(p.reqs) != 0 {
			t.Errorf("calls %v prompts %d, want %v and no prompt", s.calls, len(p.reqs), want)
		}
		if len(notes) != 2 || !strings.Contains(notes[0], "card reader") {
			t.Errorf("notes %q, want two PIN pad messages", notes)
		}
	})

	t.Run("wrong PIN: error with tries, never retried, PIN forgotten", func(t *testing.T) {
		s, p, notes := &fakeSession{flags: ckfLoginRequired, pin: "1234"}, &promptLog{pin: "9999"}, []string{}
		f := newFlow(s, p, &notes)
		err := f.loginToken()
		if !errors.Is(err, ErrPINIncorrect) || !strings.Contains(err.Error(), "few tries left") {
			t.Fatalf("err = %v, want ErrPINIncorrect with tries left", err)
		}
		if Hint(err) == "" {
			t.Error("no hint")
		}
		if len(s.calls) != 1 || f.hasPIN {
			t.Errorf("calls %v hasPIN %v, want one login and the PIN forgotten", s.calls, f.hasPIN)
		}
	})

	t.Run("final try and locked", func(t *testing.T) {
		if err := pinIncorrectError(ckfUserPINFinalTry); !errors.Is(err, ErrPINIncorrect) || !strings.Contains(err.Error(), "one try left") {
			t.Errorf("final try: %v", err)
		}
		if err := pinIncorrectError(ckfUserPINLocked); !errors.Is(err, ErrPINLocked) {
			t.Errorf("locked: %v", err)
		}
		s, notes := &fakeSession{flags: ckfLoginRequired | ckfUserPINLocked}, []string{}
		err := newFlow(s, &promptLog{pin: "1"}, &notes).loginToken()
		if !errors.Is(err, ErrPINLocked) || len(s.calls) != 0 {
			t.Errorf("locked token: err %v calls %v, want ErrPINLocked before any login", err, s.calls)
		}
	})

	t.Run("no PIN source", func(t *testing.T) {
		s, notes := &fakeSession{flags: ckfLoginRequired}, []string{}
		if err := newFlow(s, nil, &notes).loginToken(); !errors.Is(err, ErrPINRequired) {
			t.Errorf("err = %v, want ErrPINRequired", err)
		}
	})

	t.Run("prompt cancelled ends the sign operation", func(t *testing.T) {
		s, p, notes := &fakeSession{}, &promptLog{err: ErrCancelled}, []string{}
		f := newFlow(s, p, &notes)
		_, err := f.signWith(always, ckmRSAPKCS, []byte("x"))
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("err = %v, want ErrCancelled", err)
		}
		if want := []string{"signinit", "sign"}; !reflect.DeepEqual(s.calls, want) {
			t.Errorf("calls %v, want %v (the pending operation ended)", s.calls, want)
		}
	})

	t.Run("cancelled on the reader and card removed", func(t *testing.T) {
		s, notes := &fakeSession{flags: ckfProtectedAuthPath, loginErr: rvError(ckrFunctionCanceled)}, []string{}
		if err := newFlow(s, nil, &notes).loginToken(); !errors.Is(err, ErrCancelled) {
			t.Errorf("err = %v, want ErrCancelled", err)
		}
		s = &fakeSession{signErr: rvError(ckrDeviceRemoved)}
		if _, err := newFlow(s, nil, &notes).signWith(key, ckmECDSA, nil); !errors.Is(err, ErrTokenRemoved) {
			t.Errorf("err = %v, want ErrTokenRemoved", err)
		}
	})

	t.Run("closed", func(t *testing.T) {
		s, notes := &fakeSession{}, []string{}
		f := newFlow(s, nil, &notes)
		f.closed = true
		if _, err := f.signWith(key, ckmECDSA, nil); err == nil || len(s.calls) != 0 {
			t.Errorf("err %v calls %v, want an error and no token call", err, s.calls)
		}
	})
}

func TestECDSARawToDER(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		digest := sha512.Sum384([]byte("declaration"))
		for range 20 { // some r or s have leading zero bytes
			der, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			var sig struct{ R, S *big.Int }
			if _, err := asn1.Unmarshal(der, &sig); err != nil {
				t.Fatal(err)
			}
			n := (curve.Params().BitSize + 7) / 8
			raw := append(sig.R.FillBytes(make([]byte, n)), sig.S.FillBytes(make([]byte, n))...)
			got, err := ecdsaRawToDER(raw)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(der) {
				t.Fatalf("%s: DER differs", curve.Params().Name)
			}
			if !ecdsa.VerifyASN1(&k.PublicKey, digest[:], got) {
				t.Fatalf("%s: converted signature does not verify", curve.Params().Name)
			}
		}
	}
	for _, bad := range [][]byte{nil, {1}, {1, 2, 3}, make([]byte, 96), make([]byte, 200)} {
		if _, err := ecdsaRawToDER(bad); err == nil {
			t.Errorf("ecdsaRawToDER(%d bytes) accepted", len(bad))
		}
	}
}

// The DigestInfo given to CKM_RSA_PKCS must make the same signature as a
// PKCS#1 v1.5 signature of the digest.
func TestRSADigestInfo(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		hh := h.New()
		hh.Write([]byte("declaration"))
		digest := hh.Sum(nil)
		in, err := rsaDigestInput(h, digest)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := rsa.SignPKCS1v15(nil, k, 0, in) // what CKM_RSA_PKCS computes
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, h, digest, raw); err != nil {
			t.Errorf("%v: %v", h, err)
		}
	}
	if _, err := rsaDigestInput(crypto.SHA1, make([]byte, 20)); err == nil {
		t.Error("SHA-1 accepted")
	}
	if _, err := rsaDigestInput(crypto.SHA256, make([]byte, 20)); err == nil {
		t.Error("short digest accepted")
	}
}

func testCert(t *testing.T, ku x509.KeyUsage, pub, priv any) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: ku,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChooseKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	sigCert := testCert(t, x509.KeyUsageContentCommitment, &ec.PublicKey, ec)
	authCert := testCert(t, x509.KeyUsageDigitalSignature, &ec.PublicKey, ec)
	encCert := testCert(t, x509.KeyUsageKeyEncipherment, &ec.PublicKey, ec)
	ci := func(label string, id byte, c *x509.Certificate) CertInfo {
		return CertInfo{Label: label, ID: []byte{id}, Cert: c}
	}
	key := func(label string, id byte) KeyInfo {
		return KeyInfo{Label: label, ID: []byte{id}, Type: "EC", Curve: "P-384", Bits: 384}
	}

	// eID: both keys can sign, "Signature" wins; pairing by ID even when
	// labels differ.
	keys := []KeyInfo{key("Authentication", 2), key("Signature", 3)}
	certs := []CertInfo{ci("Authentication", 2, authCert), ci("Sig cert", 3, sigCert), ci("CA", 9, authCert)}
	pairKeys(keys, certs)
	if keys[1].Certificate == nil || keys[1].Certificate.Label != "Sig cert" {
		t.Fatalf("Signature key paired with %+v", keys[1].Certificate)
	}
	if k, err := chooseKey(keys, ""); err != nil || k.Label != "Signature" {
		t.Errorf("default = %q, %v; want Signature", k.Label, err)
	}
	if k, err := chooseKey(keys, "Authentication"); err != nil || k.Label != "Authentication" {
		t.Errorf("named = %q, %v", k.Label, err)
	}
	_, err := chooseKey(keys, "Nope")
	if !errors.Is(err, ErrKeyNotFound) || !strings.Contains(err.Error(), `"Authentication" EC P-384`) {
		t.Errorf("missing key: %v", err)
	}

	// Two signing keys, no "Signature": ambiguous, listing both.
	keys = []KeyInfo{key("Alice", 1), key("Bob", 2)}
	pairKeys(keys, []CertInfo{ci("Alice", 1, authCert), ci("Bob", 2, sigCert)})
	_, err = chooseKey(keys, "")
	if !errors.Is(err, ErrAmbiguousKey) || !strings.Contains(err.Error(), `"Alice"`) || !strings.Contains(err.Error(), `"Bob"`) {
		t.Errorf("ambiguous: %v", err)
	}

	// Pairing by label when IDs differ; only one key has a signing cert.
	keys = []KeyInfo{key("Enc", 1), key("Mine", 2)}
	pairKeys(keys, []CertInfo{ci("Enc", 7, encCert), ci("Mine", 8, authCert)})
	if k, err := chooseKey(keys, ""); err != nil || k.Label != "Mine" {
		t.Errorf("only signing key = %q, %v", k.Label, err)
	}
	if _, err := chooseKey(keys, "Enc"); !errors.Is(err, ErrCertNotForSigning) {
		t.Errorf("encryption cert: %v", err)
	}

	// No certificate at all, or a certificate of another key type.
	keys = []KeyInfo{{Label: "Lonely", Type: "RSA", ID: []byte{1}}}
	pairKeys(keys, []CertInfo{ci("Lonely", 1, sigCert)})
	if _, err := chooseKey(keys, ""); !errors.Is(err, ErrCertNotFound) {
		t.Errorf("no cert: %v", err)
	}
	if _, err := chooseKey(nil, ""); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("no key: %v", err)
	}
}

func TestCheckModulePath(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib.so")
	if err := os.WriteFile(lib, []byte("not a library"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := checkModulePath(lib); err != nil {
		t.Errorf("regular file refused: %v", err)
	}
	for path, want := range map[string]error{
		"libbeidpkcs11.so.0":       ErrModuleLoad,
		"":                         ErrNoModule,
		dir:                        ErrModuleLoad,
		filepath.Join(dir, "nope"): ErrNoModule,
	} {
		if err := checkModulePath(path); !errors.Is(err, want) {
			t.Errorf("checkModulePath(%q) = %v, want %v", path, err, want)
		}
	}
}

func TestP11kitModules(t *testing.T) {
	root := t.TempDir()
	user, system, moddir := filepath.Join(root, "user"), filepath.Join(root, "system"), filepath.Join(root, "pkcs11")
	for _, d := range []string{user, system, moddir} {
		os.MkdirAll(d, 0o700)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(root, "libsofthsm2.so")
	write(abs, "x")
	write(filepath.Join(moddir, "opensc-pkcs11.so"), "x")
	write(filepath.Join(system, "softhsm2.module"), "# comment\nmodule: "+abs+"\n")
	write(filepath.Join(system, "opensc.module"), "module: opensc-pkcs11.so\ncritical: no\n")
	write(filepath.Join(system, "p11-kit-trust.module"), "module: p11-kit-trust.so\n")
	write(filepath.Join(system, "off.module"), "module: "+abs+"\ndisable-in: expeditor firefox\n")
	write(filepath.Join(system, "only.module"), "module: "+abs+"\nenable-in: seahorse\n")
	write(filepath.Join(system, "missing.module"), "module: nothere.so\n")
	// The user's file for the same module name wins.
	write(filepath.Join(user, "opensc.module"), "module: "+abs+"\n")

	got := p11kitModules([]string{user, system}, []string{moddir})
	var names []string
	for _, m := range got {
		names = append(names, m.Name+"="+m.Path)
	}
	want := []string{"opensc=" + abs, "softhsm2=" + abs}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("modules %q, want %q", names, want)
	}
	got = p11kitModules([]string{system}, []string{moddir})
	if len(got) != 2 || got[0].Path != filepath.Join(moddir, "opensc-pkcs11.so") {
		t.Errorf("relative module not resolved: %+v", got)
	}
}

func TestFindModulesOnlyExistingFiles(t *testing.T) {
	for _, m := range FindModules() {
		if err := checkModulePath(m.Path); err != nil {
			t.Errorf("FindModules listed %s: %v", m.Path, err)
		}
	}
}
