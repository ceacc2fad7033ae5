package uploader

import (
	"context"
	"io"
)

// ProgressReader counts the bytes read through it and reports them, so
// the CLI and the GUI can show a transfer's progress without the
// transports knowing about either.
type ProgressReader struct {
	r     io.Reader
	done  int64
	total int64
	f     func(done, total int64)
	ctx   context.Context
}

// NewProgressReader wraps r, which holds total bytes; f (may be nil) is
// called after every read with the bytes read so far.
func NewProgressReader(r io.Reader, total int64, f func(done, total int64)) io.Reader {
	return &ProgressReader{r: r, total: total, f: f}
}

// newProgressReader also stops reading once ctx is cancelled, so a
// transfer ends promptly even if the network is still accepting data.
func newProgressReader(ctx context.Context, r io.Reader, total int64, f func(done, total int64)) *ProgressReader {
	return &ProgressReader{r: r, total: total, f: f, ctx: ctx}
}

func (p *ProgressReader) Read(b []byte) (int, error) {
	if p.ctx != nil {
		if err := p.ctx.Err(); err != nil {
			return 0, err
		}
	}
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.f != nil && n > 0 {
		p.f(p.done, p.total)
	}
	return n, err
}

// WriteTo copies the rest of the source to w. When the source can write
// itself (a hashing reader does, handing its own buffers to the hash
// without a copy), it does, through a writer that counts, reports and
// stops once ctx is cancelled; io.Copy, which the transports use, then
// never copies into a buffer of its own.
func (p *ProgressReader) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := p.r.(io.WriterTo); ok {
		return wt.WriteTo(&progressTee{w: w, p: p})
	}
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, err := p.Read(buf)
		if k > 0 {
			m, werr := w.Write(buf[:k])
			n += int64(m)
			if werr != nil {
				return n, werr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// progressTee counts and reports the bytes written through it for a
// ProgressReader.
type progressTee struct {
	w io.Writer
	p *ProgressReader
}

func (pw *progressTee) Write(b []byte) (int, error) {
	if pw.p.ctx != nil {
		if err := pw.p.ctx.Err(); err != nil {
			return 0, err
		}
	}
	n, err := pw.w.Write(b)
	pw.p.done += int64(n)
	if pw.p.f != nil && n > 0 {
		pw.p.f(pw.p.done, pw.p.total)
	}
	return n, err
}

// Done is the number of bytes read so far.
func (p *ProgressReader) Done() int64 { return p.done }
