package signer

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

// TestOpenSSLInterop signs with every key type the transfer point accepts,
// loaded from .p12 files made by openssl in both its modern and legacy
// encryptions, and checks each FS with openssl itself (cms and smime, binary
// and text mode) and with VerifyFile; a changed FI must then fail them all.
func TestOpenSSLInterop(t *testing.T) {
	for _, key := range []string{"rsa2048", "rsa3072", "rsa4096", "ec384", "ec521"} {
		for _, legacy := range []bool{false, true} {
			name := key + "/modern"
			if legacy {
				name = key + "/legacy"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				// Half the identities come from a CA, so the chain is
				// carried and checked too.
				id := testpki.New(t, testpki.Options{Key: key, Legacy: legacy, WithCA: legacy})
				cred := loadP12(t, id)
				if !cred.Certificate().Equal(id.Cert) {
					t.Fatal("LoadP12 picked the wrong certificate")
				}
				if legacy && len(cred.Chain()) != 1 {
					t.Fatalf("chain has %d certificates, want the CA", len(cred.Chain()))
				}
				dir := t.TempDir()
				fi := writeFile(t, dir, "FI.DMFA.123456.20261121.00001.R.1.1", crlfDeclaration(500))
				res, err := Prepare(context.Background(), []string{fi}, cred, PrepareOptions{})
				if err != nil {
					t.Fatalf("Prepare: %v", err)
				}
				fsPath := filepath.Join(dir, "FS.DMFA.123456.20261121.00001.R.1.1")
				goPath := filepath.Join(dir, "GO.DMFA.123456.20261121.00001.R.1")
				if len(res.Written) != 2 || res.Written[0] != fsPath || res.Written[1] != goPath {
					t.Fatalf("Written = %q", res.Written)
				}
				if info, err := os.Stat(goPath); err != nil || info.Size() != 0 {
					t.Fatalf("GO: %v, %v", info, err)
				}
				if f := opensslVerify(t, fi, fsPath, id.CAPEM); len(f) > 0 {
					t.Fatalf("openssl does not verify the FS:\n%s", f)
				}
				v, err := VerifyFile(fi, fsPath)
				if err != nil {
					t.Fatalf("VerifyFile: %v", err)
				}
				if want := DigestFor(id.Cert.PublicKey); v.Digest != want || !v.TextModeSafe || !v.Signer.Equal(id.Cert) {
					t.Errorf("Verification = %+v, want digest %v, text-mode safe, signer", v, want)
				}
				if time.Since(v.SigningTime) > time.Minute {
					t.Errorf("signing time %v", v.SigningTime)
				}

				// Change one byte of the declaration.
				data, _ := os.ReadFile(fi)
				data[100] ^= 1
				os.WriteFile(fi, data, 0o644)
				if f := opensslVerify(t, fi, fsPath, id.CAPEM); len(f) != 8 {
					t.Errorf("openssl accepted a changed FI in %d of 8 ways", 8-len(f))
				}
				if _, err := VerifyFile(fi, fsPath); !errors.Is(err, ErrChangedAfterSigning) {
					t.Errorf("VerifyFile of a changed FI: %v, want ErrChangedAfterSigning", err)
				}
			})
		}
	}
}

// TestOpenSSLSignatureVerifies: an FS made by openssl itself, the way the
// transfer point's manual says (smime -sign, text mode, PEM without header
// and footer), verifies with Verify; so does one with a single line.
func TestOpenSSLSignatureVerifies(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	dir := t.TempDir()
	fi := writeFile(t, dir, "FI.DMFA.123456.20261121.00001.R.1.1", crlfDeclaration(20))
	for _, mode := range []string{"", "-binary"} {
		args := []string{"smime", "-sign", "-in", fi, "-signer", id.CertPEM, "-inkey", id.KeyPEM, "-outform", "PEM", "-md", "sha384"}
		if mode != "" {
			args = append(args, mode)
		}
		pemOut := testpki.Openssl(t, args...)
		data, _ := os.ReadFile(fi)
		v, err := Verify(bytes.NewReader(data), []byte(pemOut))
		if err != nil {
			t.Fatalf("Verify(openssl smime -sign %s): %v", mode, err)
		}
		if v.Digest != crypto.SHA384 || !v.TextModeSafe {
			t.Errorf("%+v", v)
		}
	}
}
