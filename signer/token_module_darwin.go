package signer

// eidModulePaths are where the eID middleware for macOS installs its
// PKCS#11 module: the dylib in its own folder, a copy or link in
// /usr/local/lib, and the bundle form some applications load.
func eidModulePaths() []string {
	return []string{
		"/Library/Belgium Identity Card/Pkcs11/libbeidpkcs11.dylib",
		"/usr/local/lib/libbeidpkcs11.dylib",
		"/Library/Belgium Identity Card/Pkcs11/beid-pkcs11.bundle/Contents/MacOS/libbeidpkcs11.dylib",
		"/usr/local/lib/beid-pkcs11.bundle/Contents/MacOS/libbeidpkcs11.dylib",
	}
}

func p11kitConfigDirs() []string { return nil }
func p11kitModuleDirs() []string { return nil }

// smartCardServiceHint is the part of a hint about the smart-card service
// that talks to the card readers, as docs/eid.md describes it.
const smartCardServiceHint = "unplug the reader and plug it in again (macOS runs the smart-card service by itself)"
