package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zalando/go-keyring"
	"golang.org/x/crypto/ssh"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/internal/testservers"
	"github.com/expeditor-be/expeditor/signer"
)

func init() {
	// Transcripts never touch the real keychain; having none is the
	// common case on servers, so that is what they see.
	keyring.MockInitWithError(errors.New("no keychain in the transcript tests"))
	scriptSetups = append(scriptSetups, skipWithoutServers)
	scriptCmds["vsftpd"] = cmdVsftpd
	scriptCmds["sshd"] = cmdSSHD
	scriptCmds["mkset"] = cmdMkset
}

// skipWithoutServers skips the send transcripts where vsftpd and sshd
// cannot run, except under CI.
func skipWithoutServers(env *testscript.Env) error {
	n, ok := env.T().(interface{ Name() string })
	if !ok || !strings.Contains(n.Name(), "/send") {
		return nil
	}
	var missing []string
	for _, b := range []string{"vsftpd", "/usr/sbin/sshd", "ssh-keygen", "openssl"} {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			return fmt.Errorf("the send transcripts need %s under CI", strings.Join(missing, ", "))
		}
		env.T().Skip("needs " + strings.Join(missing, ", "))
	}
	return nil
}

// scriptTB lets the testservers and testpki helpers run inside a
// transcript: failures fail the script, cleanups run when it ends.
type scriptTB struct {
	testing.TB // nil; only the methods below are called
	ts         *testscript.TestScript
	dir        string
	n          int
}

func (s *scriptTB) Helper()                     {}
func (s *scriptTB) Name() string                { return "script" }
func (s *scriptTB) Failed() bool                { return false }
func (s *scriptTB) Cleanup(f func())            { s.ts.Defer(f) }
func (s *scriptTB) Logf(f string, args ...any)  { s.ts.Logf(f, args...) }
func (s *scriptTB) Log(args ...any)             { s.ts.Logf("%s", fmt.Sprint(args...)) }
func (s *scriptTB) Fatal(args ...any)           { s.ts.Fatalf("%s", fmt.Sprint(args...)) }
func (s *scriptTB) Fatalf(f string, a ...any)   { s.ts.Fatalf(f, a...) }
func (s *scriptTB) Errorf(f string, a ...any)   { s.ts.Fatalf(f, a...) }
func (s *scriptTB) Skip(args ...any)            { s.ts.Fatalf("cannot run: %s", fmt.Sprint(args...)) }
func (s *scriptTB) Setenv(k, v string)          { s.ts.Setenv(k, v) }
func (s *scriptTB) Context() context.Context    { return context.Background() }
func (s *scriptTB) Deadline() (time.Time, bool) { return time.Time{}, false }
func (s *scriptTB) TempDir() string {
	s.n++
	dir := filepath.Join(s.dir, ".tmp", strconv.Itoa(s.n))
	s.ts.Check(os.MkdirAll(dir, 0o700))
	return dir
}

func newScriptTB(ts *testscript.TestScript) *scriptTB {
	return &scriptTB{ts: ts, dir: ts.Getenv("WORK")}
}

// vsftpd [-tls] starts vsftpd and sets FTP_URL (ftp:// or ftps://),
// FTP_PASSWORD, FTP_ROOT and FTP_CA.
func cmdVsftpd(ts *testscript.TestScript, neg bool, args []string) {
	tls := len(args) == 1 && args[0] == "-tls"
	s := testservers.StartVsftpd(newScriptTB(ts), testservers.FTPOptions{TLS: tls})
	scheme := "ftp"
	if tls {
		scheme = "ftps"
	}
	ts.Setenv("FTP_URL", scheme+"://"+s.User+"@"+s.Addr)
	ts.Setenv("FTP_USER", s.User)
	ts.Setenv("FTP_PASSWORD", s.Password)
	ts.Setenv("FTP_ROOT", s.Root)
	ts.Setenv("FTP_CA", s.CAFile)
}

// sshd [-legacy] [-keys TYPE,TYPE...] starts sshd and sets SSH_URL,
// SSH_KEY, SSH_FP (the fingerprint of its first host key) and SSH_ROOT;
// every fingerprint variable has a twin NAME_RE quoted for regexps;
// with -keys (ssh-keygen types: ed25519, ecdsa, rsa) it has a host key of
// each type, whose fingerprints are in SSH_FP_ED25519, SSH_FP_ECDSA and
// SSH_FP_RSA.
func cmdSSHD(ts *testscript.TestScript, neg bool, args []string) {
	var opts testservers.SSHOptions
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-legacy":
			opts.LegacyRSAOnly = true
		case args[i] == "-keys" && i+1 < len(args):
			opts.HostKeyTypes = strings.Split(args[i+1], ",")
			i++
		default:
			ts.Fatalf("usage: sshd [-legacy] [-keys TYPE,TYPE...]")
		}
	}
	s := testservers.StartSSHD(newScriptTB(ts), opts)
	ts.Setenv("SSH_URL", "sftp://"+s.User+"@"+s.Addr)
	ts.Setenv("SSH_KEY", s.KeyPath)
	ts.Setenv("SSH_ROOT", s.Root)
	// Fingerprints hold '+': each has a twin quoted for regular expressions.
	fps := map[string]string{"SSH_FP": s.HostKeyFingerprint}
	for typ, k := range s.HostKeys {
		fps["SSH_FP_"+strings.ToUpper(typ)] = ssh.FingerprintSHA256(k)
	}
	for name, fp := range fps {
		ts.Setenv(name, fp)
		ts.Setenv(name+"_RE", regexp.QuoteMeta(fp))
	}
}

// mkset ENV PARTS DIR writes a signed set of PARTS parts of the
// environment ENV in DIR (sender 123456, today, sequence 00001) and sets
// FI to its first part.
func cmdMkset(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: mkset ENV PARTS DIR")
	}
	parts, _ := strconv.Atoi(args[1])
	dir := ts.MkAbs(args[2])
	ts.Check(os.MkdirAll(dir, 0o755))
	date := time.Now().Format(batch.DateLayout)
	var fis []string
	for i := 1; i <= parts; i++ {
		p := filepath.Join(dir, fmt.Sprintf("FI.DMFA.123456.%s.00001.%s.%d.%d", date, args[0], parts, i))
		content := fmt.Sprintf("<Part>%d</Part>\r\n", i) + strings.Repeat("<DmfAOriginal><Quarter>20264</Quarter></DmfAOriginal>\r\n", 2000)
		ts.Check(os.WriteFile(p, []byte(content), 0o644))
		fis = append(fis, p)
	}
	id := testpki.New(newScriptTB(ts), testpki.Options{Key: "rsa2048"})
	cred, err := signer.LoadP12(id.P12, []byte(id.Password))
	ts.Check(err)
	defer cred.Close()
	_, err = signer.Prepare(context.Background(), fis, cred, signer.PrepareOptions{SignTest: true})
	ts.Check(err)
	ts.Setenv("FI", fis[0])
}
