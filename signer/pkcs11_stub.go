//go:build !cgo

package signer

import "context"

// Without cgo there is no way to load a PKCS#11 module: the rest of the
// program still builds and says so clearly when a token is asked for.

// ListTokens needs PKCS#11 support, which this build lacks.
func ListTokens(ctx context.Context, opts TokenOptions) ([]Slot, error) {
	return nil, noPKCS11()
}

// ListModules needs PKCS#11 support, which this build lacks.
func ListModules(ctx context.Context, opts TokenOptions) ([]ModuleReport, error) {
	return nil, noPKCS11()
}

// OpenToken needs PKCS#11 support, which this build lacks.
func OpenToken(ctx context.Context, opts TokenOptions) (Credential, error) {
	return nil, noPKCS11()
}

func noPKCS11() error {
	return tokenErr(ErrNoPKCS11, "use a .p12 file, or a build of expeditor made with cgo",
		"this expeditor was built without PKCS#11 support: it cannot use an eID card or a token")
}
