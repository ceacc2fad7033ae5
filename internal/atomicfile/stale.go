package atomicfile

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/expeditor-be/expeditor/internal/proc"
)

// A process killed before it could clean up (SIGKILL, a power cut) leaves
// its hidden temporary files behind: ".FS.DMFA….tmp-PID-RANDOM", up to the
// size of a declaration part (issue 11 saw 51 MB). The next process that
// writes in the same folder removes them: those of a process that is gone,
// and any too old to belong to a running one. Temporary files of a
// process still running are left alone.

// Ages after which a temporary file is stale even if its process seems
// alive (its number may have been reused), and after which one of an
// older version (no process number in its name) is.
var (
	staleAge      = 24 * time.Hour
	staleAgeNoPID = time.Hour
)

// tempName matches the names Create gives: "." + target + ".tmp-" +
// [PID "-"] + random digits.
var tempName = regexp.MustCompile(`^\..+\.tmp-(?:([0-9]+)-)?[0-9]+$`)

// tempPattern is the os.CreateTemp pattern of a temporary file for target.
func tempPattern(target string) string {
	return "." + filepath.Base(target) + ".tmp-" + strconv.Itoa(os.Getpid()) + "-*"
}

var cleaned sync.Map // folder → struct{}: cleaned by this process already

// cleanOnce runs CleanStale on dir the first time this process writes
// there.
func cleanOnce(dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if _, done := cleaned.LoadOrStore(dir, struct{}{}); done {
		return
	}
	CleanStale(dir)
}

// CleanStale removes from dir the temporary files that processes which
// ended without cleaning up left there, and returns their names. It never
// touches a file of this process, of another process still running, or
// anything but a regular file named the way Create names them.
func CleanStale(dir string) (removed []string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	now := time.Now()
	for _, e := range entries {
		m := tempName.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(info.ModTime())
		if m[1] == "" {
			if age < staleAgeNoPID {
				continue
			}
		} else {
			pid, err := strconv.Atoi(m[1])
			if err != nil || pid == os.Getpid() {
				continue
			}
			if age < staleAge && proc.Alive(pid) {
				continue
			}
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			removed = append(removed, e.Name())
		}
	}
	return removed
}

// PermLike returns the permission bits a file written beside path should
// have: those of path, without execute bits (an FS and a GO take the
// permissions of their declaration, so a declaration kept private keeps
// its signature private too). It returns fallback when path cannot be
// read.
func PermLike(path string, fallback os.FileMode) os.FileMode {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return fallback
	}
	return info.Mode().Perm() &^ 0o111
}
