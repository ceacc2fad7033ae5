package practice

import "github.com/expeditor-be/expeditor/signer"

// verifyFS checks an FS the way the transfer point does, in binary and
// text mode (signer.VerifyFile refuses an FI that only verifies in binary
// mode). Unlike the transfer point it trusts any certificate, self-signed
// ones included: it is practice.
func verifyFS(fiPath, fsPath string) error {
	_, err := signer.VerifyFile(fiPath, fsPath)
	return err
}
