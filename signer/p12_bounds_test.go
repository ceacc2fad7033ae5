package signer

import (
	"encoding/asn1"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

func openssl(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// withMacIterations rewrites the MAC iteration count of a real .p12.
func withMacIterations(t *testing.T, der []byte, n int64) []byte {
	t.Helper()
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations int64
		}
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		t.Fatal(err)
	}
	pfx.MacData.Iterations = n
	out, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// issue 11: a .p12 with an absurd MAC iteration count spun forever.
func TestLoadP12AbsurdIterations(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	data, err := os.ReadFile(id.P12)
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, t.TempDir(), "spin.p12", withMacIterations(t, data, 1<<40))
	_, err = LoadP12(p, []byte(id.Password))
	if !errors.Is(err, ErrP12TooMuchWork) || !strings.Contains(err.Error(), "its MAC asks for 1099511627776 rounds") {
		t.Errorf("MAC: %v", err)
	}
	// The encryption's own count is bounded too: OpenSSL's 2048 is over
	// a lowered limit.
	defer func(old int64) { maxP12Iterations = old }(maxP12Iterations)
	maxP12Iterations = 1000
	p = writeFile(t, t.TempDir(), "enc.p12", withMacIterations(t, data, 1))
	if _, err := LoadP12(p, []byte(id.Password)); !errors.Is(err, ErrP12TooMuchWork) || strings.Contains(err.Error(), "MAC") {
		t.Errorf("encryption: %v", err)
	}
}

// issue 11: a .p12 without encryption (OpenSSL opens it with an empty
// password) opens with an empty password, or any; one without a private
// key says so.
func TestLoadP12NoPasswordNoKey(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "rsa2048"})
	dir := t.TempDir()
	open := filepath.Join(dir, "open.p12")
	openssl(t, "pkcs12", "-export", "-inkey", id.KeyPEM, "-in", id.CertPEM, "-out", open, "-keypbe", "NONE", "-certpbe", "NONE", "-nomac", "-passout", "pass:")
	for _, pw := range []string{"", "typed anyway"} {
		cred, err := LoadP12(open, []byte(pw))
		if err != nil || !cred.Certificate().Equal(id.Cert) {
			t.Errorf("unencrypted, password %q: %v", pw, err)
		}
	}
	emptyPW := filepath.Join(dir, "empty.p12")
	openssl(t, "pkcs12", "-export", "-inkey", id.KeyPEM, "-in", id.CertPEM, "-out", emptyPW, "-passout", "pass:")
	if _, err := LoadP12(emptyPW, nil); err != nil {
		t.Errorf("empty password: %v", err)
	}
	certOnly := filepath.Join(dir, "cert-only.p12")
	openssl(t, "pkcs12", "-export", "-nokeys", "-in", id.CertPEM, "-out", certOnly, "-passout", "pass:pw")
	if _, err := LoadP12(certOnly, []byte("pw")); !errors.Is(err, ErrNoPrivateKey) || errors.Is(err, ErrNotP12) {
		t.Errorf("no key: %v", err)
	}
}

// FuzzLoadP12: no file makes the loader panic or spin (the iteration
// bound is lowered so each input runs in milliseconds).
func FuzzLoadP12(f *testing.F) {
	for _, key := range []string{"ec384", "rsa2048"} {
		id := testpki.New(f, testpki.Options{Key: key})
		data, err := os.ReadFile(id.P12)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, id.Password)
	}
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, "")
	defer func(old int64) { maxP12Iterations = old }(maxP12Iterations)
	maxP12Iterations = 4096
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, pw string) {
		p := filepath.Join(dir, "f.p12")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cred, err := LoadP12(p, []byte(pw))
		if err == nil && (cred.Signer() == nil || cred.Certificate() == nil) {
			t.Fatalf("LoadP12 accepted a file without key or certificate")
		}
	})
}
