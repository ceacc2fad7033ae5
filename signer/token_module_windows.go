package signer

import (
	"os"
	"path/filepath"
)

// eidModulePaths: the eID middleware installs beidpkcs11.dll in the system
// folder. A full path is used so the loader never searches the current
// folder or PATH for it.
func eidModulePaths() []string {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	// A 32-bit build is redirected by Windows to SysWOW64, where the
	// middleware puts its 32-bit module.
	return []string{filepath.Join(root, "System32", "beidpkcs11.dll")}
}

func p11kitConfigDirs() []string { return nil }
func p11kitModuleDirs() []string { return nil }

// smartCardServiceHint is the part of a hint about the smart-card service
// that talks to the card readers, as docs/eid.md describes it.
const smartCardServiceHint = "check that the Windows service \"Smart Card\" (SCardSvr) is running"
