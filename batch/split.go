package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// OriginalsFolder is the name of the folder, next to the declarations,
// where Expeditor keeps a file's original bytes before changing it
// (splitting it into parts, converting its line endings).
const OriginalsFolder = "originals"

// Split cuts the single-part FI at path (named ….1.1) into parts of at
// most maxPart bytes, named ….K.1 … ….K.K with the same application,
// sender, date, sequence number and environment, and moves the original
// into the originals folder next to it. Cuts fall just after a line feed,
// so every part is a whole number of lines and a CRLF pair is never cut;
// a file with a line longer than maxPart is refused (LineTooLongError). A file no larger than
// maxPart is left alone and returned as the only part. Either every part
// is written and the original moved, or nothing changes.
func Split(path string, maxPart int64) (parts []string, err error) {
	parts, _, err = SplitKeep(path, maxPart)
	return parts, err
}

// SplitKeep is Split that also returns where the original was kept ("" if
// the file did not need splitting).
func SplitKeep(path string, maxPart int64) (parts []string, kept string, err error) {
	if maxPart <= 0 {
		return nil, "", fmt.Errorf("split: part size must be positive, not %d", maxPart)
	}
	base := filepath.Base(path)
	n, err := ParseName(base)
	if err != nil {
		return nil, "", err
	}
	if n.Prefix != FI {
		return nil, "", fmt.Errorf("%s is not a declaration file (FI); only FI files are split", base)
	}
	if n.Parts != 1 {
		return nil, "", fmt.Errorf("%s is part %d of %d: only a declaration in one part (….1.1) can be split; put the parts back together first", base, n.Part, n.Parts)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("cannot open the declaration: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	size := info.Size()
	if size <= maxPart {
		return []string{path}, "", nil
	}
	cuts, err := cutPoints(f, size, maxPart)
	if err != nil {
		return nil, "", err
	}
	k := len(cuts) - 1
	if k > MaxParts {
		return nil, "", fmt.Errorf("%s is %s: it would need more than %d parts of at most %s, but a declaration has at most %d parts (%d × %s is the most one declaration can carry); split its content into several declarations",
			base, megabytes(size), MaxParts, megabytes(maxPart), MaxParts, MaxParts, megabytes(maxPart))
	}

	dir := filepath.Dir(path)
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	buf := make([]byte, 1<<20)
	for i := 1; i <= k; i++ {
		pn := n
		pn.Parts, pn.Part = k, i
		target := filepath.Join(dir, pn.String())
		if _, statErr := os.Lstat(target); statErr == nil {
			return nil, "", fmt.Errorf("cannot split %s: %s already exists; move it away first", base, pn)
		}
		if err = writeRange(f, target, cuts[i-1], cuts[i], info.Mode().Perm(), buf); err != nil {
			return nil, "", fmt.Errorf("cannot write part %d of %s: %w", i, base, err)
		}
		written = append(written, target)
	}
	if kept, err = KeepOriginal(path); err != nil {
		return nil, "", err
	}
	if err = os.Remove(path); err != nil {
		os.Remove(kept)
		return nil, "", fmt.Errorf("cannot move %s into %s: %w", base, OriginalsFolder, err)
	}
	return written, kept, nil
}

// ErrLineTooLong is wrapped by LineTooLongError.
var ErrLineTooLong = errors.New("the declaration cannot be split between lines")

// LineTooLongError: the declaration has no line break within one part's
// size, so it cannot be cut between two lines. Nothing was changed.
type LineTooLongError struct {
	Offset  int64 // where the part without a line break begins
	MaxPart int64
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("%v: it has no line break in the %s from byte %d, and a part may hold at most %s; export it with line breaks (one element per line), or split it with the software that made it",
		ErrLineTooLong, megabytes(e.MaxPart), e.Offset, megabytes(e.MaxPart))
}

func (e *LineTooLongError) Unwrap() error { return ErrLineTooLong }

// cutPoints returns the offsets 0 = c0 < c1 < … < cK = size of the parts:
// each cut just after the last line feed that keeps the part within
// maxPart bytes.
func cutPoints(f io.ReaderAt, size, maxPart int64) ([]int64, error) {
	cuts := []int64{0}
	window := make([]byte, 64<<10)
	for start := int64(0); size-start > maxPart; {
		if len(cuts) > MaxParts+1 {
			break // already too many; the caller explains
		}
		end := start + maxPart
		cut := int64(-1)
		// Look backwards from end for a line feed, one window at a time.
		for hi := end; hi > start && cut < 0; {
			lo := max(start, hi-int64(len(window)))
			w := window[:hi-lo]
			if _, err := f.ReadAt(w, lo); err != nil && err != io.EOF {
				return nil, fmt.Errorf("cannot read the declaration: %w", err)
			}
			if i := bytes.LastIndexByte(w, '\n'); i >= 0 {
				cut = lo + int64(i) + 1
			}
			hi = lo
		}
		if cut < 0 {
			// A line longer than a part: a cut inside it would change
			// what the transfer point reads (issue 11). Refuse.
			return nil, &LineTooLongError{Offset: start, MaxPart: maxPart}
		}
		cuts = append(cuts, cut)
		start = cut
	}
	return append(cuts, size), nil
}

func writeRange(f io.ReaderAt, target string, from, to int64, perm fs.FileMode, buf []byte) error {
	out, err := atomicfile.Create(target, perm)
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := io.CopyBuffer(struct{ io.Writer }{out}, io.NewSectionReader(f, from, to-from), buf); err != nil {
		return err
	}
	return out.CommitNew()
}

// KeepOriginal copies the file at path into the originals folder next to
// it (created when missing) and returns the copy's path. An original kept
// earlier is never overwritten: the new copy gets a suffix (-2, -3, …).
// The copy is a hard link when the file system allows, so it is instant
// and takes no space until the file at path is replaced.
func KeepOriginal(path string) (kept string, err error) {
	dir := filepath.Join(filepath.Dir(path), OriginalsFolder)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cannot create the folder for original files: %w", err)
	}
	base := filepath.Base(path)
	for i := 1; i < 1000; i++ {
		kept = filepath.Join(dir, base)
		if i > 1 {
			kept += "-" + strconv.Itoa(i)
		}
		err := os.Link(path, kept)
		if err == nil {
			return kept, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if _, statErr := os.Lstat(kept); statErr == nil {
			continue
		}
		// No hard links here (some network or FAT drives): copy.
		if err := copyNew(context.Background(), path, kept); err != nil {
			if errors.Is(err, ErrNameTaken) {
				continue
			}
			return "", fmt.Errorf("cannot keep a copy of %s in %s: %w", base, OriginalsFolder, err)
		}
		return kept, nil
	}
	return "", fmt.Errorf("cannot keep a copy of %s: the %s folder has too many copies of it; clean it up", base, OriginalsFolder)
}

// megabytes formats a size the way the transfer point states its limit.
func megabytes(n int64) string {
	if n >= 1000*1000 {
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d bytes", n)
}
