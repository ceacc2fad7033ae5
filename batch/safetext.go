package batch

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeText returns s fit to be shown on one line of a terminal or in a
// label: line breaks and tabs become spaces, and every character that
// could move the cursor, start a terminal escape sequence or reorder the
// text around it is written out as a visible escape instead (\x1b, \u009b,
// \u202e): the C0 and C1 controls and DEL, the bidirectional overrides,
// embeddings, isolates and marks, and invalid UTF-8. Reply files come from
// outside; without this a Diagnosis could print a fake "accepted" line or
// drive the terminal (issue 11).
func SafeText(s string) string {
	if isSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.Is(unicode.Cc, r) || isBidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isSafe reports whether SafeText would return s unchanged.
func isSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				if r == utf8.RuneError || r < 0x20 || r == 0x7f || unicode.Is(unicode.Cc, r) || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
					return false
				}
			}
			return true
		}
	}
	return true
}

// isBidiControl: the characters that change the direction of the text
// around them (Unicode's Bidi_Control property).
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
