package signer

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// ErrWrongPassword is returned by LoadP12 when the password does not open
// the certificate file.
var ErrWrongPassword = errors.New("the password of the certificate file is not correct; type it again (capitals count)")

// ErrNotP12 is returned by LoadP12 for a file that is not a .p12/.pfx
// certificate file.
var ErrNotP12 = errors.New("this file is not a .p12/.pfx certificate file")

// ErrNoPrivateKey is returned by LoadP12 for a .p12/.pfx file that holds
// certificates but no private key, so it cannot sign.
var ErrNoPrivateKey = errors.New("the certificate file holds no private key, so it cannot sign")

// maxP12Size bounds what LoadP12 reads: a certificate file is a few
// kilobytes; anything huge is the wrong file.
const maxP12Size = 1 << 20

// p12Credential is a key and certificate read from a .p12 file. The key
// lives in memory until Close.
type p12Credential struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

func (c *p12Credential) Signer() crypto.Signer          { return c.key }
func (c *p12Credential) Certificate() *x509.Certificate { return c.cert }
func (c *p12Credential) Chain() []*x509.Certificate     { return c.chain }

// Close drops the reference to the key. Go cannot wipe key material
// reliably; dropping it lets the garbage collector reclaim it.
func (c *p12Credential) Close() error {
	c.key = nil
	return nil
}

// LoadP12 opens a .p12/.pfx file (as exported by a browser, Windows or
// OpenSSL, modern AES or legacy RC2/3DES encryption) with its password.
// The signing certificate is the one whose public key matches the private
// key; every other certificate in the file becomes the chain.
func LoadP12(path string, password []byte) (Credential, error) {
	name := filepath.Base(path)
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("the certificate file %s does not exist; check the path, or export your certificate again as a .p12 file", path)
	case err != nil:
		return nil, fmt.Errorf("cannot read the certificate file: %w", err)
	case info.IsDir():
		return nil, fmt.Errorf("%s is a folder, not a certificate file; give the path of the .p12 or .pfx file", path)
	case info.Size() > maxP12Size:
		return nil, fmt.Errorf("%s: %w (it is %d bytes, far larger than a certificate file); choose the .p12 or .pfx file exported with your certificate", name, ErrNotP12, info.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the certificate file: %w", err)
	}
	if bytes.Contains(data[:min(len(data), 1024)], []byte("-----BEGIN")) {
		return nil, fmt.Errorf("%s: %w: it is a PEM text file; put the key and certificate in one .p12 file with `openssl pkcs12 -export -inkey key.pem -in cert.pem -out signer.p12`", name, ErrNotP12)
	}
	if len(data) == 0 || data[0] != 0x30 { // a PFX is a DER SEQUENCE
		return nil, fmt.Errorf("%s: %w; choose the .p12 or .pfx file exported with your certificate", name, ErrNotP12)
	}

	if err := checkP12Work(data); err != nil {
		return nil, fmt.Errorf("%s: %w; export the certificate again from your browser or with OpenSSL", name, err)
	}
	key, first, others, err := pkcs12.DecodeChain(data, string(password))
	if err != nil && len(password) > 0 {
		// A file without a password (OpenSSL's -nomac, or an empty
		// password) opens with an empty one, whatever was typed.
		if k, f, o, err2 := pkcs12.DecodeChain(data, ""); err2 == nil {
			key, first, others, err = k, f, o, nil
		}
	}
	if err != nil {
		var notImpl pkcs12.NotImplementedError
		switch {
		case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
			// Without a MAC, a wrong password shows up as bad padding.
			return nil, ErrWrongPassword
		case strings.Contains(err.Error(), "private key missing"):
			return nil, fmt.Errorf("%s: %w; export the certificate again together with its private key (Windows: \"Yes, export the private key\"; OpenSSL: openssl pkcs12 -export -inkey KEY -in CERT)", name, ErrNoPrivateKey)
		case strings.Contains(err.Error(), "certificate missing"):
			return nil, fmt.Errorf("%s holds a private key but no certificate; export the certificate again together with its private key", name)
		case errors.As(err, &notImpl):
			return nil, fmt.Errorf("%s uses a .p12 feature Expeditor cannot read (%v); export the certificate again from your browser or with OpenSSL", name, err)
		default:
			return nil, fmt.Errorf("%s: %w (%v); choose the .p12 or .pfx file exported with your certificate", name, ErrNotP12, err)
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s holds a %T key, which cannot sign", name, key)
	}
	certs := append([]*x509.Certificate{first}, others...)
	var cert *x509.Certificate
	var chain []*x509.Certificate
	for _, c := range certs {
		if cert == nil && samePublicKey(c.PublicKey, signer.Public()) {
			cert = c
			continue
		}
		chain = append(chain, c)
	}
	if cert == nil {
		return nil, fmt.Errorf("%s holds a private key but no certificate for it (%d other certificates); export the certificate again together with its private key", name, len(certs))
	}
	return &p12Credential{key: signer, cert: cert, chain: chain}, nil
}

// samePublicKey compares two public keys of any standard type.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
