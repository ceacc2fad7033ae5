package signer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

// crlfDeclaration is a small DmfA-like declaration with CRLF line endings.
func crlfDeclaration(lines int) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<DmfAOriginal>\r\n")
	for i := 0; i < lines; i++ {
		b.WriteString("  <Worker><INSS>85073003328</INSS><Name>Émile Dupont</Name></Worker>\r\n")
	}
	b.WriteString("</DmfAOriginal>\r\n")
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadP12(t testing.TB, id *testpki.Identity) Credential {
	t.Helper()
	cred, err := LoadP12(id.P12, []byte(id.Password))
	if err != nil {
		t.Fatalf("LoadP12: %v", err)
	}
	t.Cleanup(func() { cred.Close() })
	return cred
}

// opensslVerify checks an FS file against an FI with every openssl command
// the transfer point's procedures use: cms and smime, binary and text
// mode, DER and PEM input. It returns the failures, one per command.
func opensslVerify(t *testing.T, fiPath, fsPath, caFile string) []string {
	t.Helper()
	dir := t.TempDir()
	fsData, err := os.ReadFile(fsPath)
	if err != nil {
		t.Fatal(err)
	}
	der, err := DecodeFS(fsData)
	if err != nil {
		t.Fatalf("DecodeFS: %v", err)
	}
	derPath := writeFile(t, dir, "sig.der", der)
	// PEM as openssl writes it; -inform PEM also reads the FS as written,
	// once wrapped in a header and footer.
	pemPath := writeFile(t, dir, "sig.pem", []byte("-----BEGIN PKCS7-----\n"+strings.ReplaceAll(string(fsData), "\r\n", "\n")+"\n-----END PKCS7-----\n"))
	trust := []string{"-noverify"}
	if caFile != "" {
		trust = []string{"-CAfile", caFile, "-purpose", "any"}
	}
	var failures []string
	for _, cmd := range []string{"cms", "smime"} {
		for _, in := range [][2]string{{"DER", derPath}, {"PEM", pemPath}} {
			for _, mode := range []string{"-binary", ""} {
				args := []string{cmd, "-verify", "-inform", in[0], "-in", in[1], "-content", fiPath, "-out", filepath.Join(dir, "out")}
				if mode != "" {
					args = append(args, mode)
				}
				args = append(args, trust...)
				if _, err := testpki.Run(t, args...); err != nil {
					failures = append(failures, err.Error())
				}
			}
		}
	}
	return failures
}
