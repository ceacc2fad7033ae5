package signer

import (
	"os"
	"path/filepath"
)

// eidModulePaths are where the eID middleware packages (eid-mw) install
// libbeidpkcs11 on Linux distributions: multiarch folders on Debian and
// Ubuntu, lib64 on Fedora and openSUSE, /usr/local for source builds.
func eidModulePaths() []string {
	var out []string
	multi, _ := filepath.Glob("/usr/lib/*-linux-gnu*/libbeidpkcs11.so.0")
	out = append(out, multi...)
	for _, d := range []string{"/usr/lib64", "/usr/lib", "/usr/local/lib64", "/usr/local/lib"} {
		out = append(out, filepath.Join(d, "libbeidpkcs11.so.0"))
	}
	return out
}

func p11kitConfigDirs() []string {
	var dirs []string
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".config", "pkcs11", "modules"))
	}
	return append(dirs, "/etc/pkcs11/modules", "/usr/share/p11-kit/modules")
}

func p11kitModuleDirs() []string {
	multi, _ := filepath.Glob("/usr/lib/*-linux-gnu*/pkcs11")
	return append(multi, "/usr/lib64/pkcs11", "/usr/lib/pkcs11", "/usr/local/lib/pkcs11")
}

// smartCardServiceHint is the part of a hint about the smart-card service
// that talks to the card readers, as docs/eid.md describes it.
const smartCardServiceHint = "the smart-card service must run: sudo systemctl enable --now pcscd"
