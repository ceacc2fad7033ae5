package uploader

import (
	"net"
	"os"
	"syscall"
	"unsafe"
)

// writeDirect writes p to a TCP connection with send system calls made
// straight from this goroutine, outside the Go scheduler's bookkeeping of
// system calls, and waits through the runtime's poller only when the
// socket cannot take more. An upload is thousands of writes of tens of
// microseconds each: through the usual path, the scheduler's monitor,
// waking every 20 microseconds, hands the sender's processor to another
// thread during many of them (about a thousand thread switches in a send
// of 190 MiB), and on a small virtual machine, where each switch is
// dear, that made a loopback send 2-3 % slower (scripts/bench-upload.sh).
func writeDirect(c *net.TCPConn, p []byte) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return c.Write(p)
	}
	n := 0
	var errno syscall.Errno
	err = rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			w, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&p[n])), uintptr(len(p)-n), syscall.MSG_NOSIGNAL, 0, 0)
			switch {
			case e == syscall.EINTR:
			case e == syscall.EAGAIN || e == 0 && w == 0:
				return false // full: the poller waits until it can take more
			case e != 0:
				errno = e
				return true
			default:
				n += int(w)
			}
		}
		return true
	})
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	if err != nil {
		return n, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, nil
}
