//go:build cgo

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/expeditor-be/expeditor/internal/softhsm"
	"github.com/expeditor-be/expeditor/signer"
)

// Transcript commands for the PKCS#11 scripts (pkcs11_*.txtar, tokens*.txtar):
//
//	softhsm [rsa|ec|always|two...|empty]
//	    makes real SoftHSM2 tokens in $WORK/softhsm (all four by default,
//	    see internal/softhsm; "empty": none, only SoftHSM's free slot)
//	    and sets SOFTHSM2_CONF, SOFTHSM_MODULE (the
//	    module path), SOFTHSM_AUTO ("auto" when p11-kit registers SoftHSM,
//	    else the module path) and SOFTHSM_TRUST (CA bundle). The user PIN
//	    of every token is 1234.
//	p11-search [-eid]
//	    makes --pkcs11 auto look in $WORK/p11 only: p11-kit registrations
//	    of SoftHSM2 (softhsm2, by a relative name) and of a file that is
//	    not a library (broken); with -eid, a copy of SoftHSM2 where the
//	    eID middleware is looked for, standing in for it (there is no
//	    card reader in the tests).
//	p11-crlf FILE...
//	    rewrites each file with CRLF line endings (txtar files have LF), as
//	    declarations must be to verify in both openssl modes.
//	p11-openssl-verify FI FS
//	    checks the FS against the FI with the real openssl, binary and
//	    text mode, trusting $SOFTHSM_TRUST.
func init() {
	scriptCmds["softhsm"] = cmdSoftHSM
	scriptCmds["p11-openssl-verify"] = cmdP11OpensslVerify
	scriptCmds["p11-search"] = cmdP11Search
	// The expeditor command of the transcripts runs in this test binary:
	// p11-search points its module search at the test's folders.
	if dir := os.Getenv("EXPEDITOR_TEST_P11_SEARCH"); dir != "" {
		moduleSearch = &signer.ModuleSearch{
			EIDPaths:         []string{filepath.Join(dir, "beid", "libbeidpkcs11.so.0")},
			P11KitConfigDirs: []string{filepath.Join(dir, "modules")},
			P11KitModuleDirs: []string{filepath.Join(dir, "pkcs11")},
		}
	}
	scriptSetups = append(scriptSetups, skipWithoutSoftHSM)
	scriptCmds["p11-crlf"] = func(ts *testscript.TestScript, neg bool, args []string) {
		for _, a := range args {
			p := ts.MkAbs(a)
			b, err := os.ReadFile(p)
			ts.Check(err)
			b = []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n", "\r\n"))
			ts.Check(os.WriteFile(p, b, 0o644))
		}
	}
}

var fixtureTokens = map[string]string{
	"rsa": softhsm.TokenRSA, "ec": softhsm.TokenEC, "always": softhsm.TokenAlways, "two": softhsm.TokenTwo,
}

func cmdSoftHSM(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! softhsm")
	}
	mod, err := softhsm.Module()
	if err != nil {
		ts.Fatalf("%v", err) // skipped in setup when allowed
	}
	if len(args) == 1 && args[0] == "empty" {
		h, err := softhsm.New(ts.MkAbs("softhsm"))
		ts.Check(err)
		ts.Setenv("SOFTHSM2_CONF", h.Conf)
		ts.Setenv("SOFTHSM_MODULE", mod)
		return
	}
	var tokens []string
	for _, a := range args {
		tok, ok := fixtureTokens[a]
		if !ok {
			ts.Fatalf("unknown fixture token %q", a)
		}
		tokens = append(tokens, tok)
	}
	fx, err := softhsm.NewFixture(ts.MkAbs("softhsm"), tokens...)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Setenv("SOFTHSM2_CONF", fx.Conf)
	ts.Setenv("SOFTHSM_MODULE", mod)
	ts.Setenv("SOFTHSM_TRUST", fx.Trust)
	auto := mod
	real, _ := filepath.EvalSymlinks(mod)
	for _, m := range signer.FindModules() {
		if p, _ := filepath.EvalSymlinks(m.Path); p == real {
			auto = signer.AutoModule
		}
	}
	if auto != signer.AutoModule && os.Getenv("CI") != "" {
		ts.Fatalf("under CI, SoftHSM2 must be registered with p11-kit (package softhsm2-common) so --pkcs11 auto is tested")
	}
	ts.Setenv("SOFTHSM_AUTO", auto)
}

func cmdP11OpensslVerify(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: p11-openssl-verify FI FS")
	}
	fi, fsPath := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	data, err := os.ReadFile(fsPath)
	ts.Check(err)
	der, err := signer.DecodeFS(data)
	ts.Check(err)
	derPath := fsPath + ".der"
	ts.Check(os.WriteFile(derPath, der, 0o600))
	defer os.Remove(derPath)
	var failures []string
	for _, mode := range []string{"-binary", ""} {
		args := []string{"smime", "-verify", "-inform", "DER", "-in", derPath, "-content", fi,
			"-CAfile", ts.Getenv("SOFTHSM_TRUST"), "-purpose", "any", "-out", os.DevNull}
		if mode != "" {
			args = append(args, mode)
		}
		if err := ts.Exec("openssl", args...); err != nil {
			failures = append(failures, "openssl "+strings.Join(args, " ")+": "+err.Error())
		}
	}
	switch {
	case neg && len(failures) < 2:
		ts.Fatalf("openssl accepted the signature")
	case !neg && len(failures) > 0:
		ts.Fatalf("openssl refused the signature:\n%s", strings.Join(failures, "\n"))
	}
}

// skipWithoutSoftHSM skips the PKCS#11 transcripts when SoftHSM2 is not
// installed, except under CI where it must be.
func skipWithoutSoftHSM(env *testscript.Env) error {
	n, ok := env.T().(interface{ Name() string })
	if !ok {
		return nil
	}
	name := n.Name()
	if !strings.Contains(name, "/tokens") && !strings.Contains(name, "/pkcs11_") {
		return nil
	}
	if _, err := softhsm.Module(); err != nil {
		if os.Getenv("CI") != "" {
			return fmt.Errorf("SoftHSM2 is required under CI: %w", err)
		}
		env.T().Skip("SoftHSM2 not installed: " + err.Error())
	}
	return nil
}

func cmdP11Search(ts *testscript.TestScript, neg bool, args []string) {
	mod, err := softhsm.Module()
	ts.Check(err)
	dir := ts.MkAbs("p11")
	for _, d := range []string{"modules", "pkcs11", "beid"} {
		ts.Check(os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	ts.Check(os.Symlink(mod, filepath.Join(dir, "pkcs11", "libsofthsm2.so")))
	ts.Check(os.WriteFile(filepath.Join(dir, "modules", "softhsm2.module"), []byte("module: libsofthsm2.so\n"), 0o644))
	ts.Check(os.WriteFile(filepath.Join(dir, "pkcs11", "broken.so"), []byte("not a library"), 0o644))
	ts.Check(os.WriteFile(filepath.Join(dir, "modules", "broken.module"), []byte("module: broken.so\n"), 0o644))
	if len(args) == 1 && args[0] == "-eid" {
		data, err := os.ReadFile(mod)
		ts.Check(err)
		// A copy, not a link: a link would be recognised as SoftHSM2.
		ts.Check(os.WriteFile(filepath.Join(dir, "beid", "libbeidpkcs11.so.0"), data, 0o755))
	}
	ts.Setenv("EXPEDITOR_TEST_P11_SEARCH", dir)
}
