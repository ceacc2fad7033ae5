package signer

import (
	"bufio"
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

// FuzzVerify: whatever an FS file holds (base64 or not, any DER, deeply
// nested BER), DecodeFS and Verify return an error or a verification,
// never panic or exhaust the stack (issue 11).
func FuzzVerify(f *testing.F) {
	id := testpki.New(f, testpki.Options{Key: "ec384"})
	cred, err := LoadP12(id.P12, []byte(id.Password))
	if err != nil {
		f.Fatal(err)
	}
	fi := []byte("<DmfA>1</DmfA>\r\n")
	der, err := SignDetachedContext(context.Background(), bytes.NewReader(fi), cred, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(EncodeFS(der, false), fi)
	f.Add(EncodeFS(der, true), []byte("other"))
	f.Add([]byte("-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n"), fi)
	f.Add(EncodeFS(append(bytes.Repeat([]byte{0x30, 0x80}, 500), bytes.Repeat([]byte{0, 0}, 500)...), true), fi)
	f.Fuzz(func(t *testing.T, fsData, fi []byte) {
		v, err := Verify(bytes.NewReader(fi), fsData)
		if err == nil && (v == nil || v.Signer == nil) {
			t.Fatal("a verification without a certificate")
		}
		if der, err := DecodeFS(fsData); err == nil {
			if again, err := DecodeFS(EncodeFS(der, false)); err != nil || !bytes.Equal(again, der) {
				t.Fatalf("EncodeFS/DecodeFS round trip: %v", err)
			}
		}
	})
}

// FuzzLineEndings: the check and the conversion agree: a converted file
// is text-mode safe, has the same lines, and converts to itself.
func FuzzLineEndings(f *testing.F) {
	for _, s := range []string{"", "a\r\nb\r\n", "a\nb", "a\rb\r", "a\r\r\nb", "\r", "\n\n\r\n\r\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c LineCounter
		// Several writes, cutting CR LF pairs across them.
		for i := 0; i < len(data); i += 3 {
			c.Write(data[i:min(i+3, len(data))])
		}
		before := c.Result()
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		if err := toCRLF(bytes.NewReader(data), w); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		var c2 LineCounter
		c2.Write(out.Bytes())
		after := c2.Result()
		if !after.TextModeSafe {
			t.Fatalf("converted %q to %q, which is not text-mode safe: %+v", data, out.Bytes(), after)
		}
		if before.TextModeSafe && !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("a text-mode safe %q was changed to %q", data, out.Bytes())
		}
		if bytes.Count(out.Bytes(), []byte("\r\n")) < bytes.Count(data, []byte("\n")) {
			t.Fatalf("lines lost converting %q to %q", data, out.Bytes())
		}
		var again bytes.Buffer
		w = bufio.NewWriter(&again)
		toCRLF(bytes.NewReader(out.Bytes()), w)
		w.Flush()
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("converting twice changed %q to %q", out.Bytes(), again.Bytes())
		}
	})
}

func TestVerifyDeepNesting(t *testing.T) {
	deep := append(bytes.Repeat([]byte{0x30, 0x80}, 100000), bytes.Repeat([]byte{0, 0}, 100000)...)
	_, err := Verify(bytes.NewReader(nil), EncodeFS(deep, false))
	if err != errDERTooDeep {
		t.Errorf("indefinite nesting: %v", err)
	}
	definite := []byte{0x05, 0x00}
	for i := 0; i < 200; i++ {
		definite = append([]byte{0x30, 0x82, byte(len(definite) >> 8), byte(len(definite))}, definite...)
	}
	if _, err := Verify(bytes.NewReader(nil), EncodeFS(definite, false)); err != errDERTooDeep {
		t.Errorf("definite nesting: %v", err)
	}
	// Not a CMS structure: a plain reason, not the parser's dump.
	_, err = Verify(bytes.NewReader(nil), EncodeFS([]byte{0x30, 0x03, 0x02, 0x01, 0x01}, false))
	if err == nil || bytes.Contains([]byte(err.Error()), []byte("{optional")) || !bytes.Contains([]byte(err.Error()), []byte("not a CMS signature structure")) {
		t.Errorf("plain message: %v", err)
	}
}
