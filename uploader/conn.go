package uploader

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Timeouts used when an Auth does not set its own.
const (
	DefaultConnectTimeout = 30 * time.Second
	// DefaultIdleTimeout is how long a read or write may make no progress
	// before the connection is considered dead.
	DefaultIdleTimeout = 60 * time.Second
)

// errAborted is returned by connections of a transport whose operation was
// cancelled: the transport is unusable afterwards.
var errAborted = errors.New("connection closed because the operation was cancelled")

// connSet tracks the live connections of one transport so that a
// cancelled context can interrupt whichever is blocked.
type connSet struct {
	mu      sync.Mutex
	conns   map[*idleConn]struct{}
	aborted bool
}

func (s *connSet) add(c *idleConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[*idleConn]struct{}{}
	}
	s.conns[c] = struct{}{}
	if s.aborted {
		c.Conn.SetDeadline(time.Unix(1, 0))
	}
}

func (s *connSet) remove(c *idleConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

func (s *connSet) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	for c := range s.conns {
		c.Conn.SetDeadline(time.Unix(1, 0))
	}
}

func (s *connSet) isAborted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aborted
}

// watch aborts the connections when ctx ends before the returned stop is
// called. It returns the context's error in place of a connection error
// caused by the abort.
func (s *connSet) watch(ctx context.Context) (stop func(err error) error) {
	if s.isAborted() {
		return func(error) error { return errAborted }
	}
	cancel := context.AfterFunc(ctx, s.abort)
	return func(err error) error {
		cancel()
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
}

// dial opens a TCP connection that gives up after idle seconds without
// progress and can be aborted through the set.
func (s *connSet) dial(ctx context.Context, addr string, connect, idle time.Duration) (*idleConn, error) {
	d := net.Dialer{Timeout: connect}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	ic := &idleConn{Conn: c, idle: idle, set: s}
	s.add(ic)
	return ic, nil
}

// idleConn pushes its deadline forward on every read and write, so a
// transfer may take as long as it needs while a stalled one fails.
type idleConn struct {
	net.Conn
	idle time.Duration
	set  *connSet
}

func (c *idleConn) check() error {
	if c.set.isAborted() {
		return errAborted
	}
	if c.idle > 0 {
		return c.Conn.SetDeadline(time.Now().Add(c.idle))
	}
	return nil
}

func (c *idleConn) Read(p []byte) (int, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// copyBufPool holds the large buffers ReadFrom uses: fewer, bigger writes
// than io.Copy's 32 KiB make plain FTP as fast as curl on a fast link.
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// ReadFrom copies r to the connection in large writes.
func (c *idleConn) ReadFrom(r io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	return io.CopyBuffer(writerOnly{c}, r, *bp)
}

type writerOnly struct{ io.Writer }

func (c *idleConn) Close() error {
	c.set.remove(c)
	return c.Conn.Close()
}
