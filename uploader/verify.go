package uploader

import (
	"crypto"
	"encoding/hex"

	"github.com/expeditor-be/expeditor/signer"
)

// verifyWithSigner checks an FS against its FI (in binary and in MIME
// text mode) with the signer package. When the signature is made with
// SHA-256 it also returns the FI's SHA-256, which the check has just
// computed: the upload then needs no second pass over a large declaration.
func verifyWithSigner(fiPath, fsPath string) (sha256Hex string, err error) {
	v, err := signer.VerifyFile(fiPath, fsPath)
	if err != nil || v.Digest != crypto.SHA256 {
		return "", err
	}
	return hex.EncodeToString(v.ContentDigest), nil
}
