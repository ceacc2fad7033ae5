package signer

import (
	"errors"
	"strings"
)

// maxDERDepth bounds the nesting of a signature's structure. A CMS
// signature with its certificates nests about 15 levels; anything far
// deeper is not a signature, and a deep enough one would exhaust the
// parsers' recursion.
const maxDERDepth = 64

// errDERTooDeep: the signature's structure nests deeper than maxDERDepth.
var errDERTooDeep = errors.New("the signature file (FS) is not a valid signature (its structure is nested far deeper than a signature's); sign the declaration again")

// checkDERNesting walks the BER/DER headers of der without recursion and
// refuses a structure nested deeper than maxDERDepth, before a recursive
// parser sees it. What it cannot read it leaves to the parser.
func checkDERNesting(der []byte) error {
	var ends []int // end offset of each open constructed element; -1 for indefinite length
	for pos := 0; pos < len(der); {
		for len(ends) > 0 && ends[len(ends)-1] >= 0 && pos >= ends[len(ends)-1] {
			ends = ends[:len(ends)-1]
		}
		if pos+1 < len(der) && der[pos] == 0 && der[pos+1] == 0 && len(ends) > 0 && ends[len(ends)-1] < 0 {
			ends = ends[:len(ends)-1] // end of contents
			pos += 2
			continue
		}
		tag := der[pos]
		pos++
		if tag&0x1f == 0x1f { // high tag number
			for pos < len(der) && der[pos]&0x80 != 0 {
				pos++
			}
			pos++
		}
		if pos >= len(der) {
			return nil
		}
		l := int(der[pos])
		pos++
		length := -1
		switch {
		case l < 0x80:
			length = l
		case l == 0x80:
			length = -1
		default:
			n := l & 0x7f
			if n > 4 || pos+n > len(der) {
				return nil
			}
			length = 0
			for _, b := range der[pos : pos+n] {
				length = length<<8 | int(b)
			}
			pos += n
		}
		if tag&0x20 == 0 { // primitive
			if length < 0 {
				return nil
			}
			pos += length
			continue
		}
		end := -1
		if length >= 0 {
			end = pos + length
		}
		ends = append(ends, end)
		if len(ends) > maxDERDepth {
			return errDERTooDeep
		}
	}
	return nil
}

// plainParseError says in plain words why a signature could not be read,
// instead of the parser's dump of its internal structures.
func plainParseError(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "ber2der"), strings.Contains(msg, "asn1:"), strings.Contains(msg, "ASN.1"):
		return "its content is not a CMS signature structure"
	case len(msg) > 120:
		return msg[:120] + "…"
	}
	return msg
}
