//go:build cgo

package signer

// Integration tests against real SoftHSM2 tokens made for the test (see
// internal/softhsm): every FS is checked by the real openssl.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/softhsm"
	"github.com/expeditor-be/expeditor/internal/testpki"
)

// countingPIN is a PINPrompt that gives pin and counts the questions.
type countingPIN struct {
	pin  string
	reqs []PINRequest
}

func (c *countingPIN) prompt(_ context.Context, r PINRequest) ([]byte, error) {
	c.reqs = append(c.reqs, r)
	return []byte(c.pin), nil
}

func TestSoftHSM(t *testing.T) {
	softhsm.Require(t)
	testpki.Binary(t)
	fx, err := softhsm.NewFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", fx.Conf)
	mod := fx.Module

	open := func(t *testing.T, opts TokenOptions) (Credential, *countingPIN) {
		t.Helper()
		p := &countingPIN{pin: fx.PIN}
		if opts.Module == "" {
			opts.Module = mod
		}
		if opts.PIN == nil {
			opts.PIN = p.prompt
		}
		cred, err := OpenToken(context.Background(), opts)
		if err != nil {
			t.Fatalf("OpenToken: %v", err)
		}
		t.Cleanup(func() { cred.Close() })
		return cred, p
	}
	// signAndVerify signs an FI and checks the FS with openssl, binary and
	// text mode.
	signAndVerify := func(t *testing.T, cred Credential, name string) {
		t.Helper()
		dir := t.TempDir()
		fi := writeFile(t, dir, name, crlfDeclaration(50))
		der, err := SignDetached(bytes.NewReader(crlfDeclaration(50)), cred, time.Now())
		if err != nil {
			t.Fatalf("SignDetached: %v", err)
		}
		fs := writeFile(t, dir, name+".fs", EncodeFS(der, false))
		if failures := opensslVerify(t, fi, fs, fx.Trust); len(failures) > 0 {
			t.Fatalf("openssl refuses the signature:\n%s", strings.Join(failures, "\n"))
		}
	}

	t.Run("list with PIN", func(t *testing.T) {
		p := &countingPIN{pin: fx.PIN}
		slots, err := ListTokens(context.Background(), TokenOptions{Module: mod, PIN: p.prompt})
		if err != nil {
			t.Fatal(err)
		}
		byLabel := map[string]*TokenInfo{}
		for _, s := range slots {
			if s.Err != nil {
				t.Errorf("slot %d: %v", s.ID, s.Err)
			}
			if s.Token != nil {
				byLabel[s.Token.Label] = s.Token
			}
		}
		if len(byLabel) != 4 {
			t.Fatalf("tokens %v, want the 4 fixture tokens", byLabel)
		}
		rsaTok := byLabel[softhsm.TokenRSA]
		if !rsaTok.LoginRequired || !rsaTok.LoggedIn || len(rsaTok.Keys) != 2 || len(rsaTok.Certificates) != 3 {
			t.Errorf("RSA token: %+v", rsaTok)
		}
		if rsaTok.DefaultKey != "Signature" {
			t.Errorf("RSA default key %q (%v), want Signature", rsaTok.DefaultKey, rsaTok.DefaultErr)
		}
		for _, k := range rsaTok.Keys {
			if k.Type != "RSA" || k.Bits != 2048 || k.Certificate == nil || k.Certificate.Label != k.Label {
				t.Errorf("RSA key %+v", k)
			}
		}
		ec := byLabel[softhsm.TokenEC]
		if len(ec.Keys) != 1 || ec.Keys[0].Curve != "P-384" || ec.DefaultKey != "EC Signer" {
			t.Errorf("EC token: %+v", ec)
		}
		if k := byLabel[softhsm.TokenAlways].Keys; len(k) != 1 || !k[0].AlwaysAuthenticate {
			t.Errorf("always-authenticate token keys: %+v", k)
		}
		if two := byLabel[softhsm.TokenTwo]; !errors.Is(two.DefaultErr, ErrAmbiguousKey) {
			t.Errorf("two keys: default %q, err %v", two.DefaultKey, two.DefaultErr)
		}
	})

	t.Run("list without PIN hides private keys", func(t *testing.T) {
		slots, err := ListTokens(context.Background(), TokenOptions{Module: mod, Token: softhsm.TokenRSA})
		if err != nil {
			t.Fatal(err)
		}
		var tok *TokenInfo
		for _, s := range slots {
			if s.Token != nil {
				tok = s.Token
			}
		}
		if tok == nil || tok.LoggedIn || len(tok.Keys) != 1 || tok.Keys[0].Label != "Authentication" {
			t.Fatalf("token %+v, want only the public Authentication key", tok)
		}
	})

	t.Run("auto finds SoftHSM registered with p11-kit", func(t *testing.T) {
		real, _ := filepath.EvalSymlinks(mod)
		registered := false
		for _, m := range FindModules() {
			if p, _ := filepath.EvalSymlinks(m.Path); p == real {
				registered = true
			}
		}
		if !registered {
			t.Skip("softhsm2 is not registered with p11-kit on this system")
		}
		cred, _ := open(t, TokenOptions{Module: AutoModule, Token: softhsm.TokenEC})
		signAndVerify(t, cred, "auto")
	})

	t.Run("RSA Signature key, with chain", func(t *testing.T) {
		cred, p := open(t, TokenOptions{Token: softhsm.TokenRSA})
		if len(p.reqs) != 1 || p.reqs[0].Token != softhsm.TokenRSA {
			t.Errorf("PIN requests %+v, want one for the token", p.reqs)
		}
		if _, ok := cred.Certificate().PublicKey.(*rsa.PublicKey); !ok || !strings.Contains(cred.Certificate().Subject.CommonName, "(Signature)") {
			t.Errorf("certificate %v", cred.Certificate().Subject)
		}
		if len(cred.Chain()) != 1 || cred.Chain()[0].Subject.CommonName != "Expeditor Test Citizen CA" {
			t.Errorf("chain %v, want the token's CA", cred.Chain())
		}
		signAndVerify(t, cred, "rsa")
	})

	t.Run("EC P-384 key", func(t *testing.T) {
		cred, _ := open(t, TokenOptions{Token: softhsm.TokenEC})
		pub, ok := cred.Certificate().PublicKey.(*ecdsa.PublicKey)
		if !ok || pub.Curve.Params().Name != "P-384" || DigestFor(pub).String() != "SHA-384" {
			t.Fatalf("certificate key %T", cred.Certificate().PublicKey)
		}
		signAndVerify(t, cred, "ec")
	})

	t.Run("always-authenticate key: a set in one session, one PIN prompt", func(t *testing.T) {
		cred, p := open(t, TokenOptions{Token: softhsm.TokenAlways})
		for i := range 3 {
			signAndVerify(t, cred, "part"+string(rune('1'+i)))
		}
		if len(p.reqs) != 1 {
			t.Errorf("%d PIN requests, want 1", len(p.reqs))
		}
	})

	// Guards the test above: SoftHSM really refuses to sign with that key
	// without the context-specific login.
	t.Run("always-authenticate key refuses a signature without its login", func(t *testing.T) {
		cred, _ := open(t, TokenOptions{Token: softhsm.TokenAlways})
		tc := cred.(*tokenCredential)
		tc.key.AlwaysAuthenticate = false
		_, err := SignDetached(strings.NewReader("x"), cred, time.Now())
		if !errors.Is(err, ErrPINRequired) {
			t.Fatalf("err = %v, want the token to refuse (ErrPINRequired)", err)
		}
		tc.key.AlwaysAuthenticate = true
		signAndVerify(t, cred, "after") // the failed C_Sign ended the operation
	})

	t.Run("Prepare a two-part set with the token", func(t *testing.T) {
		cred, _ := open(t, TokenOptions{Token: softhsm.TokenEC})
		dir := t.TempDir()
		var fis []string
		for _, n := range []string{"FI.DMFA.123456.20261121.00001.R.2.1", "FI.DMFA.123456.20261121.00001.R.2.2"} {
			fis = append(fis, writeFile(t, dir, n, crlfDeclaration(20)))
		}
		res, err := Prepare(context.Background(), fis, cred, PrepareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, fi := range fis {
			fs := filepath.Join(dir, "FS"+filepath.Base(fi)[2:])
			if failures := opensslVerify(t, fi, fs, fx.Trust); len(failures) > 0 {
				t.Errorf("part %d: %s", i+1, strings.Join(failures, "\n"))
			}
		}
		if len(res.Written) != 3 {
			t.Errorf("written %v, want 2 FS and a GO", res.Written)
		}
	})

	// SignMessage hands the whole message to CKM_SHA256_RSA_PKCS (SoftHSM
	// has it) and must give what Sign gives over the digest.
	t.Run("SignMessage with the combined mechanism", func(t *testing.T) {
		msg := []byte("signed attributes")
		for _, tok := range []string{softhsm.TokenRSA, softhsm.TokenEC} {
			cred, _ := open(t, TokenOptions{Token: tok})
			h := DigestFor(cred.Certificate().PublicKey)
			sig, err := crypto.SignMessage(cred.Signer(), rand.Reader, msg, h)
			if err != nil {
				t.Fatalf("%s: %v", tok, err)
			}
			hh := h.New()
			hh.Write(msg)
			switch pub := cred.Certificate().PublicKey.(type) {
			case *rsa.PublicKey:
				err = rsa.VerifyPKCS1v15(pub, h, hh.Sum(nil), sig)
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(pub, hh.Sum(nil), sig) {
					err = errors.New("ECDSA signature does not verify")
				}
			}
			if err != nil {
				t.Errorf("%s: %v", tok, err)
			}
		}
	})

	t.Run("named key on a token with two", func(t *testing.T) {
		cred, _ := open(t, TokenOptions{Token: softhsm.TokenTwo, Key: "Bob"})
		if cred.Certificate().Subject.CommonName != "Expeditor Bob" {
			t.Fatalf("certificate %v", cred.Certificate().Subject)
		}
		signAndVerify(t, cred, "bob")
	})

	t.Run("errors", func(t *testing.T) {
		notLib := filepath.Join(t.TempDir(), "libfake.so")
		os.WriteFile(notLib, []byte("not a library"), 0o755)
		wrong := func(context.Context, PINRequest) ([]byte, error) { return []byte("0000"), nil }
		cancel := func(context.Context, PINRequest) ([]byte, error) { return nil, ErrCancelled }
		cases := []struct {
			name string
			opts TokenOptions
			want error
			msg  string
		}{
			{"wrong PIN", TokenOptions{Module: mod, Token: softhsm.TokenEC, PIN: wrong}, ErrPINIncorrect, "PIN is incorrect"},
			{"no PIN", TokenOptions{Module: mod, Token: softhsm.TokenEC}, ErrPINRequired, "needs its PIN"},
			{"cancelled", TokenOptions{Module: mod, Token: softhsm.TokenEC, PIN: cancel}, ErrCancelled, "cancelled"},
			{"missing token", TokenOptions{Module: mod, Token: "BELPIC"}, ErrTokenNotFound, `no token "BELPIC" found; present: "Expeditor Always"`},
			{"several tokens", TokenOptions{Module: mod}, ErrAmbiguousToken, "several tokens"},
			{"ambiguous key", TokenOptions{Module: mod, Token: softhsm.TokenTwo}, ErrAmbiguousKey, `"Alice" RSA 2048, "Bob" RSA 2048`},
			{"missing key", TokenOptions{Module: mod, Token: softhsm.TokenTwo, Key: "Carol"}, ErrKeyNotFound, `no private key labelled "Carol"`},
			{"missing module", TokenOptions{Module: "/nonexistent/libbeidpkcs11.so"}, ErrNoModule, "does not exist"},
			{"relative module", TokenOptions{Module: "libsofthsm2.so"}, ErrModuleLoad, "not absolute"},
			{"not a module", TokenOptions{Module: notLib}, ErrModuleLoad, "cannot be loaded"},
		}
		// A real shared library that is not a PKCS#11 module.
		if libs, _ := filepath.Glob("/usr/lib/*-linux-gnu/libm.so.6"); len(libs) > 0 {
			cases = append(cases, struct {
				name string
				opts TokenOptions
				want error
				msg  string
			}{"library without PKCS#11", TokenOptions{Module: libs[0]}, ErrModuleLoad, "not a PKCS#11 library"})
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.opts.PIN == nil && c.name != "no PIN" {
					c.opts.PIN = (&countingPIN{pin: fx.PIN}).prompt
				}
				cred, err := OpenToken(context.Background(), c.opts)
				if err == nil {
					cred.Close()
					t.Fatal("no error")
				}
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
					t.Errorf("err = %v, want %v containing %q", err, c.want, c.msg)
				}
				if Hint(err) == "" {
					t.Errorf("no hint for %v", err)
				}
			})
		}
	})

	// SoftHSM's free slot is not a card reader without a card.
	t.Run("empty SoftHSM: no token, not no card", func(t *testing.T) {
		empty, err := softhsm.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("SOFTHSM2_CONF", empty.Conf)
		_, err = OpenToken(context.Background(), TokenOptions{Module: mod})
		if !errors.Is(err, ErrTokenNotFound) || errors.Is(err, ErrNoCard) || !strings.Contains(err.Error(), "only a free slot") {
			t.Errorf("err = %v, want ErrTokenNotFound about a free slot", err)
		}
	})

	t.Run("close twice, sign after close", func(t *testing.T) {
		p := &countingPIN{pin: fx.PIN}
		cred, err := OpenToken(context.Background(), TokenOptions{Module: mod, Token: softhsm.TokenEC, PIN: p.prompt})
		if err != nil {
			t.Fatal(err)
		}
		if err := cred.Close(); err != nil {
			t.Fatal(err)
		}
		if err := cred.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := SignDetached(strings.NewReader("x"), cred, time.Now()); err == nil {
			t.Error("signed after close")
		}
	})
}
