package main

import (
	"fmt"
	"path/filepath"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
)

func init() {
	register(&command{
		name:    "verify",
		summary: "check that an FS signature matches its FI file",
		usage:   "verify FI [FS]",
		run:     runVerify,
	})
}

func runVerify(env *cliEnv, args []string) error {
	pos, err := parseFlags(newFlags("verify"), args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usagef("verify takes an FI file and optionally its FS file")
	}
	fi := pos[0]
	var fs string
	if len(pos) == 2 {
		fs = pos[1]
	} else {
		n, err := batch.ParseName(baseName(fi))
		if err != nil {
			return withHint(err, "name the FS file too: expeditor verify FI FS")
		}
		if n.Prefix != batch.FI {
			return usagef("%s is not an FI file; give the FI first", baseName(fi))
		}
		fs = filepath.Join(filepath.Dir(fi), n.With(batch.FS).String())
	}
	v, err := signer.VerifyFile(fi, fs)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "signer: %s\n", v.Signer.Subject)
	fmt.Fprintf(env.stdout, "digest: %s\n", v.Digest)
	if !v.SigningTime.IsZero() {
		fmt.Fprintf(env.stdout, "signed: %s\n", v.SigningTime.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	fmt.Fprintln(env.stdout, "ok")
	return nil
}

func baseName(p string) string { return filepath.Base(p) }
