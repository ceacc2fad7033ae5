package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/smallstep/pkcs7"
)

// The transfer point signs its own replies: a reply FO.X (or CO.X) may come
// with FS.X, a detached CMS signature of the reply's bytes. Some are CAdES-T:
// a timestamp token from a time-stamping authority sits in the unsigned
// attributes and proves when the signature existed.

// ErrReplySignature is wrapped by every *ReplySignatureError: the reply's
// signature does not hold, so the reply must not be trusted.
var ErrReplySignature = errors.New("the reply's signature is not valid")

// ReplySignatureError says why a reply's signature does not hold.
type ReplySignatureError struct {
	// Code is what failed, for callers that word it themselves:
	// "format" (the FS is no signature), "digest" (the reply's bytes are
	// not the signed ones: changed or another file), "signature" (the
	// signature value is wrong), "certificate" (no signer certificate, or
	// it was not valid when it signed), "chain" (not issued by a trusted
	// CA), "timestamp" (the timestamp token is not valid or not about this
	// signature).
	Code string
	// Detail is the technical reason, in English.
	Detail string
}

func (e *ReplySignatureError) Error() string {
	return ErrReplySignature.Error() + ": " + e.Detail
}

func (e *ReplySignatureError) Unwrap() error { return ErrReplySignature }

func sigErr(code, format string, a ...any) error {
	return &ReplySignatureError{Code: code, Detail: fmt.Sprintf(format, a...)}
}

// ReplySignature is a valid signature of a reply.
type ReplySignature struct {
	// Signer is the certificate that signed the reply.
	Signer *x509.Certificate
	// Fingerprint is the SHA-256 of Signer's DER, in hex: what is pinned.
	Fingerprint string
	// SigningTime is the time the signer claims; zero when it says none.
	SigningTime time.Time
	// Timestamp is the CAdES-T timestamp, nil when the signature has none.
	Timestamp *Timestamp
	// Chained is true when the signer's chain was checked against the
	// trusted CAs given to VerifyReply.
	Chained bool
}

// Timestamp is a verified RFC 3161 timestamp token over a signature.
type Timestamp struct {
	Time      time.Time
	Authority *x509.Certificate // the time-stamping authority's certificate
}

// SignerName is a short name of the signer: its common name, or else its
// organisation, or else the full subject.
func (r *ReplySignature) SignerName() string {
	s := r.Signer.Subject
	switch {
	case s.CommonName != "":
		return s.CommonName
	case len(s.Organization) > 0:
		return s.Organization[0]
	}
	return s.String()
}

// OIDs of the timestamp token (RFC 3161, RFC 5126).
var (
	oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSHA1                    = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
)

// DecodeReplySignature reads an FS file of the transfer point into DER: it
// may be binary DER, or base64 with or without PEM armour.
func DecodeReplySignature(data []byte) ([]byte, error) {
	if len(data) > 0 && data[0] == 0x30 {
		return data, nil
	}
	if b, _ := pem.Decode(bytes.TrimSpace(data)); b != nil {
		return b.Bytes, nil
	}
	der, err := DecodeFS(data)
	if err != nil {
		return nil, sigErr("format", "the FS is neither a binary nor a base64 signature")
	}
	return der, nil
}

// VerifyReply checks that fsData (the reply's FS file, DER or base64 with
// or without PEM armour) is a valid detached CMS signature of the reply
// read from content, made by the certificate it carries. When roots is not
// nil, that certificate must chain to one of them. A timestamp token in the
// unsigned attributes is verified too: its own signature, and that it
// stamps this signature's value. Failures are *ReplySignatureError.
func VerifyReply(content io.Reader, fsData []byte, roots *x509.CertPool) (*ReplySignature, error) {
	der, err := DecodeReplySignature(fsData)
	if err != nil {
		return nil, err
	}
	if checkDERNesting(der) != nil { // before a recursive parser sees it (issue 11)
		return nil, sigErr("format", "the FS is not a CMS signature (its structure is nested far deeper than a signature's)")
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, sigErr("format", "the FS is not a CMS signature (%s)", plainParseError(err))
	}
	if len(p7.Signers) != 1 {
		return nil, sigErr("format", "the FS has %d signatures instead of one", len(p7.Signers))
	}
	si := p7.Signers[0]
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil, sigErr("certificate", "the FS does not hold the certificate that signed it")
	}
	h, err := replyDigest(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return nil, err
	}
	res := &ReplySignature{Signer: cert}
	sum := sha256.Sum256(cert.Raw)
	res.Fingerprint = hex.EncodeToString(sum[:])

	if len(si.AuthenticatedAttributes) > 0 {
		var signed []byte
		if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &signed); err != nil {
			return nil, sigErr("format", "the signature has no message digest")
		}
		hasher := h.New()
		if _, err := readStream(context.Background(), content, nil, hasher, nil); err != nil {
			return nil, fmt.Errorf("cannot read the reply: %w", err)
		}
		computed := hasher.Sum(nil)
		if subtle.ConstantTimeCompare(computed, signed) != 1 {
			return nil, sigErr("digest", "the reply is not the file that was signed (changed after signing, or the FS of another reply)")
		}
		p7.Hasher = fixedHasher(computed)
		var t time.Time
		if p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &t) == nil {
			res.SigningTime = t
		}
	} else {
		// No signed attributes: the signature is over the content itself.
		b, err := io.ReadAll(content)
		if err != nil {
			return nil, fmt.Errorf("cannot read the reply: %w", err)
		}
		p7.Content = b
	}
	if err := p7.Verify(); err != nil {
		var st *pkcs7.SigningTimeNotValidError
		if errors.As(err, &st) {
			return nil, sigErr("certificate", "it was signed on %s, outside the validity of its certificate (%s to %s)",
				st.SigningTime.UTC().Format(time.DateTime), st.NotBefore.UTC().Format(time.DateOnly), st.NotAfter.UTC().Format(time.DateOnly))
		}
		var md *pkcs7.MessageDigestMismatchError
		if errors.As(err, &md) {
			return nil, sigErr("digest", "the reply is not the file that was signed")
		}
		return nil, sigErr("signature", "the signature value does not match (%v)", err)
	}

	for _, a := range si.UnauthenticatedAttributes {
		if !a.Type.Equal(oidSignatureTimeStampToken) {
			continue
		}
		ts, err := verifyTimestamp(a.Value.Bytes, si.EncryptedDigest, roots)
		if err != nil {
			return nil, err
		}
		res.Timestamp = ts
		break
	}

	if roots != nil {
		at := time.Now()
		switch {
		case res.Timestamp != nil:
			at = res.Timestamp.Time
		case !res.SigningTime.IsZero():
			at = res.SigningTime
		}
		if err := verifyChain(cert, p7.Certificates, roots, at, x509.ExtKeyUsageAny); err != nil {
			return nil, sigErr("chain", "the signer's certificate (%s) is not issued by a trusted CA: %v", cert.Subject, err)
		}
		res.Chained = true
	}
	return res, nil
}

func verifyChain(cert *x509.Certificate, pool []*x509.Certificate, roots *x509.CertPool, at time.Time, usage x509.ExtKeyUsage) error {
	inter := x509.NewCertPool()
	for _, c := range pool {
		inter.AddCert(c)
	}
	_, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{usage}})
	return err
}

func replyDigest(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	if oid.Equal(oidSHA1) {
		return 0, sigErr("signature", "the signature uses SHA-1, which can no longer be trusted")
	}
	h, err := digestOf(oid)
	if err != nil {
		return 0, sigErr("signature", "the signature uses an unknown digest algorithm (%s)", oid)
	}
	return h, nil
}

// tstInfo is the content of a timestamp token (RFC 3161 §2.4.2); only the
// fields read here are named.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      time.Time     `asn1:"generalized"`
	Rest         asn1.RawValue `asn1:"optional"`
}

// verifyTimestamp checks a signature timestamp token (the DER of its
// ContentInfo): its signature, that the authority's certificate is for
// timestamping, and that it stamps the digest of sigValue.
func verifyTimestamp(token, sigValue []byte, roots *x509.CertPool) (*Timestamp, error) {
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return nil, sigErr("timestamp", "the timestamp token cannot be read (%v)", err)
	}
	if err := p7.Verify(); err != nil {
		return nil, sigErr("timestamp", "the timestamp token's signature does not hold (%v)", err)
	}
	tsa := p7.GetOnlySigner()
	if tsa == nil {
		return nil, sigErr("timestamp", "the timestamp token does not hold its authority's certificate")
	}
	usable := false
	for _, u := range tsa.ExtKeyUsage {
		usable = usable || u == x509.ExtKeyUsageTimeStamping
	}
	if !usable {
		return nil, sigErr("timestamp", "the timestamp was made with a certificate (%s) that is not for timestamping", tsa.Subject)
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(p7.Content, &info); err != nil {
		return nil, sigErr("timestamp", "the timestamp token's content cannot be read (%v)", err)
	}
	h, err := replyDigest(info.MessageImprint.HashAlgorithm.Algorithm)
	if err != nil {
		return nil, sigErr("timestamp", "the timestamp uses an unsupported digest")
	}
	d := h.New()
	d.Write(sigValue)
	if subtle.ConstantTimeCompare(d.Sum(nil), info.MessageImprint.HashedMessage) != 1 {
		return nil, sigErr("timestamp", "the timestamp is about another signature")
	}
	if roots != nil {
		if err := verifyChain(tsa, p7.Certificates, roots, info.GenTime, x509.ExtKeyUsageTimeStamping); err != nil {
			return nil, sigErr("timestamp", "the timestamp authority (%s) is not issued by a trusted CA: %v", tsa.Subject, err)
		}
	}
	return &Timestamp{Time: info.GenTime, Authority: tsa}, nil
}
