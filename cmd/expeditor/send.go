package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/term"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "send",
		summary: "send signed sets to the transfer point (FI, FS, then GO)",
		usage: "send (--to URL | --profile NAME) [--identity KEY] [--ssh-rsa] [--no-epsv] [--password-file FILE]\n" +
			"       [--ca FILE] [--accept-host-key [TYPE:]SHA256:...] [--sign-test] [--retries N] [--again] [--dry-run] FI...",
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
	to, profile, identity, passwordFile, acceptHostKey, ca string
	legacyRSA, noEPSV                                      bool
}

type flagRegistry interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}

func (f *sendFlags) register(fs flagRegistry) { f.registerAs(fs, "to", "send to", "send with") }

// registerAs registers the connection flags, the address being --addrFlag
// ("to" for send, "from" for replies); the verbs start their descriptions.
func (f *sendFlags) registerAs(fs flagRegistry, addrFlag, addrVerb, profileVerb string) {
	fs.StringVar(&f.to, addrFlag, "", addrVerb+" the address `URL`: ftp://USER@HOST, ftps://USER@HOST or sftp://USER@HOST[:PORT]")
	fs.StringVar(&f.profile, "profile", "", profileVerb+" the saved profile `NAME` (see expeditor profile; \"practice\": the practice point)")
	fs.StringVar(&f.identity, "identity", "", "SFTP: the private key `FILE` registered in Chaman (OpenSSH or PEM format)")
	fs.BoolVar(&f.legacyRSA, "ssh-rsa", false, "SFTP: log in with the old ssh-rsa (SHA-1) signature, for servers that accept no other")
	fs.BoolVar(&f.noEPSV, "no-epsv", false, "FTP: use PASV instead of EPSV, for firewalls and servers that get EPSV wrong")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the FTP password (or SFTP key passphrase) from the first line of `FILE` (or set EXPEDITOR_PASSWORD)")
	fs.StringVar(&f.ca, "ca", "", "FTPS: trust the CA certificates in this PEM `FILE` instead of the system's (like ?ca=FILE in the address)")
	fs.StringVar(&f.acceptHostKey, "accept-host-key", "", acceptHostKeyUsage)
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
			return ep, auth, false, false, addressUsage(err, "for example: --to sftp://USER@%s", uploader.DefaultSFTPHost)
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
	if err := f.connectionFlags(&ep); err != nil {
		return ep, auth, false, false, err
	}
	return ep, auth, false, true, nil
}

// auth completes the secrets and host-key policy for ep through the
// workflow's rules (one for both front-ends): EXPEDITOR_PASSWORD or
// --password-file, then the keychain entry of the profile, then the
// terminal.
func (f *sendFlags) auth(env *cliEnv, ep uploader.Endpoint, auth uploader.Auth) (uploader.Auth, error) {
	t := workflow.Target{Endpoint: ep, Profile: f.profile}
	if os.Getenv("EXPEDITOR_PASSWORD") != "" || f.passwordFile != "" {
		given, err := readSecret(env, secret{what: "password", envVar: "EXPEDITOR_PASSWORD", file: f.passwordFile, fileFlag: "--password-file"})
		if err != nil {
			return auth, err
		}
		t.Secret = given
	}
	if ep.Scheme == "sftp" && ep.IdentityFile != "" {
		warnIfShared(env, ep.IdentityFile, "private key")
	}
	resolved, err := workflow.ResolveAuth(context.Background(), t, &terminalPrompter{env: env})
	switch {
	case errors.Is(err, workflow.ErrNoIdentity):
		return auth, withHint(err, "give it with --identity FILE, or save it in a profile: expeditor profile add NAME URL --identity FILE")
	case err != nil && ep.Scheme == "sftp" && !errors.Is(err, errNoTerminal):
		return auth, withHint(err, "give the private key file registered in Chaman (OpenSSH or PEM format)")
	case err != nil:
		return auth, err
	}
	if ep.Scheme == "sftp" && f.acceptHostKey != "" {
		resolved.AcceptHostKey, _ = uploader.ParseHostKeyPin(f.acceptHostKey) // checked by connectionFlags
	}
	return resolved, nil
}

// terminalPrompter is the workflow's Prompter on the command line.
type terminalPrompter struct {
	env *cliEnv
}

func (p *terminalPrompter) Secret(ctx context.Context, kind workflow.SecretKind, subject string) ([]byte, error) {
	return readSecret(p.env, secret{what: string(kind) + " of " + subject, envVar: "EXPEDITOR_PASSWORD", fileFlag: "--password-file"})
}

// ConfirmHostKey asks on the terminal (--accept-host-key answers without
// asking: see auth).
func (p *terminalPrompter) ConfirmHostKey(ctx context.Context, host, keyType, fp string) (bool, error) {
	return confirmHostKeyOnTerminal(host, keyType, fp)
}

// explainSendError adds the next step to the uploader's errors.
func explainSendError(err error, f *sendFlags) error {
	if herr, ok := explainHostKeyError(err); ok {
		return herr
	}
	var m *workflow.Message
	if errors.As(err, &m) {
		switch m.Code {
		case workflow.MsgAlreadySent:
			return withHint(err, "fetch the replies to see what the transfer point answered: expeditor replies; to send it to this account once more anyway, add --again")
		case workflow.MsgBusy:
			return withHint(err, "wait for that send to finish, then look at it with: expeditor status %s", m.Args["set"])
		case workflow.MsgGOUncertain:
			return withHint(err, "fetch the replies before sending again (expeditor replies): the acknowledgement says whether it arrived; send again with --again only if none comes")
		case workflow.MsgRecordFailed:
			return withHint(err, "the set is on its way; do not send it again")
		}
	}
	var se *uploader.SendError
	if errors.As(err, &se) && se.GOUncertain {
		// Whatever broke (or Cancel), the GO may be there: that comes first.
		return withHint(err, "fetch the replies (expeditor replies) before sending again")
	}
	switch {
	case errors.Is(err, uploader.ErrLogin):
		return withHint(err, "check the user name and password (or key) registered in Chaman; for SFTP, try --ssh-rsa")
	case errors.Is(err, uploader.ErrKeyPassphrase):
		return withHint(err, "give the passphrase with EXPEDITOR_PASSWORD or --password-file, or type it when asked")
	case errors.Is(err, uploader.ErrFolderMissing):
		return withHint(err, "the account has no folder for this environment: check the environment letter of the files and the account")
	case errors.Is(err, uploader.ErrTLSRequired):
		return withHint(err, "use the ftps:// address (--to ftps://USER@HOST, or change the profile's address)")
	case errors.Is(err, uploader.ErrTLS):
		return withHint(err, "check the address, and that the server's certificate is trusted (for a private server: --ca FILE, or ?ca=FILE in the address)")
	case errors.Is(err, uploader.ErrRefused):
		return withHint(err, "the account is not allowed to do this on the server: ask the transfer point (or the server's administrator) to check its rights")
	case errors.Is(err, uploader.ErrAlreadyOnServer):
		return withHint(err, "wait for the acknowledgement: expeditor replies")
	case errors.Is(err, context.Canceled):
		return err
	}
	if se != nil {
		switch {
		case errors.Is(err, uploader.ErrFileChanged):
			return withHint(err, "make sure no other program is changing the declaration; if it was changed, sign it again (expeditor sign --force); then send it again")
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
	fset.IntVar(&opts.Retries, "retries", 0, "try again up to `N` times after a network failure (default 3, -1 for none)")
	fset.BoolVar(&opts.DryRun, "dry-run", false, "check the sets and show what would be sent where, without connecting")
	again := fset.Bool("again", false, "send sets the ledger shows as already sent to this account (a deliberate second send)")
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
		plan, err := workflow.CheckSet(set, opts.SignTest)
		if err != nil {
			return withHint(checkSetError(err), "nothing was sent")
		}
		sets, plans = append(sets, set), append(plans, plan)
	}
	where := "the transfer point"
	var ledger *workflow.Ledger
	if haveEP {
		where = ep.String()
		if ledger, err = workflow.OpenLedger(); err != nil {
			return err
		}
		// Not closed: the command ends with the send, and closing the
		// last connection makes SQLite checkpoint its log into the
		// database and sync both, which after a large upload waits
		// behind the writeback of all the system wrote meanwhile (about
		// 100 ms in scripts/bench-upload.sh). Every record is committed;
		// the next use of the ledger checkpoints it.
		account := workflow.AccountOf(ep.User, ep.Host)
		for _, set := range sets {
			if *again {
				break
			}
			if err := ledger.CheckResend(account, set); err != nil {
				return explainSendError(err, &f)
			}
		}
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
	ctx, stop := commandContext()
	defer stop()
	prog := newProgressPrinter(env.stderr)
	opts.Progress = prog.update
	for i, set := range sets {
		res, err := ledger.Send(ctx, workflow.SendRequest{Endpoint: ep, Auth: auth, Set: set, Plan: plans[i], Again: *again, Options: opts})
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

// checkSetError is the error of workflow.CheckSet as the command line
// says it: a coded message's cause, in English already, when it has one.
func checkSetError(err error) error {
	var m *workflow.Message
	if errors.As(err, &m) && m.Err != nil && m.Code != workflow.MsgEmptyDeclaration {
		return m.Err
	}
	return err
}
