package signer

import (
	"crypto/x509"
	"encoding/pem"
	"strings"

	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// ChamanKind says whether Chaman (the social security's registration
// service) takes a certificate for the FTP/SFTP channel, where only two
// kinds are accepted: the signature certificate of a Belgian eID card and
// the GlobalSign PersonalSign 3 Pro certificate (transfer-point.md §4).
type ChamanKind int

const (
	// ChamanRefused: neither an eID signature certificate nor a GlobalSign
	// PersonalSign 3 certificate; Chaman does not take it for FTP/SFTP.
	ChamanRefused ChamanKind = iota
	// ChamanEID: the signature (non-repudiation) certificate of an eID card.
	ChamanEID
	// ChamanGlobalSign: issued by GlobalSign for PersonalSign 3. Only the
	// "Pro" product is accepted; the certificate alone does not always say
	// which product it is, so callers say so.
	ChamanGlobalSign
)

// ChamanFTP tells which kind of certificate cert is for Chaman's FTP/SFTP
// channel. It only reads the issuer and key usage: whether the certificate
// is otherwise fit to sign is CheckCertificate's job.
func ChamanFTP(cert *x509.Certificate) ChamanKind {
	issuerCN := strings.ToLower(cert.Issuer.CommonName)
	org := strings.ToLower(strings.Join(cert.Issuer.Organization, " "))
	belgian := false
	for _, c := range cert.Issuer.Country {
		belgian = belgian || strings.EqualFold(c, "BE")
	}
	switch {
	case strings.HasPrefix(issuerCN, "citizen ca") && belgian:
		// The eID carries two certificates from Citizen CA: the
		// authentication one (digital signature) and the signature one
		// (non-repudiation). Only the latter is accepted.
		if cert.KeyUsage&x509.KeyUsageContentCommitment != 0 {
			return ChamanEID
		}
		return ChamanRefused
	case strings.Contains(org, "globalsign") && strings.Contains(issuerCN, "personalsign 3"):
		return ChamanGlobalSign
	}
	return ChamanRefused
}

// CertificateDER is the certificate in the binary (DER) form most
// registration forms take.
func CertificateDER(cert *x509.Certificate) []byte { return cert.Raw }

// CertificatePEM is the certificate in PEM ("-----BEGIN CERTIFICATE-----").
func CertificatePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// ExportCertificate writes cert to path, as PEM when asPEM is set and as
// DER otherwise. It never replaces an existing file (the error then wraps
// fs.ErrExist). A certificate is public: the file is readable by all.
func ExportCertificate(cert *x509.Certificate, path string, asPEM bool) error {
	data := CertificateDER(cert)
	if asPEM {
		data = CertificatePEM(cert)
	}
	return atomicfile.WriteNew(path, data, 0o644)
}
