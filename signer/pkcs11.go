//go:build cgo

package signer

// The PKCS#11 credential on raw github.com/miekg/pkcs11. crypto11 would
// be shorter but cannot do the context-specific login (C_Login with
// CKU_CONTEXT_SPECIFIC between C_SignInit and C_Sign) that keys marked
// CKA_ALWAYS_AUTHENTICATE need.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// module is a loaded PKCS#11 library. A library may be initialized only
// once per process, so loaded modules are shared and counted.
type module struct {
	path     string
	ctx      *pkcs11.Ctx
	refs     int
	finalize bool // we initialized it, so we finalize it
}

var loaded = struct {
	sync.Mutex
	m map[string]*module
}{m: map[string]*module{}}

func loadModule(path string) (*module, error) {
	if err := checkModulePath(path); err != nil {
		return nil, err
	}
	loaded.Lock()
	defer loaded.Unlock()
	if m := loaded.m[path]; m != nil {
		m.refs++
		return m, nil
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, moduleLoadError(path, errors.New("not a PKCS#11 library, or built for another system"))
	}
	m := &module{path: path, ctx: ctx, refs: 1, finalize: true}
	if err := ctx.Initialize(); err != nil {
		var e pkcs11.Error
		if !errors.As(err, &e) || e != ckrCryptokiAlreadyInit {
			ctx.Destroy()
			return nil, moduleLoadError(path, fmt.Errorf("initialization failed: %w", err))
		}
		m.finalize = false // someone else in this process owns it
	}
	loaded.m[path] = m
	return m, nil
}

func (m *module) release() {
	loaded.Lock()
	defer loaded.Unlock()
	m.refs--
	if m.refs > 0 {
		return
	}
	delete(loaded.m, m.path)
	if m.finalize {
		_ = m.ctx.Finalize()
	}
	m.ctx.Destroy()
}

// rv converts a miekg/pkcs11 error into the rvError the flow understands.
func rv(err error) error {
	var e pkcs11.Error
	if errors.As(err, &e) {
		return rvError(e)
	}
	return err
}

// p11session is the session interface on a real token.
type p11session struct {
	c    *pkcs11.Ctx
	sh   pkcs11.SessionHandle
	slot uint
}

func (s *p11session) tokenFlags() (uint, error) {
	ti, err := s.c.GetTokenInfo(s.slot)
	if err != nil {
		return 0, rv(err)
	}
	return ti.Flags, nil
}

func (s *p11session) login(userType uint, pin []byte) error {
	return rv(s.c.Login(s.sh, userType, string(pin)))
}

func (s *p11session) signInit(m mechanism, key uint) error {
	return rv(s.c.SignInit(s.sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(m), nil)}, pkcs11.ObjectHandle(key)))
}

func (s *p11session) sign(data []byte) ([]byte, error) {
	sig, err := s.c.Sign(s.sh, data)
	return sig, rv(err)
}

// ListTokens lists the readers (slots) of the module named as in
// TokenOptions.Module, and for each token (filtered by opts.Token) its
// private keys and certificates, each key paired with its certificate.
// It logs in only when the token requires it and opts.PIN is set, so
// that private objects show too; it never uses a PIN pad.
func ListTokens(ctx context.Context, opts TokenOptions) ([]Slot, error) {
	reports, err := ListModules(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out []Slot
	for _, r := range reports {
		out = append(out, r.Slots...)
	}
	return out, nil
}

// ListModules is ListTokens module by module: every module it tried, the
// eID middleware's first, with what each found or why it could not be
// loaded. It fails only when no module could be loaded.
func ListModules(ctx context.Context, opts TokenOptions) ([]ModuleReport, error) {
	mods, err := resolveModules(opts)
	if err != nil {
		return nil, err
	}
	var out []ModuleReport
	loadedAny := false
	for _, mc := range mods {
		r := ModuleReport{ModuleCandidate: mc}
		m, err := loadModule(mc.Path)
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		ids, err := m.ctx.GetSlotList(false)
		if err != nil {
			r.Err = moduleLoadError(mc.Path, rv(err))
		} else {
			loadedAny = true
			r.Slots = listModule(ctx, m, ids, opts)
		}
		m.release()
		out = append(out, r)
	}
	if !loadedAny {
		return nil, out[0].Err
	}
	var sorted []ModuleReport
	for _, i := range preferred(out) {
		sorted = append(sorted, out[i])
	}
	return sorted, nil
}

// probeSlots describes each slot and its token without opening a session.
func probeSlots(m *module, ids []uint) []Slot {
	var out []Slot
	for _, id := range ids {
		slot := Slot{Module: m.path, ID: id}
		present := false
		if si, err := m.ctx.GetSlotInfo(id); err == nil {
			slot.Reader = strings.TrimSpace(si.SlotDescription)
			present = si.Flags&pkcs11.CKF_TOKEN_PRESENT != 0
		}
		ti, err := readTokenInfo(m.ctx, id)
		// A token present but not initialised is a software token's spare
		// slot, not a reader without a card.
		slot.Token, slot.Free = ti, err == nil && ti == nil && present
		out = append(out, slot)
	}
	return out
}

func listModule(ctx context.Context, m *module, ids []uint, opts TokenOptions) []Slot {
	var out []Slot
	for _, slot := range probeSlots(m, ids) {
		if slot.Token == nil {
			out = append(out, slot)
			continue
		}
		if !tokenMatches(slot.Token, opts.Token) {
			continue
		}
		slot.Err = listObjects(ctx, m, slot.ID, slot.Token, opts)
		out = append(out, slot)
	}
	return out
}

// readTokenInfo returns nil for an empty reader or an uninitialized token
// (SoftHSM always offers one free slot).
func readTokenInfo(c *pkcs11.Ctx, slot uint) (*TokenInfo, error) {
	si, err := c.GetSlotInfo(slot)
	if err != nil {
		return nil, rv(err)
	}
	if si.Flags&pkcs11.CKF_TOKEN_PRESENT == 0 {
		return nil, nil
	}
	t, err := c.GetTokenInfo(slot)
	if err != nil {
		return nil, rv(err)
	}
	if t.Flags&ckfTokenInitialized == 0 {
		return nil, nil
	}
	trim := func(s string) string { return strings.TrimRight(s, " \x00") }
	return &TokenInfo{
		Label: trim(t.Label), Serial: trim(t.SerialNumber),
		Manufacturer: trim(t.ManufacturerID), Model: trim(t.Model),
		LoginRequired:     t.Flags&ckfLoginRequired != 0,
		ProtectedAuthPath: t.Flags&ckfProtectedAuthPath != 0,
		PINCountLow:       t.Flags&ckfUserPINCountLow != 0,
		PINFinalTry:       t.Flags&ckfUserPINFinalTry != 0,
		PINLocked:         t.Flags&ckfUserPINLocked != 0,
	}, nil
}

func listObjects(ctx context.Context, m *module, slot uint, ti *TokenInfo, opts TokenOptions) error {
	sh, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return mapTokenError(rv(err), ti)
	}
	defer m.ctx.CloseSession(sh)
	if ti.LoginRequired && !ti.ProtectedAuthPath && !ti.PINLocked && opts.PIN != nil {
		s := &p11session{c: m.ctx, sh: sh, slot: slot}
		f := &loginFlow{s: s, ctx: ctx, opts: &opts, token: ti}
		if err := f.loginToken(); err != nil {
			return err
		}
		f.forgetPIN()
		ti.LoggedIn = true
		defer m.ctx.Logout(sh)
	}
	keys, certs, err := readObjects(m.ctx, sh)
	if err != nil {
		return mapTokenError(err, ti)
	}
	ti.Keys, ti.Certificates = keys, certs
	ti.DefaultKey, ti.DefaultErr = DefaultKeyLabel(keys)
	return nil
}

// readObjects finds the private keys and X.509 certificates by class and
// reads what describes them. Attributes are read one at a time because
// some tokens refuse a whole template when one attribute is unknown.
func readObjects(c *pkcs11.Ctx, sh pkcs11.SessionHandle) ([]KeyInfo, []CertInfo, error) {
	keyHandles, err := findObjects(c, sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
	})
	if err != nil {
		return nil, nil, err
	}
	certHandles, err := findObjects(c, sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
	})
	if err != nil {
		return nil, nil, err
	}
	attr := func(o pkcs11.ObjectHandle, t uint) []byte {
		a, err := c.GetAttributeValue(sh, o, []*pkcs11.Attribute{pkcs11.NewAttribute(t, nil)})
		if err != nil || len(a) == 0 {
			return nil
		}
		return a[0].Value
	}
	var keys []KeyInfo
	for _, o := range keyHandles {
		k := KeyInfo{Label: string(attr(o, pkcs11.CKA_LABEL)), ID: attr(o, pkcs11.CKA_ID), handle: uint(o)}
		k.AlwaysAuthenticate = bytes.Equal(attr(o, pkcs11.CKA_ALWAYS_AUTHENTICATE), []byte{1})
		switch ulong(attr(o, pkcs11.CKA_KEY_TYPE)) {
		case pkcs11.CKK_RSA:
			k.Type = "RSA"
			k.modulus = attr(o, pkcs11.CKA_MODULUS)
			k.Bits = new(big.Int).SetBytes(k.modulus).BitLen()
		case pkcs11.CKK_EC:
			k.Type = "EC"
			k.Curve, k.Bits = curveFromParams(attr(o, pkcs11.CKA_EC_PARAMS))
		default:
			continue // not a signing key type we support (AES, DSA, EdDSA…)
		}
		keys = append(keys, k)
	}
	var certs []CertInfo
	for _, o := range certHandles {
		cert, err := x509.ParseCertificate(attr(o, pkcs11.CKA_VALUE))
		if err != nil {
			continue
		}
		certs = append(certs, CertInfo{Label: string(attr(o, pkcs11.CKA_LABEL)), ID: attr(o, pkcs11.CKA_ID), Cert: cert})
	}
	pairKeys(keys, certs)
	return keys, certs, nil
}

func findObjects(c *pkcs11.Ctx, sh pkcs11.SessionHandle, tmpl []*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	if err := c.FindObjectsInit(sh, tmpl); err != nil {
		return nil, rv(err)
	}
	var all []pkcs11.ObjectHandle
	for {
		hs, _, err := c.FindObjects(sh, 64)
		if err != nil {
			_ = c.FindObjectsFinal(sh)
			return nil, rv(err)
		}
		if len(hs) == 0 {
			break
		}
		all = append(all, hs...)
	}
	return all, rv(c.FindObjectsFinal(sh))
}

// ulong decodes a CK_ULONG attribute value (native byte order and size).
func ulong(b []byte) uint {
	switch len(b) {
	case 4:
		return uint(binary.NativeEndian.Uint32(b))
	case 8:
		return uint(binary.NativeEndian.Uint64(b))
	}
	return ^uint(0)
}

var curveOIDs = map[string]struct {
	name string
	bits int
}{
	asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}.String(): {"P-256", 256},
	asn1.ObjectIdentifier{1, 3, 132, 0, 34}.String():          {"P-384", 384},
	asn1.ObjectIdentifier{1, 3, 132, 0, 35}.String():          {"P-521", 521},
}

func curveFromParams(params []byte) (string, int) {
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(params, &oid); err != nil {
		return "", 0
	}
	if c, ok := curveOIDs[oid.String()]; ok {
		return c.name, c.bits
	}
	return oid.String(), 0
}

// OpenToken opens the key chosen by opts: it finds the token, logs in as
// the token's flags require, picks the key and its certificate, and keeps
// one session open so every part of a set is signed in it. ctx is used
// for PIN prompts, including those during later signatures. Close the
// credential when done.
func OpenToken(ctx context.Context, opts TokenOptions) (Credential, error) {
	mods, err := resolveModules(opts)
	if err != nil {
		return nil, err
	}
	// Every module is asked what it has before one is chosen: the eID
	// middleware first, then a module with a token present, so that a
	// software token's free slot or another module's empty reader never
	// hides the card. A module that does not load is skipped when
	// another one does.
	reports := make([]ModuleReport, len(mods))
	handles := make([]*module, len(mods))
	chosen := -1
	defer func() {
		for i, m := range handles {
			if m != nil && i != chosen {
				m.release()
			}
		}
	}()
	for i, mc := range mods {
		reports[i].ModuleCandidate = mc
		m, err := loadModule(mc.Path)
		if err != nil {
			reports[i].Err = err
			continue
		}
		handles[i] = m
		ids, err := m.ctx.GetSlotList(false)
		if err != nil {
			reports[i].Err = moduleLoadError(mc.Path, rv(err))
			continue
		}
		reports[i].Slots = probeSlots(m, ids)
	}
	mi, si, err := chooseToken(reports, opts.Token)
	if err != nil {
		return nil, err
	}
	slot := reports[mi].Slots[si]
	cred, err := openOn(ctx, handles[mi], slot.ID, slot.Token, opts)
	if err != nil {
		return nil, err
	}
	chosen = mi
	return cred, nil
}

func openOn(ctx context.Context, m *module, slot uint, ti *TokenInfo, opts TokenOptions) (*tokenCredential, error) {
	sh, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, mapTokenError(rv(err), ti)
	}
	s := &p11session{c: m.ctx, sh: sh, slot: slot}
	o := opts
	c := &tokenCredential{mod: m, sess: s, flow: &loginFlow{s: s, ctx: ctx, opts: &o, token: ti}}
	fail := func(err error) (*tokenCredential, error) {
		c.flow.forgetPIN()
		_ = m.ctx.CloseSession(sh)
		return nil, err
	}
	if err := c.flow.loginToken(); err != nil {
		return fail(err)
	}
	keys, certs, err := readObjects(m.ctx, sh)
	if err != nil {
		return fail(mapTokenError(err, ti))
	}
	key, err := chooseKey(keys, opts.Key)
	if err != nil {
		return fail(err)
	}
	c.key, c.cert = key, key.Certificate.Cert
	c.chain = buildChain(c.cert, certs)
	c.mechs = map[mechanism]bool{}
	if ms, err := m.ctx.GetMechanismList(slot); err == nil {
		for _, mm := range ms {
			c.mechs[mechanism(mm.Mechanism)] = true
		}
	} else {
		c.mechs = nil // unknown: try the basic mechanisms
	}
	return c, nil
}

// buildChain follows issuers among the token's certificates (the eID
// carries its "CA" and "Root" certificates), without the signing one.
func buildChain(leaf *x509.Certificate, certs []CertInfo) []*x509.Certificate {
	var chain []*x509.Certificate
	cur := leaf
	used := map[*x509.Certificate]bool{leaf: true}
	for len(chain) < 8 {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) {
			break
		}
		var next *x509.Certificate
		for _, ci := range certs {
			if !used[ci.Cert] && !bytes.Equal(ci.Cert.Raw, leaf.Raw) && bytes.Equal(ci.Cert.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(ci.Cert) == nil {
				next = ci.Cert
				break
			}
		}
		if next == nil {
			break
		}
		used[next] = true
		chain = append(chain, next)
		cur = next
	}
	return chain
}

// tokenCredential is a key on a token with its certificate.
type tokenCredential struct {
	mod   *module
	sess  *p11session
	flow  *loginFlow
	key   KeyInfo
	cert  *x509.Certificate
	chain []*x509.Certificate
	mechs map[mechanism]bool
}

func (c *tokenCredential) Signer() crypto.Signer          { return &tokenSigner{c} }
func (c *tokenCredential) Certificate() *x509.Certificate { return c.cert }
func (c *tokenCredential) Chain() []*x509.Certificate     { return c.chain }

// Close logs out, closes the session and unloads the module when no other
// credential uses it. The PIN kept for context-specific logins is wiped.
func (c *tokenCredential) Close() error {
	c.flow.mu.Lock()
	defer c.flow.mu.Unlock()
	if c.flow.closed {
		return nil
	}
	c.flow.closed = true
	c.flow.forgetPIN()
	if c.flow.loggedIn {
		// A login is shared by every session of the application, so
		// only the credential that logged in logs out.
		_ = c.sess.c.Logout(c.sess.sh)
	}
	err := c.sess.c.CloseSession(c.sess.sh)
	c.mod.release()
	if err != nil {
		return fmt.Errorf("closing the token session: %w", rv(err))
	}
	return nil
}

func (c *tokenCredential) has(m mechanism) bool { return c.mechs == nil || c.mechs[m] }

// tokenSigner is the crypto.Signer of a token key. Sign gets a digest
// computed outside the token (the CMS code hashes the signed attributes
// itself), so RSA uses CKM_RSA_PKCS over the DigestInfo: the combined
// CKM_SHA256_RSA_PKCS would hash again. SignMessage, for callers using
// crypto.SignMessage, hands the whole message to the combined mechanism
// when the token has it. EC uses CKM_ECDSA over the digest either way.
type tokenSigner struct{ c *tokenCredential }

func (s *tokenSigner) Public() crypto.PublicKey { return s.c.cert.PublicKey }

func (s *tokenSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := opts.HashFunc()
	if h == 0 {
		return nil, errors.New("a token key signs a digest: no hash function given")
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("the digest has %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	switch s.c.key.Type {
	case "RSA":
		if _, pss := opts.(*rsa.PSSOptions); pss {
			return nil, errors.New("RSA-PSS signatures are not supported with a token")
		}
		if !s.c.has(ckmRSAPKCS) {
			if m := messageMechanism("RSA", h); m != 0 && s.c.has(m) {
				return nil, tokenErr(ErrMechanismNotAllowed, "use another token or key",
					"the token can only sign whole messages (it lacks CKM_RSA_PKCS)")
			}
		}
		in, err := rsaDigestInput(h, digest)
		if err != nil {
			return nil, err
		}
		return s.c.flow.signWith(s.c.key, ckmRSAPKCS, in)
	case "EC":
		raw, err := s.c.flow.signWith(s.c.key, ckmECDSA, digest)
		if err != nil {
			return nil, err
		}
		return ecdsaRawToDER(raw)
	}
	return nil, fmt.Errorf("keys of type %s cannot sign", s.c.key.Type)
}

// SignMessage makes tokenSigner a crypto.MessageSigner.
func (s *tokenSigner) SignMessage(rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := opts.HashFunc()
	if s.c.key.Type == "RSA" {
		if _, pss := opts.(*rsa.PSSOptions); !pss {
			if m := messageMechanism("RSA", h); m != 0 && s.c.mechs != nil && s.c.mechs[m] {
				return s.c.flow.signWith(s.c.key, m, msg)
			}
		}
	}
	if h == 0 || !h.Available() {
		return nil, errors.New("no hash function given")
	}
	hh := h.New()
	hh.Write(msg)
	return s.Sign(rand, hh.Sum(nil), opts)
}

var (
	_ crypto.MessageSigner = (*tokenSigner)(nil)
	_ Credential           = (*tokenCredential)(nil)
)
