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

// Done is the number of bytes read so far.
func (p *ProgressReader) Done() int64 { return p.done }
