package uploader

import (
	"context"
	"crypto/tls"
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
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		return writeDirect(tc, p)
	}
	return c.Conn.Write(p)
}

// plainBufPool holds the buffers ReadFrom sends a file with: writes of 64
// KiB, as curl's. With writeDirect they sent 190 MiB to vsftpd on
// loopback 3-5 % faster than writes of 256 KiB (scripts/bench-upload.sh);
// 32 and 128 KiB were no better.
var plainBufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// ReadFrom copies r to the connection.
func (c *idleConn) ReadFrom(r io.Reader) (int64, error) {
	bp := plainBufPool.Get().(*[]byte)
	defer plainBufPool.Put(bp)
	return io.CopyBuffer(writerOnly{c}, r, *bp)
}

// copyBufPool holds the large buffers tlsDataConn.ReadFrom uses: fewer,
// bigger writes than io.Copy's 32 KiB.
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

type writerOnly struct{ io.Writer }

func (c *idleConn) Close() error {
	c.set.remove(c)
	return c.Conn.Close()
}

// closeWrite half-closes the TCP connection (sends FIN) after the last
// byte, when the connection supports it.
func (c *idleConn) closeWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// setIdle changes how long a read or write may make no progress.
func (c *idleConn) setIdle(d time.Duration) { c.idle = d }

// drainTimeout bounds the wait for the server to end a data connection
// the client has finished with.
const drainTimeout = 10 * time.Second

// tlsDataConn is an FTPS data connection that ends the way TLS 1.3 needs.
// In TLS 1.3 the server sends its session tickets after the handshake; a
// client that closes a connection with those bytes unread makes the kernel
// send a reset, and the server then drops what it had not read yet: the
// end of an upload (curl#6149, lftp#666, proftpd#959). So Close first sends
// close_notify and the TCP FIN, then reads the connection to its end —
// taking in the tickets and waiting until the server has read everything
// and closed its side — and only then closes.
type tlsDataConn struct {
	*tls.Conn
	raw  *idleConn
	read bool // the client reads: a download or a listing
	eof  bool // the server ended the connection
	seen func(tls.ConnectionState)
}

// ReadFrom copies r to the connection in large writes (up to a full TLS
// record each); io.Copy would otherwise use 32 KiB.
func (c *tlsDataConn) ReadFrom(r io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	return io.CopyBuffer(writerOnly{c.Conn}, r, *bp)
}

func (c *tlsDataConn) Read(p []byte) (int, error) {
	c.read = true
	n, err := c.Conn.Read(p)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// Close ends the connection cleanly (see tlsDataConn). After an upload
// (or the bare handshake of an empty file) it waits, at most drainTimeout
// without progress, for the server to close its side; after a download
// the server has already closed it. Errors while ending are not reported:
// whether the server has the whole file is told by its reply on the
// control connection, which comes next.
func (c *tlsDataConn) Close() error {
	state := c.ConnectionState()
	if state.HandshakeComplete && c.seen != nil {
		c.seen(state)
	}
	if state.HandshakeComplete && !c.raw.set.isAborted() {
		if c.Conn.CloseWrite() == nil && !c.read && !c.eof { // close_notify
			c.raw.closeWrite()
			c.raw.setIdle(drainTimeout)
			io.Copy(io.Discard, c.Conn)
		}
	}
	return c.raw.Close()
}
