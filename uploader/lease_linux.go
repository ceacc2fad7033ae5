package uploader

import (
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// A read lease (fcntl F_SETLEASE, F_RDLCK) on an open file: the kernel
// grants it only while no one has the file open for writing, and breaks
// it, with a SIGIO to its holder, as soon as a process opens the file for
// writing or truncates it (that process then waits until the lease is
// given up, at most /proc/sys/fs/lease-break-time seconds). It is granted
// to the file's owner (or with CAP_LEASE), on local file systems.

// takeLease takes a read lease on f, or reports that it cannot.
func takeLease(f *os.File) bool {
	_, err := fcntl(f, syscall.F_SETLEASE, syscall.F_RDLCK)
	return err == nil
}

// leaseHeld reports whether f still holds its read lease, not being
// broken (while a lease is being broken F_GETLEASE says what it is being
// broken to: F_UNLCK).
func leaseHeld(f *os.File) bool {
	v, err := fcntl(f, syscall.F_GETLEASE, 0)
	return err == nil && v == syscall.F_RDLCK
}

// releaseLease gives the lease up.
func releaseLease(f *os.File) { fcntl(f, syscall.F_SETLEASE, syscall.F_UNLCK) }

// fcntl runs fcntl(2) on f's descriptor and returns its result.
func fcntl(f *os.File, cmd, arg int) (int, error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var v uintptr
	var errno syscall.Errno
	if err := sc.Control(func(fd uintptr) {
		v, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, uintptr(cmd), uintptr(arg))
	}); err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return int(v), nil
}

// watchLeases calls broken on every SIGIO, the signal of a lease break.
func watchLeases(broken func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGIO)
	go func() {
		for range ch {
			broken()
		}
	}()
}

// lowerThreadPriority locks the calling goroutine to its thread and gives
// that thread the lowest priority (nice 19: the nice value is a thread's
// own on Linux). The thread ends with the goroutine, which must not
// unlock it. It reports whether the priority was lowered.
func lowerThreadPriority() bool {
	runtime.LockOSThread()
	if syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19) != nil {
		runtime.UnlockOSThread()
		return false
	}
	return true
}
