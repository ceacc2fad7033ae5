// Package testpki makes keys, certificates and .p12 files for tests with
// the real openssl binary, so that Expeditor's signing code is always
// exercised on files produced by an independent implementation, the way
// users produce them.
package testpki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// DefaultPassword protects the .p12 files made by New unless Options says
// otherwise.
const DefaultPassword = "test-pw:éxpéditeur"

// Options says what identity New makes. The zero value is an RSA-2048
// self-signed certificate for digital signature and non-repudiation, valid
// from an hour ago for a year, in a modern (AES-256) .p12 file.
type Options struct {
	// Key is one of rsa2048 (default), rsa3072, rsa4096, rsa1024, ec256,
	// ec384, ec521.
	Key string
	// Legacy makes the .p12 with `openssl pkcs12 -legacy` (RC2/3DES),
	// as older tools and Windows exports do.
	Legacy bool
	// KeyUsage is the keyUsage extension value; empty means
	// "digitalSignature,nonRepudiation", "none" leaves the extension out.
	KeyUsage string
	// Days is the validity from now; 365 when zero. Ignored when NotAfter
	// is set.
	Days int
	// NotBefore and NotAfter set the validity exactly (expired or
	// not-yet-valid certificates). Zero NotBefore means an hour ago.
	NotBefore, NotAfter time.Time
	// Digest is the digest of the certificate's own signature: sha256
	// (default), sha1, sha384, sha512.
	Digest string
	// CommonName is the subject CN; "Expeditor Test Signer" when empty.
	CommonName string
	// WithCA issues the certificate from a small test CA (included in the
	// .p12 and written to CAPEM) instead of self-signing it.
	WithCA bool
	// Password protects the .p12; DefaultPassword when empty.
	Password string
}

// Identity is what New made. Every path is inside Dir, a temporary folder
// removed when the test ends.
type Identity struct {
	Dir      string
	KeyPEM   string // the private key, PKCS#8 PEM, unencrypted
	CertPEM  string // the signing certificate, PEM
	CAPEM    string // the CA certificate, PEM ("" unless WithCA)
	P12      string // key, certificate (and CA) in a password-protected .p12
	Password string
	Cert     *x509.Certificate
	CA       *x509.Certificate // nil unless WithCA
}

// Binary returns the path of the openssl binary. When it is missing the
// test is skipped, except under CI (CI set) where it fails: the real tools
// are part of the test environment there.
func Binary(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("openssl is required under CI: %v", err)
		}
		t.Skipf("openssl not installed: %v", err)
	}
	return p
}

// Openssl runs openssl with args and returns its standard output. The test
// fails, showing standard error, when openssl does.
func Openssl(t testing.TB, args ...string) (stdout string) {
	t.Helper()
	out, err := Run(t, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

// Run runs openssl with args and returns its standard output, and an error
// carrying standard error when it fails; for tests that expect failures.
func Run(t testing.TB, args ...string) (stdout string, err error) {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		return o.String(), fmt.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, e.String())
	}
	return o.String(), nil
}

var serial atomic.Int64

// New makes a key, a certificate and a .p12 file with openssl.
func New(t testing.TB, opts Options) *Identity {
	t.Helper()
	dir := t.TempDir()
	id := &Identity{
		Dir:      dir,
		KeyPEM:   filepath.Join(dir, "key.pem"),
		CertPEM:  filepath.Join(dir, "cert.pem"),
		P12:      filepath.Join(dir, "signer.p12"),
		Password: opts.Password,
	}
	if id.Password == "" {
		id.Password = DefaultPassword
	}
	if opts.CommonName == "" {
		opts.CommonName = "Expeditor Test Signer"
	}
	if opts.Digest == "" {
		opts.Digest = "sha256"
	}
	keyUsage := opts.KeyUsage
	if keyUsage == "" {
		keyUsage = "digitalSignature,nonRepudiation"
	}
	notBefore := opts.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour)
	}
	notAfter := opts.NotAfter
	if notAfter.IsZero() {
		days := opts.Days
		if days == 0 {
			days = 365
		}
		notAfter = time.Now().Add(time.Duration(days) * 24 * time.Hour)
	}

	genKey(t, opts.Key, id.KeyPEM)

	ext := "[ ext_leaf ]\nbasicConstraints = CA:FALSE\nsubjectKeyIdentifier = hash\n"
	if keyUsage != "none" {
		ext += "keyUsage = critical," + keyUsage + "\n"
	}
	ext += "[ ext_ca ]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n"

	issuerKey, issuerCert := id.KeyPEM, ""
	if opts.WithCA {
		id.CAPEM = filepath.Join(dir, "ca.pem")
		caKey := filepath.Join(dir, "ca-key.pem")
		genKey(t, "ec384", caKey)
		sign(t, dir, ext, "ext_ca", "/CN=Expeditor Test CA/O=Expeditor tests", caKey, caKey, "", id.CAPEM,
			time.Now().Add(-48*time.Hour), time.Now().Add(10*365*24*time.Hour), "sha384")
		issuerKey, issuerCert = caKey, id.CAPEM
		id.CA = ParseCertFile(t, id.CAPEM)
	}
	sign(t, dir, ext, "ext_leaf", "/CN="+opts.CommonName+"/O=Expeditor tests/C=BE", id.KeyPEM, issuerKey, issuerCert,
		id.CertPEM, notBefore, notAfter, opts.Digest)
	id.Cert = ParseCertFile(t, id.CertPEM)

	pwFile := filepath.Join(dir, "p12-password")
	if err := os.WriteFile(pwFile, []byte(id.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"pkcs12", "-export", "-inkey", id.KeyPEM, "-in", id.CertPEM,
		"-name", opts.CommonName, "-passout", "file:" + pwFile, "-out", id.P12}
	if opts.WithCA {
		args = append(args, "-certfile", id.CAPEM)
	}
	if opts.Legacy {
		args = append(args, "-legacy")
	}
	Openssl(t, args...)
	return id
}

func genKey(t testing.TB, key, out string) {
	t.Helper()
	var args []string
	switch key {
	case "", "rsa2048":
		args = []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}
	case "rsa1024", "rsa3072", "rsa4096":
		args = []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + key[3:]}
	case "ec256":
		args = []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}
	case "ec384":
		args = []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}
	case "ec521":
		args = []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"}
	default:
		t.Fatalf("testpki: unknown key type %q", key)
	}
	Openssl(t, append([]string{"genpkey", "-out", out}, args...)...)
}

// sign issues a certificate for the key in keyFile with `openssl ca`, the
// one openssl command that takes exact start and end dates. An empty
// issuerCert self-signs.
func sign(t testing.TB, dir, ext, section, subject, keyFile, issuerKey, issuerCert, out string, notBefore, notAfter time.Time, digest string) {
	t.Helper()
	work, err := os.MkdirTemp(dir, "ca-")
	if err != nil {
		t.Fatal(err)
	}
	csr := filepath.Join(work, "req.csr")
	Openssl(t, "req", "-new", "-utf8", "-key", keyFile, "-subj", subject, "-out", csr)
	n := serial.Add(1)
	conf := fmt.Sprintf(`[ ca ]
default_ca = testca
[ testca ]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = %s
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
organizationName = optional
countryName = optional
%s`, work, digest, ext)
	confFile := filepath.Join(work, "ca.cnf")
	// A random-looking serial keeps issuer+serial unique across identities
	// made in the same test, as real CAs do.
	s := new(big.Int).Lsh(big.NewInt(time.Now().UnixNano()), 8)
	s.Add(s, big.NewInt(n))
	serialHex := fmt.Sprintf("%X", s)
	if len(serialHex)%2 == 1 {
		serialHex = "0" + serialHex // openssl wants whole bytes
	}
	for name, data := range map[string]string{
		confFile:                         conf,
		filepath.Join(work, "index.txt"): "",
		filepath.Join(work, "serial"):    serialHex + "\n",
	} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"ca", "-batch", "-config", confFile, "-in", csr, "-out", out, "-notext",
		"-extensions", section, "-md", digest,
		"-startdate", notBefore.UTC().Format("20060102150405Z"),
		"-enddate", notAfter.UTC().Format("20060102150405Z")}
	if issuerCert == "" {
		args = append(args, "-selfsign", "-keyfile", issuerKey)
	} else {
		args = append(args, "-cert", issuerCert, "-keyfile", issuerKey)
	}
	Openssl(t, args...)
}

// ParseCertFile reads a PEM certificate.
func ParseCertFile(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}
