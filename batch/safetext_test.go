package batch

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, é ü ß €":                     "plain text, é ü ß €",
		"refused\nACCEPTED set: GO.X":             "refused ACCEPTED set: GO.X",
		"a\r\n\tb":                                "a   b",
		"csi\u009b31m":                            `csi\u009b31m`,
		"esc\x1b[2J":                              `esc\x1b[2J`,
		"bell\a del\x7f":                          `bell\x07 del\x7f`,
		"\u202eDETPECCA":                          `\u202eDETPECCA`,
		"iso\u2066x\u2069 mark\u200e\u200f\u061c": `iso\u2066x\u2069 mark\u200e\u200f\u061c`,
		"ls\u2028ps\u2029nel\u0085":               "ls ps nel ",
		"bad\xffutf8":                             `bad\xffutf8`,
		"":                                        "",
	} {
		if got := SafeText(in); got != want {
			t.Errorf("SafeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeText: whatever comes in, nothing that drives a terminal or
// reorders text comes out, and safe text is left alone.
func FuzzSafeText(f *testing.F) {
	f.Add("a\u009b\u202e\n\x1b[31m")
	f.Add("Diagnosis: ok")
	f.Fuzz(func(t *testing.T, s string) {
		out := SafeText(s)
		if !utf8.ValidString(out) {
			t.Fatalf("SafeText(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.Is(unicode.Cc, r) || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("SafeText(%q) = %q keeps %U", s, out, r)
			}
		}
		if isSafe(s) && out != s {
			t.Fatalf("safe %q changed to %q", s, out)
		}
		if SafeText(out) != out && !strings.Contains(out, `\`) {
			t.Fatalf("SafeText is not stable on %q", out)
		}
	})
}
