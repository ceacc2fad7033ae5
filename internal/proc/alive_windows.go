package proc

import "os"

// Alive reports whether a process with this number exists: on
// Windows, opening it fails when it does not.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
