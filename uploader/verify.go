package uploader

import "github.com/expeditor-be/expeditor/signer"

// verifyWithSigner checks an FS against its FI (in binary and in MIME
// text mode) with the signer package.
func verifyWithSigner(fiPath, fsPath string) error {
	_, err := signer.VerifyFile(fiPath, fsPath)
	return err
}
