// Package signer turns a credential (a .p12/.pfx file or a key on a
// PKCS#11 token such as the Belgian eID card) into the detached CMS
// signatures the transfer point expects, writes and verifies FS files, and
// checks certificates against the Chaman rules. It does no network.
package signer

import (
	"crypto"
	"crypto/x509"
)

// Credential is a private key that can sign, with its certificate.
// The .p12 loader and the PKCS#11 token both produce one; the CMS code
// only ever uses this interface, so a key never has to leave its token.
type Credential interface {
	// Signer signs digests with the private key.
	Signer() crypto.Signer
	// Certificate is the certificate of the signing key.
	Certificate() *x509.Certificate
	// Chain is the rest of the certificate chain (intermediates, possibly
	// the root), without the signing certificate. It may be empty.
	Chain() []*x509.Certificate
	// Close releases the key (a token session, key bytes in memory).
	Close() error
}
