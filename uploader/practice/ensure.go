package practice

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Ensure gives the address and credentials of the practice point of the
// default root: the one already listening at its configured address when
// there is one (the desktop assistant or "expeditor practice"), otherwise
// one started in this process, which stop ends. stop is never nil.
// If the configured address is taken by something else, the practice
// point started here listens on a free port instead.
func Ensure(ctx context.Context) (url, user string, password []byte, stop func(), err error) {
	root, err := DefaultRoot()
	if err != nil {
		return "", "", nil, func() {}, err
	}
	return EnsureAt(ctx, root)
}

// EnsureAt is Ensure for the practice point of another root.
func EnsureAt(ctx context.Context, root string) (url, user string, password []byte, stop func(), err error) {
	cfg, err := loadConfig(root)
	if err != nil {
		return "", "", nil, func() {}, err
	}
	if addr, ok := Running(ctx, root); ok {
		return "ftp://" + DefaultUser + "@" + addr, DefaultUser, []byte(cfg.Password), func() {}, nil
	}
	srv, err := Start(context.WithoutCancel(ctx), Options{Root: root})
	if errors.Is(err, ErrAddressInUse) {
		host, _, _ := net.SplitHostPort(cfg.Listen)
		srv, err = Start(context.WithoutCancel(ctx), Options{Root: root, Listen: net.JoinHostPort(host, "0")})
	}
	if err != nil {
		return "", "", nil, func() {}, err
	}
	return srv.URL(), srv.User, []byte(srv.Password), func() { srv.Close() }, nil
}

// Running returns the address of the practice point of root when one is
// listening, at the address it recorded or at the configured one.
func Running(ctx context.Context, root string) (addr string, ok bool) {
	cfg, err := loadConfig(root)
	if err != nil {
		return "", false
	}
	var addrs []string
	if b, err := os.ReadFile(filepath.Join(root, listeningFile)); err == nil {
		addrs = append(addrs, strings.TrimSpace(string(b)))
	}
	for _, a := range append(addrs, cfg.Listen) {
		if a != "" && running(ctx, a, cfg.ID) {
			return a, true
		}
	}
	return "", false
}

// running reports whether the practice point of the root with this id
// answers at addr: its welcome line carries the id.
func running(ctx context.Context, addr, id string) bool {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return false
	}
	c.Write([]byte("QUIT\r\n"))
	return strings.HasPrefix(line, "220 ") && strings.Contains(line, welcomePrefix) && strings.Contains(line, "["+id+"]")
}
