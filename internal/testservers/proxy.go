package testservers

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
)

// Proxy forwards TCP connections from ProxyHost to a server on 127.0.0.1
// and can cut every connection at a chosen moment, to test what a client
// does when the network fails. It listens on the server's port and on
// any extra ports (an FTP server's passive ports), each forwarded to the
// same port on 127.0.0.1.
type Proxy struct {
	Addr string // ProxyHost:PORT, to dial instead of the server

	mu       sync.Mutex
	conns    map[net.Conn]bool
	cutAfter int64 // cut once this many more client bytes have passed; <0 off
	pattern  []byte
	refuse   bool
	cuts     int
	sent     int64
}

// StartProxy proxies the server at target (127.0.0.1:PORT) and the extra
// ports.
func StartProxy(t testing.TB, target string, extraPorts ...int) *Proxy {
	t.Helper()
	_, portStr, err := net.SplitHostPort(target)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	p := &Proxy{Addr: net.JoinHostPort(ProxyHost, portStr), conns: map[net.Conn]bool{}, cutAfter: -1}
	for _, port := range append([]int{port}, extraPorts...) {
		l, err := net.Listen("tcp", net.JoinHostPort(ProxyHost, strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("proxy: %v", err)
		}
		t.Cleanup(func() { l.Close() })
		go p.serve(l, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	t.Cleanup(p.closeAll)
	return p
}

// CutAfter cuts every connection once n more bytes have gone from the
// client to the server (counting all connections). It happens once.
func (p *Proxy) CutAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutAfter, p.pattern = n, nil
}

// CutOn cuts every connection, before forwarding, when the client sends
// bytes containing pattern (for plain-text protocols: "STOR IN/GO."). It
// happens once.
func (p *Proxy) CutOn(pattern string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pattern, p.cutAfter = []byte(pattern), -1
}

// Cut closes every connection now.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cuts++
	p.mu.Unlock()
	p.closeAll()
}

// Refuse makes the proxy close new connections at once (a server that
// is down), or accept them again.
func (p *Proxy) Refuse(refuse bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = refuse
}

// Cuts is how many times the proxy cut the connections.
func (p *Proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// Sent is the number of bytes forwarded from clients so far.
func (p *Proxy) Sent() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent
}

func (p *Proxy) serve(l net.Listener, target string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		// Each direction half-closes its end when its source ends; both
		// connections close once both directions are done. Closing a
		// connection whose peer still sends makes a reset that loses data
		// (the TLS 1.3 upload tail), so the proxy must not do it either.
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			io.Copy(c, s)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
		}()
		go func() { defer wg.Done(); p.forward(c, s) }()
		go func() {
			wg.Wait()
			c.Close()
			s.Close()
		}()
	}
}

// forward copies client to server, applying the cut rules.
func (p *Proxy) forward(c, s net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			chunk, cut := p.account(buf[:n])
			if len(chunk) > 0 {
				if _, werr := s.Write(chunk); werr != nil {
					c.Close()
					s.Close()
					return
				}
			}
			if cut {
				p.closeAll()
				return
			}
		}
		if err != nil {
			if tc, ok := s.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
	}
}

// account decides how much of chunk goes through and whether to cut.
func (p *Proxy) account(chunk []byte) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pattern != nil && bytes.Contains(chunk, p.pattern) {
		p.pattern = nil
		p.cuts++
		return nil, true
	}
	if p.cutAfter >= 0 {
		if int64(len(chunk)) >= p.cutAfter {
			chunk = chunk[:p.cutAfter]
			p.cutAfter = -1
			p.cuts++
			p.sent += int64(len(chunk))
			return chunk, true
		}
		p.cutAfter -= int64(len(chunk))
	}
	p.sent += int64(len(chunk))
	return chunk, false
}

func (p *Proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}
