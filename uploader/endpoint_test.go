package uploader

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
	"golang.org/x/crypto/ssh"
)

func TestParseEndpoint(t *testing.T) {
	good := []struct{ in, out string }{
		{"ftp://sender01@", "ftp://sender01@ftp.socialsecurity.be:21"},
		{"ftps://sender01@ftp.socialsecurity.be", "ftps://sender01@ftp.socialsecurity.be:21"},
		{"sftp://sender01@", "sftp://sender01@sftp.socialsecurity.be:8022"},
		{"sftp://sender01@example.org", "sftp://sender01@example.org:22"},
		{"SFTP://sender01@127.0.0.1:2222?ssh-rsa=on&identity=/k", "sftp://sender01@127.0.0.1:2222?identity=/k&ssh-rsa=on"},
		{"ftp://u@[::1]:2121?epsv=off", "ftp://u@[::1]:2121?epsv=off"},
		// Paths are shown decoded, as the user wrote them.
		{"ftps://u@h?ca=%2Fetc%2Fssl%2Fca.pem", "ftps://u@h:21?ca=/etc/ssl/ca.pem"},
		{"ftps://u@h?epsv=off&ca=C:%5CUsers%5CFr%C3%A9d%C3%A9ric%5Cca.pem", "ftps://u@h:21?ca=C:\\Users\\Frédéric\\ca.pem&epsv=off"},
		// ... except what would change the meaning of the query.
		{"sftp://u@h?identity=/home/a%20b/k%2B1%26x%23y%25z%3Bw", "sftp://u@h:22?identity=/home/a%20b/k%2B1%26x%23y%25z%3Bw"},
	}
	for _, c := range good {
		ep, err := ParseEndpoint(c.in)
		if err != nil || ep.String() != c.out {
			t.Errorf("ParseEndpoint(%q) = %q, %v; want %q", c.in, ep.String(), err, c.out)
			continue
		}
		again, err := ParseEndpoint(ep.String())
		if err != nil || again != ep {
			t.Errorf("%q does not round-trip: %+v, %v", c.in, again, err)
		}
	}
	bad := map[string]struct{ code, want string }{
		"ftp.socialsecurity.be":    {"form", "write it like"},
		"ftp://u@host name":        {"syntax", "invalid character"},
		"http://u@host":            {"scheme", "not ftp, ftps or sftp"},
		"ftp://host":               {"user-missing", "user name is missing"},
		"ftp://u:hunter2@host":     {"password", "must never be written"},
		"ftp://u@host:99999":       {"port", "port"},
		"ftp://u@host/IN":          {"folder", "no folder"},
		"ftp://u@host?ssh-rsa=on":  {"sftp-options", "SFTP options"},
		"sftp://u@host?epsv=off":   {"ftp-options", "FTP options"},
		"ftp://u@host?colour=blue": {"option", "unknown option"},
		"u@sftp://host":            {"user-order", "write sftp://u@host"},
	}
	codes := map[string]bool{}
	for in, want := range bad {
		_, err := ParseEndpoint(in)
		var ee *EndpointError
		if !errors.Is(err, ErrEndpoint) || !strings.Contains(err.Error(), want.want) {
			t.Errorf("ParseEndpoint(%q) = %v, want %q", in, err, want.want)
		}
		if !errors.As(err, &ee) || ee.Code != want.code {
			t.Errorf("ParseEndpoint(%q) = %#v, want code %q", in, err, want.code)
		}
		codes[want.code] = true
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the password is in %q", err)
		}
	}
	for _, c := range EndpointErrorCodes {
		if !codes[c] {
			t.Errorf("no test address gives the code %q", c)
		}
	}
	// The message is the one the CLI has always printed.
	_, err := ParseEndpoint("ftp://u@host:0")
	if want := `invalid transfer point address "ftp://u@host:0": the port "0" is not a number between 1 and 65535`; err == nil || err.Error() != want {
		t.Errorf("port 0: %v, want %s", err, want)
	}
}

func TestValidProfileName(t *testing.T) {
	for name, code := range map[string]string{"office": "", "a-b_c.1": "", "": "length", strings.Repeat("x", 41): "length", "bad name": "chars", "bureau/1": "chars"} {
		err := ValidProfileName(name)
		var pe *ProfileNameError
		switch {
		case code == "" && err != nil:
			t.Errorf("%q refused: %v", name, err)
		case code != "" && (!errors.As(err, &pe) || pe.Code != code):
			t.Errorf("%q: %v, want code %q", name, err, code)
		}
	}
	if err := ValidProfileName("bad name"); err.Error() != `the profile name "bad name" may only hold letters, digits, '-', '_' and '.'` {
		t.Errorf("message changed: %v", err)
	}
}

func TestCheckCredentials(t *testing.T) {
	ftp := Endpoint{Scheme: "ftp", User: "sender0123", Host: DefaultFTPHost}
	if w := CheckCredentials(ftp, []byte("ab;cd=12")); len(w) != 0 {
		t.Errorf("good account: %q", w)
	}
	cases := map[string]struct {
		ep   Endpoint
		pw   string
		want string
	}{
		"short user":    {Endpoint{Scheme: "ftp", User: "abc"}, "ab;cd=12", "user name"},
		"long user":     {Endpoint{Scheme: "ftp", User: "abcdefghij1234567890"}, "ab;cd=12", "user name"},
		"user with dot": {Endpoint{Scheme: "ftp", User: "sender.0123"}, "ab;cd=12", "user name"},
		"long password": {ftp, "abcdefghijk;=1234", "15 characters"},
		"one special":   {ftp, "abcdef;12", "at least two"},
		"space":         {ftp, "ab; cd=12", "space"},
		"other char":    {ftp, "ab;cd=12é", "does not allow"},
	}
	for name, c := range cases {
		w := CheckCredentials(c.ep, []byte(c.pw))
		if len(w) == 0 || !strings.Contains(joinWarnings(w), c.want) {
			t.Errorf("%s: %q, want %q", name, w, c.want)
		}
		if strings.Contains(joinWarnings(w), c.pw) {
			t.Errorf("%s: the password is in a warning", name)
		}
		for _, x := range w {
			if strings.Contains(fmt.Sprint(x.Args), c.pw) {
				t.Errorf("%s: the password is in the values of %s", name, x.Code)
			}
		}
	}
}

func joinWarnings(ws []Warning) string {
	var s []string
	for _, w := range ws {
		s = append(s, w.String())
	}
	return strings.Join(s, "|")
}

// Every warning carries a known code, so the GUI can translate it, and
// every code can be given.
func TestCheckCredentialsCodes(t *testing.T) {
	dir := t.TempDir()
	writeKey := func(name string, key any) string {
		t.Helper()
		block, err := ssh.MarshalPrivateKey(key, "")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sftp := func(user, key string) Endpoint {
		return Endpoint{Scheme: "sftp", User: user, Host: DefaultSFTPHost, IdentityFile: key}
	}
	ftp := Endpoint{Scheme: "ftp", User: "sender0123", Host: DefaultFTPHost}
	cases := []struct {
		ep   Endpoint
		pw   string
		code string
		args []string
	}{
		{Endpoint{Scheme: "ftp", User: "abc"}, "ab;cd=12", "user", []string{"User"}},
		{ftp, "abcdefghijk;=1234", "password-long", nil},
		{ftp, "ab; cd=12", "password-space", nil},
		{ftp, "ab;cd=12é", "password-chars", []string{"Allowed"}},
		{ftp, "abcdef12", "password-specials", []string{"Allowed"}},
		{sftp("sender0123", filepath.Join(dir, "missing")), "", "key-unreadable", []string{"File", "Error"}},
		{sftp("sender0123", writeKey("ed", ed)), "", "key-type", []string{"Type"}},
		{sftp("sender0123", writeKey("small", small)), "", "key-size", []string{"Bits"}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		var pw []byte
		if c.pw != "" {
			pw = []byte(c.pw)
		}
		ws := CheckCredentials(c.ep, pw)
		found := false
		for _, w := range ws {
			if w.Code == "" || !slices.Contains(WarningCodes, w.Code) {
				t.Errorf("warning %q has the unknown code %q", w.Message, w.Code)
			}
			if w.Message == "" || w.String() != w.Message {
				t.Errorf("%s: message %q, String %q", w.Code, w.Message, w.String())
			}
			seen[w.Code] = true
			if w.Code == c.code {
				found = true
				for _, a := range c.args {
					if v := w.Args[a]; v == "" || a != "Error" && !strings.Contains(w.Message, v) {
						t.Errorf("%s: Args[%s] = %q, not in %q", w.Code, a, v, w.Message)
					}
				}
			}
		}
		if !found {
			t.Errorf("%+v: %q, want code %s", c.ep, joinWarnings(ws), c.code)
		}
	}
	for _, c := range WarningCodes {
		if !seen[c] {
			t.Errorf("no case gave the code %q", c)
		}
	}
}

func TestProfiles(t *testing.T) {
	isolate(t)
	keyring.MockInit()
	ep, _ := ParseEndpoint("ftps://sender0123@")
	w, err := SaveProfile(Profile{Name: "office", Endpoint: ep})
	if err != nil || len(w) != 0 {
		t.Fatalf("SaveProfile: %q, %v", w, err)
	}
	ep2, _ := ParseEndpoint("ftp://abc@127.0.0.1:2121")
	if w, err = SaveProfile(Profile{Name: "local", Endpoint: ep2}); err != nil || len(w) != 1 {
		t.Fatalf("SaveProfile: %q, %v", w, err)
	}
	if _, err := SaveProfile(Profile{Name: "bad name", Endpoint: ep}); err == nil {
		t.Error("a profile name with a space was saved")
	}
	ps, err := LoadProfiles()
	if err != nil || len(ps) != 2 || ps[0].Name != "local" || ps[1].Endpoint != ep {
		t.Fatalf("LoadProfiles = %+v, %v", ps, err)
	}
	if _, err := LookupPassword("office"); !errors.Is(err, ErrNoPassword) {
		t.Errorf("LookupPassword before Store: %v", err)
	}
	if err := StorePassword("office", []byte("ab;cd=12")); err != nil {
		t.Fatal(err)
	}
	if pw, err := LookupPassword("office"); err != nil || string(pw) != "ab;cd=12" {
		t.Errorf("LookupPassword = %q, %v", pw, err)
	}
	b, _ := os.ReadFile(filepath.Join(os.Getenv("EXPEDITOR_HOME"), "profiles.json"))
	if strings.Contains(string(b), "ab;cd=12") {
		t.Error("the password is in the profile file")
	}
	if err := RemoveProfile("office"); err != nil {
		t.Fatal(err)
	}
	if _, err := FindProfile("office"); !errors.Is(err, ErrNoProfile) {
		t.Errorf("FindProfile after remove: %v", err)
	}
	if _, err := LookupPassword("office"); !errors.Is(err, ErrNoPassword) {
		t.Errorf("the password outlived its profile: %v", err)
	}
	keyring.MockInitWithError(errors.New("no D-Bus"))
	if err := StorePassword("local", []byte("x")); !errors.Is(err, ErrNoKeychain) || !strings.Contains(err.Error(), "EXPEDITOR_PASSWORD") {
		t.Errorf("without a keychain: %v", err)
	}
}

func TestProgressReader(t *testing.T) {
	var calls []int64
	r := NewProgressReader(strings.NewReader(strings.Repeat("x", 10000)), 10000, func(done, total int64) {
		if total != 10000 {
			t.Errorf("total %d", total)
		}
		calls = append(calls, done)
	})
	n, err := io.Copy(io.Discard, r)
	if err != nil || n != 10000 || len(calls) == 0 || calls[len(calls)-1] != 10000 {
		t.Fatalf("copied %d, %v, calls %v", n, err, calls)
	}
}
