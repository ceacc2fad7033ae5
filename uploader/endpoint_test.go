package uploader

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/expeditor-be/expeditor/batch"
)

func TestParseEndpoint(t *testing.T) {
	good := []struct{ in, out string }{
		{"ftp://sender01@", "ftp://sender01@ftp.socialsecurity.be:21"},
		{"ftps://sender01@ftp.socialsecurity.be", "ftps://sender01@ftp.socialsecurity.be:21"},
		{"sftp://sender01@", "sftp://sender01@sftp.socialsecurity.be:8022"},
		{"sftp://sender01@example.org", "sftp://sender01@example.org:22"},
		{"SFTP://sender01@127.0.0.1:2222?ssh-rsa=on&identity=/k", "sftp://sender01@127.0.0.1:2222?identity=%2Fk&ssh-rsa=on"},
		{"ftp://u@[::1]:2121?epsv=off", "ftp://u@[::1]:2121?epsv=off"},
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
	bad := map[string]string{
		"ftp.socialsecurity.be":    "write it like",
		"http://u@host":            "not ftp, ftps or sftp",
		"ftp://host":               "user name is missing",
		"ftp://u:hunter2@host":     "must never be written",
		"ftp://u@host:99999":       "port",
		"ftp://u@host/IN":          "no folder",
		"ftp://u@host?ssh-rsa=on":  "SFTP options",
		"sftp://u@host?epsv=off":   "FTP options",
		"ftp://u@host?colour=blue": "unknown option",
	}
	for in, want := range bad {
		_, err := ParseEndpoint(in)
		if !errors.Is(err, ErrEndpoint) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseEndpoint(%q) = %v, want %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the password is in %q", err)
		}
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
		if len(w) == 0 || !strings.Contains(strings.Join(w, "|"), c.want) {
			t.Errorf("%s: %q, want %q", name, w, c.want)
		}
		if strings.Contains(strings.Join(w, "|"), c.pw) {
			t.Errorf("%s: the password is in a warning", name)
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

func TestHistory(t *testing.T) {
	isolate(t)
	for i := range 3 {
		if err := AppendHistory(HistoryEntry{Set: "GO.DMFA.123456.20261121.0000" + string(rune('1'+i)) + ".R.1", Env: batch.Production, Result: ResultSent}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := LoadHistory()
	if err != nil || len(h) != 3 || h[0].ID == "" || h[0].ID == h[1].ID || h[0].Time.IsZero() {
		t.Fatalf("LoadHistory = %+v, %v", h, err)
	}
	err = UpdateHistory(h[1].ID, func(e *HistoryEntry) {
		e.Reply = &ReplyStatus{Accepted: false, Codes: []string{"ACRF-125"}, File: "FO.ACRF.999999.20261121.00001.R", Time: time.Now()}
	})
	if err != nil {
		t.Fatal(err)
	}
	h, _ = LoadHistory()
	if h[1].Reply == nil || h[1].Reply.Codes[0] != "ACRF-125" || h[0].Reply != nil {
		t.Errorf("after update: %+v", h)
	}
	if err := UpdateHistory("nope", func(*HistoryEntry) {}); !errors.Is(err, ErrNoHistoryEntry) {
		t.Errorf("unknown id: %v", err)
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
