package uploader

import (
	"fmt"
	"io"
	"os"
)

// Bounds of the small files Expeditor reads whole: a key file, a CA file.
// A wrong path (/dev/zero, a disk image) must give a message, not fill the
// memory (issue 11).
const (
	maxKeyFile = 1 << 20 // an SSH private or public key: a few KB
	maxCAFile  = 4 << 20 // a PEM bundle of CA certificates
)

// readBounded reads path whole, refusing a file larger than limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d KB, far larger than the file expected there; check the path", path, limit>>10)
	}
	return b, nil
}
