package testservers

import (
	"os"
	"path/filepath"
	"testing"
)

// CacheDir is where scripts/deps.sh test unpacks the FTP servers whose
// Debian packages conflict with vsftpd (ProFTPD, Pure-FTPd):
// $EXPEDITOR_TEST_CACHE, by default /var/cache/expeditor-test.
func CacheDir() string {
	if d := os.Getenv("EXPEDITOR_TEST_CACHE"); d != "" {
		return d
	}
	return "/var/cache/expeditor-test"
}

// unpacked returns the path of a program unpacked under CacheDir()/root,
// or skips the test (fails it under CI) when it is not there.
func unpacked(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(CacheDir(), "root", rel)
	reason := ""
	if _, err := os.Stat(p); err != nil {
		reason = p + " is not unpacked (scripts/deps.sh test does it)"
	} else if os.Geteuid() != 0 {
		reason = filepath.Base(p) + " tests need root (to create a test user)"
	}
	if reason == "" {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s, and CI is set: run scripts/deps.sh test, as root", reason)
	}
	t.Skip(reason)
	return ""
}
