// Package jsonfile keeps Expeditor's small state files (the sequence-number
// journal, the send history, the profiles): JSON read whole, changed under
// an exclusive lock shared by every Expeditor process, and written back
// atomically, so two windows or a script and the GUI never lose an update.
package jsonfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// File is one JSON state file.
type File struct {
	Path      string
	What      string // what it is, for messages: "the send history"
	IfDamaged string // the next step when it cannot be parsed
}

// Read decodes the file into v. A missing file leaves v as it is.
func (f File) Read(v any) error {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", f.What, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s %s is damaged (%v); %s", f.What, f.Path, err, f.IfDamaged)
	}
	return nil
}

// Update reads the file into a T, lets change modify it and writes the
// result back, all under the file's lock. Nothing is written when change
// returns an error.
func Update[T any](f File, change func(*T) error) error {
	unlock, err := Lock(f.Path + ".lock")
	if err != nil {
		return fmt.Errorf("%s: %w", f.What, err)
	}
	defer unlock()
	var v T
	if err := f.Read(&v); err != nil {
		return err
	}
	if err := change(&v); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(f.Path, append(b, '\n'), 0o600)
}

// Lock takes an exclusive lock by creating path, waiting up to ten seconds
// for another Expeditor to finish; a lock older than a minute is left over
// from a crash and is broken.
func Lock(path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("cannot lock %s: %w", path, err)
		}
		if info, statErr := os.Stat(path); statErr == nil && time.Since(info.ModTime()) > time.Minute {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s is locked by another Expeditor; try again, or remove that file if no other Expeditor is running", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
