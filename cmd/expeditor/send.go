package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/term"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

func init() {
	register(&command{
		name:    "send",
		summary: "send signed sets to the transfer point (FI, FS, then GO)",
		usage: "send (--to URL | --profile NAME) [--identity KEY] [--ssh-rsa] [--no-epsv] [--password-file FILE]\n" +
			"       [--accept-host-key SHA256:...] [--sign-test] [--retries N] [--dry-run] FI...",
		run: runSend,
	})
}

// builtinProfiles are profiles that exist without being saved (the
// practice transfer point adds "practice"); they give the endpoint and
// the secrets to use.
var builtinProfiles = map[string]func(env *cliEnv) (uploader.Endpoint, uploader.Auth, error){}

// sendFlags are the connection flags shared by send and other commands
// that talk to the transfer point.
type sendFlags struct {
	to, profile, identity, passwordFile, acceptHostKey string
	legacyRSA, noEPSV                                  bool
}

func (f *sendFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	fs.StringVar(&f.to, "to", "", "send to URL: ftp://USER@HOST, ftps://USER@HOST or sftp://USER@HOST[:PORT]")
	fs.StringVar(&f.profile, "profile", "", "send with the saved profile NAME (see expeditor profile)")
	fs.StringVar(&f.identity, "identity", "", "SFTP private key FILE")
	fs.BoolVar(&f.legacyRSA, "ssh-rsa", false, "SFTP: log in with the old ssh-rsa signature")
	fs.BoolVar(&f.noEPSV, "no-epsv", false, "FTP: use PASV instead of EPSV")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the FTP password (or SFTP key passphrase) from FILE")
	fs.StringVar(&f.acceptHostKey, "accept-host-key", "", "trust an SFTP server whose key has this fingerprint (SHA256:...)")
}

// endpoint resolves --to/--profile into an endpoint; ok is false when
// neither was given.
func (f *sendFlags) endpoint(env *cliEnv) (ep uploader.Endpoint, auth uploader.Auth, builtin bool, ok bool, err error) {
	switch {
	case f.to != "" && f.profile != "":
		return ep, auth, false, false, usagef("choose either --to or --profile, not both")
	case f.to != "":
		ep, err = uploader.ParseEndpoint(f.to)
		if err != nil {
			return ep, auth, false, false, withHint(err, "for example: --to sftp://USER@%s", uploader.DefaultSFTPHost)
		}
	case f.profile != "":
		if b, found := builtinProfiles[f.profile]; found {
			ep, auth, err = b(env)
			return ep, auth, true, err == nil, err
		}
		p, err := uploader.FindProfile(f.profile)
		if err != nil {
			return ep, auth, false, false, withHint(err, "add it with: expeditor profile add %s URL", f.profile)
		}
		ep = p.Endpoint
	default:
		return ep, auth, false, false, nil
	}
	if f.identity != "" {
		if ep.Scheme != "sftp" {
			return ep, auth, false, false, usagef("--identity is for SFTP addresses (sftp://...)")
		}
		ep.IdentityFile = f.identity
	}
	if f.legacyRSA {
		if ep.Scheme != "sftp" {
			return ep, auth, false, false, usagef("--ssh-rsa is for SFTP addresses (sftp://...)")
		}
		ep.LegacySSHRSA = true
	}
	if f.noEPSV {
		if ep.Scheme == "sftp" {
			return ep, auth, false, false, usagef("--no-epsv is for FTP addresses")
		}
		ep.DisableEPSV = true
	}
	return ep, auth, false, true, nil
}

// secret finds the password or key passphrase: EXPEDITOR_PASSWORD,
// --password-file, the keychain entry of the profile, then the terminal.
func (f *sendFlags) secret(env *cliEnv, what string) ([]byte, error) {
	if os.Getenv("EXPEDITOR_PASSWORD") == "" && f.passwordFile == "" && f.profile != "" {
		pw, err := uploader.LookupPassword(f.profile)
		if err == nil {
			return pw, nil
		}
		if !errors.Is(err, uploader.ErrNoPassword) && !errors.Is(err, uploader.ErrNoKeychain) {
			return nil, err
		}
	}
	return readSecret(env, secret{what: what, envVar: "EXPEDITOR_PASSWORD", file: f.passwordFile, fileFlag: "--password-file"})
}

// auth completes the secrets and host-key policy for ep.
func (f *sendFlags) auth(env *cliEnv, ep uploader.Endpoint, auth uploader.Auth) (uploader.Auth, error) {
	var err error
	switch ep.Scheme {
	case "ftp", "ftps":
		if auth.Password == nil {
			if auth.Password, err = f.secret(env, "password of "+ep.User+"@"+ep.Host); err != nil {
				return auth, err
			}
		}
	case "sftp":
		if ep.IdentityFile == "" {
			return auth, withHint(errors.New("SFTP needs your private key"), "give it with --identity FILE, or save it in a profile: expeditor profile add NAME URL --identity FILE")
		}
		need, err := uploader.KeyNeedsPassphrase(ep.IdentityFile)
		if err != nil {
			return auth, withHint(err, "give the private key file registered in Chaman (OpenSSH or PEM format)")
		}
		if need && auth.KeyPassphrase == nil {
			if auth.KeyPassphrase, err = f.secret(env, "passphrase of "+ep.IdentityFile); err != nil {
				return auth, err
			}
		}
		if auth.ConfirmHostKey == nil {
			auth.ConfirmHostKey = f.confirmHostKey(env)
		}
	}
	return auth, nil
}

// confirmHostKey accepts the fingerprint given with --accept-host-key, or
// asks on the terminal.
func (f *sendFlags) confirmHostKey(env *cliEnv) func(host, fp string) (bool, error) {
	return func(host, fp string) (bool, error) {
		if f.acceptHostKey != "" {
			return f.acceptHostKey == fp, nil
		}
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return false, nil
		}
		defer tty.Close()
		if !term.IsTerminal(int(tty.Fd())) {
			return false, nil
		}
		fmt.Fprintf(tty, "The server %s is not known yet.\nIts key fingerprint is %s.\nCompare it with the fingerprint the transfer point publishes before trusting it.\nTrust this server and remember its key? [y/N] ", host, fp)
		var answer string
		fmt.Fscanln(tty, &answer)
		return strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes"), nil
	}
}

// explainSendError adds the next step to the uploader's errors.
func explainSendError(err error, f *sendFlags) error {
	var hk *uploader.HostKeyError
	switch {
	case errors.As(err, &hk) && hk.Changed:
		return err
	case errors.As(err, &hk):
		if f.acceptHostKey != "" && f.acceptHostKey != hk.Fingerprint {
			return withHint(fmt.Errorf("the server %s shows the key %s, not the %s you gave", hk.Host, hk.Fingerprint, f.acceptHostKey), "check the fingerprint with the transfer point; do not send if it does not match")
		}
		return withHint(err, "check the fingerprint with the transfer point, then run the same command with --accept-host-key %s", hk.Fingerprint)
	case errors.Is(err, uploader.ErrLogin):
		return withHint(err, "check the user name and password (or key) registered in Chaman; for SFTP, try --ssh-rsa")
	case errors.Is(err, uploader.ErrKeyPassphrase):
		return withHint(err, "give the passphrase with EXPEDITOR_PASSWORD or --password-file, or type it when asked")
	case errors.Is(err, uploader.ErrFolderMissing):
		return withHint(err, "the account has no folder for this environment: check the environment letter of the files and the account")
	case errors.Is(err, uploader.ErrTLS):
		return withHint(err, "check that the address is right; use ftp:// only if the server offers no TLS")
	case errors.Is(err, uploader.ErrAlreadyOnServer):
		return withHint(err, "wait for the acknowledgement: expeditor replies")
	case errors.Is(err, context.Canceled):
		return err
	}
	var se *uploader.SendError
	if errors.As(err, &se) {
		switch {
		case se.GOUncertain:
			return withHint(err, "fetch the replies (expeditor replies) before sending again")
		case errors.Is(err, uploader.ErrBadSignature):
			return withHint(err, "sign the declaration again (expeditor sign --force), then send it")
		case se.ResendSafe():
			return withHint(err, "send again with the same command when the connection is back")
		}
	}
	return err
}

func runSend(env *cliEnv, args []string) error {
	fset := newFlags("send")
	var f sendFlags
	f.register(fset)
	var opts uploader.SendOptions
	fset.BoolVar(&opts.SignTest, "sign-test", false, "test (T) and simulation (S) sets are signed too: send their FS files")
	fset.IntVar(&opts.Retries, "retries", 0, "how many times to try again after a network failure (default 3, -1 for none)")
	fset.BoolVar(&opts.DryRun, "dry-run", false, "check the sets and show what would be sent where, without connecting")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("give the FI files of the sets to send")
	}
	ep, auth, builtin, haveEP, err := f.endpoint(env)
	if err != nil {
		return err
	}
	if !haveEP && !opts.DryRun {
		return usagef("say where to send: --to URL or --profile NAME")
	}
	// Every set is checked before anything is sent.
	var sets []batch.Set
	var plans []*uploader.Plan
	seen := map[string]bool{}
	for _, p := range pos {
		n, err := batch.ParseName(baseName(p))
		if err != nil {
			return err
		}
		if n.Prefix != batch.FI {
			return withHint(fmt.Errorf("%s is not a declaration (FI) file", baseName(p)), "give the FI files; their FS and GO are found next to them")
		}
		if _, err := os.Stat(p); err != nil {
			return withHint(fmt.Errorf("cannot read %s: %w", p, unwrapPath(err)), "check the file name and folder")
		}
		set, err := batch.SetOf(p)
		if err != nil {
			return err
		}
		if seen[set.Key()] {
			continue
		}
		seen[set.Key()] = true
		plan, err := uploader.CheckSet(set, opts.SignTest)
		if err != nil {
			return withHint(err, "nothing was sent")
		}
		sets, plans = append(sets, set), append(plans, plan)
	}
	where := "the transfer point"
	if haveEP {
		where = ep.String()
	}
	if opts.DryRun {
		// A send reads each declaration as it leaves; a dry run reads
		// them here, to say now what the send would find.
		for _, plan := range plans {
			if err := plan.VerifyContent(context.Background(), nil); err != nil {
				return withHint(err, "nothing was sent")
			}
		}
		for _, plan := range plans {
			fmt.Fprintf(env.stdout, "would send %s to %s, folder %s:\n", plan.Set.Key(), where, plan.Folder)
			for _, pf := range plan.Files {
				fmt.Fprintf(env.stdout, "  %-40s %12d bytes\n", pf.Name, pf.Size)
			}
		}
		fmt.Fprintln(env.stdout, "dry run: nothing was sent")
		return nil
	}
	if !builtin {
		if auth, err = f.auth(env, ep, auth); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	prog := newProgressPrinter(env.stderr)
	opts.Progress = prog.update
	for i, set := range sets {
		res, err := uploader.Send(ctx, ep, auth, set, opts)
		prog.finish()
		if err != nil {
			if i > 0 {
				fmt.Fprintf(env.stderr, "expeditor: the sets before %s were sent completely\n", set.Key())
			}
			return explainSendError(err, &f)
		}
		var total int64
		for _, fr := range res.Files {
			total += fr.Size
		}
		retried := ""
		if res.Retries > 0 {
			retried = fmt.Sprintf(", after %d retries", res.Retries)
		}
		fmt.Fprintf(env.stdout, "sent %s to %s: %d files, %d bytes into %s in %.1f s%s\n",
			set.Key(), where, len(res.Files), total, plans[i].Folder, res.Duration.Seconds(), retried)
	}
	fmt.Fprintln(env.stderr, "hint: the acknowledgement usually comes the same day: expeditor replies")
	return nil
}

// progressPrinter shows a transfer's progress: a line that updates in
// place on a terminal, one line per finished file otherwise.
type progressPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	file  string
	shown bool
	last  int64
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	p := &progressPrinter{w: w}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	return p
}

func (p *progressPrinter) update(file string, done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if file != p.file {
		if p.tty && p.shown {
			fmt.Fprintln(p.w)
		}
		p.file, p.shown, p.last = file, false, -1
	}
	name := filepath.Base(file)
	if p.tty {
		pct := int64(100)
		if total > 0 {
			pct = done * 100 / total
		}
		if pct != p.last {
			fmt.Fprintf(p.w, "\r%-40s %3d%% %12d bytes", name, pct, done)
			p.last, p.shown = pct, true
		}
		return
	}
	if done == total && !p.shown {
		fmt.Fprintf(p.w, "expeditor: uploaded %s (%d bytes)\n", name, total)
		p.shown = true
	}
}

func (p *progressPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.shown {
		fmt.Fprintln(p.w)
	}
	p.file, p.shown = "", false
}
