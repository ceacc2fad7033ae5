//go:build cgo

package signer

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expeditor-be/expeditor/internal/softhsm"
)

// discoverySearch registers the real SoftHSM2 module with p11-kit in
// temporary folders (by a relative name, resolved in the module folder,
// as distributions do), next to a registration of a file that is not a
// PKCS#11 library. eidPath is where the eID middleware is looked for.
func discoverySearch(t *testing.T, mod string) (search *ModuleSearch, eidPath string) {
	t.Helper()
	root := t.TempDir()
	confDir, modDir, eidDir := filepath.Join(root, "modules"), filepath.Join(root, "pkcs11"), filepath.Join(root, "beid")
	for _, d := range []string{confDir, modDir, eidDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(mod, filepath.Join(modDir, "libsofthsm2.so")); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(confDir, "softhsm2.module"), "module: libsofthsm2.so\n")
	write(filepath.Join(modDir, "broken.so"), "not a library")
	write(filepath.Join(confDir, "broken.module"), "module: broken.so\n")
	write(filepath.Join(confDir, "p11-kit-trust.module"), "module: p11-kit-trust.so\n")
	eidPath = filepath.Join(eidDir, "libbeidpkcs11.so.0")
	return &ModuleSearch{EIDPaths: []string{eidPath}, P11KitConfigDirs: []string{confDir}, P11KitModuleDirs: []string{modDir}}, eidPath
}

// With auto, a SoftHSM2 configuration with no token (only SoftHSM's free
// slot) is neither "no card reader" nor "no card in the reader", and
// tokens lists every module tried with what it found.
func TestAutoWithEmptySoftHSM(t *testing.T) {
	mod := softhsm.Require(t)
	search, _ := discoverySearch(t, mod)
	empty, err := softhsm.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", empty.Conf)
	opts := TokenOptions{Module: AutoModule, Search: search}
	_, err = OpenToken(context.Background(), opts)
	if !errors.Is(err, ErrTokenNotFound) || errors.Is(err, ErrNoCard) {
		t.Fatalf("err = %v, want ErrTokenNotFound", err)
	}
	for _, want := range []string{"softhsm2: no token, only a free slot", "broken: cannot be loaded"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	reports, err := ListModules(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 2 {
		t.Fatalf("reports %+v, want softhsm2 and broken", reports)
	}
	for _, r := range reports {
		switch r.Name {
		case "softhsm2":
			if r.Err != nil || len(r.Slots) != 1 || !r.Slots[0].Free || r.Status() != "no token, only a free slot" {
				t.Errorf("softhsm2: %+v (%s)", r, r.Status())
			}
		case "broken":
			if !errors.Is(r.Err, ErrModuleLoad) {
				t.Errorf("broken: %v", r.Err)
			}
		default:
			t.Errorf("unexpected module %+v", r)
		}
	}
}

// The eID middleware's module is preferred to another module showing the
// same tokens (OpenSC sees the eID card too). A copy of SoftHSM2 stands
// in for the middleware: only the card reader needs a stand-in, and
// there is none here.
func TestAutoPrefersEIDModule(t *testing.T) {
	mod := softhsm.Require(t)
	search, eidPath := discoverySearch(t, mod)
	fx, err := softhsm.NewFixture(t.TempDir(), softhsm.TokenRSA)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", fx.Conf)
	copyFile(t, mod, eidPath)
	opts := TokenOptions{Module: AutoModule, Search: search, Token: softhsm.TokenRSA, PIN: (&countingPIN{pin: fx.PIN}).prompt}
	reports, err := ListModules(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 3 || !reports[0].EID || reports[0].Name != "Belgian eID" || reports[0].Path != eidPath || reports[0].Tokens() != 1 {
		t.Fatalf("first module %+v, want the eID module with the token", reports[0])
	}
	cred, err := OpenToken(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cred.Close()
	if got := cred.(*tokenCredential).mod.path; got != eidPath {
		t.Errorf("signing with the module %s, want the eID module %s", got, eidPath)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
