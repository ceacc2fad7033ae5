package main

import (
	"errors"
	"flag"

	"github.com/expeditor-be/expeditor/signer"
)

// tokenFlags are the flags that choose a key on a PKCS#11 token.
type tokenFlags struct {
	module  string // "auto" or a module path; empty when no token is used
	token   string
	key     string
	pinFile string
}

func (t *tokenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.module, "pkcs11", "", "sign with a PKCS#11 token: auto (Belgian eID) or a module path")
	fs.StringVar(&t.token, "token", "", "token label, when several tokens are present")
	fs.StringVar(&t.key, "key", "", "key label, when the token has several keys")
	fs.StringVar(&t.pinFile, "pin-file", "", "read the token PIN from FILE")
}

// openTokenCredential opens the key chosen by t.
func openTokenCredential(env *cliEnv, t *tokenFlags) (signer.Credential, error) {
	return nil, errors.New("PKCS#11 signing is not available yet")
}
