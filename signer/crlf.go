package signer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// Why line endings matter: the transfer point's own procedure signs with
// `openssl smime -sign` in text mode, and OpenSSL verifies detached content
// in text mode (`openssl cms -verify` without -binary) after rewriting it
// the same way (SMIME_crlf_copy). That rewrite reads the content in lines
// (chunks of at most 1023 bytes ending at a line feed), strips every
// trailing CR and LF of each chunk and writes CRLF back when the chunk
// ended with a line feed. A signature over the exact bytes therefore
// verifies in both modes only when the rewrite changes nothing. That is
// guaranteed when every LF is preceded by exactly one CR and every CR is
// followed by an LF: CRLF line endings throughout, no stray CR. (A stray CR
// in the middle of a line sometimes survives the rewrite, depending on
// where the 1023-byte chunks fall; Expeditor does not rely on that.)

// LineEndings describes the line breaks of a file.
type LineEndings struct {
	Size   int64 // bytes
	Lines  int64 // line feeds
	CRLF   int64 // CR LF pairs
	BareLF int64 // LF without a CR before it
	BareCR int64 // CR without an LF after it (also the first CR of CR CR LF)
	// FirstBadLine is the line number (from 1) of the first bare LF or CR,
	// 0 when there is none.
	FirstBadLine int64
	// TextModeSafe reports that the file has CRLF line endings throughout
	// (or no line break at all), so a signature over its bytes verifies in
	// binary and in text mode alike.
	TextModeSafe bool
}

// Problem explains in plain words why the file is not text-mode safe, or
// returns "" when it is.
func (l LineEndings) Problem() string {
	switch {
	case l.TextModeSafe:
		return ""
	case l.BareLF > 0 && l.CRLF == 0 && l.BareCR == 0:
		return fmt.Sprintf("the file has Unix line endings (LF, %d lines); the transfer point checks signatures of text files with Windows line endings (CRLF)", l.BareLF)
	case l.BareCR == 0:
		return fmt.Sprintf("the file mixes line endings: %d lines end with CRLF, %d with LF only (first at line %d); the transfer point checks signatures of text files with CRLF line endings", l.CRLF, l.BareLF, l.FirstBadLine)
	}
	return fmt.Sprintf("the file has %d carriage returns (CR) that do not end a line properly (first at line %d) and %d lines ending with LF only; the transfer point checks signatures of text files with CRLF line endings", l.BareCR, l.FirstBadLine, l.BareLF)
}

// LineCounter is an io.Writer that counts the line endings of what goes
// through it, so they are checked in the same read as the file is hashed
// (or uploaded). Its zero value is ready to use.
type LineCounter struct {
	l      LineEndings
	prevCR bool // the last byte written was a CR
}

func (c *LineCounter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	// Nearly every declaration is CRLF throughout: prove that quickly, and
	// count its lines with the vectorised counter. Only a write that holds
	// a bad line ending is looked at line by line.
	if lfs, ok := crlfOnly(p, c.prevCR); ok {
		n := int64(lfs)
		c.l.Lines += n
		c.l.CRLF += n
		c.l.Size += int64(len(p))
		c.prevCR = p[len(p)-1] == '\r'
		return len(p), nil
	}
	linesBefore := c.l.Lines
	firstBad := -1 // index in p of the first bad line ending
	mark := func(i int) {
		if firstBad < 0 || i < firstBad {
			firstBad = i
		}
	}
	// Line feeds: find each with the vectorised search, look at the byte
	// before.
	for off := 0; ; {
		j := bytes.IndexByte(p[off:], '\n')
		if j < 0 {
			break
		}
		i := off + j
		cr := c.prevCR
		if i > 0 {
			cr = p[i-1] == '\r'
		}
		c.l.Lines++
		if cr {
			c.l.CRLF++
		} else {
			c.l.BareLF++
			mark(i)
		}
		off = i + 1
	}
	// A CR that ended the previous write is bare unless this one starts
	// with LF; it belongs to the line this write starts with.
	if c.prevCR && p[0] != '\n' {
		c.l.BareCR++
		mark(0)
	}
	// Carriage returns: each must be followed by a line feed. The last
	// byte is decided by the next write (or the end of the file).
	for off := 0; ; {
		j := bytes.IndexByte(p[off:], '\r')
		if j < 0 {
			break
		}
		i := off + j
		if i+1 < len(p) && p[i+1] != '\n' {
			c.l.BareCR++
			mark(i)
		}
		off = i + 1
	}
	if firstBad >= 0 && c.l.FirstBadLine == 0 {
		c.l.FirstBadLine = linesBefore + int64(bytes.Count(p[:firstBad], []byte{'\n'})) + 1
	}
	c.l.Size += int64(len(p))
	c.prevCR = p[len(p)-1] == '\r'
	return len(p), nil
}

// crlfOnly reports that in p every LF follows a CR and every CR but a last
// one is followed by an LF, prevCR saying whether the byte before p was a
// CR: then p holds CRLF line endings only, and a CR at its end is decided
// by the next write. It also returns the number of LFs in p. Each LF is
// found with the vectorised search and must follow a CR; then, with the
// vectorised count, there must be no other CR than those (and a last
// one). This runs at several GB/s, far ahead of the hash.
func crlfOnly(p []byte, prevCR bool) (lfs int, ok bool) {
	if prevCR {
		if len(p) == 0 || p[0] != '\n' {
			return 0, len(p) == 0
		}
		p = p[1:]
		lfs = 1
	}
	for off := 0; ; {
		j := bytes.IndexByte(p[off:], '\n')
		if j < 0 {
			break
		}
		i := off + j
		if i == 0 || p[i-1] != '\r' {
			return 0, false
		}
		lfs++
		off = i + 1
	}
	crs := bytes.Count(p, cr)
	if len(p) > 0 && p[len(p)-1] == '\r' {
		crs--
	}
	if prevCR {
		crs++ // the CR before p, followed by its first LF
	}
	return lfs, crs == lfs
}

var cr = []byte{'\r'}

// Result finishes the count at the end of the file.
func (c *LineCounter) Result() LineEndings {
	l := c.l
	if c.prevCR {
		l.BareCR++
		if l.FirstBadLine == 0 {
			l.FirstBadLine = l.Lines + 1
		}
	}
	l.TextModeSafe = l.BareLF == 0 && l.BareCR == 0
	return l
}

// CheckLineEndings reads the file at path (streamed) and describes its
// line endings.
func CheckLineEndings(path string) (LineEndings, error) {
	f, err := os.Open(path)
	if err != nil {
		return LineEndings{}, fmt.Errorf("cannot read %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	var c LineCounter
	if _, err := readStream(context.Background(), f, &c, nil, nil); err != nil {
		return LineEndings{}, err
	}
	return c.Result(), nil
}

// ConvertToCRLF rewrites the file at path with CRLF line endings: a lone
// LF becomes CRLF, a run of CRs before an LF becomes a single CR (CR CR LF
// is what a file converted twice looks like), and any other lone CR (old
// Mac line ending) becomes CRLF. The original bytes are kept in the
// originals folder next to the file; their path is returned. A file that
// is already text-mode safe is left alone and "" is returned. The new
// content replaces the old in one step: a reader sees one or the other.
func ConvertToCRLF(path string) (originalKept string, err error) {
	le, err := CheckLineEndings(path)
	if err != nil {
		return "", err
	}
	if le.TextModeSafe {
		return "", nil
	}
	return convertToCRLF(path, nil)
}

// convertToCRLF is ConvertToCRLF of a file known not to be text-mode
// safe; the converted bytes are also written to also (when not nil) as
// they are written to the file, so they can be hashed in the same pass.
func convertToCRLF(path string, also io.Writer) (originalKept string, err error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return "", err
	}
	out, err := atomicfile.Create(path, info.Mode().Perm())
	if err != nil {
		return "", fmt.Errorf("cannot write the converted file next to %s: %w", filepath.Base(path), err)
	}
	defer out.Abort()
	var dst io.Writer = out
	if also != nil {
		dst = io.MultiWriter(out, also)
	}
	w := bufio.NewWriterSize(dst, readBufferSize)
	if err := toCRLF(in, w); err != nil {
		return "", fmt.Errorf("cannot convert %s: %w", filepath.Base(path), err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("cannot convert %s: %w", filepath.Base(path), err)
	}
	kept, err := batch.KeepOriginal(path)
	if err != nil {
		return "", err
	}
	if err := out.Commit(); err != nil {
		os.Remove(kept)
		return "", fmt.Errorf("cannot replace %s with its converted version: %w", filepath.Base(path), err)
	}
	return kept, nil
}

// toCRLF copies r to w with the line-ending rewrite of ConvertToCRLF.
func toCRLF(r io.Reader, w *bufio.Writer) error {
	buf := make([]byte, readBufferSize)
	pendingCR := 0 // CRs seen, not yet known to be followed by LF
	flushCR := func() {
		for ; pendingCR > 0; pendingCR-- {
			w.WriteString("\r\n")
		}
	}
	for {
		n, err := r.Read(buf)
		p := buf[:n]
		for len(p) > 0 {
			// Copy the run up to the next CR or LF in one write.
			end := bytes.IndexByte(p, '\n')
			if end < 0 {
				end = len(p)
			}
			if cr := bytes.IndexByte(p[:end], '\r'); cr >= 0 {
				end = cr
			}
			if end > 0 {
				flushCR()
				w.Write(p[:end])
				p = p[end:]
				continue
			}
			switch p[0] {
			case '\r':
				pendingCR++
			case '\n':
				pendingCR = 0 // CR* LF is one line ending
				w.WriteString("\r\n")
			}
			p = p[1:]
		}
		if err == io.EOF {
			flushCR()
			return nil
		}
		if err != nil {
			return err
		}
	}
}
