package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"

	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
)

// addressUsage turns a refused transfer point address into a usage error
// (exit 2, with the command's usage), keeping the example as a hint line.
// The address error already says how the address was read.
func addressUsage(err error, format string, args ...any) error {
	return usagef("%s\nhint: %s", lowerFirst(err.Error()), fmt.Sprintf(format, args...))
}

// maxSecretFile bounds what is read of a password, PIN or passphrase
// file: a secret is a line, and /dev/zero must not fill the memory
// (issue 11: --password-file /dev/zero ended in "out of memory").
const maxSecretFile = 4 << 10

// errSecretFileTooLarge: the file named for a secret is larger than any
// secret.
var errSecretFileTooLarge = fmt.Errorf("it is larger than %d KB, which no password is", maxSecretFile>>10)

// readSecretFile reads at most maxSecretFile bytes of path.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		clear(b)
		return nil, err
	}
	if len(b) > maxSecretFile {
		clear(b)
		return nil, errSecretFileTooLarge
	}
	return b, nil
}

// warnIfShared warns when a file holding a secret (a password file, a
// private key) can be read by other users of the computer.
func warnIfShared(env *cliEnv, path, what string) {
	if runtime.GOOS == "windows" {
		return // permissions are ACLs there; the mode bits say nothing
	}
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o077 == 0 {
		return
	}
	fmt.Fprintf(env.stderr, "expeditor: warning: the %s %s can be read by other users of this computer (permissions %04o)\n", what, path, info.Mode().Perm())
	fmt.Fprintf(env.stderr, "hint: make it private with: chmod 600 %s\n", path)
}

// diskFullHint adds the hint "free space in FOLDER" to an error that comes
// from a full disk (or a quota); other errors are returned as they are.
func diskFullHint(err error, folder string) error {
	if err == nil || !isDiskFull(err) {
		return err
	}
	var he hintError
	if errors.As(err, &he) && he.hint != "" {
		return err
	}
	return withHint(err, "free space in %s, then run the command again; nothing was lost", folder)
}

func isDiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	// ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL.
	var e syscall.Errno
	return runtime.GOOS == "windows" && errors.As(err, &e) && (e == 39 || e == 112)
}

// p12Hint words the next step for a .p12 file that cannot sign.
func p12Hint(err error) error {
	switch {
	case errors.Is(err, signer.ErrNoPrivateKey):
		return withHint(err, "a .p12 exported without its private key cannot sign; export it again with the key, or sign with your eID card: --pkcs11 auto")
	case errors.Is(err, signer.ErrP12TooMuchWork):
		return withHint(err, "this is not a usual export; export the certificate again, for example with: openssl pkcs12 -export -inkey KEY -in CERT -out signer.p12")
	}
	return err
}

// flagUsage words a flag parsing error: "unknown flag --foo" rather than
// Go's "flag provided but not defined: -foo".
func flagUsage(err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return usagef("unknown flag -%s", name)
	}
	return usagef("%s", msg)
}

// repliesFaultHint is the next step after a fetch some files of which hit
// a full disk or Expeditor's limits; "" when none did.
func repliesFaultHint(got []uploader.FetchedReply, dir string) string {
	for _, r := range got {
		if r.Err != nil && isDiskFull(r.Err) {
			return fmt.Sprintf("free space in %s, then run the command again; the replies already kept are safe", dir)
		}
	}
	for _, r := range got {
		if errors.Is(r.Err, uploader.ErrReplyTooLarge) || errors.Is(r.Err, uploader.ErrZipTooLarge) {
			return "the replies already kept are safe; what is over Expeditor's limits stays on the server: run the command again for what one run could not take, and ask the transfer point's helpdesk about a file no real reply is as large as"
		}
	}
	return ""
}
