// Package atomicfile writes files so that a reader never sees half of one:
// the bytes go to a temporary file in the same folder, which is synced and
// then renamed (or linked, to refuse overwriting) into place.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned by CommitNew when the target already exists.
var ErrExists = fs.ErrExist

// File is a temporary file that becomes its target on Commit.
type File struct {
	*os.File
	target string
	done   bool
}

// Create starts writing target. Nothing appears at target until Commit.
func Create(target string, perm os.FileMode) (*File, error) {
	cleanOnce(filepath.Dir(target))
	f, err := os.CreateTemp(filepath.Dir(target), tempPattern(target))
	if err != nil {
		return nil, err
	}
	// Chmod is not supported everywhere (Windows); the default is fine there.
	_ = f.Chmod(perm)
	return &File{File: f, target: target}, nil
}

// Target is the path the file will have once committed.
func (f *File) Target() string { return f.target }

func (f *File) finish() error {
	if f.done {
		return errors.New("atomicfile: already committed or aborted")
	}
	f.done = true
	if err := f.Sync(); err != nil {
		f.File.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.File.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// Commit moves the file into place, replacing any file already there.
func (f *File) Commit() error {
	if err := f.finish(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), f.target); err != nil {
		os.Remove(f.Name())
		return err
	}
	syncDir(filepath.Dir(f.target))
	return nil
}

// CommitNew moves the file into place only if nothing is there yet; it
// returns an error wrapping ErrExists otherwise, and the temporary file is
// removed either way.
func (f *File) CommitNew() error {
	if err := f.finish(); err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := os.Link(f.Name(), f.target); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists: %w", f.target, ErrExists)
		}
		// Some file systems have no hard links: fall back to a checked rename.
		if _, statErr := os.Lstat(f.target); statErr == nil {
			return fmt.Errorf("%s already exists: %w", f.target, ErrExists)
		}
		if err := os.Rename(f.Name(), f.target); err != nil {
			return err
		}
	}
	syncDir(filepath.Dir(f.target))
	return nil
}

// Abort removes the temporary file. It is safe to call after Commit, so
// `defer f.Abort()` cleans up on every error path.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to path atomically, replacing what is there.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// WriteNew writes data to path atomically, refusing to replace a file.
func WriteNew(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.CommitNew()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not supported on every platform
		d.Close()
	}
}
