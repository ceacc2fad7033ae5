package signer

import (
	"context"
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/smallstep/pkcs7"
)

// ErrChangedAfterSigning is returned (wrapped) when a signature does not
// match its declaration: the FI was changed after it was signed, or the FS
// belongs to another file.
var ErrChangedAfterSigning = errors.New("the declaration (FI) does not match its signature (FS): it was changed after signing, or the FS belongs to another file; the transfer point would refuse it (code 125): sign it again")

// ErrNotTextModeSafe is returned (wrapped) by VerifyFile when the signature
// matches the declaration's bytes but the declaration's line endings are
// not CRLF throughout, so the signature fails when checked in text mode.
var ErrNotTextModeSafe = errors.New("the declaration's line endings are not CRLF throughout, so its signature only verifies in binary mode")

// maxFSSize bounds what VerifyFile reads as a signature file: a few
// certificates in base64 are a few kilobytes.
const maxFSSize = 1 << 20

// Verification is what a successful check of an FS against its FI found.
type Verification struct {
	Signer *x509.Certificate // the certificate that made the signature
	Digest crypto.Hash       // the digest algorithm of the signature
	// ContentDigest is the FI's digest (with Digest), as signed and as
	// just computed from the FI's bytes: a record of exactly what was signed.
	ContentDigest []byte
	SigningTime   time.Time // zero when the signature does not say
	// TextModeSafe reports that the FI has CRLF line endings throughout,
	// so the signature also verifies in MIME text mode.
	TextModeSafe bool
	LineEndings  LineEndings
}

// Signature is an FS file read and checked on its own, without its
// declaration: one detached signature, the signer's certificate included,
// the signed attributes of a declaration, and a signature value that the
// certificate's key verifies over those attributes. What remains to check
// is that the declaration's digest is MessageDigest (Check), which needs
// the declaration's bytes: the uploader does it as the declaration leaves.
type Signature struct {
	Signer *x509.Certificate // the certificate that made the signature
	Digest crypto.Hash       // the digest algorithm of the signature
	// MessageDigest is the declaration's digest (with Digest) as signed.
	MessageDigest []byte
	SigningTime   time.Time // zero when the signature does not say
}

// ParseFS reads the content of an FS file and checks everything about it
// that does not need the declaration (see Signature). It reads nothing
// else, so it is cheap whatever the declaration's size.
func ParseFS(fsData []byte) (*Signature, error) {
	der, err := DecodeFS(fsData)
	if err != nil {
		return nil, err
	}
	if err := checkDERNesting(der); err != nil {
		return nil, err
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("the signature file (FS) is not a valid signature (%s); sign the declaration again", plainParseError(err))
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("the signature file (FS) has %d signatures instead of one; sign the declaration again", len(p7.Signers))
	}
	if len(p7.Content) != 0 {
		return nil, errors.New("the signature file (FS) contains a copy of the declaration (an attached signature); the transfer point wants a detached signature: sign the declaration again with Expeditor")
	}
	si := p7.Signers[0]
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil, errors.New("the signature file (FS) does not contain the certificate that signed it; sign the declaration again with Expeditor")
	}
	h, err := digestOf(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return nil, err
	}
	var contentType asn1.ObjectIdentifier
	var signed []byte
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeContentType, &contentType); err != nil || !contentType.Equal(oidData) {
		return nil, errors.New("the signature file (FS) lacks the signed content type of a declaration; sign the declaration again with Expeditor")
	}
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &signed); err != nil || len(signed) != h.Size() {
		return nil, errors.New("the signature file (FS) lacks the signed digest of the declaration; sign the declaration again with Expeditor")
	}
	s := &Signature{Signer: cert, Digest: h, MessageDigest: signed}
	var t time.Time
	if p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &t) == nil {
		s.SigningTime = t
	}
	// pkcs7 checks the signature over the signed attributes once it has
	// the content's digest: hand it the signed one, so the check is of the
	// signature alone (Check compares the declaration's digest).
	p7.Hasher = fixedHasher(signed)
	if err := p7.Verify(); err != nil {
		var st *pkcs7.SigningTimeNotValidError
		if errors.As(err, &st) {
			return nil, fmt.Errorf("the signature was made on %s, outside the validity of its certificate (%s to %s); sign again with a valid certificate",
				st.SigningTime.Local().Format(time.DateTime), st.NotBefore.Local().Format(time.DateOnly), st.NotAfter.Local().Format(time.DateOnly))
		}
		return nil, fmt.Errorf("the signature in the signature file (FS) is not valid (%v); the transfer point would refuse it (code 125): sign the declaration again", err)
	}
	return s, nil
}

// ReadFS reads and checks the FS file at path as ParseFS does.
func ReadFS(path string) (*Signature, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the signature file %s: %w", filepath.Base(path), err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFSSize+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot read the signature file %s: %w", filepath.Base(path), err)
	}
	if len(data) > maxFSSize {
		return nil, fmt.Errorf("%s is too large to be a signature file; check that the right file is named FS", filepath.Base(path))
	}
	s, err := ParseFS(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return s, nil
}

// Check compares a declaration's digest, made with s.Digest, with the one
// signed: ErrChangedAfterSigning when they differ.
func (s *Signature) Check(digest []byte) error {
	if subtle.ConstantTimeCompare(digest, s.MessageDigest) != 1 {
		return ErrChangedAfterSigning
	}
	return nil
}

// Verify checks that fsData (the content of an FS file) is a valid detached
// signature of the declaration read from fi: the digest of fi's bytes is the
// signed one, the signature is valid and made by the certificate it names.
// It does not check the certificate chain (the transfer point does), and it
// reads fi once, streamed, whatever its size.
func Verify(fi io.Reader, fsData []byte) (*Verification, error) {
	s, err := ParseFS(fsData)
	if err != nil {
		return nil, err
	}
	return verifyContent(fi, s)
}

func verifyContent(fi io.Reader, s *Signature) (*Verification, error) {
	v := &Verification{Signer: s.Signer, Digest: s.Digest, SigningTime: s.SigningTime}
	hasher := s.Digest.New()
	var lines LineCounter
	if _, err := readStream(context.Background(), fi, &lines, hasher, nil); err != nil {
		return nil, err
	}
	computed := hasher.Sum(nil)
	v.LineEndings = lines.Result()
	v.TextModeSafe = v.LineEndings.TextModeSafe
	if err := s.Check(computed); err != nil {
		return nil, err
	}
	v.ContentDigest = computed
	return v, nil
}

// VerifyFile checks the FS file at fsPath against the FI file at fiPath,
// as Verify does, and also requires the FI to be text-mode safe: it fails
// with ErrNotTextModeSafe (the Verification is returned too) when the
// signature would only verify in binary mode.
func VerifyFile(fiPath, fsPath string) (*Verification, error) {
	s, err := ReadFS(fsPath)
	if err != nil {
		return nil, err
	}
	fi, err := os.Open(fiPath)
	if err != nil {
		return nil, fmt.Errorf("cannot read the declaration: %w", err)
	}
	defer fi.Close()
	v, err := verifyContent(fi, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(fsPath), err)
	}
	if !v.TextModeSafe {
		return v, fmt.Errorf("%s: %w: %s; convert the declaration to CRLF line endings and sign it again", filepath.Base(fiPath), ErrNotTextModeSafe, v.LineEndings.Problem())
	}
	return v, nil
}

// fixedHasher hands pkcs7 a digest computed elsewhere (streamed), so it
// never needs the content in memory.
type fixedHasher []byte

func (f fixedHasher) Hash(crypto.Hash, io.Reader) ([]byte, error) { return f, nil }

func digestOf(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA1):
		return 0, errors.New("the signature uses SHA-1, which the transfer point no longer accepts; sign the declaration again with Expeditor (SHA-256 or stronger)")
	}
	return 0, fmt.Errorf("the signature uses a digest algorithm (%s) the transfer point does not accept; sign the declaration again with Expeditor", oid)
}
