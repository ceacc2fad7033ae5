package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "tokens",
		summary: "list eID cards and PKCS#11 tokens, their keys and certificates",
		usage:   "tokens [--pkcs11 auto|MODULE] [--token LABEL] [--pin-file FILE]",
		run:     runTokens,
	})
}

// moduleSearch is where --pkcs11 auto looks for modules; nil is the
// system's places. The transcript tests point it at temporary folders.
var moduleSearch *signer.ModuleSearch

// tokenFlags are the flags that choose a key on a PKCS#11 token.
type tokenFlags struct {
	module  string // "auto" or a module path; empty when no token is used
	token   string
	key     string
	pinFile string
}

func (t *tokenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.module, "pkcs11", "", "use a PKCS#11 token: auto (the Belgian eID module, then the other modules found) or the path of a `MODULE`")
	fs.StringVar(&t.token, "token", "", "choose the token by its `LABEL` (BELPIC for an eID) or serial number, when several are present")
	fs.StringVar(&t.key, "key", "", "choose the key by its `LABEL` (default: Signature, or the only key that can sign)")
	fs.StringVar(&t.pinFile, "pin-file", "", "read the token PIN from the first line of `FILE` (or set EXPEDITOR_PIN; without either, it is asked in a terminal when the token needs it)")
}

// options turns the flags into signer options. A module given as a
// relative path (./lib.so) is made absolute; a bare name is left for the
// signer to refuse, since the loader would search for it.
func (t *tokenFlags) options(env *cliEnv, prompt bool) (signer.TokenOptions, error) {
	mod := t.module
	if mod == "" {
		mod = signer.AutoModule
	}
	if mod != signer.AutoModule && !filepath.IsAbs(mod) && strings.ContainsRune(mod, os.PathSeparator) {
		abs, err := filepath.Abs(mod)
		if err != nil {
			return signer.TokenOptions{}, err
		}
		mod = abs
	}
	return signer.TokenOptions{
		Search: moduleSearch,
		Module: mod,
		Token:  t.token,
		Key:    t.key,
		PIN:    t.pinPrompt(env, prompt),
		Notify: func(msg string) { fmt.Fprintf(env.stderr, "expeditor: %s\n", msg) },
	}, nil
}

// pinPrompt gives the PIN from EXPEDITOR_PIN, the PIN file, or (when
// terminal is true) the terminal, in that order; it never waits for input
// that cannot come. The PIN is never a flag value.
func (t *tokenFlags) pinPrompt(env *cliEnv, terminal bool) signer.PINPrompt {
	if os.Getenv("EXPEDITOR_PIN") == "" && t.pinFile == "" && !terminal {
		return nil
	}
	return func(ctx context.Context, req signer.PINRequest) ([]byte, error) {
		src := secret{what: "PIN", prompt: "PIN of the card " + req.Token, envVar: "EXPEDITOR_PIN", file: t.pinFile, fileFlag: "--pin-file"}
		if req.Key != "" {
			src.prompt = fmt.Sprintf("PIN to sign with the key %q", req.Key)
		}
		switch {
		case req.FinalTry:
			src.warning = "careful: one wrong PIN more blocks the card"
		case req.CountLow:
			src.warning = "careful: a wrong PIN was typed before; few tries are left"
		}
		pin, err := readSecret(env, src)
		switch {
		case errors.Is(err, errNoTerminal):
			return nil, withHint(fmt.Errorf("%w: %w", signer.ErrPINRequired, errNoTerminal),
				"set EXPEDITOR_PIN or use --pin-file FILE. Nothing was written")
		case err != nil:
			return nil, err
		case len(pin) == 0 && src.fromTerminal():
			return nil, signer.ErrCancelled // Enter alone at the prompt
		}
		return pin, nil
	}
}

// openTokenCredential opens the key chosen by t.
func openTokenCredential(env *cliEnv, t *tokenFlags) (signer.Credential, error) {
	opts, err := t.options(env, true)
	if err != nil {
		return nil, err
	}
	cred, err := signer.OpenToken(context.Background(), opts)
	if err != nil {
		return nil, tokenHint(err)
	}
	return cred, nil
}

// tokenHint adds the next step, in command-line terms, to a token error.
func tokenHint(err error) error {
	var he hintError
	if errors.As(err, &he) {
		return err
	}
	list := "list them with: expeditor tokens --pkcs11 auto"
	switch {
	case errors.Is(err, signer.ErrNoPKCS11):
		return withHint(err, "sign with a .p12 file (--p12 FILE), or use a build of expeditor with PKCS#11 support")
	case errors.Is(err, signer.ErrAmbiguousKey):
		return withHint(err, "choose the key with --key LABEL. Nothing was written")
	case errors.Is(err, signer.ErrKeyNotFound):
		return withHint(err, "give the label of one of the token's keys with --key, or leave --key out; %s", list)
	case errors.Is(err, signer.ErrNoToken):
		// Only free slots: choosing another token would not help.
	case errors.Is(err, signer.ErrAmbiguousToken), errors.Is(err, signer.ErrTokenNotFound):
		return withHint(err, "choose the token with --token LABEL; %s", list)
	case errors.Is(err, signer.ErrPINRequired):
		return withHint(err, "set EXPEDITOR_PIN or use --pin-file FILE, or run expeditor in a terminal to type it. Nothing was written")
	}
	if h := signer.Hint(err); h != "" {
		return withHint(err, "%s", h)
	}
	return err
}

func runTokens(env *cliEnv, args []string) error {
	fset := newFlags("tokens")
	var t tokenFlags
	t.register(fset)
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("tokens takes no file arguments")
	}
	// Listing never asks for a PIN on the terminal: it uses one only when
	// given, to show keys the token hides until login.
	opts, err := t.options(env, false)
	if err != nil {
		return err
	}
	opts.Notify = nil
	reports, err := signer.ListModules(context.Background(), opts)
	if err != nil {
		return tokenHint(err)
	}
	w := env.stdout
	found := false
	for _, r := range reports {
		// Every module tried is listed, with what it found.
		fmt.Fprintf(w, "module: %s%s: %s\n", r.Path, moduleOrigin(r.ModuleCandidate), moduleStatus(r))
		for _, s := range r.Slots {
			if s.Token == nil {
				if t.token != "" {
					continue // only the chosen token is listed
				}
				if s.Free {
					fmt.Fprintf(w, "  slot: %s: free, no token initialised\n", s.Reader)
				} else {
					fmt.Fprintf(w, "  reader: %s: no card\n", s.Reader)
				}
				continue
			}
			found = true
			printToken(env, s)
		}
	}
	if t.token != "" && !found {
		return tokenHint(fmt.Errorf("%w: no token %q", signer.ErrTokenNotFound, t.token))
	}
	if err := signer.NoTokenError(reports); err != nil {
		return tokenHint(err)
	}
	return nil
}

// moduleOrigin says where a module was found: the eID middleware's
// place, a p11-kit registration, or the --pkcs11 path.
func moduleOrigin(m signer.ModuleCandidate) string {
	switch {
	case m.EID:
		return " (Belgian eID middleware)"
	case strings.HasSuffix(m.Source, ".module"):
		return " (p11-kit: " + m.Name + ")"
	}
	return ""
}

func moduleStatus(r signer.ModuleReport) string {
	if r.Err != nil {
		return "cannot be loaded: " + r.Err.Error()
	}
	return r.Status()
}

// printToken lists a token's keys and certificates, and the key sign uses.
func printToken(env *cliEnv, s signer.Slot) {
	w := env.stdout
	tok := s.Token
	fmt.Fprintf(w, "  reader: %s\n", s.Reader)
	fmt.Fprintf(w, "    token: %q, serial %s, %s %s\n", tok.Label, tok.Serial, tok.Manufacturer, tok.Model)
	fmt.Fprintf(w, "    PIN: %s\n", pinWords(tok))
	if s.Err != nil {
		fmt.Fprintf(w, "    error: %s\n", s.Err)
		return
	}
	shown := map[string]bool{}
	for _, k := range tok.Keys {
		extra := ""
		if k.AlwaysAuthenticate {
			extra = ", PIN for every signature"
		}
		fmt.Fprintf(w, "    key: %s%s\n", k.Describe(), extra)
		if k.Certificate == nil {
			fmt.Fprintln(w, "      no certificate")
			continue
		}
		shown[string(k.Certificate.Cert.Raw)] = true
		printCert(env, "      certificate", *k.Certificate)
	}
	for _, c := range tok.Certificates {
		if !shown[string(c.Cert.Raw)] {
			printCert(env, "    other certificate", c)
		}
	}
	def, derr := workflow.DefaultKey(tok)
	switch {
	case workflow.KeysHidden(tok):
		fmt.Fprintln(w, "    note: the token shows its private keys only after login: set EXPEDITOR_PIN or use --pin-file FILE to list them")
	case def != "":
		fmt.Fprintf(w, "    signs with: %q\n", def)
	case derr != nil:
		fmt.Fprintf(w, "    signs with: no default key: %s\n", derr)
	}
}

func pinWords(t *signer.TokenInfo) string {
	var s string
	switch {
	case t.PINLocked:
		return "blocked"
	case t.ProtectedAuthPath:
		s = "typed on the card reader"
	case t.LoginRequired:
		s = "asked by expeditor"
	default:
		s = "asked by the card's own software"
	}
	switch {
	case t.PINFinalTry:
		s += " (one try left)"
	case t.PINCountLow:
		s += " (few tries left)"
	}
	return s
}

func printCert(env *cliEnv, prefix string, c signer.CertInfo) {
	w := env.stdout
	fmt.Fprintf(w, "%s: %q\n", prefix, c.Label)
	ind := strings.Repeat(" ", len(prefix)-len(strings.TrimLeft(prefix, " "))+2)
	fmt.Fprintf(w, "%ssubject: %s\n", ind, c.Subject())
	fmt.Fprintf(w, "%sissuer: %s\n", ind, c.Issuer())
	fmt.Fprintf(w, "%svalid: %s to %s\n", ind, c.Cert.NotBefore.UTC().Format("2006-01-02"), c.Cert.NotAfter.UTC().Format("2006-01-02"))
	ku := strings.Join(c.KeyUsage(), ", ")
	if ku == "" {
		ku = "(none)"
	}
	if !c.CanSign() {
		ku += ": not valid for signing"
	}
	fmt.Fprintf(w, "%skey usage: %s\n", ind, ku)
}
