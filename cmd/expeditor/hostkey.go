package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/expeditor-be/expeditor/uploader"
)

// acceptHostKeyUsage describes --accept-host-key in send and replies.
const acceptHostKeyUsage = "SFTP: on first contact, trust the server key with the fingerprint `[TYPE:]SHA256:...` " +
	"as the transfer point gives it (TYPE: ssh-rsa, ssh-ed25519 or ecdsa; without TYPE, the key of whichever type matches)"

// connectionFlags applies --ca and checks --accept-host-key, the flags of
// send and replies that depend on the scheme of the address.
func (f *sendFlags) connectionFlags(ep *uploader.Endpoint) error {
	if f.ca != "" {
		if ep.Scheme != "ftps" {
			return usagef("--ca is for FTPS addresses (ftps://...)")
		}
		if _, err := os.Stat(f.ca); err != nil {
			return withHint(fmt.Errorf("cannot read the CA certificate %s: %w", f.ca, unwrapPath(err)), "give the PEM file of the certificate that signed the server's certificate")
		}
		ep.CAFile = f.ca
	}
	if f.acceptHostKey != "" {
		if ep.Scheme != "sftp" {
			return usagef("--accept-host-key is for SFTP addresses (sftp://...)")
		}
		if _, err := uploader.ParseHostKeyPin(f.acceptHostKey); err != nil {
			return usagef("--accept-host-key: %v", err)
		}
	}
	return nil
}

// confirmHostKeyOnTerminal asks whether to trust a server seen for the
// first time; without a terminal the key is refused, and the error that
// follows says how to accept it.
func confirmHostKeyOnTerminal(host, keyType, fp string) (bool, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return false, nil
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return false, nil
	}
	fmt.Fprintf(tty, "The server %s is not known yet.\nIts %s key has the fingerprint %s.\n"+
		"Compare it with the fingerprint the transfer point publishes before trusting it\n"+
		"(if you were given the fingerprint of another key type, answer no and run again with --accept-host-key TYPE:SHA256:...).\n"+
		"Trust this server and remember its key? [y/N] ", host, keyType, fp)
	var answer string
	fmt.Fscanln(tty, &answer)
	return strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes"), nil
}

// explainHostKeyError words the next step after a refused SFTP host key.
func explainHostKeyError(err error) (error, bool) {
	var hk *uploader.HostKeyError
	var te *uploader.HostKeyTypeError
	switch {
	case errors.As(err, &hk) && hk.Changed:
		return err, true
	case errors.As(err, &hk) && hk.Pin != "":
		return withHint(err, "check the fingerprint with the transfer point; do not send if it matches none of these keys"), true
	case errors.As(err, &hk):
		return withHint(err, "check the fingerprint with the transfer point, then run the same command with --accept-host-key %s:%s "+
			"(if you were given the fingerprint of another key type, such as ssh-rsa, give that one: the server is asked for that key)", hk.KeyType, hk.Fingerprint), true
	case errors.As(err, &te):
		return withHint(err, "check the fingerprint and key type with the transfer point; give the fingerprint of one of the types the server offers"), true
	}
	return err, false
}
