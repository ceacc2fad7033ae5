package uploader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/expeditor-be/expeditor/batch"
)

// DefaultRetries is how many times a transfer is tried again after a
// network failure when SendOptions.Retries is 0.
const DefaultRetries = 3

// SendOptions tune SendSet.
type SendOptions struct {
	// SignTest says test and simulation files are signed too, so their FS
	// files are required and sent.
	SignTest bool
	// DryRun checks the set and returns what would be sent, connecting to
	// nothing.
	DryRun bool
	// Progress, when set, is called as each file is uploaded.
	Progress func(file string, done, total int64)
	// Retries is how many times a step is tried again after a network
	// failure: 0 means DefaultRetries, a negative number none.
	Retries int
	// Backoff is the first wait before a retry (doubled each time, at most
	// 30 s); 0 means one second.
	Backoff time.Duration
	// Redial opens a new connection for a retry. Without it nothing is
	// retried. Send sets it.
	Redial func(ctx context.Context) (Transport, error)
	// Endpoint names the server (Send sets it).
	Endpoint string
	// NoHistory is kept for callers of earlier versions: the send history
	// is gone, the ledger (package workflow) records every send.
	NoHistory bool

	ownTransport bool // SendSet closes the transport it was given
}

func (o SendOptions) retries() int {
	switch {
	case o.Retries < 0 || o.Redial == nil:
		return 0
	case o.Retries == 0:
		return DefaultRetries
	}
	return o.Retries
}

// PlannedFile is one file of a set, in upload order.
type PlannedFile struct {
	Name string // the transfer point name
	Path string // local path; empty for a GO that is not on disk
	Size int64
	// SHA256 is the file's hash when the check already knows it (an FI
	// whose SHA-256 signature was verified); otherwise it is computed
	// while the file is sent.
	SHA256  string
	modTime time.Time
}

// Plan is what sending a set means: which files, in which order, into
// which server folder.
type Plan struct {
	Set    batch.Set
	Folder string        // IN, INTEST or INTEST-S
	Files  []PlannedFile // every FI, every FS (when signed), the GO last
	Signed bool
}

// Errors callers branch on.
var (
	// ErrIncomplete: the set lacks an FI part or a required FS.
	ErrIncomplete = errors.New("the set is not complete")
	// ErrBadSignature: an FS does not verify against its FI.
	ErrBadSignature = errors.New("a signature does not match its declaration")
	// ErrAlreadyOnServer: the set's GO is already on the server.
	ErrAlreadyOnServer = errors.New("this set is already on the server")
	errSizeMismatch    = errors.New("the size on the server differs from the local file")
)

// verifyFS checks that the FS at fsPath is a valid signature of fiPath.
// It is a variable so the package's own transport tests can run on sets
// made without a certificate.
var verifyFS = verifyWithSigner

// CheckSet checks locally, before any connection, that the set can be
// sent: every FI part is there, every required FS is there and verifies
// against its FI, no part is too large, and the GO (if written) is empty.
func CheckSet(set batch.Set, signTest bool) (*Plan, error) {
	st, err := set.State(signTest)
	if err != nil {
		return nil, err
	}
	if !st.Complete() {
		return nil, fmt.Errorf("%w: %s is missing; sign the declaration first (expeditor sign)", ErrIncomplete, strings.Join(st.Missing(), ", "))
	}
	p := &Plan{Set: set, Folder: set.Folder(), Signed: st.SignRequired}
	for _, part := range st.Parts {
		if part.FISize > batch.MaxPartSize {
			return nil, fmt.Errorf("%s is %d bytes, more than the transfer point's limit of 200 MB per part (refusal 172); split the declaration into parts", filepath.Base(part.FI), part.FISize)
		}
		if part.FISize == 0 {
			return nil, fmt.Errorf("%s is empty: the transfer point refuses an empty declaration (refusal 134)", filepath.Base(part.FI))
		}
		info, err := os.Stat(part.FI)
		if err != nil {
			return nil, err
		}
		p.Files = append(p.Files, PlannedFile{Name: filepath.Base(part.FI), Path: part.FI, Size: part.FISize, modTime: info.ModTime()})
	}
	if st.SignRequired {
		// The parts are verified side by side: each check reads a whole
		// part, and there is a core for each on most machines.
		errs := make([]error, len(st.Parts))
		sums := make([]string, len(st.Parts))
		var wg sync.WaitGroup
		sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
		for i, part := range st.Parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				sums[i], errs[i] = verifyFS(part.FI, part.FS)
			}()
		}
		wg.Wait()
		for i, part := range st.Parts {
			if err := errs[i]; err != nil {
				return nil, fmt.Errorf("%w: %s does not verify against %s: %v; sign the declaration again", ErrBadSignature, filepath.Base(part.FS), filepath.Base(part.FI), err)
			}
		}
		for i, part := range st.Parts {
			p.Files[i].SHA256 = sums[i]
			info, err := os.Stat(part.FS)
			if err != nil {
				return nil, err
			}
			p.Files = append(p.Files, PlannedFile{Name: filepath.Base(part.FS), Path: part.FS, Size: info.Size()})
		}
	}
	goFile := PlannedFile{Name: set.GO().String()}
	if info, err := os.Stat(st.GO); err == nil {
		if info.Size() != 0 {
			return nil, fmt.Errorf("%s is not empty: a GO file must be empty (0 bytes); delete it and sign again", filepath.Base(st.GO))
		}
		goFile.Path = st.GO
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	p.Files = append(p.Files, goFile)
	return p, nil
}

// SendResult is the outcome of a send that completed (or of a dry run).
type SendResult struct {
	Plan      Plan
	Files     []FileRecord // what was uploaded, with its SHA-256
	HistoryID string       // unused: the ledger (package workflow) records sends
	Retries   int          // how many times a step was tried again
	Duration  time.Duration
	DryRun    bool
}

// SendError is a send that stopped. Its message says what is on the
// server, that no GO was sent, and that sending again is safe.
type SendError struct {
	Set      string   // the GO name
	Folder   string   // the server folder
	OnServer []string // files verified complete on the server
	// GOUncertain is set when the connection broke while the GO itself
	// was being sent, so it may have arrived.
	GOUncertain bool
	Err         error
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sending %s stopped: %v", e.Set, e.Err)
	if len(e.OnServer) > 0 {
		fmt.Fprintf(&b, "; already in %s on the server: %s", e.Folder, strings.Join(e.OnServer, ", "))
	} else {
		fmt.Fprintf(&b, "; no complete file of the set is in %s on the server", e.Folder)
	}
	if e.GOUncertain {
		b.WriteString("; the connection broke while the GO was being sent, so it may have arrived: look at the server folder (or wait for the acknowledgement) before sending again, since a set sent twice is refused")
	} else {
		b.WriteString("; no GO was sent, so the transfer point will not process anything: sending again is safe (it replaces these files)")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// Send checks the set, connects to ep, sends the set and closes the
// connection. Network failures are retried on a new connection.
func Send(ctx context.Context, ep Endpoint, auth Auth, set batch.Set, opts SendOptions) (*SendResult, error) {
	opts.Endpoint = ep.String()
	plan, err := CheckSet(set, opts.SignTest)
	if err != nil {
		return nil, err
	}
	if opts.DryRun {
		return &SendResult{Plan: *plan, DryRun: true}, nil
	}
	opts.Redial = func(ctx context.Context) (Transport, error) { return Dial(ctx, ep, auth) }
	t, err := Dial(ctx, ep, auth)
	if err != nil && IsTransient(err) && opts.retries() > 0 {
		// The first connection gets the same patience as the later ones.
		t, err = nil, nil
	}
	if err != nil {
		// Refused before anything was sent (login, host key…): still a
		// send attempt worth its line in the history.
		opts.Redial = func(context.Context) (Transport, error) { return nil, err }
		opts.Retries = -1
		return sendPlan(ctx, nil, plan, opts)
	}
	opts.ownTransport = true
	return sendPlan(ctx, t, plan, opts)
}

// SendSet sends a set over t: every FI part, every FS, then the GO, into
// the folder of the set's environment. Each file's size on the server is
// checked before the next step, and the GO is sent only once every other
// file is verified on the server. After a network failure SendSet closes
// t and goes on over a new connection from opts.Redial (which it closes
// itself); t may be nil when opts.Redial is set.
func SendSet(ctx context.Context, t Transport, set batch.Set, opts SendOptions) (*SendResult, error) {
	plan, err := CheckSet(set, opts.SignTest)
	if err != nil {
		return nil, err
	}
	if opts.DryRun {
		return &SendResult{Plan: *plan, DryRun: true}, nil
	}
	return sendPlan(ctx, t, plan, opts)
}

// sendPlan sends a checked set.
func sendPlan(ctx context.Context, t Transport, plan *Plan, opts SendOptions) (*SendResult, error) {
	set := plan.Set
	res := &SendResult{Plan: *plan}
	s := &sender{ctx: ctx, t: t, own: opts.ownTransport, opts: opts, plan: plan, max: opts.retries()}
	start := time.Now()
	err := s.run()
	if s.own && s.t != nil {
		s.t.Close()
	}
	res.Files, res.Retries, res.Duration = s.records(), s.retried, time.Since(start)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = fmt.Errorf("cancelled: %w", err)
		}
		return res, &SendError{Set: set.Key(), Folder: plan.Folder, OnServer: s.onServer, GOUncertain: s.goUncertain, Err: err}
	}
	return res, nil
}

type sender struct {
	ctx     context.Context
	t       Transport
	own     bool // t came from Redial
	opts    SendOptions
	plan    *Plan
	max     int
	retried int

	onServer    []string
	hashes      map[string]string
	goTried     bool
	goUncertain bool
}

func (s *sender) records() []FileRecord {
	var r []FileRecord
	for _, f := range s.plan.Files {
		r = append(r, FileRecord{Name: f.Name, Size: f.Size, SHA256: s.hashes[f.Name]})
	}
	return r
}

// attempt runs op, opening a new connection and trying again after a
// network failure, with a growing wait, at most s.max times.
func (s *sender) attempt(op func(t Transport) error) error {
	wait := s.opts.Backoff
	if wait <= 0 {
		wait = time.Second
	}
	for try := 0; ; try++ {
		var err error
		if s.t == nil {
			if s.opts.Redial == nil {
				return errors.New("the connection was lost")
			}
			var t Transport
			if t, err = s.opts.Redial(s.ctx); err == nil {
				s.t, s.own = t, true
			}
		}
		if err == nil {
			if err = op(s.t); err == nil {
				return nil
			}
		}
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
		if !IsTransient(err) || try >= s.max {
			return err
		}
		if s.t != nil {
			s.t.Close()
			s.t = nil
		}
		s.retried++
		select {
		case <-time.After(wait):
		case <-s.ctx.Done():
			return s.ctx.Err()
		}
		wait = min(wait*2, 30*time.Second)
	}
}

func (s *sender) run() error {
	folder := s.plan.Folder
	goFile := s.plan.Files[len(s.plan.Files)-1]
	var listed []RemoteFile
	err := s.attempt(func(t Transport) (err error) {
		listed, err = t.List(s.ctx, folder)
		return err
	})
	if err != nil {
		return err
	}
	for _, f := range listed {
		if f.Name == goFile.Name {
			return fmt.Errorf("%w: %s is already in %s, so this set was sent before and is waiting to be processed; do not send it again (the transfer point refuses a name twice), wait for its acknowledgement", ErrAlreadyOnServer, goFile.Name, folder)
		}
	}
	s.hashes = map[string]string{}
	for _, f := range s.plan.Files[:len(s.plan.Files)-1] {
		if err := s.attempt(func(t Transport) error { return s.put(t, f) }); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		s.onServer = append(s.onServer, f.Name)
	}
	// The last look before the GO: every file must still be there, whole,
	// even after reconnections.
	err = s.attempt(func(t Transport) error {
		listed, err := t.List(s.ctx, folder)
		if err != nil {
			return err
		}
		sizes := map[string]int64{}
		for _, f := range listed {
			sizes[f.Name] = f.Size
		}
		for _, f := range s.plan.Files[:len(s.plan.Files)-1] {
			if n, ok := sizes[f.Name]; !ok || n != f.Size {
				return fmt.Errorf("%s is not complete on the server (%d of %d bytes) just before the GO; nothing was started", f.Name, n, f.Size)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = s.attempt(func(t Transport) error {
		if s.goTried {
			// A GO whose reply was lost may have arrived: never send it twice.
			if n, err := t.Size(s.ctx, folder, goFile.Name); err == nil && n == 0 {
				return nil
			}
		}
		s.goTried = true
		if err := t.Put(s.ctx, folder, goFile.Name, bytes.NewReader(nil), 0); err != nil {
			return err
		}
		if s.opts.Progress != nil {
			s.opts.Progress(goFile.Name, 0, 0)
		}
		n, err := t.Size(s.ctx, folder, goFile.Name)
		if errors.Is(err, fs.ErrNotExist) {
			// The server accepted the whole GO and the transfer point has
			// already picked it up, as it does the moment a set is complete.
			return nil
		}
		if err == nil && n != 0 {
			return fmt.Errorf("the GO on the server has %d bytes instead of 0", n)
		}
		return err
	})
	if err != nil {
		s.goUncertain = s.goTried && !errors.Is(err, ErrFolderMissing) && !isCancel(err)
		return fmt.Errorf("%s: %w", goFile.Name, err)
	}
	s.hashes[goFile.Name] = emptySHA256
	s.onServer = append(s.onServer, goFile.Name)
	return nil
}

func isCancel(err error) bool { return errors.Is(err, context.Canceled) || errors.Is(err, errAborted) }

var emptySHA256 = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// put uploads one file, hashing the bytes as they leave, and checks its
// size on the server.
func (s *sender) put(t Transport, f PlannedFile) error {
	file, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", f.Name, err)
	}
	defer file.Close()
	// A declaration verified with its SHA-256 signature is not hashed
	// again; it must then be unchanged since the check.
	var src io.Reader = file
	var hr *hashingReader
	if f.SHA256 == "" {
		hr = newHashingReader(file)
		defer hr.stop()
		src = hr
	}
	var progress func(done, total int64)
	if s.opts.Progress != nil {
		progress = func(done, total int64) { s.opts.Progress(f.Name, done, total) }
		progress(0, f.Size)
	}
	pr := newProgressReader(s.ctx, src, f.Size, progress)
	if err := t.Put(s.ctx, s.plan.Folder, f.Name, pr, f.Size); err != nil {
		return err
	}
	changed := pr.Done() != f.Size
	if info, err := file.Stat(); err != nil || info.Size() != f.Size || !f.modTime.IsZero() && !info.ModTime().Equal(f.modTime) {
		changed = true
	}
	if changed {
		return fmt.Errorf("%s changed after it was checked; check the file, sign it again if needed, and send again", f.Name)
	}
	n, err := t.Size(s.ctx, s.plan.Folder, f.Name)
	if err != nil {
		return err
	}
	if n != f.Size {
		return fmt.Errorf("%w: %s has %d bytes on the server instead of %d", errSizeMismatch, f.Name, n, f.Size)
	}
	if hr != nil {
		s.hashes[f.Name] = hr.sum()
	} else {
		s.hashes[f.Name] = f.SHA256
	}
	return nil
}

// hashingReader computes the SHA-256 of the bytes read through it on
// another goroutine, so that hashing does not slow the upload down: each
// chunk is copied to a pooled buffer and handed over.
type hashingReader struct {
	r    io.Reader
	ch   chan *[]byte
	done chan string
	once sync.Once
}

var hashBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

func newHashingReader(r io.Reader) *hashingReader {
	h := &hashingReader{r: r, ch: make(chan *[]byte, 8), done: make(chan string, 1)}
	go func() {
		sum := sha256.New()
		for b := range h.ch {
			sum.Write(*b)
			*b = (*b)[:0]
			hashBufPool.Put(b)
		}
		h.done <- hex.EncodeToString(sum.Sum(nil))
	}()
	return h
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	for rest := p[:n]; len(rest) > 0; {
		b := hashBufPool.Get().(*[]byte)
		k := min(len(rest), cap(*b))
		*b = append((*b)[:0], rest[:k]...)
		h.ch <- b
		rest = rest[k:]
	}
	return n, err
}

func (h *hashingReader) stop() { h.once.Do(func() { close(h.ch) }) }

// sum waits for the hash of everything read.
func (h *hashingReader) sum() string {
	h.stop()
	return <-h.done
}
