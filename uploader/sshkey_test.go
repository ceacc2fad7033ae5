package uploader

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// A new key opens with its passphrase only, passes the Chaman key check,
// and nothing is ever replaced or left half-written.
func TestGenerateSSHKey(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "id")
	if _, err := GenerateSSHKey(key, 1024, []byte("secret pass"), "x"); !errors.Is(err, ErrKeySize) {
		t.Errorf("1024 bits: %v", err)
	}
	if _, err := GenerateSSHKey(key, 2048, []byte("abc"), "x"); !errors.Is(err, ErrShortPassphrase) {
		t.Errorf("short passphrase: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("refused keys wrote %v", entries)
	}

	k, err := GenerateSSHKey(key, 2048, []byte("secret pass"), "office")
	if err != nil {
		t.Fatal(err)
	}
	if k.Bits != 2048 || k.Private != key || k.Public != key+".pub" {
		t.Errorf("key: %+v", k)
	}
	if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("private key mode: %v %v", info.Mode(), err)
	}
	if _, err := LoadIdentity(key, nil, false); !errors.Is(err, ErrKeyPassphrase) {
		t.Errorf("without the passphrase: %v", err)
	}
	s, err := LoadIdentity(key, []byte("secret pass"), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.PublicKey().Type(); got != "ssh-rsa" {
		t.Errorf("type %s", got)
	}
	if w := CheckCredentials(Endpoint{Scheme: "sftp", User: "ACME0001", IdentityFile: key}, nil); len(w) != 0 {
		t.Errorf("Chaman warnings for a new key: %v", w)
	}

	// Any file of the pair already there: nothing written at all.
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other+".pub.pem", []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateSSHKey(other, 2048, []byte("secret pass"), ""); !errors.Is(err, ErrKeyExists) || !errors.Is(err, fs.ErrExist) {
		t.Errorf("existing file: %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the private key was written anyway: %v", err)
	}
}
