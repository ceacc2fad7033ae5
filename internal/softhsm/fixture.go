//go:build cgo

package softhsm

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// PIN is the user PIN of every fixture token.
const PIN = "1234"

// Labels of the fixture tokens.
const (
	// TokenRSA looks like an eID card: an RSA-2048 key labelled
	// "Signature" (imported with softhsm2-util, so hidden until login)
	// with a nonRepudiation certificate issued by a test CA, an
	// "Authentication" key with a digitalSignature certificate, and the
	// CA certificate labelled "CA".
	TokenRSA = "Expeditor RSA"
	// TokenEC has one EC P-384 key "EC Signer" with its certificate.
	TokenEC = "Expeditor EC"
	// TokenAlways has one RSA-2048 key "Always" marked
	// CKA_ALWAYS_AUTHENTICATE, with its certificate.
	TokenAlways = "Expeditor Always"
	// TokenTwo has two keys "Alice" and "Bob", each with a signing
	// certificate and no "Signature" label: an ambiguous choice.
	TokenTwo = "Expeditor Two"
)

// AllTokens are the fixture tokens NewFixture makes by default.
var AllTokens = []string{TokenRSA, TokenEC, TokenAlways, TokenTwo}

// Fixture is a SoftHSM2 configuration with test tokens.
type Fixture struct {
	*HSM
	PIN string
	// Trust is a PEM bundle with the test CA and every self-signed
	// certificate, for `openssl smime -verify -CAfile`.
	Trust string
	// Certs are the PEM files of the signing certificates by key label.
	Certs map[string]string
}

// NewFixture makes the named tokens (all by default) in dir with the real
// openssl (keys, certificates) and softhsm2-util (tokens, key import).
func NewFixture(dir string, tokens ...string) (*Fixture, error) {
	h, err := New(dir)
	if err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		tokens = AllTokens
	}
	f := &Fixture{HSM: h, PIN: PIN, Trust: filepath.Join(dir, "trust.pem"), Certs: map[string]string{}}
	var trust []string
	pki := filepath.Join(dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return nil, err
	}
	file := func(name string) string { return filepath.Join(pki, name) }
	for _, tok := range tokens {
		if err := h.InitToken(tok, PIN); err != nil {
			return nil, err
		}
		switch tok {
		case TokenRSA:
			if err := genKey("rsa", file("ca-key.pem")); err != nil {
				return nil, err
			}
			if err := selfSigned(file("ca-key.pem"), "/CN=Expeditor Test Citizen CA/O=Expeditor tests/C=BE", "critical,CA:TRUE", "critical,keyCertSign,cRLSign", file("ca.pem")); err != nil {
				return nil, err
			}
			trust = append(trust, file("ca.pem"))
			for _, k := range []struct {
				label, ku string
				id        byte
				imported  bool
			}{
				{"Authentication", "critical,digitalSignature", 2, false},
				{"Signature", "critical,nonRepudiation", 3, true},
			} {
				key, cert := file(k.label+"-key.pem"), file(k.label+".pem")
				if err := genKey("rsa", key); err != nil {
					return nil, err
				}
				if err := issued(key, "/CN=Test Citizen ("+k.label+")/SN=Citizen/GN=Test/C=BE", k.ku, file("ca.pem"), file("ca-key.pem"), cert); err != nil {
					return nil, err
				}
				if k.imported {
					err = h.ImportKey(tok, PIN, k.label, []byte{k.id}, key)
				} else {
					err = h.CreateKey(tok, PIN, key, KeyOptions{Label: k.label, ID: []byte{k.id}})
				}
				if err != nil {
					return nil, err
				}
				if err := h.AddCertificate(tok, PIN, k.label, []byte{k.id}, cert); err != nil {
					return nil, err
				}
				f.Certs[k.label] = cert
			}
			if err := h.AddCertificate(tok, PIN, "CA", nil, file("ca.pem")); err != nil {
				return nil, err
			}
		case TokenEC:
			if err := f.selfSignedKey(tok, "ec384", "EC Signer", []byte{0x10}, false, file, &trust); err != nil {
				return nil, err
			}
		case TokenAlways:
			if err := f.selfSignedKey(tok, "rsa", "Always", []byte{0x20}, true, file, &trust); err != nil {
				return nil, err
			}
		case TokenTwo:
			for i, name := range []string{"Alice", "Bob"} {
				if err := f.selfSignedKey(tok, "rsa", name, []byte{0x30 + byte(i)}, false, file, &trust); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("unknown fixture token %q", tok)
		}
	}
	var bundle strings.Builder
	for _, p := range trust {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		bundle.Write(b)
	}
	if err := os.WriteFile(f.Trust, []byte(bundle.String()), 0o600); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Fixture) selfSignedKey(tok, kind, label string, id []byte, always bool, file func(string) string, trust *[]string) error {
	key, cert := file(label+"-key.pem"), file(label+".pem")
	if err := genKey(kind, key); err != nil {
		return err
	}
	if err := selfSigned(key, "/CN=Expeditor "+label+"/O=Expeditor tests/C=BE", "critical,CA:FALSE", "critical,digitalSignature,nonRepudiation", cert); err != nil {
		return err
	}
	if err := f.CreateKey(tok, f.PIN, key, KeyOptions{Label: label, ID: id, Private: true, AlwaysAuthenticate: always}); err != nil {
		return err
	}
	if err := f.AddCertificate(tok, f.PIN, label, id, cert); err != nil {
		return err
	}
	f.Certs[label] = cert
	*trust = append(*trust, cert)
	return nil
}

func genKey(kind, out string) error {
	args := []string{"genpkey", "-out", out, "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}
	if kind == "ec384" {
		args = []string{"genpkey", "-out", out, "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}
	}
	return openssl(args...)
}

// extConf is a minimal openssl configuration, so the system one adds no
// extensions of its own.
func extConf(out, basic, ku string) (string, error) {
	conf := out + ".cnf"
	s := fmt.Sprintf("[req]\ndistinguished_name = dn\n[dn]\n[ext]\nbasicConstraints = %s\nkeyUsage = %s\nsubjectKeyIdentifier = hash\n", basic, ku)
	return conf, os.WriteFile(conf, []byte(s), 0o600)
}

func selfSigned(key, subject, basic, ku, out string) error {
	conf, err := extConf(out, basic, ku)
	if err != nil {
		return err
	}
	return openssl("req", "-x509", "-new", "-config", conf, "-extensions", "ext", "-key", key, "-subj", subject,
		"-days", "365", "-sha256", "-set_serial", randomSerial(), "-out", out)
}

func issued(key, subject, ku, caCert, caKey, out string) error {
	conf, err := extConf(out, "critical,CA:FALSE", ku)
	if err != nil {
		return err
	}
	csr := out + ".csr"
	if err := openssl("req", "-new", "-config", conf, "-key", key, "-subj", subject, "-out", csr); err != nil {
		return err
	}
	return openssl("x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-set_serial", randomSerial(),
		"-days", "365", "-sha256", "-extfile", conf, "-extensions", "ext", "-out", out)
}

func randomSerial() string {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	return fmt.Sprintf("0x%X", n.Add(n, big.NewInt(1)))
}
