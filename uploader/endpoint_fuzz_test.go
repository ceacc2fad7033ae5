package uploader

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseEndpoint: no address makes the parser or the redaction panic
// (issue 11: USER@sftp://HOST did), a refused address is an EndpointError,
// a password never shows in its message, and an accepted address survives
// a round trip through String.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{
		"sftp://MYUSER01@sftp.socialsecurity.be", "MYUSER01@sftp://sftp.socialsecurity.be",
		"@://", "a@b://", "ftp://u:secret@h", "u:secret@ftp://h", "ftps://u@h:2121?ca=/x&epsv=off",
		"sftp://u@[::1]:22?identity=/k:e@y", "ftp://u@h/IN", "ftp://@", "://@:", "ftp://u@h:99999",
		"ftp://u@h?bogus=1", "ftp://u%zz@h", "ftp://u@h\x00", "sftp://u@h?ssh-rsa=on&epsv=off",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ep, err := ParseEndpoint(s)
		_ = redactURL(s)
		_ = understood(s)
		if err != nil {
			var ee *EndpointError
			if !errors.As(err, &ee) || !errors.Is(err, ErrEndpoint) {
				t.Fatalf("ParseEndpoint(%q): %v is not an EndpointError", s, err)
			}
			// Only a distinctive password can be told apart from the
			// rest of the address (and from the escapes of %q).
			if pw := typedPassword(s); len(pw) >= 6 && strings.Count(s, pw) == 1 && isAlnum(pw) &&
				strings.Contains(err.Error(), pw) {
				t.Fatalf("ParseEndpoint(%q): the password %q shows in %q", s, pw, err)
			}
			return
		}
		again, err := ParseEndpoint(ep.String())
		if err != nil {
			t.Fatalf("ParseEndpoint(%q) = %+v, whose String %q does not parse: %v", s, ep, ep.String(), err)
		}
		if again != ep {
			t.Fatalf("round trip of %q: %+v became %+v", s, ep, again)
		}
	})
}

// typedPassword is the SECRET of a USER:SECRET@ in s, if any.
func typedPassword(s string) string {
	at := strings.Index(s, "@")
	if at < 0 {
		return ""
	}
	seg := s[:at]
	if k := strings.LastIndexAny(seg, "/?#"); k >= 0 {
		seg = seg[k+1:]
	}
	if c := strings.IndexByte(seg, ':'); c >= 0 {
		return seg[c+1:]
	}
	return ""
}

func TestEndpointTyposAreExplained(t *testing.T) {
	for _, tc := range []struct{ in, code, want string }{
		{"MYUSER01@sftp://sftp.socialsecurity.be", "user-order", "write sftp://MYUSER01@sftp.socialsecurity.be"},
		{"@://", "syntax", `read as: scheme "@", no user, no host`},
		{"a@b://", "syntax", `read as: scheme "a@b", no user, no host`},
		{"ftp://u:Sup3r$ecret@h", "password", `"ftp://u:xxxxx@h"`},
		{"u:Sup3r$ecret@ftp://h", "", "xxxxx"},
	} {
		_, err := ParseEndpoint(tc.in)
		var ee *EndpointError
		if !errors.As(err, &ee) {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if tc.code != "" && ee.Code != tc.code {
			t.Errorf("%q: code %q, want %q (%v)", tc.in, ee.Code, tc.code, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %q does not say %q", tc.in, err, tc.want)
		}
		if strings.Contains(err.Error(), "Sup3r") {
			t.Errorf("%q: password shown in %q", tc.in, err)
		}
	}
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
