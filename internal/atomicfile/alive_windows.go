package atomicfile

import "os"

// processAlive reports whether a process with this number exists: on
// Windows, opening it fails when it does not.
func processAlive(pid int) bool {
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
