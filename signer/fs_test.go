package signer

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
)

func TestEncodeFS(t *testing.T) {
	der := make([]byte, 1000)
	rand.Read(der)
	der[0] = 0x30
	b64 := base64.StdEncoding.EncodeToString(der)

	got := EncodeFS(der, false)
	lines := strings.Split(string(got), "\r\n")
	for i, l := range lines {
		if i < len(lines)-1 && len(l) != 64 {
			t.Errorf("line %d has %d characters, want 64", i+1, len(l))
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a stray CR or LF", i+1)
		}
	}
	if last := lines[len(lines)-1]; len(last) == 0 || len(last) > 64 {
		t.Errorf("last line %q", last)
	}
	if bytes.HasSuffix(got, []byte("\n")) || bytes.Contains(got, []byte("-----")) {
		t.Error("line break after the last line, or a PEM header")
	}
	if strings.Join(lines, "") != b64 {
		t.Error("lines do not join to the base64 of the DER")
	}

	if single := EncodeFS(der, true); string(single) != b64 {
		t.Errorf("single line = %q", single)
	}

	// An exact multiple of 64 characters: still no trailing line break.
	exact := EncodeFS(der[:96], false) // 128 characters
	if string(exact) != b64[:64]+"\r\n"+base64.StdEncoding.EncodeToString(der[:96])[64:] {
		t.Errorf("exact multiple: %q", exact)
	}
}

func TestDecodeFS(t *testing.T) {
	der := make([]byte, 700)
	rand.Read(der)
	der[0] = 0x30
	b64 := base64.StdEncoding.EncodeToString(der)
	wrap := func(n int, sep string) string {
		var lines []string
		for s := b64; len(s) > 0; {
			k := min(n, len(s))
			lines = append(lines, s[:k])
			s = s[k:]
		}
		return strings.Join(lines, sep)
	}
	for name, in := range map[string]string{
		"64 CRLF":              wrap(64, "\r\n"),
		"64 CRLF trailing":     wrap(64, "\r\n") + "\r\n",
		"64 LF":                wrap(64, "\n") + "\n",
		"76 CR":                wrap(76, "\r"),
		"76 CRLF":              wrap(76, "\r\n"),
		"single line":          b64,
		"single line + LF":     b64 + "\n",
		"PEM":                  "-----BEGIN PKCS7-----\n" + wrap(64, "\n") + "\n-----END PKCS7-----\n",
		"PEM CRLF blank lines": "-----BEGIN PKCS7-----\r\n" + wrap(64, "\r\n") + "\r\n-----END PKCS7-----\r\n\r\n",
	} {
		got, err := DecodeFS([]byte(in))
		if err != nil || !bytes.Equal(got, der) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, in := range map[string][]byte{
		"empty":          nil,
		"blank":          []byte("\r\n  \r\n"),
		"binary DER":     der,
		"not base64":     []byte("this is not a signature!"),
		"truncated":      []byte(b64[:len(b64)-3]),
		"base64 of text": []byte(base64.StdEncoding.EncodeToString([]byte("hello world"))),
	} {
		if _, err := DecodeFS(in); err == nil || !strings.Contains(err.Error(), "sign") {
			t.Errorf("%s: err = %v, want an explanation", name, err)
		}
	}
}
