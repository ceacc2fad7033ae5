package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "profile",
		summary: "save, list and remove transfer point addresses",
		usage: "profile add [--identity KEY] [--ssh-rsa] [--no-epsv] [--ca FILE] [--password-file FILE] [--no-password] [--reply-trust FILE] NAME URL\n" +
			"       expeditor profile list\n" +
			"       expeditor profile remove NAME",
		run: runProfile,
	})
}

func runProfile(env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usagef("say add, list or remove")
	}
	if args[0] == "help" || isHelpArg(args[0]) || args[0] != "add" && slices.ContainsFunc(args, isHelpArg) {
		return runProfileAdd(env, []string{"--help"}) // the usage, with the options of profile add
	}
	switch args[0] {
	case "add":
		return runProfileAdd(env, args[1:])
	case "list":
		if len(args) > 1 {
			return usagef("profile list takes no argument")
		}
		ps, err := uploader.LoadProfiles()
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			fmt.Fprintln(env.stderr, "expeditor: no profile saved yet")
			fmt.Fprintln(env.stderr, "hint: add one with: expeditor profile add NAME sftp://USER@"+uploader.DefaultSFTPHost)
			return nil
		}
		for _, p := range ps {
			fmt.Fprintf(env.stdout, "%-16s %s\n", p.Name, p.Endpoint)
		}
		return nil
	case "remove", "rm":
		if len(args) != 2 {
			return usagef("give the name of the profile to remove")
		}
		if err := uploader.RemoveProfile(args[1]); err != nil {
			return err
		}
		fmt.Fprintf(env.stderr, "expeditor: removed profile %s\n", args[1])
		return nil
	}
	return usagef("unknown profile action %q: use add, list or remove", args[0])
}

func runProfileAdd(env *cliEnv, args []string) error {
	fset := newFlags("profile add")
	identity := fset.String("identity", "", "SFTP: the private key `FILE` registered in Chaman (OpenSSH or PEM format)")
	legacy := fset.Bool("ssh-rsa", false, "SFTP: log in with the old ssh-rsa (SHA-1) signature, for servers that accept no other")
	noEPSV := fset.Bool("no-epsv", false, "FTP: use PASV instead of EPSV, for firewalls and servers that get EPSV wrong")
	ca := fset.String("ca", "", "FTPS: trust the CA certificates in this PEM `FILE` instead of the system's (like ?ca=FILE in the address)")
	pwFile := fset.String("password-file", "", "read the password (or key passphrase) to keep in the system keychain from the first line of `FILE` (or set EXPEDITOR_PASSWORD)")
	noPassword := fset.Bool("no-password", false, "keep no password: it is asked (or read from EXPEDITOR_PASSWORD or --password-file) at each send")
	replyTrust := fset.String("reply-trust", "", "check the signer of the transfer point's replies against the CA certificates in this PEM `FILE` (instead of pinning it on first sight)")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("give a NAME and an address URL")
	}
	ep, err := uploader.ParseEndpoint(pos[1])
	if err != nil {
		return addressUsage(err, "for example: expeditor profile add %s sftp://USER@%s --identity ~/.ssh/id_rsa", pos[0], uploader.DefaultSFTPHost)
	}
	if *identity != "" {
		ep.IdentityFile = *identity
	}
	ep.LegacySSHRSA = ep.LegacySSHRSA || *legacy
	ep.DisableEPSV = ep.DisableEPSV || *noEPSV
	if *ca != "" {
		ep.CAFile = *ca
	}
	ep, err = workflow.ProfileEndpoint(ep)
	switch {
	case errors.Is(err, workflow.ErrNoIdentity):
		return usagef("an SFTP profile needs --identity KEY, the private key registered in Chaman")
	case err != nil:
		return err
	}
	if ep.IdentityFile != "" {
		if _, err := os.Stat(ep.IdentityFile); err != nil {
			return withHint(fmt.Errorf("cannot read the key %s: %w", ep.IdentityFile, unwrapPath(err)), "give the path of the private key file")
		}
	}
	p := uploader.Profile{Name: pos[0], Endpoint: ep}
	if *replyTrust != "" {
		if _, err := uploader.LoadTrust(*replyTrust); err != nil {
			return withHint(err, "give a PEM file of the CA certificates of the transfer point's reply signer")
		}
		p.ReplyTrust, _ = filepath.Abs(*replyTrust)
	}
	if err := uploader.ValidProfileName(p.Name); err != nil {
		return usagef("%v", err)
	}
	// The password is kept only when one is given or typed.
	var pw []byte
	wantPW := !*noPassword && (ep.Scheme != "sftp" || *pwFile != "" || os.Getenv("EXPEDITOR_PASSWORD") != "")
	if wantPW {
		pw, err = readSecret(env, secret{what: "password to keep for " + p.Name, envVar: "EXPEDITOR_PASSWORD", file: *pwFile, fileFlag: "--password-file"})
		if err != nil {
			if !errors.Is(err, errNoTerminal) {
				return err
			}
			pw = nil // no terminal: it will be asked (or read) at each send
		}
		defer clear(pw)
	}
	warnings, err := uploader.SaveProfile(p)
	if err != nil {
		return err
	}
	if ep.Scheme != "sftp" && pw != nil {
		warnings = uploader.CheckCredentials(ep, pw)
	}
	for _, w := range warnings {
		fmt.Fprintf(env.stderr, "expeditor: warning: %s\n", w.Message)
	}
	fmt.Fprintf(env.stdout, "saved profile %s: %s\n", p.Name, p.Endpoint)
	if pw != nil {
		if err := uploader.StorePassword(p.Name, pw); err != nil {
			fmt.Fprintf(env.stderr, "expeditor: warning: the password was not saved: %v\n", err)
		} else {
			fmt.Fprintln(env.stderr, "expeditor: the password is kept in the system keychain")
		}
	}
	fmt.Fprintf(env.stderr, "hint: send with: expeditor send --profile %s FI...\n", p.Name)
	return nil
}
