//go:build !linux && !darwin && !windows

package signer

// eidModulePaths: on other systems (the BSDs) the eID middleware, when
// ported, installs like a source build on Linux.
func eidModulePaths() []string {
	return []string{"/usr/local/lib/libbeidpkcs11.so.0", "/usr/local/lib/libbeidpkcs11.so"}
}

func p11kitConfigDirs() []string {
	return []string{"/usr/local/etc/pkcs11/modules", "/usr/local/share/p11-kit/modules"}
}
func p11kitModuleDirs() []string { return []string{"/usr/local/lib/pkcs11"} }

// smartCardServiceHint is the part of a hint about the smart-card service
// that talks to the card readers, as docs/eid.md describes it.
const smartCardServiceHint = "the smart-card service must run: start pcscd"
