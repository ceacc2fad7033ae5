package batch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const splitName = "FI.DMFA.123456.20261121.00001.R.1.1"

func writeSplitFile(t *testing.T, data []byte) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, splitName)
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func lines(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "line %d with some text to make it longer\r\n", i)
	}
	return b.Bytes()
}

func TestSplitAtLineEnds(t *testing.T) {
	data := lines(1000) // about 45 kB
	dir, path := writeSplitFile(t, data)
	const maxPart = 10000
	parts, err := Split(path, maxPart)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 5 {
		t.Fatalf("%d parts: %q", len(parts), parts)
	}
	var joined []byte
	for i, p := range parts {
		want := fmt.Sprintf("FI.DMFA.123456.20261121.00001.R.5.%d", i+1)
		if filepath.Base(p) != want || filepath.Dir(p) != dir {
			t.Errorf("part %d is %s, want %s", i+1, p, want)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > maxPart || len(b) == 0 {
			t.Errorf("part %d has %d bytes", i+1, len(b))
		}
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Errorf("part %d does not end with a whole line", i+1)
		}
		if info, _ := os.Stat(p); info.Mode().Perm() != 0o640 {
			t.Errorf("part %d mode %v", i+1, info.Mode().Perm())
		}
		joined = append(joined, b...)
	}
	if !bytes.Equal(joined, data) {
		t.Error("parts do not concatenate to the original")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the original is still in place")
	}
	if kept, _ := os.ReadFile(filepath.Join(dir, OriginalsFolder, splitName)); !bytes.Equal(kept, data) {
		t.Error("the original is not in originals/")
	}
}

func TestSplitLongLine(t *testing.T) {
	// issue 11: one line longer than a part was cut inside. It is refused
	// and nothing changes.
	data := []byte(strings.Repeat("x", 98) + "\r\n" + strings.Repeat("y", 250) + "\r\n")
	dir, path := writeSplitFile(t, data)
	parts, err := Split(path, 100)
	var le *LineTooLongError
	if !errors.As(err, &le) || !errors.Is(err, ErrLineTooLong) || le.Offset != 100 || parts != nil {
		t.Fatalf("%q, %v", parts, err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("the declaration changed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

func TestSplitSmallFileUntouched(t *testing.T) {
	dir, path := writeSplitFile(t, lines(3))
	parts, err := Split(path, 1000)
	if err != nil || len(parts) != 1 || parts[0] != path {
		t.Fatalf("%q %v", parts, err)
	}
	if _, err := os.Stat(filepath.Join(dir, OriginalsFolder)); err == nil {
		t.Error("originals folder created for nothing")
	}
}

func TestSplitRefusals(t *testing.T) {
	data := lines(1000)
	dir, path := writeSplitFile(t, data)
	// More than nine parts.
	_, err := Split(path, 4000)
	if err == nil || !strings.Contains(err.Error(), "at most 9 parts") {
		t.Fatalf("err = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
	// A part name that exists already: nothing written, original in place.
	existing := filepath.Join(dir, "FI.DMFA.123456.20261121.00001.R.5.3")
	os.WriteFile(existing, []byte("mine"), 0o644)
	if _, err := Split(path, 10000); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left behind: %v", entries)
	}
	if b, _ := os.ReadFile(existing); string(b) != "mine" {
		t.Error("existing file overwritten")
	}
	// Only one-part FI files are split.
	for _, name := range []string{"FI.DMFA.123456.20261121.00001.R.2.1", "FS.DMFA.123456.20261121.00001.R.1.1", "notes.txt"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		if _, err := Split(p, 10000); err == nil {
			t.Errorf("%s was split", name)
		}
	}
}

func TestKeepOriginalSuffix(t *testing.T) {
	dir, path := writeSplitFile(t, []byte("v1"))
	k1, err := KeepOriginal(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	os.WriteFile(path, []byte("v2"), 0o644)
	k2, err := KeepOriginal(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1 != filepath.Join(dir, OriginalsFolder, splitName) || k2 != k1+"-2" {
		t.Errorf("kept at %s and %s", k1, k2)
	}
	if b, _ := os.ReadFile(k1); string(b) != "v1" {
		t.Error("first original overwritten")
	}
	if b, _ := os.ReadFile(k2); string(b) != "v2" {
		t.Error("second original wrong")
	}
}
