package testpki

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	id := New(t, Options{})
	if id.Password == "" {
		t.Error("empty default password")
	}
	for _, p := range []string{id.KeyPEM, id.CertPEM, id.P12} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	if k, ok := id.Cert.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("default key %T", id.Cert.PublicKey)
	}
	if id.Cert.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage %v", id.Cert.KeyUsage)
	}
	if id.CA != nil || id.CAPEM != "" {
		t.Error("a CA without WithCA")
	}
	if b, _ := os.ReadFile(id.KeyPEM); !strings.Contains(string(b), "BEGIN PRIVATE KEY") {
		t.Error("key is not PKCS#8 PEM")
	}
}

func TestNewWithCAAndDates(t *testing.T) {
	nb := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	na := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	id := New(t, Options{Key: "ec521", WithCA: true, NotBefore: nb, NotAfter: na, KeyUsage: "keyEncipherment", CommonName: "Zoë"})
	if err := id.Cert.CheckSignatureFrom(id.CA); err != nil {
		t.Error(err)
	}
	if !id.Cert.NotBefore.Equal(nb) || !id.Cert.NotAfter.Equal(na) {
		t.Errorf("validity %v – %v", id.Cert.NotBefore, id.Cert.NotAfter)
	}
	if k, ok := id.Cert.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve.Params().Name != "P-521" {
		t.Errorf("key %T", id.Cert.PublicKey)
	}
	if id.Cert.KeyUsage != x509.KeyUsageKeyEncipherment || id.Cert.Subject.CommonName != "Zoë" {
		t.Errorf("usage %v, subject %v", id.Cert.KeyUsage, id.Cert.Subject)
	}
	out := Openssl(t, "pkcs12", "-in", id.P12, "-passin", "pass:"+id.Password, "-nokeys")
	if strings.Count(out, "BEGIN CERTIFICATE") != 2 {
		t.Error("the .p12 does not carry the CA")
	}
}
