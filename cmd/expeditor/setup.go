package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// "expeditor setup" helps with what a sender registers in Chaman (the
// social security's registration service) before a first upload: an SFTP
// key, an FTP account that follows the rules, the signing certificate.

func init() {
	register(&command{
		name:    "setup",
		summary: "prepare the account to register in Chaman: SFTP key, account rules, certificate",
		usage: "setup sftp-key [--bits 2048|3072|4096] [--out FILE] [--passphrase-file FILE] [--comment TEXT]\n" +
			"       expeditor setup check-account --user USER [--password-file FILE] [--sftp]\n" +
			"       expeditor setup export-cert (--p12 FILE [--password-file FILE] | --pkcs11 auto|MODULE [--token LABEL] [--key LABEL]) --out FILE [--pem]",
		run: runSetup,
	})
}

func runSetup(env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usagef("say sftp-key, check-account or export-cert")
	}
	switch args[0] {
	case "sftp-key":
		return runSetupKey(env, args[1:])
	case "check-account":
		return runCheckAccount(env, args[1:])
	case "export-cert":
		return runExportCert(env, args[1:])
	case "-h", "-help", "--help":
		return helpError{}
	}
	return usagef("unknown setup action %q: use sftp-key, check-account or export-cert", args[0])
}

// chamanSFTPSteps is what to do in Chaman with a new key.
const chamanSFTPSteps = `next, in Chaman (the social security's registration service, on www.socialsecurity.be):
  1. open the registration of your SFTP channel (or create it) for your sender number;
  2. give the public key: upload %[1]s, or paste its one line; if the form asks for
     another form, %[2]s holds it as PEM and %[3]s as RFC 4716 (SSH2);
  3. check that the fingerprint Chaman shows is %[4]s;
  4. keep %[5]s and its passphrase safe: they log you in. Never send them to anyone.`

func runSetupKey(env *cliEnv, args []string) error {
	fset := newFlags("setup sftp-key")
	bits := fset.Int("bits", uploader.DefaultKeyBits, "RSA key size in `BITS`: 2048, 3072 or 4096")
	keyType := fset.String("type", "rsa", "key `TYPE`: rsa (the only type the transfer point accepts)")
	out := fset.String("out", "", "write the private key to `FILE` (default ~/.ssh/expeditor_rsa); the public key goes to FILE.pub, FILE.pub.pem and FILE.pub.rfc4716")
	pf := fset.String("passphrase-file", "", "read the passphrase of the new key from the first line of `FILE` (or set EXPEDITOR_KEY_PASSPHRASE)")
	comment := fset.String("comment", "expeditor", "the comment `TEXT` at the end of the public key line")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("setup sftp-key takes no argument; give the file with --out FILE")
	}
	if !strings.EqualFold(*keyType, "rsa") {
		return usagef("--type %s: the transfer point accepts RSA keys only", *keyType)
	}
	if *bits != 2048 && *bits != 3072 && *bits != 4096 {
		return usagef("--bits %d: Chaman accepts RSA keys of 2048, 3072 or 4096 bits", *bits)
	}
	path := *out
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return withHint(err, "give the key file with --out FILE")
		}
		dir := filepath.Join(home, ".ssh")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return withHint(fmt.Errorf("cannot create %s: %w", dir, err), "give the key file with --out FILE")
		}
		path = filepath.Join(dir, "expeditor_rsa")
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	for _, f := range uploader.SSHKeyFiles(path) {
		if _, err := os.Lstat(f); err == nil {
			return withHint(fmt.Errorf("%s is already there; expeditor never replaces a key", f), "choose another file with --out FILE, or remove the old key if you are sure it is not registered in Chaman")
		}
	}
	src := secret{what: "passphrase of the new key", prompt: "passphrase for the new key (at least 5 characters)", envVar: "EXPEDITOR_KEY_PASSPHRASE", file: *pf, fileFlag: "--passphrase-file"}
	pass, err := readSecret(env, src)
	if err != nil {
		return err
	}
	defer clear(pass)
	if src.fromTerminal() {
		again, err := readSecret(env, secret{what: "passphrase again", envVar: src.envVar, fileFlag: src.fileFlag})
		if err != nil {
			return err
		}
		same := string(again) == string(pass)
		clear(again)
		if !same {
			return errors.New("the two passphrases differ; nothing was written")
		}
	}
	fmt.Fprintf(env.stderr, "expeditor: making a %d-bit RSA key (this takes a few seconds)…\n", *bits)
	k, err := uploader.GenerateSSHKey(path, *bits, pass, *comment)
	switch {
	case errors.Is(err, uploader.ErrShortPassphrase):
		return withHint(err, "choose a longer passphrase. Nothing was written")
	case errors.Is(err, fs.ErrExist):
		return withHint(err, "choose another file with --out FILE")
	case err != nil:
		return err
	}
	fmt.Fprintf(env.stdout, "private key: %s (OpenSSH format, encrypted with the passphrase)\n", k.Private)
	fmt.Fprintf(env.stdout, "public key:  %s\n", k.Public)
	fmt.Fprintf(env.stdout, "             %s (PEM)\n", k.PublicPEM)
	fmt.Fprintf(env.stdout, "             %s (RFC 4716)\n", k.PublicRFC4716)
	fmt.Fprintf(env.stdout, "fingerprint: %s (RSA %d bits)\n", k.Fingerprint, k.Bits)
	fmt.Fprintf(env.stdout, chamanSFTPSteps+"\n", k.Public, k.PublicPEM, k.PublicRFC4716, k.Fingerprint, k.Private)
	return offerSFTPProfile(env, k.Private)
}

// offerSFTPProfile offers to save an SFTP profile with the new key: on a
// terminal it asks; otherwise it prints the command.
func offerSFTPProfile(env *cliEnv, key string) error {
	cmd := fmt.Sprintf("expeditor profile add NAME sftp://USER@%s --identity %s", uploader.DefaultSFTPHost, shellQuote(key))
	in, ok := env.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		fmt.Fprintf(env.stderr, "hint: once the key is registered, save a profile with: %s\n", cmd)
		return nil
	}
	r := bufio.NewReader(in)
	ask := func(q string) string {
		fmt.Fprint(env.stderr, q)
		s, _ := r.ReadString('\n')
		return strings.TrimSpace(s)
	}
	user := ask("save an SFTP profile with this key? your SFTP user name (empty: no): ")
	if user == "" {
		fmt.Fprintf(env.stderr, "hint: later, save a profile with: %s\n", cmd)
		return nil
	}
	name := ask("name of the profile [office]: ")
	if name == "" {
		name = "office"
	}
	ep, err := workflow.ProfileEndpoint(uploader.Endpoint{Scheme: "sftp", User: user, IdentityFile: key})
	if err != nil {
		return withHint(err, "save it later with: %s", cmd)
	}
	warnings, err := uploader.SaveProfile(uploader.Profile{Name: name, Endpoint: ep})
	if err != nil {
		return withHint(err, "save it later with: %s", cmd)
	}
	for _, w := range warnings {
		fmt.Fprintf(env.stderr, "expeditor: warning: %s\n", w.Message)
	}
	fmt.Fprintf(env.stdout, "saved profile %s: %s\n", name, ep)
	return nil
}

func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"$\\`!*?&;|<>()") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

func runCheckAccount(env *cliEnv, args []string) error {
	fset := newFlags("setup check-account")
	user := fset.String("user", "", "the FTP or SFTP `USER` name to check")
	pwFile := fset.String("password-file", "", "read the FTP password to check from the first line of `FILE` (or set EXPEDITOR_PASSWORD)")
	sftp := fset.Bool("sftp", false, "an SFTP account: only the user name has rules (it logs in with a key)")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("setup check-account takes no argument; give --user USER")
	}
	if *user == "" {
		return usagef("give the user name with --user USER")
	}
	var pw []byte
	if !*sftp {
		pw, err = readSecret(env, secret{what: "FTP password to check", envVar: "EXPEDITOR_PASSWORD", file: *pwFile, fileFlag: "--password-file"})
		switch {
		case errors.Is(err, errNoTerminal):
			fmt.Fprintln(env.stderr, "expeditor: note: the password is not checked (give it with EXPEDITOR_PASSWORD or --password-file FILE)")
			pw = nil
		case err != nil:
			return err
		}
		defer clear(pw)
	}
	broken := uploader.CheckAccount(*user, pw)
	for _, w := range broken {
		fmt.Fprintf(env.stdout, "broken: %s\n", w.Message)
		if w.Fix != "" {
			fmt.Fprintf(env.stdout, "  change: %s\n", w.Fix)
		}
	}
	if len(broken) > 0 {
		return withHint(fmt.Errorf("%d Chaman %s broken", len(broken), plural(len(broken), "rule is", "rules are")),
			"change them in Chaman (the social security's registration service) and in your profile, then check again")
	}
	what := "the user name and the password follow"
	if pw == nil {
		what = "the user name follows"
	}
	fmt.Fprintf(env.stdout, "ok: %s the Chaman rules\n", what)
	return nil
}

func runExportCert(env *cliEnv, args []string) error {
	fset := newFlags("setup export-cert")
	var cf credentialFlags
	cf.register(fset)
	out := fset.String("out", "", "write the certificate to `FILE` (never replaced)")
	asPEM := fset.Bool("pem", false, "write PEM text instead of binary DER (the default)")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("setup export-cert takes no file argument; give --out FILE")
	}
	if err := cf.check(); err != nil {
		return err
	}
	if !cf.given() {
		return usagef("give --p12 FILE or --pkcs11 auto")
	}
	if *out == "" {
		return usagef("give the file to write with --out FILE")
	}
	if _, err := os.Lstat(*out); err == nil {
		return withHint(fmt.Errorf("%s is already there; expeditor never replaces it", *out), "choose another file with --out FILE")
	}
	cred, err := cf.open(env)
	if err != nil {
		return err
	}
	defer cred.Close()
	cert := cred.Certificate()
	findings := signer.CheckCertificate(cert, now())
	for _, f := range findings {
		fmt.Fprintln(env.stdout, f)
	}
	if err := signer.ExportCertificate(cert, *out, *asPEM); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return withHint(fmt.Errorf("%s is already there; expeditor never replaces it", *out), "choose another file with --out FILE")
		}
		return fmt.Errorf("cannot write %s: %w", *out, err)
	}
	form := "DER"
	if *asPEM {
		form = "PEM"
	}
	fmt.Fprintf(env.stdout, "wrote %s (%s)\n", *out, form)
	switch signer.ChamanFTP(cert) {
	case signer.ChamanEID:
		fmt.Fprintln(env.stdout, "chaman: accepted for FTP/SFTP: the signature certificate of a Belgian eID card")
	case signer.ChamanGlobalSign:
		fmt.Fprintln(env.stdout, "chaman: accepted for FTP/SFTP if it is a GlobalSign PersonalSign 3 Pro certificate (check your order)")
	default:
		fmt.Fprintln(env.stdout, "chaman: NOT accepted for FTP/SFTP: only the signature certificate of an eID card or a GlobalSign PersonalSign 3 Pro certificate are")
	}
	if err := signer.BlockingError(findings); err != nil {
		return withHint(err, "the file is written, but this certificate cannot sign for the transfer point")
	}
	fmt.Fprintln(env.stdout, `next, in Chaman: open your channel's registration, choose to replace the certificate and give this file`)
	return nil
}
