package signer

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

// replyPKI makes the test PKI and a reply, and returns the folder and the
// reply's path.
func replyPKI(t *testing.T) (dir, reply string) {
	t.Helper()
	testpki.Binary(t)
	dir = t.TempDir()
	if err := testpki.MakeReplyPKI(dir); err != nil {
		t.Fatal(err)
	}
	reply = writeFile(t, dir, "FO.ACRF.999999.20261121.00001.R",
		[]byte("<?xml version=\"1.0\"?>\n<ACRF><Form><Identification>ACRF001</Identification></Form></ACRF>\n"))
	return dir, reply
}

// opensslSign signs file with openssl cms (detached, binary) and returns
// the signature in the given form (DER or PEM).
func opensslSign(t *testing.T, dir, file, cert, key, form string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "fs")
	testpki.Openssl(t, "cms", "-sign", "-binary", "-md", "sha256", "-in", file, "-signer", filepath.Join(dir, cert),
		"-inkey", filepath.Join(dir, key), "-outform", form, "-out", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func verifyReplyFile(t *testing.T, reply string, fs []byte, roots *x509.CertPool) (*ReplySignature, error) {
	t.Helper()
	f, err := os.Open(reply)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return VerifyReply(f, fs, roots)
}

func pool(t *testing.T, pemFile string) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	b, err := os.ReadFile(pemFile)
	if err != nil || !p.AppendCertsFromPEM(b) {
		t.Fatalf("cannot read %s: %v", pemFile, err)
	}
	return p
}

// A reply signed by openssl verifies in every encoding the transfer point
// may use: DER, base64 with PEM armour, bare base64.
func TestVerifyReplyEncodings(t *testing.T) {
	dir, reply := replyPKI(t)
	der := opensslSign(t, dir, reply, testpki.ReplySignerCert, testpki.ReplySignerKey, "DER")
	armoured := opensslSign(t, dir, reply, testpki.ReplySignerCert, testpki.ReplySignerKey, "PEM")
	bare := EncodeFS(der, false)
	for name, fs := range map[string][]byte{"DER": der, "PEM": armoured, "base64": bare, "base64 one line": []byte(base64.StdEncoding.EncodeToString(der))} {
		got, err := verifyReplyFile(t, reply, fs, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.SignerName() != "Test Transfer Point Replies" || got.Timestamp != nil || got.Chained || len(got.Fingerprint) != 64 {
			t.Errorf("%s: %+v", name, got)
		}
		if d := time.Since(got.SigningTime); d < 0 || d > time.Hour {
			t.Errorf("%s: signing time %v", name, got.SigningTime)
		}
	}
}

// A reply changed after it was signed, or the FS of another reply, is
// INVALID; so is a damaged FS.
func TestVerifyReplyTampered(t *testing.T) {
	dir, reply := replyPKI(t)
	fs := opensslSign(t, dir, reply, testpki.ReplySignerCert, testpki.ReplySignerKey, "DER")
	b, _ := os.ReadFile(reply)
	tampered := writeFile(t, dir, "tampered", bytes.Replace(b, []byte("ACRF001"), []byte("ACRF002"), 1))
	_, err := verifyReplyFile(t, tampered, fs, nil)
	var se *ReplySignatureError
	if !errors.As(err, &se) || se.Code != "digest" || !errors.Is(err, ErrReplySignature) {
		t.Errorf("tampered reply: %v", err)
	}
	broken := bytes.Clone(fs)
	broken[len(broken)-5] ^= 0xff // inside the signature value
	if _, err := verifyReplyFile(t, reply, broken, nil); !errors.As(err, &se) || se.Code != "signature" {
		t.Errorf("damaged signature value: %v", err)
	}
	if _, err := verifyReplyFile(t, reply, []byte("hello"), nil); !errors.As(err, &se) || se.Code != "format" {
		t.Errorf("not a signature: %v", err)
	}
}

// With trusted CAs, the signer must chain to one of them.
func TestVerifyReplyTrust(t *testing.T) {
	dir, reply := replyPKI(t)
	fs := opensslSign(t, dir, reply, testpki.ReplySignerCert, testpki.ReplySignerKey, "DER")
	got, err := verifyReplyFile(t, reply, fs, pool(t, filepath.Join(dir, testpki.ReplyCA)))
	if err != nil || !got.Chained {
		t.Fatalf("trusted CA: %+v %v", got, err)
	}
	otherDir, _ := replyPKI(t)
	_, err = verifyReplyFile(t, reply, fs, pool(t, filepath.Join(otherDir, testpki.ReplyCA)))
	var se *ReplySignatureError
	if !errors.As(err, &se) || se.Code != "chain" {
		t.Errorf("another CA: %v", err)
	}
}

// A CAdES-T signature (a timestamp token from openssl ts in the unsigned
// attributes) verifies, with the timestamp's time; a token about another
// signature is refused.
func TestVerifyReplyTimestamp(t *testing.T) {
	dir, reply := replyPKI(t)
	fs := opensslSign(t, dir, reply, testpki.ReplySignerCert, testpki.ReplySignerKey, "DER")
	cades, err := testpki.AddTimestamp(fs, dir)
	if err != nil {
		t.Fatal(err)
	}
	// openssl still reads it as a valid signature.
	p := writeFile(t, t.TempDir(), "cades.der", cades)
	testpki.Openssl(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", p, "-content", reply, "-CAfile", filepath.Join(dir, testpki.ReplyCA), "-out", os.DevNull)

	got, err := verifyReplyFile(t, reply, cades, pool(t, filepath.Join(dir, testpki.ReplyCA)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Timestamp == nil || got.Timestamp.Authority.Subject.CommonName != "Test Time Stamping Authority" {
		t.Fatalf("timestamp: %+v", got.Timestamp)
	}
	if d := time.Since(got.Timestamp.Time); d < -time.Minute || d > time.Hour {
		t.Errorf("timestamp time %v", got.Timestamp.Time)
	}

	// A token about other bytes than this signature's value.
	token, err := testpki.TimestampToken([]byte("another signature"), dir)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := testpki.WithTimestampToken(fs, token)
	if err != nil {
		t.Fatal(err)
	}
	_, err = verifyReplyFile(t, reply, wrong, nil)
	var se *ReplySignatureError
	if !errors.As(err, &se) || se.Code != "timestamp" || !strings.Contains(se.Detail, "about another signature") {
		t.Errorf("token of another signature: %v", err)
	}
	// A damaged token.
	token[len(token)-10] ^= 0xff
	if damaged, err := testpki.WithTimestampToken(fs, token); err != nil {
		t.Fatal(err)
	} else if _, err := verifyReplyFile(t, reply, damaged, nil); !errors.As(err, &se) || se.Code != "timestamp" {
		t.Errorf("damaged token: %v", err)
	}
}
