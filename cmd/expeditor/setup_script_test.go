package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

// Transcript commands for the setup and reply-signature scripts:
//
//	mode FILE PERM
//	    fails unless FILE has exactly the permission bits PERM (octal).
//	same-key A B
//	    fails unless the OpenSSH public key lines A and B hold the same key
//	    (comments aside).
//	same-fingerprint A B
//	    fails unless the first SHA256:… fingerprints in A and B are equal.
//	reply-pki DIR
//	    makes, with openssl, a CA, a reply signer, another signer and a
//	    time-stamping authority in DIR (see testpki.MakeReplyPKI).
//	cades-t DIR IN OUT
//	    adds a timestamp token from "openssl ts" (the TSA of DIR) to the
//	    DER CMS signature IN, as a CAdES-T signature, written to OUT in
//	    base64.
func init() {
	scriptCmds["mode"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: mode FILE PERM")
		}
		info, err := os.Stat(ts.MkAbs(args[0]))
		ts.Check(err)
		got := strings.TrimPrefix(info.Mode().Perm().String(), "-")
		want := map[string]string{"600": "rw-------", "644": "rw-r--r--"}[args[1]]
		if (got == want) == neg {
			ts.Fatalf("%s has mode %s, want %s", args[0], got, args[1])
		}
	}
	scriptCmds["same-key"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: same-key A B")
		}
		key := func(f string) string {
			fields := strings.Fields(ts.ReadFile(f))
			if len(fields) < 2 {
				ts.Fatalf("%s: not a public key line", f)
			}
			return fields[0] + " " + fields[1]
		}
		if (key(args[0]) == key(args[1])) == neg {
			ts.Fatalf("%s and %s: same key is %v", args[0], args[1], !neg)
		}
	}
	scriptCmds["same-fingerprint"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: same-fingerprint A B")
		}
		re := regexp.MustCompile(`SHA256:[A-Za-z0-9+/]+`)
		a, b := re.FindString(ts.ReadFile(args[0])), re.FindString(ts.ReadFile(args[1]))
		if a == "" || (a == b) == neg {
			ts.Fatalf("fingerprints %q and %q", a, b)
		}
	}
	scriptCmds["reply-pki"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: reply-pki DIR")
		}
		if _, err := exec.LookPath("openssl"); err != nil {
			ts.Fatalf("openssl is needed: %v", err)
		}
		ts.Check(testpki.MakeReplyPKI(ts.MkAbs(args[0])))
	}
	scriptCmds["cades-t"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 3 {
			ts.Fatalf("usage: cades-t DIR IN OUT")
		}
		der, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		out, err := testpki.AddTimestamp(der, ts.MkAbs(args[0]))
		ts.Check(err)
		var b bytes.Buffer
		b.WriteString(base64.StdEncoding.EncodeToString(out))
		ts.Check(os.WriteFile(filepath.Join(ts.MkAbs(filepath.Dir(args[2])), filepath.Base(args[2])), b.Bytes(), 0o644))
	}
}
