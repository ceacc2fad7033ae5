package main

import (
	"fmt"

	"github.com/expeditor-be/expeditor/signer"
)

func init() {
	register(&command{
		name:    "check-cert",
		summary: "check a certificate against the transfer point's rules",
		usage:   "check-cert (--p12 FILE [--password-file FILE] | --pkcs11 auto|MODULE [--token LABEL] [--key LABEL] [--pin-file FILE])",
		run:     runCheckCert,
	})
}

func runCheckCert(env *cliEnv, args []string) error {
	fset := newFlags("check-cert")
	var cf credentialFlags
	cf.register(fset)
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("check-cert takes no file arguments")
	}
	if err := cf.check(); err != nil {
		return err
	}
	if !cf.given() {
		return usagef("give --p12 FILE or --pkcs11 auto")
	}
	cred, err := cf.open(env)
	if err != nil {
		return err
	}
	defer cred.Close()
	findings := signer.CheckCertificate(cred.Certificate(), now())
	for _, f := range findings {
		fmt.Fprintln(env.stdout, f)
	}
	if err := signer.BlockingError(findings); err != nil {
		return withHint(err, "use a qualified certificate: the signature certificate of your eID card or a GlobalSign PersonalSign 3 Pro certificate")
	}
	fmt.Fprintln(env.stdout, "ok: the certificate can sign for the transfer point")
	return nil
}
