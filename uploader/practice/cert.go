package practice

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// DemoSubject is the common name of the demo certificate: it says what the
// certificate is to anyone who looks at it.
const DemoSubject = "Expeditor practice — not valid at the transfer point"

// serverCert loads the practice point's TLS certificate, generating a
// self-signed one on first start. It is kept so that a client that pinned
// its fingerprint keeps trusting it; an expired one is replaced.
func serverCert(root string) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(root, "server.crt"), filepath.Join(root, "server.key")
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil {
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil && time.Now().Before(leaf.NotAfter) {
			c.Leaf = leaf
			return c, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Expeditor practice transfer point", Organization: []string{"Expeditor practice"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	// The key first: a certificate without its key would be useless.
	if err := atomicfile.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot save the practice server key: %w", err)
	}
	if err := atomicfile.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot save the practice server certificate: %w", err)
	}
	return tls.LoadX509KeyPair(certPath, keyPath)
}

// Fingerprint formats the SHA-256 fingerprint of a DER certificate the way
// browsers and openssl show it (AA:BB:…).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	return n.Add(n, big.NewInt(1))
}

// ErrDemoCertExists is returned by DemoCert when the file is already there:
// it may be a real credential, and is never overwritten.
var ErrDemoCertExists = errors.New("the file already exists")

// DemoCert writes a practice-only credential to path: a self-signed
// RSA-2048 certificate (digital signature and non-repudiation, valid three
// years) and its key in a .p12 file protected by a new random password,
// which it returns. The practice point accepts its signatures; the real
// transfer point does not, and the certificate says so in its name.
func DemoCert(path string) (password string, err error) {
	if _, err := os.Lstat(path); err == nil {
		return "", fmt.Errorf("%s: %w", path, ErrDemoCertExists)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: DemoSubject, Organization: []string{"Expeditor practice"}, Country: []string{"BE"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(3, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", err
	}
	password = demoPassword()
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		return "", err
	}
	if err := atomicfile.WriteNew(path, pfx, 0o600); err != nil {
		if errors.Is(err, atomicfile.ErrExists) {
			return "", fmt.Errorf("%s: %w", path, ErrDemoCertExists)
		}
		return "", fmt.Errorf("cannot write the demo certificate: %w", err)
	}
	return password, nil
}

// demoPassword is four groups of four characters without look-alikes, easy
// to read aloud over the phone.
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b strings.Builder
	for i := 0; i < 16; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b.WriteByte(alphabet[n.Int64()])
	}
	return b.String()
}
