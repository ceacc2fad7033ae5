package signer

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expeditor-be/expeditor/internal/testpki"
	"software.sslmate.com/src/go-pkcs12"
)

func TestLoadP12WrongPassword(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		id := testpki.New(t, testpki.Options{Key: "ec384", Legacy: legacy})
		before, _ := os.ReadDir(id.Dir)
		_, err := LoadP12(id.P12, []byte("not the password"))
		if !errors.Is(err, ErrWrongPassword) {
			t.Fatalf("legacy=%v: err = %v, want ErrWrongPassword", legacy, err)
		}
		if strings.Contains(err.Error(), "not the password") {
			t.Error("the error shows the password")
		}
		if after, _ := os.ReadDir(id.Dir); len(after) != len(before) {
			t.Error("LoadP12 wrote a file")
		}
	}
}

func TestLoadP12NotAP12(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path string
		want       string
	}{
		{"missing", filepath.Join(dir, "nope.p12"), "does not exist"},
		{"folder", dir, "is a folder"},
		{"pem", id.CertPEM, "PEM text file"},
		{"text", writeFile(t, dir, "notes.txt", []byte("hello")), "not a .p12"},
		{"garbage DER", writeFile(t, dir, "bad.p12", []byte{0x30, 0x03, 0x02, 0x01, 0x03}), "not a .p12"},
	} {
		_, err := LoadP12(tc.path, []byte("x"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
		}
		if errors.Is(err, ErrWrongPassword) {
			t.Errorf("%s: reported as a wrong password", tc.name)
		}
	}
}

// The signing certificate is the one matching the key, wherever it is in
// the file: some tools put the CA first.
func TestLoadP12PicksCertificateOfKey(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384", WithCA: true})
	keyPEM, _ := os.ReadFile(id.KeyPEM)
	block, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	// CA as "the" certificate, the leaf among the others.
	data, err := pkcs12.Modern.Encode(key, id.CA, []*x509.Certificate{id.Cert}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, t.TempDir(), "swapped.p12", data)
	cred, err := LoadP12(p, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !cred.Certificate().Equal(id.Cert) {
		t.Errorf("certificate = %s, want the leaf", cred.Certificate().Subject)
	}
	if len(cred.Chain()) != 1 || !cred.Chain()[0].Equal(id.CA) {
		t.Errorf("chain = %v, want the CA", cred.Chain())
	}

	// A file whose key matches none of its certificates is refused.
	other := testpki.New(t, testpki.Options{Key: "ec384"})
	data, _ = pkcs12.Modern.Encode(key, other.Cert, nil, "pw")
	p = writeFile(t, t.TempDir(), "mismatch.p12", data)
	if _, err := LoadP12(p, []byte("pw")); err == nil || !strings.Contains(err.Error(), "no certificate for it") {
		t.Errorf("mismatched key: %v", err)
	}
}
