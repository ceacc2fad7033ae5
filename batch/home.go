package batch

import (
	"fmt"
	"os"
	"path/filepath"
)

// Home returns Expeditor's configuration folder: $EXPEDITOR_HOME when set,
// otherwise "expeditor" in the user's configuration folder. It is created
// (private to the user) when missing.
func Home() (string, error) {
	dir := os.Getenv("EXPEDITOR_HOME")
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("cannot find your configuration folder: %w; set EXPEDITOR_HOME to a folder Expeditor may use", err)
		}
		dir = filepath.Join(base, "expeditor")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cannot create the configuration folder: %w", err)
	}
	return dir, nil
}
