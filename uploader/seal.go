package uploader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// A sealed file is a file of the set opened once, before the login ends,
// under a read lease (see lease_linux.go): while the lease holds, no
// process can open the file for writing or truncate it. Its bytes are
// hashed ahead, while the server is still logging in, and then sent from
// the same open file. The lease still holding once the file is on the
// server proves that the bytes sent are the bytes hashed, so the rule of
// the GO is kept: it leaves only when the digest of what left matches the
// FS. Where no lease can be had (another system, a file another user
// owns, a file open for writing, a network file system), the file is
// hashed as it leaves instead (hashingReader).
type sealedFile struct {
	f     *os.File
	pf    PlannedFile
	check *contentCheck
	off   int64         // how far the hash has read
	done  chan struct{} // closed once the whole file is hashed, or the hash stopped
	err   error         // why the hash stopped early (a read error, a cancel)
	// broken is set when another process opened the file for writing
	// (the lease was broken, and given up at once so that it need not
	// wait): what is sent can no longer be proved to be what was hashed.
	broken atomic.Bool
}

// sealing is the sealed files of one send and the hashing of them.
type sealing struct {
	files  map[string]*sealedFile
	order  []*sealedFile
	cancel context.CancelFunc
	urgent chan struct{} // closed when the send needs the digests
	hurry1 sync.Once
	wg     sync.WaitGroup
	stop1  sync.Once
}

// sealSet opens and leases the set's files to send (every FI and FS) and
// starts hashing them, one after another, in the background. A file that
// could not be sealed is not in the result and is hashed as it leaves.
// Until hurry is called the hashing runs at the lowest priority, so that
// it takes only the time the processor would otherwise spend waiting:
// on a small machine that sends to a server on itself, logging in is
// the server's hardest work.
func sealSet(ctx context.Context, plan *Plan, expected map[string]string) *sealing {
	z := &sealing{files: map[string]*sealedFile{}, urgent: make(chan struct{})}
	for _, pf := range plan.Files {
		if pf.Path == "" || pf.Size == 0 {
			continue
		}
		if s := seal(pf, expected[pf.Name]); s != nil {
			z.files[pf.Name] = s
			z.order = append(z.order, s)
		}
	}
	hctx, cancel := context.WithCancel(ctx)
	z.cancel = cancel
	if len(z.order) == 0 {
		return z // nothing to hash ahead (no lease here, or no file)
	}
	next := 0
	// work hashes the files from where it stopped, until they are all
	// hashed (true) or until is closed (false).
	buf := make([]byte, hashBufferLen)
	work := func(until <-chan struct{}) bool {
		for next < len(z.order) {
			select {
			case <-until:
				return false
			default:
			}
			if z.order[next].step(hctx, buf) {
				next++
			}
		}
		return true
	}
	z.wg.Go(func() {
		if lowerThreadPriority() {
			// This thread ends with this goroutine; what is left when
			// the send needs it is hashed at the usual priority.
			if !work(z.urgent) {
				z.wg.Go(func() { work(nil) })
			}
			return
		}
		work(nil)
	})
	return z
}

// file is the sealed file of that name, or nil.
func (z *sealing) file(name string) *sealedFile {
	if z == nil {
		return nil
	}
	return z.files[name]
}

// hurry says the send now needs the digests: the rest of the hashing
// runs at the usual priority.
func (z *sealing) hurry() {
	if z != nil {
		z.hurry1.Do(func() { close(z.urgent) })
	}
}

// stop ends the hashing and releases every file.
func (z *sealing) stop() {
	if z == nil {
		return
	}
	z.stop1.Do(func() {
		z.cancel()
		z.wg.Wait()
		for _, s := range z.order {
			s.finish(context.Canceled) // those the hashing did not reach
			s.close()
		}
	})
}

// seal opens pf and leases it, or returns nil. The file must still be the
// one the plan describes (size and time of last change).
func seal(pf PlannedFile, expected string) *sealedFile {
	f, err := os.Open(pf.Path)
	if err != nil {
		return nil
	}
	if !takeLease(f) {
		f.Close()
		return nil
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() != pf.Size || !pf.modTime.IsZero() && !info.ModTime().Equal(pf.modTime) {
		// Changed since the plan: the usual path says so as it sends.
		releaseLease(f)
		f.Close()
		return nil
	}
	s := &sealedFile{f: f, pf: pf, check: newContentCheck(pf, expected), done: make(chan struct{})}
	leases.add(s)
	return s
}

// step hashes the next buffer of the file and reports whether the file
// is done with (hashed whole, or stopped by an error or ctx).
func (s *sealedFile) step(ctx context.Context, buf []byte) bool {
	if err := ctx.Err(); err != nil {
		s.finish(err)
		return true
	}
	n, err := s.f.ReadAt(buf[:min(int64(len(buf)), s.pf.Size-s.off)], s.off)
	s.check.Write(buf[:n])
	s.off += int64(n)
	if s.off == s.pf.Size {
		s.finish(nil)
		return true
	}
	if err != nil || n == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		s.finish(fmt.Errorf("cannot read %s: %w", s.pf.Name, err))
		return true
	}
	return false
}

// finish ends the hash with err (nil: the whole file was hashed); only
// the first call counts.
func (s *sealedFile) finish(err error) {
	if !s.hashed() {
		s.err = err
		close(s.done)
	}
}

// hashed reports whether the hash is over, without waiting.
func (s *sealedFile) hashed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// verdict waits for the hash and says whether the file's bytes are the
// ones signed and expected (see contentCheck.verdict).
func (s *sealedFile) verdict() error {
	<-s.done
	if s.err != nil {
		return s.err
	}
	return s.check.verdict()
}

// intact reports whether the lease held all along: nobody could have
// changed the file since it was sealed.
func (s *sealedFile) intact() bool {
	return !s.broken.Load() && leaseHeld(s.f)
}

func (s *sealedFile) close() {
	leases.remove(s)
	releaseLease(s.f)
	s.f.Close()
}

// reader returns what Put reads the file from, from its first byte:
// progress is reported and ctx obeyed as it leaves.
func (s *sealedFile) reader(ctx context.Context, progress func(done, total int64)) *sealedReader {
	return &sealedReader{s: s, ctx: ctx, progress: progress, r: io.NewSectionReader(s.f, 0, s.pf.Size)}
}

// sealedReader reads a sealed file from its first byte for Put (the
// transports copy it: plain FTP in writes of 64 KiB, FTPS of 256 KiB, SFTP
// its own).
type sealedReader struct {
	s        *sealedFile
	ctx      context.Context
	progress func(done, total int64)
	r        *io.SectionReader
	done     int64
}

func (r *sealedReader) Read(p []byte) (int, error) {
	if err := r.step(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	r.advance(n)
	return n, err
}

// step is checked before each chunk leaves: a cancel, or a lease broken
// by a writer, stops the transfer.
func (r *sealedReader) step() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if r.s.broken.Load() {
		return errChangedWhileSent(r.s.pf.Name)
	}
	return nil
}

func (r *sealedReader) advance(n int) {
	r.done += int64(n)
	if r.progress != nil && n > 0 {
		r.progress(r.done, r.s.pf.Size)
	}
}

func errChangedWhileSent(name string) error {
	return fmt.Errorf("%w: %s was opened for writing by another program while it was being sent, so what arrived may not be what was signed; check the file, sign it again if needed, and send again", ErrFileChanged, name)
}

// leases are the sealed files whose lease is held, watched for a writer.
var leases = &leaseSet{files: map[*sealedFile]bool{}}

type leaseSet struct {
	mu       sync.Mutex
	files    map[*sealedFile]bool
	watching bool
}

func (l *leaseSet) add(s *sealedFile) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.files[s] = true
	if !l.watching {
		l.watching = true
		watchLeases(l.broken)
	}
}

func (l *leaseSet) remove(s *sealedFile) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.files, s)
}

// broken is called when the system says a lease is being broken: each
// file whose lease is going is marked, and its lease given up at once, so
// that the writer does not wait for the send to end.
func (l *leaseSet) broken() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range l.files {
		if !leaseHeld(s.f) {
			s.broken.Store(true)
			releaseLease(s.f)
		}
	}
}
