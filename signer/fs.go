package signer

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
)

// fsLineLength is the line length of FS files: what `openssl smime -sign
// -outform PEM` writes, and what the transfer point's manual shows.
const fsLineLength = 64

// EncodeFS turns a DER signature into the content of an FS file: base64
// in 64-character lines joined by CRLF, with no PEM header or footer and
// no line break after the last line. singleLine writes one line instead
// (also accepted by the transfer point), again with no line break.
func EncodeFS(der []byte, singleLine bool) []byte {
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(der)))
	base64.StdEncoding.Encode(enc, der)
	if singleLine {
		return enc
	}
	out := make([]byte, 0, len(enc)+2*(len(enc)/fsLineLength+1))
	for len(enc) > 0 {
		n := min(fsLineLength, len(enc))
		if len(out) > 0 {
			out = append(out, '\r', '\n')
		}
		out = append(out, enc[:n]...)
		enc = enc[n:]
	}
	return out
}

// DecodeFS reads the content of an FS file back into DER. It accepts any
// line length (64 and 76 are usual), CRLF, LF or CR line breaks, a single
// line, and even a PEM-wrapped signature (header and footer lines are
// skipped), since the transfer point's own instructions produce all of them.
func DecodeFS(data []byte) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the signature file (FS) is empty; sign the declaration again")
	}
	if data[0] == 0x30 {
		return nil, errors.New("the signature file (FS) holds a binary signature; the transfer point wants it as base64 text: sign the declaration again with Expeditor")
	}
	var b64 []byte
	for _, line := range bytes.FieldsFunc(data, func(r rune) bool { return r == '\r' || r == '\n' }) {
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("-----")) { // PEM header or footer
			continue
		}
		b64 = append(b64, line...)
	}
	der, err := base64.StdEncoding.DecodeString(string(b64))
	if err != nil {
		return nil, fmt.Errorf("the signature file (FS) is not valid base64 text (%v); it may have been edited or damaged: sign the declaration again", err)
	}
	if len(der) == 0 || der[0] != 0x30 {
		return nil, errors.New("the signature file (FS) does not contain a signature; sign the declaration again")
	}
	return der, nil
}
