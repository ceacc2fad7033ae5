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
	fs.StringVar(&c.p12, "p12", "", "sign with the certificate and private key in this .p12/.pfx `FILE`")
	fs.StringVar(&c.passwordFile, "password-file", "", "read the .p12 password from the first line of `FILE` (or set EXPEDITOR_P12_PASSWORD; without either, it is asked in a terminal)")
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
	warnIfShared(env, c.p12, "certificate file (it holds your private key)")
	// A file without a password opens without asking for one.
	if cred, err := signer.LoadP12(c.p12, nil); !errors.Is(err, signer.ErrWrongPassword) {
		return cred, p12Hint(err)
	}
	pw, err := readSecret(env, secret{what: "password of " + c.p12, envVar: "EXPEDITOR_P12_PASSWORD", file: c.passwordFile, fileFlag: "--password-file"})
	if err != nil {
		return nil, err
	}
	defer clear(pw)
	cred, err := signer.LoadP12(c.p12, pw)
	if errors.Is(err, signer.ErrWrongPassword) {
		return nil, withHint(err, "type the password again; it is case-sensitive. Nothing was written")
	}
	return cred, p12Hint(err)
}

// secret says where a secret may come from, in this order: an
// environment variable, a file named by a flag, or the terminal. It is
// never a flag value.
type secret struct {
	what     string // for messages: "password of id.p12"
	prompt   string // for the terminal prompt, when it says more than what
	envVar   string // e.g. EXPEDITOR_P12_PASSWORD
	file     string
	fileFlag string // the flag that names file, for hints: "--password-file"
	warning  string // said just before the terminal prompt, if not empty
}

// errNoTerminal: the secret is not in the environment or a file, and
// there is no terminal to ask it on.
var errNoTerminal = errors.New("there is no terminal to ask it on")

// fromTerminal reports whether readSecret would ask on the terminal.
func (s secret) fromTerminal() bool { return os.Getenv(s.envVar) == "" && s.file == "" }

// readSecret reads the secret s. It asks only when a person is at the
// keyboard (stdin is a terminal), so a script never waits for input that
// cannot come.
func readSecret(env *cliEnv, s secret) ([]byte, error) {
	if v := os.Getenv(s.envVar); v != "" {
		return []byte(v), nil
	}
	if s.file != "" {
		b, err := readSecretFile(s.file)
		if err != nil {
			return nil, withHint(fmt.Errorf("cannot read the %s from %s: %w", s.what, s.file, unwrapPath(err)), "check the path given to %s", s.fileFlag)
		}
		warnIfShared(env, s.file, "file of the "+s.what)
		// One line: drop the line break an editor adds.
		if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
			b = b[:i]
		}
		return b, nil
	}
	in, ok := env.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, withHint(fmt.Errorf("the %s is needed and %w", s.what, errNoTerminal), "set %s or use %s FILE", s.envVar, s.fileFlag)
	}
	if s.warning != "" {
		fmt.Fprintf(env.stderr, "expeditor: %s\n", s.warning)
	}
	prompt := s.prompt
	if prompt == "" {
		prompt = s.what
	}
	fmt.Fprintf(env.stderr, "%s: ", prompt)
	pw, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(env.stderr)
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s: %w", s.what, err)
	}
	return pw, nil
}
