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
		code     string   // the code of that finding ("" for any)
	}{
		{"RSA 2048 from a CA", testpki.Options{Key: "rsa2048", WithCA: true}, Info, "RSA 2048 bits", "key"},
		{"EC P-384 self-signed", testpki.Options{Key: "ec384"}, Warning, "self-signed", "self-signed"},
		{"EC P-521 from a CA", testpki.Options{Key: "ec521", WithCA: true}, Info, "P-521", "key"},
		{"EC P-256", testpki.Options{Key: "ec256", WithCA: true}, Blocking, "P-384 or P-521", "key-weak"},
		{"RSA 1024", testpki.Options{Key: "rsa1024", WithCA: true}, Blocking, "RSA 1024 bits", "key-weak"},
		{"SHA-1 signed certificate", testpki.Options{Key: "ec384", Digest: "sha1"}, Blocking, "SHA-256, SHA-384 or SHA-512", "sig-weak"},
		{"key encipherment only", testpki.Options{Key: "ec384", WithCA: true, KeyUsage: "keyEncipherment"}, Blocking, "may not be used for signatures", "usage-no-signing"},
		{"non-repudiation only", testpki.Options{Key: "ec384", WithCA: true, KeyUsage: "nonRepudiation"}, Info, "", ""},
		{"no key usage extension", testpki.Options{Key: "ec384", WithCA: true, KeyUsage: "none"}, Info, "", ""},
		{"expired", testpki.Options{Key: "ec384", WithCA: true, NotBefore: now.Add(-400 * day), NotAfter: now.Add(-3 * day)}, Blocking, "expired on", "expired"},
		{"not yet valid", testpki.Options{Key: "ec384", WithCA: true, NotBefore: now.Add(5 * day), NotAfter: now.Add(400 * day)}, Blocking, "not valid yet", "not-yet-valid"},
		{"expiring in 10 days", testpki.Options{Key: "ec384", WithCA: true, Days: 10}, Warning, "expires on", "expiring-soon"},
		// From 60 days before the end: time to register the new one in Chaman.
		{"expiring in 45 days", testpki.Options{WithCA: true, Days: 45}, Warning, "register it in Chaman before the old one expires", "expiring-soon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := testpki.New(t, tc.opts)
			findings := CheckCertificate(id.Cert, now)
			worst, found := Info, tc.want == ""
			for _, f := range findings {
				worst = max(worst, f.Severity)
				if f.Severity == tc.severity && strings.Contains(f.Message, tc.want) && (tc.code == "" || f.Code == tc.code) {
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

// Every finding has a code (the GUI translates by it) and the values its
// message shows, so a translation can show them too.
func TestCertificateFindingCodes(t *testing.T) {
	now := time.Now()
	day := 24 * time.Hour
	known := map[string][]string{
		"subject": {"Subject"}, "issuer": {"Issuer"}, "validity": {"From", "To"}, "key": {"Key"},
		"key-weak": {"Key"}, "key-unsupported": {"Key"}, "sig-weak": {"Algorithm"}, "usage-no-signing": nil,
		"not-yet-valid": {"Date"}, "expired": {"Date"}, "expiring-soon": {"Date", "Days"}, "self-signed": nil,
	}
	for _, opts := range []testpki.Options{
		{Key: "rsa2048", WithCA: true},
		{Key: "ec384"},
		{Key: "ec256", WithCA: true},
		{Key: "rsa1024", WithCA: true},
		{Key: "ec384", Digest: "sha1"},
		{Key: "ec384", WithCA: true, KeyUsage: "keyEncipherment"},
		{Key: "ec384", WithCA: true, NotBefore: now.Add(-400 * day), NotAfter: now.Add(-3 * day)},
		{Key: "ec384", WithCA: true, NotBefore: now.Add(5 * day), NotAfter: now.Add(400 * day)},
		{Key: "ec384", WithCA: true, Days: 10},
	} {
		id := testpki.New(t, opts)
		for _, f := range CheckCertificate(id.Cert, now) {
			args, ok := known[f.Code]
			if !ok {
				t.Errorf("%+v: finding %q has code %q, not a known one", opts, f.Message, f.Code)
				continue
			}
			for _, a := range args {
				v := f.Args[a]
				if v == "" {
					t.Errorf("finding %q (%s) lacks argument %s: %v", f.Message, f.Code, a, f.Args)
				}
				if a == "Date" || a == "From" || a == "To" {
					if _, err := time.Parse("2006-01-02", v); err != nil {
						t.Errorf("finding %s: %s = %q, want YYYY-MM-DD", f.Code, a, v)
					}
				}
			}
		}
	}
}

func TestBlockingErrorListsAll(t *testing.T) {
	err := BlockingError([]Finding{{Severity: Info, Message: "a"}, {Severity: Blocking, Message: "first problem"}, {Severity: Warning, Message: "w"}, {Severity: Blocking, Message: "second problem"}})
	if err == nil || !strings.Contains(err.Error(), "first problem") || !strings.Contains(err.Error(), "second problem") || strings.Contains(err.Error(), "w\n") {
		t.Errorf("%v", err)
	}
	if BlockingError([]Finding{{Severity: Warning, Message: "w"}}) != nil {
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
