package batch

import (
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

// ErrEmptyDeclaration: the file to name is empty, which the transfer
// point refuses (134).
var ErrEmptyDeclaration = errors.New("the file is empty: the transfer point refuses an empty declaration (refusal code 134)")

// ErrNameTaken: a file with the chosen name already exists.
var ErrNameTaken = errors.New("a file with this name already exists; Expeditor never overwrites a declaration")

// SeqTakenIn returns a test for Journal.Next and Journal.Peek that reports
// whether dir already holds a file (of any prefix) with n's sender, date
// and environment and the given sequence number, for example one made by
// another program. The folder is read once.
func SeqTakenIn(dir string, n Name) func(seq int) bool {
	used := map[string]bool{}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, de := range entries {
			m, err := ParseName(de.Name())
			if err == nil && !m.IsReply() && m.Sender == n.Sender && m.Date == n.Date && m.Env == n.Env {
				used[m.Seq] = true
			}
		}
	}
	return func(seq int) bool { return used[fmt.Sprintf("%05d", seq)] }
}

// NameDeclaration copies the declaration src into dir under the FI name
// n and returns the new path. When n.Seq is empty, the next free sequence
// number is taken from the journal; otherwise that number is reserved,
// and one already handed out, or used by a file in dir, is refused with
// code 133. It never overwrites a file, and a failed or cancelled copy
// leaves nothing behind (the sequence number stays used: never reusing
// one is what matters).
func NameDeclaration(ctx context.Context, j Sequences, src, dir string, n Name) (Name, string, error) {
	info, err := os.Stat(src)
	if err != nil {
		return n, "", err
	}
	if !info.Mode().IsRegular() {
		return n, "", fmt.Errorf("%s is not a file", src)
	}
	if info.Size() == 0 {
		return n, "", fmt.Errorf("%s: %w", filepath.Base(src), ErrEmptyDeclaration)
	}
	n.Prefix = FI
	taken := SeqTakenIn(dir, n)
	if n.Seq == "" {
		seq, err := j.Next(n.Sender, n.Date, n.Env, taken)
		if err != nil {
			return n, "", err
		}
		n.Seq = fmt.Sprintf("%05d", seq)
	} else {
		seq, _ := strconv.Atoi(n.Seq)
		if taken(seq) {
			return n, "", &NameError{Name: n.String(), Field: "sequence number", Code: CodeNameAlreadySent,
				Reason: fmt.Sprintf("a file with sequence number %s for sender %s on %s (%s) is already in %s", n.Seq, n.Sender, n.Date, n.Env, dir)}
		}
		if err := j.Reserve(n.Sender, n.Date, n.Env, seq); err != nil {
			return n, "", err
		}
	}
	if _, err := ParseName(n.String()); err != nil {
		return n, "", err
	}
	dst := filepath.Join(dir, n.String())
	return n, dst, copyNew(ctx, src, dst)
}

// copyNew copies src to dst atomically, with src's permissions, never
// replacing an existing dst (ErrNameTaken).
func copyNew(ctx context.Context, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := atomicfile.Create(dst, info.Mode().Perm())
	if err != nil {
		return err
	}
	defer out.Abort()
	// The buffer is large for speed; the struct hides ReadFrom so that
	// the copy goes through ctxReader and stops when ctx is cancelled.
	if _, err := io.CopyBuffer(struct{ io.Writer }{out}, ctxReader{ctx, in}, make([]byte, 1<<20)); err != nil {
		return err
	}
	if err := out.CommitNew(); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", filepath.Base(dst), ErrNameTaken)
		}
		return err
	}
	return nil
}

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
