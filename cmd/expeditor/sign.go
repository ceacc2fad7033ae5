package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "sign",
		summary: "sign declaration parts and write their FS and GO files",
		usage: "sign (--p12 FILE [--password-file FILE] | --pkcs11 auto|MODULE [--token LABEL] [--key LABEL] [--pin-file FILE])\n" +
			"       [--sign-test] [--crlf] [--split] [--single-line] [--force] FI...",
		run: runSign,
	})
}

func runSign(env *cliEnv, args []string) error {
	fset := newFlags("sign")
	var cf credentialFlags
	cf.register(fset)
	var opts signer.PrepareOptions
	fset.BoolVar(&opts.SignTest, "sign-test", false, "sign test (T) and simulation (S) files too (by default only production files get an FS)")
	fset.BoolVar(&opts.ConvertCRLF, "crlf", false, "convert bare LF line endings to CRLF before signing, so the signature verifies as the transfer point checks it (the original is kept)")
	fset.BoolVar(&opts.Split, "split", false, "split a file over 200 MB into parts (at most 9) before signing")
	fset.BoolVar(&opts.SingleLine, "single-line", false, "write the FS as one base64 line instead of 64-character lines joined by CRLF")
	fset.BoolVar(&opts.Force, "force", false, "replace FS and GO files that already exist")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("give at least one FI file to sign")
	}
	if err := cf.check(); err != nil {
		return err
	}
	needsKey := false
	for _, p := range pos {
		n, err := batch.ParseName(baseName(p))
		if err != nil {
			return withHint(err, "sign takes FI files; name a declaration first with: expeditor name --app CODE --sender NUMBER --env R|T|S FILE")
		}
		if n.Prefix != batch.FI {
			return withHint(fmt.Errorf("%s is not a declaration (FI) file", baseName(p)), "give the FI file; its FS and GO are written next to it")
		}
		if _, err := os.Stat(p); err != nil {
			return withHint(fmt.Errorf("cannot read %s: %w", p, unwrapPath(err)), "check the file name and folder")
		}
		needsKey = needsKey || workflow.SignatureNeeded(n.Env, opts.SignTest)
	}
	var cred signer.Credential
	if needsKey {
		if !cf.given() {
			return usagef("production (R) files, and test files with --sign-test, need a signature: give --p12 FILE or --pkcs11 auto")
		}
		cred, err = cf.open(env)
		if err != nil {
			return err
		}
		defer cred.Close()
		for _, f := range signer.CheckCertificate(cred.Certificate(), now()) {
			if f.Severity == signer.Warning {
				fmt.Fprintf(env.stderr, "expeditor: warning: %s\n", f.Message)
			}
		}
	}
	ctx, stop := commandContext()
	defer stop()
	opts.Now = now
	res, err := signer.Prepare(ctx, pos, cred, opts)
	switch {
	case errors.Is(err, signer.ErrAlreadyPrepared):
		return withHint(err, "add --force to replace it")
	case errors.Is(err, signer.ErrNeedsCRLF):
		return withHint(err, "add --crlf to convert it to CRLF line endings; the original is kept in the originals folder")
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted; nothing was changed: %w", err)
	case errors.Is(err, batch.ErrEmptyDeclaration):
		return withHint(err, "export the declaration again from your payroll software; nothing was written")
	case errors.Is(err, signer.ErrTooLarge):
		return withHint(err, "add --split to cut it into parts, each with its own signature")
	case err != nil:
		return diskFullHint(err, filepath.Dir(pos[0]))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(env.stderr, "expeditor: note: %s\n", n)
	}
	// The ledger keeps the digests signed, for send to check against;
	// the files are written either way.
	if err := workflow.RecordPrepared(res); err != nil {
		fmt.Fprintf(env.stderr, "expeditor: warning: the signed files are written, but the ledger could not record them (send will check them against their signatures only): %v\n", err)
	}
	for _, p := range res.Written {
		fmt.Fprintln(env.stdout, p)
	}
	return nil
}
