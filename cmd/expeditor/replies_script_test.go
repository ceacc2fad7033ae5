package main

import (
	"archive/zip"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptSetups = append(scriptSetups, skipRepliesWithoutVsftpd)
	// mkzip ZIP NAME=FILE... writes a zip holding each FILE under NAME,
	// as the transfer point packs a large reply into a CO file.
	scriptCmds["mkzip"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 2 {
			ts.Fatalf("usage: mkzip ZIP NAME=FILE...")
		}
		f, err := os.Create(ts.MkAbs(args[0]))
		ts.Check(err)
		zw := zip.NewWriter(f)
		for _, a := range args[1:] {
			name, file, ok := strings.Cut(a, "=")
			if !ok {
				ts.Fatalf("mkzip: %q is not NAME=FILE", a)
			}
			w, err := zw.Create(name)
			ts.Check(err)
			_, err = w.Write([]byte(ts.ReadFile(file)))
			ts.Check(err)
		}
		ts.Check(zw.Close())
		ts.Check(f.Close())
	}
}

// skipRepliesWithoutVsftpd skips the replies transcripts against vsftpd
// where it cannot run (it needs root to add its user), except under CI.
func skipRepliesWithoutVsftpd(env *testscript.Env) error {
	n, ok := env.T().(interface{ Name() string })
	if !ok || !strings.Contains(n.Name(), "/replies_vsftpd") {
		return nil
	}
	var missing []string
	if _, err := exec.LookPath("vsftpd"); err != nil {
		missing = append(missing, "vsftpd")
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			return fmt.Errorf("the replies transcripts need %s under CI", strings.Join(missing, ", "))
		}
		env.T().Skip("needs " + strings.Join(missing, ", "))
	}
	return nil
}
