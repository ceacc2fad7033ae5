package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/expeditor-be/expeditor/uploader"
)

// issue 11: a full disk gave a bare "no space left on device".
func TestDiskFullHint(t *testing.T) {
	full := fmt.Errorf("cannot write FS.X: %w", &fs.PathError{Op: "write", Path: "/data/.FS.X.tmp-1-2", Err: syscall.ENOSPC})
	var he hintError
	if err := diskFullHint(full, "/data"); !errors.As(err, &he) || !strings.Contains(he.hint, "free space in /data") || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("disk full: %#v", err)
	}
	other := errors.New("other")
	if err := diskFullHint(other, "/data"); err != other {
		t.Errorf("other error changed: %v", err)
	}
	if diskFullHint(nil, "/data") != nil {
		t.Error("nil error changed")
	}
}

// issue 11: --password-file /dev/zero ended in "out of memory".
func TestReadSecretFileBounded(t *testing.T) {
	if _, err := readSecretFile("/dev/zero"); !errors.Is(err, errSecretFileTooLarge) {
		t.Errorf("/dev/zero: %v", err)
	}
	p := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(p, []byte("s3cret\n"), 0o600)
	if b, err := readSecretFile(p); err != nil || string(b) != "s3cret\n" {
		t.Errorf("%q, %v", b, err)
	}
}

func TestWarnIfShared(t *testing.T) {
	p := filepath.Join(t.TempDir(), "key")
	os.WriteFile(p, []byte("k"), 0o600)
	var stderr bytes.Buffer
	env := &cliEnv{stderr: &stderr}
	warnIfShared(env, p, "private key")
	if stderr.Len() != 0 {
		t.Errorf("private file warned: %s", stderr.String())
	}
	os.Chmod(p, 0o644)
	warnIfShared(env, p, "private key")
	if !strings.Contains(stderr.String(), "warning: the private key "+p+" can be read by other users") || !strings.Contains(stderr.String(), "chmod 600") {
		t.Errorf("shared file: %q", stderr.String())
	}
}

// A send stopped because the declaration changed (or another program
// opened it for writing) while it left says to stop that program and sign
// again only if it was changed; a signature that does not match says to
// sign again.
func TestSendChangedHint(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("FI.X: %w: FI.X was opened for writing by another program while it was being sent", uploader.ErrFileChanged), "no other program is changing the declaration"},
		{fmt.Errorf("FI.X: %w", uploader.ErrBadSignature), "sign the declaration again"},
	} {
		err := explainSendError(&uploader.SendError{Set: "GO.X", Folder: "IN", Err: tc.err}, &sendFlags{})
		var he hintError
		if !errors.As(err, &he) || !strings.Contains(he.hint, tc.want) || !errors.Is(err, tc.err) {
			t.Errorf("%v: hint %q, want %q", tc.err, he.hint, tc.want)
		}
	}
}
