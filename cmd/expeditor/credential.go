package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/expeditor-be/expeditor/signer"
)

// credentialFlags choose a signing credential: a .p12/.pfx file or a key
// on a PKCS#11 token.
type credentialFlags struct {
	p12          string
	passwordFile string
	token        tokenFlags
}

func (c *credentialFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.p12, "p12", "", "sign with the certificate in this .p12/.pfx file")
	fs.StringVar(&c.passwordFile, "password-file", "", "read the .p12 password from FILE")
	c.token.register(fs)
}

func (c *credentialFlags) given() bool { return c.p12 != "" || c.token.module != "" }

func (c *credentialFlags) check() error {
	if c.p12 != "" && c.token.module != "" {
		return usagef("choose either --p12 or --pkcs11, not both")
	}
	return nil
}

// open opens the chosen credential, asking for secrets as needed.
func (c *credentialFlags) open(env *cliEnv) (signer.Credential, error) {
	if c.token.module != "" {
		return openTokenCredential(env, &c.token)
	}
	if _, err := os.Stat(c.p12); err != nil {
		return nil, withHint(fmt.Errorf("cannot read the certificate file %s: %w", c.p12, unwrapPath(err)), "give the path of your .p12 or .pfx file")
	}
	pw, err := readSecret(env, "EXPEDITOR_P12_PASSWORD", c.passwordFile, "password of "+c.p12)
	if err != nil {
		return nil, err
	}
	defer clear(pw)
	cred, err := signer.LoadP12(c.p12, pw)
	if errors.Is(err, signer.ErrWrongPassword) {
		return nil, withHint(err, "type the password again; it is case-sensitive. Nothing was written")
	}
	return cred, err
}

// readSecret reads a secret from the environment variable envVar, from
// file, or from the terminal, in that order. It is never a flag value.
func readSecret(env *cliEnv, envVar, file, what string) ([]byte, error) {
	if v := os.Getenv(envVar); v != "" {
		return []byte(v), nil
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("cannot read the %s from %s: %w", what, file, unwrapPath(err))
		}
		// One line: drop the line break an editor adds.
		if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
			b = b[:i]
		}
		return b, nil
	}
	// Ask only when a person is at the keyboard: stdin is a terminal.
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, withHint(fmt.Errorf("the %s is needed and there is no terminal to ask it on", what), "set %s or use --password-file FILE", envVar)
	}
	fmt.Fprintf(env.stderr, "%s: ", what)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(env.stderr)
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s: %w", what, err)
	}
	return pw, nil
}
