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
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

func TestDigestFor(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, tc := range []struct {
		pub  crypto.PublicKey
		want crypto.Hash
	}{
		{&rsaKey.PublicKey, crypto.SHA256},
		{ecPub(t, elliptic.P256()), crypto.SHA256},
		{ecPub(t, elliptic.P384()), crypto.SHA384},
		{ecPub(t, elliptic.P521()), crypto.SHA512},
		{nil, crypto.SHA256},
	} {
		if got := DigestFor(tc.pub); got != tc.want {
			t.Errorf("DigestFor(%T) = %v, want %v", tc.pub, got, tc.want)
		}
	}
}

func ecPub(t *testing.T, c elliptic.Curve) *ecdsa.PublicKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}

// TestSignedAttributes checks the DER encoding: a SET (0x31) of the three
// attributes in DER order, the signing time as UTCTime until 2049 and
// GeneralizedTime from 2050.
func TestSignedAttributes(t *testing.T) {
	digest := bytes.Repeat([]byte{0xAB}, 48)
	for _, tc := range []struct {
		when time.Time
		tag  casn1.Tag
	}{
		{time.Date(2026, 11, 21, 10, 15, 2, 500, time.FixedZone("CET", 3600)), casn1.UTCTime},
		{time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC), casn1.UTCTime},
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), casn1.GeneralizedTime},
	} {
		attrs, err := signedAttributes(digest, tc.when)
		if err != nil {
			t.Fatal(err)
		}
		if attrs[0] != 0x31 {
			t.Fatalf("attributes start with %#x, want a SET", attrs[0])
		}
		s := cryptobyte.String(attrs)
		var set cryptobyte.String
		if !s.ReadASN1(&set, casn1.SET) || !s.Empty() {
			t.Fatal("not one SET")
		}
		var prev []byte
		var oids []string
		for !set.Empty() {
			var raw cryptobyte.String
			if !set.ReadASN1Element(&raw, casn1.SEQUENCE) {
				t.Fatal("bad attribute")
			}
			if prev != nil && bytes.Compare(prev, raw) >= 0 {
				t.Error("attributes not in DER SET order")
			}
			prev = raw
			var seq, values, encOID cryptobyte.String
			o := cryptobyte.String(raw)
			o.ReadASN1(&seq, casn1.SEQUENCE)
			seq.ReadASN1(&encOID, casn1.OBJECT_IDENTIFIER)
			seq.ReadASN1(&values, casn1.SET)
			oids = append(oids, string(encOID))
			switch {
			case bytes.Equal(encOID, []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05}): // signingTime
				var ts time.Time
				var ok bool
				if tc.tag == casn1.UTCTime {
					ok = values.ReadASN1UTCTime(&ts)
				} else {
					ok = values.ReadASN1GeneralizedTime(&ts)
				}
				if !ok || !ts.Equal(tc.when.Truncate(time.Second)) {
					t.Errorf("signing time %v (ok %v), want %v as tag %d", ts, ok, tc.when, tc.tag)
				}
			case bytes.Equal(encOID, []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04}): // messageDigest
				var d []byte
				if !values.ReadASN1Bytes(&d, casn1.OCTET_STRING) || !bytes.Equal(d, digest) {
					t.Error("message digest")
				}
			}
		}
		if len(oids) != 3 {
			t.Errorf("%d attributes", len(oids))
		}
	}
}

// A signature made in 2055 carries a GeneralizedTime that openssl and
// Verify read.
func TestSignDetachedAfter2049(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384",
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)})
	cred := loadP12(t, id)
	data := crlfDeclaration(3)
	when := time.Date(2055, 6, 1, 12, 0, 0, 0, time.UTC)
	der, err := SignDetached(bytes.NewReader(data), cred, when)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fi := writeFile(t, dir, "FI", data)
	fs := writeFile(t, dir, "FS", EncodeFS(der, false))
	if f := opensslVerify(t, fi, fs, ""); len(f) > 0 {
		t.Fatal(f)
	}
	v, err := VerifyFile(fi, fs)
	if err != nil || !v.SigningTime.Equal(when) {
		t.Fatalf("%v %+v", err, v)
	}
	out := testpki.Openssl(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", writeFile(t, dir, "sig.der", der))
	if !strings.Contains(out, "GENERALIZEDTIME") && !strings.Contains(out, "GeneralizedTime") {
		t.Errorf("openssl does not see a GeneralizedTime:\n%s", out)
	}
}

// TestSignDetachedStructure reads a signature back with openssl's printer:
// detached id-data, version 1, issuer and serial, the three signed
// attributes, the signer certificate and the chain.
func TestSignDetachedStructure(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "rsa2048", WithCA: true})
	cred := loadP12(t, id)
	der, err := SignDetached(bytes.NewReader([]byte("x\r\n")), cred, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := testpki.Openssl(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", writeFile(t, t.TempDir(), "sig.der", der))
	for _, want := range []string{
		"contentType: pkcs7-signedData", "version: 1", "eContentType: pkcs7-data", "eContent: <ABSENT>",
		"d.issuerAndSerialNumber", "algorithm: sha256", "algorithm: rsaEncryption",
		"object: contentType", "object: signingTime", "object: messageDigest",
		"CN=Expeditor Test CA", "CN=Expeditor Test Signer",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl cms -print lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// failingSigner signs until it is told to fail, like a card pulled out.
type failingSigner struct {
	crypto.Signer
	calls, failAt int
}

func (s *failingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.calls++
	if s.calls >= s.failAt {
		return nil, errors.New("card removed")
	}
	return s.Signer.Sign(r, digest, opts)
}

type testCred struct {
	signer crypto.Signer
	cert   *x509.Certificate
	chain  []*x509.Certificate
}

func (c *testCred) Signer() crypto.Signer          { return c.signer }
func (c *testCred) Certificate() *x509.Certificate { return c.cert }
func (c *testCred) Chain() []*x509.Certificate     { return c.chain }
func (c *testCred) Close() error                   { return nil }

func TestSignDetachedErrors(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	other := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)

	// The key of one identity with the certificate of another.
	mixed := &testCred{signer: cred.Signer(), cert: other.Cert}
	if _, err := SignDetached(strings.NewReader("x"), mixed, time.Now()); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("mismatched key: %v", err)
	}
	// A signer that fails.
	broken := &testCred{signer: &failingSigner{Signer: cred.Signer(), failAt: 1}, cert: id.Cert}
	if _, err := SignDetached(strings.NewReader("x"), broken, time.Now()); err == nil || !strings.Contains(err.Error(), "card removed") {
		t.Errorf("failing signer: %v", err)
	}
	// A signer returning garbage.
	garbage := &testCred{signer: garbageSigner{cred.Signer()}, cert: id.Cert}
	if _, err := SignDetached(strings.NewReader("x"), garbage, time.Now()); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("garbage signature: %v", err)
	}
	// A cancelled context stops the reading.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SignDetachedContext(ctx, strings.NewReader("x"), cred, time.Now(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// No credential.
	if _, err := SignDetached(strings.NewReader("x"), nil, time.Now()); err == nil {
		t.Error("nil credential signed")
	}
}

type garbageSigner struct{ crypto.Signer }

func (garbageSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return bytes.Repeat([]byte{1}, 96), nil // raw r||s, not DER
}

// TestSignDetachedProgress: progress reports growing byte counts up to the
// size, and the file is read through (not into) memory.
func TestSignDetachedProgress(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	const size = 5<<20 + 123
	var last int64
	_, err := SignDetachedContext(context.Background(), io.LimitReader(zeroReader{}, size), cred, time.Now(), func(n int64) {
		if n <= last {
			t.Errorf("progress went from %d to %d", last, n)
		}
		last = n
	})
	if err != nil || last != size {
		t.Fatalf("err %v, last progress %d", err, last)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
