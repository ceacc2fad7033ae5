package uploader

import (
	"crypto"
	"encoding/hex"
	"os"

	"github.com/smallstep/pkcs7"

	"github.com/expeditor-be/expeditor/signer"
)

// verifyWithSigner checks an FS against its FI (in binary and in MIME
// text mode) with the signer package. When the signature is made with
// SHA-256 it also returns the FI's SHA-256: the signature's messageDigest,
// which the check has just compared with the FI's bytes. The upload then
// needs no second pass over a large declaration.
func verifyWithSigner(fiPath, fsPath string) (sha256Hex string, err error) {
	v, err := signer.VerifyFile(fiPath, fsPath)
	if err != nil || v.Digest != crypto.SHA256 {
		return "", err
	}
	data, err := os.ReadFile(fsPath)
	if err != nil {
		return "", nil
	}
	der, err := signer.DecodeFS(data)
	if err != nil {
		return "", nil
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return "", nil
	}
	var md []byte
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &md); err != nil || len(md) != 32 {
		return "", nil
	}
	return hex.EncodeToString(md), nil
}
