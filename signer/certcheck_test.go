package signer

import (
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

func TestCheckCertificate(t *testing.T) {
	now := time.Now()
	day := 24 * time.Hour
	for _, tc := range []struct {
		name     string
		opts     testpki.Options
		severity Severity // the worst finding expected
		want     string   // in the message of a finding of that severity
	}{
		{"RSA 2048 from a CA", testpki.Options{Key: "rsa2048", WithCA: true}, Info, "RSA 2048 bits"},
		{"EC P-384 self-signed", testpki.Options{Key: "ec384"}, Warning, "self-signed"},
		{"EC P-521 from a CA", testpki.Options{Key: "ec521", WithCA: true}, Info, "P-521"},
		{"EC P-256", testpki.Options{Key: "ec256", WithCA: true}, Blocking, "P-384 or P-521"},
		{"RSA 1024", testpki.Options{Key: "rsa1024", WithCA: true}, Blocking, "RSA 1024 bits"},
		{"SHA-1 signed certificate", testpki.Options{Key: "ec384", Digest: "sha1"}, Blocking, "SHA-256, SHA-384 or SHA-512"},
		{"key encipherment only", testpki.Options{Key: "ec384", WithCA: true, KeyUsage: "keyEncipherment"}, Blocking, "may not be used for signatures"},
		{"non-repudiation only", testpki.Options{Key: "ec384", WithCA: true, KeyUsage: "nonRepudiation"}, Info, ""},
		{"no key usage extension", testpki.Options{Key: "ec384", WithCA: true, KeyUsage: "none"}, Info, ""},
		{"expired", testpki.Options{Key: "ec384", WithCA: true, NotBefore: now.Add(-400 * day), NotAfter: now.Add(-3 * day)}, Blocking, "expired on"},
		{"not yet valid", testpki.Options{Key: "ec384", WithCA: true, NotBefore: now.Add(5 * day), NotAfter: now.Add(400 * day)}, Blocking, "not valid yet"},
		{"expiring in 10 days", testpki.Options{Key: "ec384", WithCA: true, Days: 10}, Warning, "expires on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := testpki.New(t, tc.opts)
			findings := CheckCertificate(id.Cert, now)
			worst, found := Info, tc.want == ""
			for _, f := range findings {
				worst = max(worst, f.Severity)
				if f.Severity == tc.severity && strings.Contains(f.Message, tc.want) {
					found = true
				}
			}
			if worst != tc.severity || !found {
				t.Errorf("findings:\n%s\nwant worst %v mentioning %q", findingsText(findings), tc.severity, tc.want)
			}
			err := BlockingError(findings)
			if (err != nil) != (tc.severity == Blocking) {
				t.Errorf("BlockingError = %v", err)
			}
		})
	}
}

func TestBlockingErrorListsAll(t *testing.T) {
	err := BlockingError([]Finding{{Info, "a"}, {Blocking, "first problem"}, {Warning, "w"}, {Blocking, "second problem"}})
	if err == nil || !strings.Contains(err.Error(), "first problem") || !strings.Contains(err.Error(), "second problem") || strings.Contains(err.Error(), "w\n") {
		t.Errorf("%v", err)
	}
	if BlockingError([]Finding{{Warning, "w"}}) != nil {
		t.Error("a warning blocks")
	}
}

func findingsText(f []Finding) string {
	var s []string
	for _, x := range f {
		s = append(s, "  "+x.String())
	}
	return strings.Join(s, "\n")
}
