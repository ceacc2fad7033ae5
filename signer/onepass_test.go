package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

// Prepare says, per part, the SHA-256 of the bytes it signed, whatever
// the key's own digest (SHA-384 for EC P-384), and for a converted part
// the SHA-256 of the converted bytes (what will be uploaded).
func TestPreparedParts(t *testing.T) {
	for _, key := range []string{"rsa2048", "ec384"} {
		t.Run(key, func(t *testing.T) {
			cred := loadP12(t, testpki.New(t, testpki.Options{Key: key}))
			dir := t.TempDir()
			fi1 := writeFile(t, dir, "FI.DMFA.123456.20261121.00007.R.2.1", crlfDeclaration(40))
			fi2 := writeFile(t, dir, "FI.DMFA.123456.20261121.00007.R.2.2", bytes.ReplaceAll(crlfDeclaration(30), []byte("\r\n"), []byte("\n")))
			res, err := Prepare(context.Background(), []string{fi1, fi2}, cred, PrepareOptions{ConvertCRLF: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Parts) != 2 {
				t.Fatalf("Parts = %+v", res.Parts)
			}
			for i, fi := range []string{fi1, fi2} {
				p := res.Parts[i]
				data, _ := os.ReadFile(fi)
				sum := sha256.Sum256(data)
				if p.FI != fi || p.Size != int64(len(data)) || p.SHA256 != hex.EncodeToString(sum[:]) || p.FS != res.Written[i] {
					t.Errorf("part %d: %+v, want SHA-256 %x of %d bytes", i+1, p, sum, len(data))
				}
				v, err := VerifyFile(fi, p.FS)
				if err != nil || v.Digest != DigestFor(cred.Certificate().PublicKey) {
					t.Errorf("part %d: %v", i+1, err)
				}
				if f := opensslVerify(t, fi, p.FS, ""); len(f) > 0 {
					t.Errorf("part %d: openssl: %v", i+1, f)
				}
			}
		})
	}
}

// A bare-LF part found in the one read of a later part refuses the whole
// preparation and leaves every file as it was (no up-front line-ending
// read any more).
func TestPrepareBareLFLaterPart(t *testing.T) {
	cred := loadP12(t, testpki.New(t, testpki.Options{Key: "rsa2048"}))
	dir := t.TempDir()
	fi1 := writeFile(t, dir, "FI.DMFA.123456.20261121.00008.R.2.1", crlfDeclaration(20))
	fi2 := writeFile(t, dir, "FI.DMFA.123456.20261121.00008.R.2.2", []byte("<a>\r\n<b/>\n</a>\r\n"))
	before := snapshot(t, dir)
	_, err := Prepare(context.Background(), []string{fi1, fi2}, cred, PrepareOptions{})
	if !errors.Is(err, ErrNeedsCRLF) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v", err)
	}
	sameFiles(t, dir, before)
}

// ParseFS checks an FS without its declaration: a good one gives the
// digest it signs; a damaged signature value or signed attribute is
// refused; Check compares a digest with the signed one.
func TestParseFS(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	data := crlfDeclaration(10)
	der, err := SignDetached(bytes.NewReader(data), cred, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ParseFS(EncodeFS(der, false))
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.SHA384.New()
	want.Write(data)
	if sig.Digest != crypto.SHA384 || !bytes.Equal(sig.MessageDigest, want.Sum(nil)) || !sig.Signer.Equal(id.Cert) || sig.SigningTime.IsZero() {
		t.Errorf("Signature = %+v", sig)
	}
	if err := sig.Check(want.Sum(nil)); err != nil {
		t.Errorf("Check of the right digest: %v", err)
	}
	if err := sig.Check(make([]byte, 48)); !errors.Is(err, ErrChangedAfterSigning) {
		t.Errorf("Check of another digest: %v", err)
	}
	// The signature value, then the signed messageDigest, damaged.
	bad := bytes.Clone(der)
	bad[len(bad)-5] ^= 0xFF
	if _, err := ParseFS(EncodeFS(bad, false)); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("damaged signature value: %v", err)
	}
	i := bytes.Index(der, sig.MessageDigest)
	bad = bytes.Clone(der)
	bad[i] ^= 0xFF
	if _, err := ParseFS(EncodeFS(bad, false)); err == nil {
		t.Error("a changed messageDigest was accepted")
	}
}
