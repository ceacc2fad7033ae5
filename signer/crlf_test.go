package signer

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

func TestCheckLineEndings(t *testing.T) {
	for _, tc := range []struct {
		in                          string
		safe                        bool
		lines, crlf, bareLF, bareCR int64
		firstBad                    int64
	}{
		{"", true, 0, 0, 0, 0, 0},
		{"no line break", true, 0, 0, 0, 0, 0},
		{"a\r\nb\r\n", true, 2, 2, 0, 0, 0},
		{"a\r\nb", true, 1, 1, 0, 0, 0},
		{"a\nb\n", false, 2, 0, 2, 0, 1},
		{"a\r\nb\nc\r\n", false, 3, 2, 1, 0, 2},
		{"a\r\nb\r\r\nc", false, 2, 2, 0, 1, 2},
		{"a\r\nb\rc\r\n", false, 2, 2, 0, 1, 2},
		{"a\r\nb\r\nend\r", false, 2, 2, 0, 1, 3},
		{"\n", false, 1, 0, 1, 0, 1},
		{"\r", false, 0, 0, 0, 1, 1},
		{"\r\n\r\n\n", false, 3, 2, 1, 0, 3},
	} {
		// Every way of cutting the input into two writes gives the same
		// count: the CR of a pair may end one read and its LF start the next.
		for cut := 0; cut <= len(tc.in); cut++ {
			var c LineCounter
			c.Write([]byte(tc.in[:cut]))
			c.Write([]byte(tc.in[cut:]))
			l := c.Result()
			if l.TextModeSafe != tc.safe || l.Lines != tc.lines || l.CRLF != tc.crlf || l.BareLF != tc.bareLF || l.BareCR != tc.bareCR || l.FirstBadLine != tc.firstBad || l.Size != int64(len(tc.in)) {
				t.Errorf("%q cut at %d: %+v", tc.in, cut, l)
				break
			}
			if (l.Problem() == "") != tc.safe {
				t.Errorf("%q: Problem() = %q", tc.in, l.Problem())
			}
		}
	}
}

func TestConvertToCRLF(t *testing.T) {
	dir := t.TempDir()
	for in, want := range map[string]string{
		"a\nb\n":         "a\r\nb\r\n",
		"a\nb":           "a\r\nb",
		"a\r\nb\nc\r\n":  "a\r\nb\r\nc\r\n",
		"a\r\r\nb":       "a\r\nb",
		"mac\rline\r":    "mac\r\nline\r\n",
		"a\r\rb":         "a\r\n\r\nb",
		"\n\n\n":         "\r\n\r\n\r\n",
		"Émile\nZoë\r\n": "Émile\r\nZoë\r\n",
		strings.Repeat("x", 3<<20) + "\n" + strings.Repeat("y", 10): strings.Repeat("x", 3<<20) + "\r\n" + strings.Repeat("y", 10),
	} {
		p := writeFile(t, dir, "FI.DMFA.123456.20261121.00001.R.1.1", []byte(in))
		kept, err := ConvertToCRLF(p)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if string(got) != want {
			t.Errorf("%.20q → %.20q, want %.20q", in, got, want)
		}
		orig, err := os.ReadFile(kept)
		if err != nil || string(orig) != in {
			t.Errorf("original not kept at %s: %v", kept, err)
		}
		if le, _ := CheckLineEndings(p); !le.TextModeSafe {
			t.Errorf("%q: converted file not safe: %+v", in, le)
		}
	}
	// Every conversion above kept its original under its own name.
	entries, _ := os.ReadDir(filepath.Join(dir, "originals"))
	if len(entries) != 9 {
		t.Errorf("originals holds %d files, want 9", len(entries))
	}

	// A file that is already fine is left alone.
	p := writeFile(t, dir, "ok", []byte("a\r\nb\r\n"))
	info, _ := os.Stat(p)
	if kept, err := ConvertToCRLF(p); kept != "" || err != nil {
		t.Errorf("safe file: %q, %v", kept, err)
	}
	if info2, _ := os.Stat(p); !os.SameFile(info, info2) {
		t.Error("safe file rewritten")
	}
}

// opensslCanonical is what OpenSSL (SMIME_crlf_copy, text mode) turns
// content into before hashing it: BIO_gets reads chunks of at most 1023
// bytes ending at a line feed; strip_eol drops every trailing CR and LF of a
// chunk; CRLF is written back when the chunk ended with a line feed.
func opensslCanonical(in []byte) []byte {
	var out []byte
	for len(in) > 0 {
		n := min(len(in), 1023)
		if i := bytes.IndexByte(in[:n], '\n'); i >= 0 {
			n = i + 1
		}
		chunk := in[:n]
		in = in[n:]
		l, eol := len(chunk), false
		for ; l > 0; l-- {
			c := chunk[l-1]
			if c == '\n' {
				eol = true
			} else if c != '\r' {
				break
			}
		}
		out = append(out, chunk[:l]...)
		if eol {
			out = append(out, '\r', '\n')
		}
	}
	return out
}

// TestTextModeRuleAgainstOpenSSL signs random mixtures of text, CR and LF
// (and the cases at OpenSSL's 1023-byte chunk boundary) and asks openssl to
// verify them in text mode. It checks that the simulation above predicts
// openssl exactly, and that TextModeSafe is never wrong when it says yes;
// it may say no where openssl would still pass (a stray CR in mid-line),
// and any bare LF must fail.
func TestTextModeRuleAgainstOpenSSL(t *testing.T) {
	id := testpki.New(t, testpki.Options{Key: "ec384"})
	cred := loadP12(t, id)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var inputs [][]byte
	boundary := func(s string) []byte { return []byte(strings.Repeat("x", 1022) + s) }
	inputs = append(inputs,
		boundary("\r\nabc\r\n"),   // CR ends a chunk, its LF starts the next
		boundary("\rabc\r\n"),     // a stray CR ends a chunk: dropped
		boundary("a\rbc\r\n"),     // a stray CR in mid-line: kept
		boundary("\r\r\nabc\r\n"), // CR CR, the first ends a chunk
		[]byte("a\rb\r\n"),        // a stray CR in mid-line
		[]byte("a\r\nb\r\n"), []byte("a\nb\n"), []byte("a\r\r\n"), []byte("end\r"),
	)
	for range 50 {
		n := rng.IntN(2500)
		b := make([]byte, n)
		for i := range b {
			switch r := rng.IntN(100); {
			case r < 3:
				b[i] = '\r'
			case r < 6:
				b[i] = '\n'
			default:
				b[i] = 'a' + byte(r%26)
			}
		}
		if rng.IntN(2) == 0 { // half of them fully CRLF, to check the yes side
			b = []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), "\r", ""), "\n", "\r\n"))
		}
		inputs = append(inputs, b)
	}
	for i, in := range inputs {
		fi := writeFile(t, dir, "fi", in)
		der, err := SignDetached(bytes.NewReader(in), cred, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		sig := writeFile(t, dir, "sig.der", der)
		_, err = testpki.Run(t, "cms", "-verify", "-inform", "DER", "-in", sig, "-content", fi, "-noverify", "-out", filepath.Join(dir, "out"))
		opensslOK := err == nil
		if predicted := bytes.Equal(opensslCanonical(in), in); predicted != opensslOK {
			t.Errorf("input %d (%.40q…): simulation says %v, openssl text mode says %v", i, in, predicted, opensslOK)
		}
		var c LineCounter
		c.Write(in)
		le := c.Result()
		if le.TextModeSafe && !opensslOK {
			t.Errorf("input %d (%.40q…): TextModeSafe but openssl text mode fails", i, in)
		}
		if le.BareLF > 0 && opensslOK {
			t.Errorf("input %d: has a bare LF but openssl text mode passes", i)
		}
	}
}

// TestCRLFOnlyExact: the fast check says "CRLF only" exactly when the
// line-by-line count finds no bad line ending, whatever else is around.
func TestCRLFOnlyExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("a\r\n\x0b\x0c\x01\x00")
	for i := range 200000 {
		n := rng.IntN(80)
		p := make([]byte, n)
		for j := range p {
			if rng.IntN(3) == 0 {
				p[j] = alphabet[rng.IntN(len(alphabet))]
			} else if j > 0 && p[j-1] == '\r' {
				p[j] = '\n'
			} else if rng.IntN(2) == 0 {
				p[j] = '\r'
			} else {
				p[j] = 'x'
			}
		}
		prevCR := i%2 == 0
		// The exact verdict: no bare LF, and no CR other than a last one
		// without its LF.
		want := true
		for j, b := range p {
			before := prevCR
			if j > 0 {
				before = p[j-1] == '\r'
			}
			if b == '\n' && !before || before && b != '\n' {
				want = false
			}
		}
		lfs, got := crlfOnly(p, prevCR)
		if got != want {
			t.Fatalf("crlfOnly(%q, %v) = %v, want %v", p, prevCR, got, want)
		}
		if got && lfs != bytes.Count(p, []byte{'\n'}) {
			t.Fatalf("crlfOnly(%q, %v) counts %d LFs, want %d", p, prevCR, lfs, bytes.Count(p, []byte{'\n'}))
		}
	}
}
