package practice

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/signer"
)

// demoCredential makes a demo .p12 with DemoCert and loads it back, as a
// newcomer would.
func demoCredential(t *testing.T) signer.Credential {
	t.Helper()
	p := filepath.Join(t.TempDir(), "demo.p12")
	pw, err := DemoCert(p)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := signer.LoadP12(p, []byte(pw))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cred.Close() })
	return cred
}

// signNil fills every FS left nil with a real signature of the FI of the
// same part in files.
func signNil(t *testing.T, cred signer.Credential, files []upload) []upload {
	t.Helper()
	out := append([]upload(nil), files...)
	for i, f := range out {
		if !strings.HasPrefix(f.name, "FS.") || f.data != nil {
			continue
		}
		fi := "FI." + strings.TrimPrefix(f.name, "FS.")
		var data []byte
		for _, g := range files {
			if g.name == fi {
				data = g.data
			}
		}
		if data == nil { // no matching FI: sign the usual declaration
			data = decl
		}
		der, err := signer.SignDetached(bytes.NewReader(data), cred, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out[i].data = signer.EncodeFS(der, false)
	}
	return out
}
