//go:build !linux

package uploader

import "net"

// writeDirect writes p to c (see rawio_linux.go).
func writeDirect(c *net.TCPConn, p []byte) (int, error) { return c.Write(p) }
