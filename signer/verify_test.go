package signer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

func TestVerifyFailures(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "rsa2048"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	data := crlfDeclaration(10)
	fi := writeFile(t, dir, "fi", data)
	der, err := SignDetached(bytes.NewReader(data), cred, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fs := EncodeFS(der, false)

	// A good one reports the digest it checked: the FI's SHA-256.
	v, err := Verify(bytes.NewReader(data), fs)
	if want := sha256.Sum256(data); err != nil || !bytes.Equal(v.ContentDigest, want[:]) {
		t.Errorf("ContentDigest = %x, %v; want %x", v.ContentDigest, err, want)
	}

	// The FS of another file.
	if _, err := Verify(strings.NewReader("another declaration\r\n"), fs); !errors.Is(err, ErrChangedAfterSigning) || !strings.Contains(err.Error(), "125") {
		t.Errorf("other file: %v", err)
	}
	// A damaged signature value (the last bytes of the DER).
	bad := bytes.Clone(der)
	bad[len(bad)-5] ^= 0xFF
	if _, err := Verify(bytes.NewReader(data), EncodeFS(bad, false)); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("damaged signature: %v", err)
	}
	// Not a signature at all.
	if _, err := Verify(bytes.NewReader(data), EncodeFS([]byte{0x30, 0x03, 0x02, 0x01, 0x01}, false)); err == nil {
		t.Error("garbage verified")
	}
	// An attached signature (the FI inside the FS).
	attached := testpki.Openssl(t, "cms", "-sign", "-nodetach", "-binary", "-in", fi, "-signer", id.CertPEM, "-inkey", id.KeyPEM, "-outform", "PEM")
	if _, err := Verify(bytes.NewReader(data), []byte(attached)); err == nil || !strings.Contains(err.Error(), "attached") {
		t.Errorf("attached: %v", err)
	}
	// SHA-1, which the transfer point no longer takes.
	sha1 := testpki.Openssl(t, "cms", "-sign", "-binary", "-md", "sha1", "-in", fi, "-signer", id.CertPEM, "-inkey", id.KeyPEM, "-outform", "PEM")
	if _, err := Verify(bytes.NewReader(data), []byte(sha1)); err == nil || !strings.Contains(err.Error(), "SHA-1") {
		t.Errorf("sha1: %v", err)
	}
}

// A bare-LF declaration signed in binary mode verifies byte for byte but
// not in text mode: Verify says so, VerifyFile refuses it, and openssl
// agrees (cms text mode fails).
func TestVerifyFileNotTextModeSafe(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	data := []byte("<a>\n<b/>\n</a>\n")
	fi := writeFile(t, dir, "fi", data)
	der, err := SignDetached(bytes.NewReader(data), cred, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fsPath := writeFile(t, dir, "fs", EncodeFS(der, false))
	v, err := Verify(bytes.NewReader(data), EncodeFS(der, false))
	if err != nil || v.TextModeSafe || v.LineEndings.BareLF != 3 {
		t.Fatalf("Verify: %v %+v", err, v)
	}
	v, err = VerifyFile(fi, fsPath)
	if !errors.Is(err, ErrNotTextModeSafe) || v == nil || !strings.Contains(err.Error(), "CRLF") {
		t.Fatalf("VerifyFile: %v", err)
	}
	if _, err := testpki.Run(t, "cms", "-verify", "-inform", "DER", "-in", writeFile(t, dir, "der", der), "-content", fi, "-noverify", "-out", filepath.Join(dir, "out")); err == nil {
		t.Error("openssl text mode accepted a bare-LF file signed in binary")
	}
	if _, err := VerifyFile(fi, filepath.Join(dir, "missing")); err == nil {
		t.Error("missing FS verified")
	}
	os.WriteFile(fsPath, bytes.Repeat([]byte("A"), 2<<20), 0o644)
	if _, err := VerifyFile(fi, fsPath); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("huge FS: %v", err)
	}
}
