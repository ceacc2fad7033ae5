package uploader

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/expeditor-be/expeditor/batch"
)

// FuzzUnzipReply: whatever a CO file holds, unpacking it never panics,
// never writes outside the replies folder or under a hidden name, and
// leaves no temporary file; a zip over the limits unpacks nothing.
func FuzzUnzipReply(f *testing.F) {
	f.Add(zipOf(f, map[string][]byte{"FO.ACRF.999999.20261121.00001.R": sample(f, "acrf-accepted.xml")}))
	f.Add(zipOf(f, map[string][]byte{"../../evil.xml": []byte("<ACRF/>"), ".hidden": nil, "a\\b": []byte("x")}))
	f.Add(bombZip(f, 1, 1<<16))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Add([]byte("PK\x01\x02PK\x01\x02PK\x05\x06"))
	oldLimit, oldEntries := unzipLimit, maxZipEntries
	f.Cleanup(func() { unzipLimit, maxZipEntries = oldLimit, oldEntries })
	unzipLimit, maxZipEntries = 1<<15, 8
	f.Fuzz(func(t *testing.T, data []byte) {
		outer := t.TempDir()
		dir := filepath.Join(outer, "replies")
		os.Mkdir(dir, 0o700)
		co := filepath.Join(dir, "CO.ACRF.999999.20261121.00001.R")
		if err := os.WriteFile(co, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fe := fetcher{ctx: context.Background(), opts: FetchOptions{Dir: dir}}
		got := fe.unzip(FetchedReply{Remote: "OUT/CO.ACRF.999999.20261121.00001.R", Env: batch.Production, Local: co})
		if len(got) == 0 {
			t.Fatal("no result")
		}
		refused := leaveOnServer(got)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Fatalf("left %s", e.Name())
			}
			if refused && e.Name() != filepath.Base(co) {
				t.Fatalf("a refused zip unpacked %s", e.Name())
			}
		}
		if others, _ := os.ReadDir(outer); len(others) != 1 {
			t.Fatalf("wrote outside the replies folder: %v", others)
		}
	})
}

// FuzzKnownHosts: a damaged known_hosts file gives an error, never a
// panic, and never trusts a key that is not in it.
func FuzzKnownHosts(f *testing.F) {
	pub, _, _ := ed25519.GenerateKey(nil)
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		f.Fatal(err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize("sftp.example.be:8022")}, key)
	f.Add([]byte(line + "\n"))
	f.Add([]byte("@revoked * " + strings.SplitN(line, " ", 2)[1] + "\n"))
	f.Add([]byte("|1|bm90IGEgaGFzaA==|bm90IGEgaGFzaA== ssh-ed25519 AAAA\n"))
	f.Add([]byte("[sftp.example.be]:8022,10.0.0.1 ssh-rsa AAAAB3NzaC1yc2E=\n# comment\n\n"))
	other, _, _ := ed25519.GenerateKey(nil)
	otherKey, _ := ssh.NewPublicKey(other)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "known_hosts")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		k := &KnownHosts{Path: p}
		known, err := k.Lookup("sftp.example.be:8022", otherKey)
		if known && err == nil && !bytes.Contains(data, []byte(strings.Fields(knownhosts.Line([]string{"x"}, otherKey))[2])) {
			t.Fatalf("a key not in the file was trusted:\n%s", data)
		}
	})
}

// FuzzStateFiles: a damaged or hand-edited profile file gives an error or
// entries, never a panic (the first argument is kept for the corpus).
func FuzzStateFiles(f *testing.F) {
	f.Add([]byte(`[{"id":"x","set":"GO.DMFA.123456.20261121.00001.R.1","env":"R","result":"sent"}]`), []byte(`[{"name":"office","endpoint":{"scheme":"ftp","user":"u","host":"h","port":21}}]`))
	f.Add([]byte(`[{"reply":{"accepted":true,"codes":["ACRF-125"]}}]`), []byte(`[{"name":"","endpoint":{"scheme":"sftp","port":-1}}]`))
	f.Add([]byte(`{}`), []byte(`null`))
	home := f.TempDir()
	f.Fuzz(func(t *testing.T, history, profiles []byte) {
		t.Setenv("EXPEDITOR_HOME", home)
		os.WriteFile(filepath.Join(home, "history.json"), history, 0o600)
		os.WriteFile(filepath.Join(home, "profiles.json"), profiles, 0o600)
		// The history file is the ledger's to migrate (workflow.FuzzMigration).
		if ps, err := LoadProfiles(); err == nil {
			for _, p := range ps {
				FindProfile(p.Name)
				p.Endpoint.Validate()
				_ = p.Endpoint.String()
			}
		}
	})
}

// issue 11: a key path naming /dev/zero gave "out of memory".
func TestKeyFileBounded(t *testing.T) {
	if _, err := LoadIdentity("/dev/zero", nil, false); err == nil || !strings.Contains(err.Error(), "larger than 1024 KB") {
		t.Errorf("LoadIdentity(/dev/zero): %v", err)
	}
}
