package signer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Severity says how much a finding about a certificate matters.
type Severity int

const (
	// Info is for the record: what the certificate is.
	Info Severity = iota
	// Warning may cause trouble later or elsewhere, but signing goes on.
	Warning
	// Blocking means the transfer point would refuse the signature:
	// Expeditor does not sign.
	Blocking
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Blocking:
		return "blocking"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Finding is one observation about a certificate, in plain words.
type Finding struct {
	Severity Severity
	// Code names the kind of finding, stable and machine-readable, so a
	// caller can show it in another language: "subject", "issuer",
	// "validity", "key", "key-weak", "key-unsupported", "sig-weak",
	// "usage-no-signing", "not-yet-valid", "expired", "expiring-soon",
	// "self-signed".
	Code string
	// Message is the finding in English, as the CLI prints it.
	Message string
	// Args are the values Message interpolates, by name: Subject, Issuer,
	// Key, Algorithm, Days, and the dates From, To and Date written
	// YYYY-MM-DD so callers can format them their own way.
	Args map[string]string
}

func (f Finding) String() string { return f.Severity.String() + ": " + f.Message }

// ExpiryWarning is how long before its end a certificate is reported as
// expiring soon: long enough to get a new one and register it in Chaman
// (the social security's registration service) before the old one ends,
// which otherwise stops every signed upload.
const ExpiryWarning = 60 * 24 * time.Hour

const dateFormat = "2 January 2006"

// argDate is the layout of the dates in Finding.Args.
const argDate = "2006-01-02"

// CheckCertificate checks a signing certificate against the Chaman rules
// of the transfer point: key type and size, the certificate's own
// signature algorithm, key usage and validity at now. It returns Info
// findings describing the certificate too, so the list can be shown as is.
func CheckCertificate(cert *x509.Certificate, now time.Time) []Finding {
	var f []Finding
	add := func(s Severity, code string, args map[string]string, format string, a ...any) {
		f = append(f, Finding{Severity: s, Code: code, Message: fmt.Sprintf(format, a...), Args: args})
	}
	notBefore, notAfter := cert.NotBefore.Local(), cert.NotAfter.Local()
	add(Info, "subject", map[string]string{"Subject": cert.Subject.String()}, "subject: %s", cert.Subject)
	add(Info, "issuer", map[string]string{"Issuer": cert.Issuer.String()}, "issuer: %s", cert.Issuer)
	add(Info, "validity", map[string]string{"From": notBefore.Format(argDate), "To": notAfter.Format(argDate)},
		"valid from %s to %s", notBefore.Format(dateFormat), notAfter.Format(dateFormat))

	desc, keyOK, keyKnown := describeKey(cert)
	add(Info, "key", map[string]string{"Key": desc}, "key: %s", desc)
	if !keyOK {
		code := "key-weak"
		if !keyKnown {
			code = "key-unsupported"
		}
		add(Blocking, code, map[string]string{"Key": desc}, "the key is %s; the transfer point accepts RSA 2048, 3072 or 4096 bits or EC P-384 or P-521 keys only: get a certificate with such a key", desc)
	}

	switch cert.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS,
		x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
	default:
		add(Blocking, "sig-weak", map[string]string{"Algorithm": cert.SignatureAlgorithm.String()}, "the certificate itself is signed with %s; the transfer point requires SHA-256, SHA-384 or SHA-512: ask your certificate provider for a new certificate", cert.SignatureAlgorithm)
	}

	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		add(Blocking, "usage-no-signing", nil, "the certificate may not be used for signatures (its key usage has neither digital signature nor non-repudiation); use your signature certificate, not an encryption or authentication one")
	}

	switch {
	case now.Before(cert.NotBefore):
		add(Blocking, "not-yet-valid", map[string]string{"Date": notBefore.Format(argDate)}, "the certificate is not valid yet: it starts on %s; check the computer's date, or wait until then", notBefore.Format(dateFormat))
	case now.After(cert.NotAfter):
		add(Blocking, "expired", map[string]string{"Date": notAfter.Format(argDate)}, "the certificate expired on %s; renew it (for an eID card: at the municipality) and use the new one", notAfter.Format(dateFormat))
	case cert.NotAfter.Sub(now) < ExpiryWarning:
		days := int(cert.NotAfter.Sub(now).Hours() / 24)
		add(Warning, "expiring-soon", map[string]string{"Date": notAfter.Format(argDate), "Days": strconv.Itoa(days)}, "the certificate expires on %s (in %d days): get the new one now and register it in Chaman before the old one expires, or the transfer point will refuse your signatures", notAfter.Format(dateFormat), days)
	}

	if selfSigned(cert) {
		add(Warning, "self-signed", nil, "the certificate is self-signed: fine for practice, but the transfer point's FTP/SFTP channel accepts only eID signature certificates or GlobalSign PersonalSign 3 Pro certificates")
	}
	return f
}

// BlockingError returns nil when no finding is blocking, and otherwise an
// error listing every blocking finding. (It cannot be called Blocking: that
// is the Severity.)
func BlockingError(findings []Finding) error {
	var msgs []string
	for _, f := range findings {
		if f.Severity == Blocking {
			msgs = append(msgs, f.Message)
		}
	}
	switch len(msgs) {
	case 0:
		return nil
	case 1:
		return errors.New("this certificate cannot sign for the transfer point: " + msgs[0])
	}
	return errors.New("this certificate cannot sign for the transfer point:\n  - " + strings.Join(msgs, "\n  - "))
}

// describeKey names the key and says whether the transfer point accepts
// it (ok) and whether it is of a kind it accepts in some size (known: RSA
// or EC).
func describeKey(cert *x509.Certificate) (desc string, ok, known bool) {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		return fmt.Sprintf("RSA %d bits", bits), bits == 2048 || bits == 3072 || bits == 4096, true
	case *ecdsa.PublicKey:
		name := k.Curve.Params().Name
		return "EC " + name, k.Curve == elliptic.P384() || k.Curve == elliptic.P521(), true
	case ed25519.PublicKey:
		return "Ed25519", false, false
	}
	return cert.PublicKeyAlgorithm.String(), false, false
}

// selfSigned reports whether cert names itself as its issuer. That is
// what matters here (no CA vouches for it); checking its signature would
// fail for SHA-1 certificates, which are reported separately.
func selfSigned(cert *x509.Certificate) bool {
	return bytes.Equal(cert.RawIssuer, cert.RawSubject)
}
