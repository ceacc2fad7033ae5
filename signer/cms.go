package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"

	_ "crypto/sha256" // register SHA-256 for crypto.Hash
	_ "crypto/sha512" // register SHA-384 and SHA-512 for crypto.Hash
)

// The CMS signature is encoded by hand: the libraries at hand want the
// whole content in memory or the private key itself, while Expeditor
// streams a file of up to 200 MB through the hash and hands only the
// digest of the signed attributes to the credential (which may be a card).

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA  = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {1, 2, 840, 10045, 4, 3, 2},
		crypto.SHA384: {1, 2, 840, 10045, 4, 3, 3},
		crypto.SHA512: {1, 2, 840, 10045, 4, 3, 4},
	}
)

// readBufferSize is the size of the buffers files are hashed through:
// large enough for the hash to run at full speed, small enough that the
// buffers in flight stay in the CPU cache between the read and the hash
// (measured: 256 KiB beats 64 KiB and 1 MiB), and memory does not depend
// on the file size.
const readBufferSize = 256 << 10

// DigestFor returns the digest algorithm used with a public key: SHA-384
// for EC P-384 keys and SHA-512 for P-521 (as strong as the curve),
// SHA-256 for RSA and everything else.
func DigestFor(pub crypto.PublicKey) crypto.Hash {
	if k, ok := pub.(*ecdsa.PublicKey); ok {
		switch k.Curve {
		case elliptic.P384():
			return crypto.SHA384
		case elliptic.P521():
			return crypto.SHA512
		}
	}
	return crypto.SHA256
}

func digestOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA256:
		return oidSHA256
	case crypto.SHA384:
		return oidSHA384
	case crypto.SHA512:
		return oidSHA512
	}
	return nil
}

// SignDetached reads the whole of r and returns the DER encoding of a
// detached CMS SignedData over its bytes, signed by cred at signingTime.
func SignDetached(r io.Reader, cred Credential, signingTime time.Time) ([]byte, error) {
	return SignDetachedContext(context.Background(), r, cred, signingTime, nil)
}

// SignDetachedContext is SignDetached that stops when ctx is done and
// calls progress (when not nil) with the number of bytes hashed so far.
// Memory use does not depend on the size of r.
func SignDetachedContext(ctx context.Context, r io.Reader, cred Credential, signingTime time.Time, progress func(n int64)) ([]byte, error) {
	h, err := signingDigest(cred)
	if err != nil {
		return nil, err
	}
	hasher := h.New()
	if _, err := readStream(ctx, r, nil, hasher, progress); err != nil {
		return nil, err
	}
	return signDigest(ctx, cred, h, hasher.Sum(nil), signingTime)
}

// signingDigest checks that cred can sign and returns the digest
// algorithm its key signs with, before anything is read.
func signingDigest(cred Credential) (crypto.Hash, error) {
	if cred == nil || cred.Certificate() == nil || cred.Signer() == nil {
		return 0, errors.New("no certificate to sign with: choose a .p12 file or an eID card")
	}
	cert, key := cred.Certificate(), cred.Signer()
	if pub := key.Public(); pub != nil && !samePublicKey(cert.PublicKey, pub) {
		return 0, errors.New("the private key does not belong to the certificate; choose the certificate that goes with the key")
	}
	h := DigestFor(cert.PublicKey)
	if _, err := signatureAlgorithm(cert.PublicKey, h); err != nil {
		return 0, err
	}
	return h, nil
}

// signDigest returns the DER encoding of a detached CMS SignedData over
// content whose digest (with h, from signingDigest) is digest.
func signDigest(ctx context.Context, cred Credential, h crypto.Hash, digest []byte, signingTime time.Time) ([]byte, error) {
	cert, key := cred.Certificate(), cred.Signer()
	sigAlg, err := signatureAlgorithm(cert.PublicKey, h)
	if err != nil {
		return nil, err
	}
	attrs, err := signedAttributes(digest, signingTime)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("signing stopped: %w", err)
	}

	// The signature covers the attributes encoded as a SET (tag 0x31),
	// while they are embedded with the IMPLICIT [0] tag (RFC 5652 5.4).
	ah := h.New()
	ah.Write(attrs)
	sig, err := key.Sign(rand.Reader, ah.Sum(nil), h)
	if err != nil {
		return nil, fmt.Errorf("the signature failed: %w", err)
	}
	// A token can return garbage (a wrong mechanism, raw r||s instead of
	// DER): catch it here rather than at the transfer point (refusal 125).
	if err := checkSignature(cert, h, attrs, sig); err != nil {
		return nil, fmt.Errorf("the signature made with this key does not verify with its certificate (%v); the key and certificate do not match, or the card or token signed incorrectly", err)
	}

	embedded := slices.Clone(attrs)
	embedded[0] = 0xA0
	return contentInfo(cert, cred.Chain(), h, embedded, sigAlg, sig)
}

// readStream copies r into w, checking ctx and reporting progress between
// buffers, and returns the number of bytes read. Reading runs one buffer
// ahead of w in its own goroutine, which also writes each buffer to side
// (when not nil; a line counter): on two cores the file is read and its
// line endings checked while the previous buffer is hashed, so hashing is
// the only cost, as with `openssl dgst`. Memory is a few fixed buffers
// whatever the size of r. w and side may be nil.
func readStream(ctx context.Context, r io.Reader, side, w io.Writer, progress func(int64)) (int64, error) {
	type chunk struct {
		buf []byte
		n   int
		err error
	}
	const buffers = 3
	free := make(chan []byte, buffers)
	for range buffers {
		free <- make([]byte, readBufferSize)
	}
	full := make(chan chunk, buffers) // never blocks: at most `buffers` exist
	stop := make(chan struct{})
	go func() {
		defer close(full)
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			if side != nil && n > 0 {
				side.Write(buf[:n]) // counters never fail
			}
			full <- chunk{buf, n, err}
			if err != nil {
				return
			}
		}
	}()
	// On every return, stop the reader and wait for it: r (and side)
	// belong to the caller again once readStream returns.
	defer func() {
		close(stop)
		for range full {
		}
	}()

	var n int64
	for c := range full {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("signing stopped: %w", err)
		}
		if c.n > 0 {
			if w != nil {
				w.Write(c.buf[:c.n]) // hashes never fail
			}
			n += int64(c.n)
			if progress != nil {
				progress(n)
			}
		}
		switch {
		case c.err == io.EOF:
			return n, nil
		case c.err != nil:
			return n, fmt.Errorf("cannot read the file: %w", c.err)
		}
		free <- c.buf
	}
	return n, nil
}

// signatureAlgorithm is the signatureAlgorithm of the SignerInfo:
// rsaEncryption (PKCS#1 v1.5, parameters NULL) or ecdsa-with-SHAxxx
// (no parameters), as OpenSSL writes them.
func signatureAlgorithm(pub crypto.PublicKey, h crypto.Hash) (func(*cryptobyte.Builder), error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return func(b *cryptobyte.Builder) {
			b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidRSAEncryption)
				b.AddASN1NULL()
			})
		}, nil
	case *ecdsa.PublicKey:
		oid := oidECDSAWithSHA[h]
		return func(b *cryptobyte.Builder) {
			b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid)
			})
		}, nil
	}
	return nil, fmt.Errorf("the certificate has a %T key; the transfer point accepts RSA and EC keys only", pub)
}

func addDigestAlgorithm(b *cryptobyte.Builder, h crypto.Hash) {
	b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(digestOID(h))
	})
}

// signedAttributes encodes contentType, signingTime and messageDigest as
// a DER SET OF Attribute (tag 0x31), elements in DER order.
func signedAttributes(digest []byte, signingTime time.Time) ([]byte, error) {
	t := signingTime.UTC().Truncate(time.Second)
	attr := func(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
		b := cryptobyte.NewBuilder(nil)
		b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(casn1.SET, value)
		})
		return b.BytesOrPanic()
	}
	list := [][]byte{
		attr(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attr(oidSigningTime, func(b *cryptobyte.Builder) {
			// RFC 5652 11.3: UTCTime from 1950 to 2049, GeneralizedTime otherwise.
			if y := t.Year(); y >= 1950 && y < 2050 {
				b.AddASN1UTCTime(t)
			} else {
				b.AddASN1GeneralizedTime(t)
			}
		}),
		attr(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(casn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range sortedSet(list) {
			b.AddBytes(a)
		}
	})
	return b.Bytes()
}

// sortedSet puts DER encodings in the order X.690 11.6 requires for a SET
// OF, dropping duplicates.
func sortedSet(elems [][]byte) [][]byte {
	s := slices.Clone(elems)
	slices.SortFunc(s, bytes.Compare)
	return slices.CompactFunc(s, bytes.Equal)
}

func checkSignature(cert *x509.Certificate, h crypto.Hash, attrs, sig []byte) error {
	var alg x509.SignatureAlgorithm
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}[h]
	case *ecdsa.PublicKey:
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[h]
	}
	return cert.CheckSignature(alg, attrs, sig)
}

// contentInfo assembles ContentInfo{signedData} (RFC 5652 5.1) with a
// detached id-data content, the signer's certificate and chain, and one
// SignerInfo identified by issuer and serial number (hence version 1).
func contentInfo(cert *x509.Certificate, chain []*x509.Certificate, h crypto.Hash, attrs []byte, sigAlg func(*cryptobyte.Builder), sig []byte) ([]byte, error) {
	certs := [][]byte{cert.Raw}
	for _, c := range chain {
		certs = append(certs, c.Raw)
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(casn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1) // version
				b.AddASN1(casn1.SET, func(b *cryptobyte.Builder) { addDigestAlgorithm(b, h) })
				b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) { // encapContentInfo, no eContent
					b.AddASN1ObjectIdentifier(oidData)
				})
				b.AddASN1(casn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					for _, c := range sortedSet(certs) {
						b.AddBytes(c)
					}
				})
				b.AddASN1(casn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						addDigestAlgorithm(b, h)
						b.AddBytes(attrs)
						sigAlg(b)
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	return b.Bytes()
}
