package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// issue 11: hidden temporary files of a killed process stayed forever.
// Those of a process that is gone, or too old, go at the next write in
// the folder; those of this process and of a running one stay.
func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	// A process that has ended: its number is free.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(cmd.Process.Pid)
	// A process that runs.
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	alive := strconv.Itoa(sleeper.Process.Pid)
	write := func(name string, age time.Duration) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		os.Chtimes(p, old, old)
	}
	write(".FS.DMFA.123456.20261121.00001.R.1.1.tmp-"+dead+"-123", 0)                               // gone: removed
	write(".FS.DMFA.123456.20261121.00001.R.1.2.tmp-"+alive+"-456", 0)                              // running: kept
	write(".FS.DMFA.123456.20261121.00001.R.1.3.tmp-"+alive+"-457", 48*time.Hour)                   // too old: removed
	write(".GO.DMFA.123456.20261121.00001.R.1.tmp-"+strconv.Itoa(os.Getpid())+"-789", 48*time.Hour) // ours: kept
	write(".FI.DMFA.123456.20261121.00001.R.1.1.tmp-99", 2*time.Hour)                               // an older version's, old: removed
	write(".FI.DMFA.123456.20261121.00001.R.1.2.tmp-98", time.Minute)                               // an older version's, recent: kept
	write("FS.DMFA.123456.20261121.00001.R.1.1.tmp-"+dead+"-1", 48*time.Hour)                       // not hidden: not ours
	write(".notes.tmp-abc", 48*time.Hour)                                                           // not our pattern
	os.Mkdir(filepath.Join(dir, ".dir.tmp-"+dead+"-5"), 0o700)                                      // not a file

	// The first Create in the folder cleans it.
	f, err := Create(filepath.Join(dir, "FS.DMFA.123456.20261121.00002.R.1.1"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != filepath.Base(f.Name()) {
			left = append(left, e.Name())
		}
	}
	want := []string{
		".FI.DMFA.123456.20261121.00001.R.1.2.tmp-98",
		".FS.DMFA.123456.20261121.00001.R.1.2.tmp-" + alive + "-456",
		".GO.DMFA.123456.20261121.00001.R.1.tmp-" + strconv.Itoa(os.Getpid()) + "-789",
		".dir.tmp-" + dead + "-5",
		".notes.tmp-abc",
		"FS.DMFA.123456.20261121.00001.R.1.1.tmp-" + dead + "-1",
	}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left:\n%q\nwant:\n%q", left, want)
	}
	if !tempName.MatchString(filepath.Base(f.Name())) {
		t.Errorf("Create named its file %s, which CleanStale does not recognise", f.Name())
	}
}

func TestPermLike(t *testing.T) {
	dir := t.TempDir()
	fi := filepath.Join(dir, "FI")
	os.WriteFile(fi, nil, 0o600)
	os.Chmod(fi, 0o640)
	if got := PermLike(fi, 0o644); got != 0o640 {
		t.Errorf("PermLike = %o, want 640", got)
	}
	os.Chmod(fi, 0o755)
	if got := PermLike(fi, 0o644); got != 0o644 {
		t.Errorf("PermLike of an executable = %o, want 644", got)
	}
	if got := PermLike(filepath.Join(dir, "none"), 0o600); got != 0o600 {
		t.Errorf("PermLike of nothing = %o, want the fallback", got)
	}
}
