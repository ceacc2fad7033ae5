package uploader

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
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
	// ExpectedSHA256 maps FI names to the SHA-256 (hex) of the bytes that
	// were signed, as the caller recorded them when the set was prepared.
	// Each FI named is hashed as it is uploaded and must match, besides
	// matching its FS; otherwise its uploaded files are removed and no GO
	// is sent.
	ExpectedSHA256 map[string]string

	ownTransport bool // SendSet closes the transport it was given
	// sealed are the files opened, leased and being hashed ahead of the
	// send (see sealSet).
	sealed *sealing
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
	// SHA256 is, for an FI signed with SHA-256, the SHA-256 its FS signs
	// (the bytes are hashed as they are sent and must match it); empty
	// otherwise, and for other files.
	SHA256 string
	// Signature is the FS of an FI part of a signed set, checked on its own
	// (well formed, signature valid over its signed attributes): the FI's
	// bytes, hashed as they are sent, must have its MessageDigest and CRLF
	// line endings. Nil for other files and for unsigned sets.
	Signature *signer.Signature
	modTime   time.Time
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
	// ErrBadSignature: an FS is not a valid signature, or its FI (as read
	// when it was sent) does not match it or the digest the caller expects.
	ErrBadSignature = errors.New("a signature does not match its declaration")
	// ErrFileChanged: a file of the set changed, or another program
	// opened it for writing, while it was being sent, so what arrived may
	// not be what was signed. The set's files are taken off the server
	// and no GO is sent.
	ErrFileChanged = errors.New("a file of the set changed while it was being sent")
	// ErrAlreadyOnServer: the set's GO is already on the server.
	ErrAlreadyOnServer = errors.New("this set is already on the server")
	errSizeMismatch    = errors.New("the size on the server differs from the local file")
)

// notWhatWasSigned reports a send stopped because what left is not, or
// may not be, the bytes signed (ErrBadSignature, ErrFileChanged): the
// set's files are taken off the server, and sending again as it is does
// not help, so it is neither retried nor called safe.
func notWhatWasSigned(err error) bool {
	return errors.Is(err, ErrBadSignature) || errors.Is(err, ErrFileChanged)
}

// readFS reads and checks an FS on its own. It is a variable so the
// package's own transport tests can run on sets made without a
// certificate.
var readFS = signer.ReadFS

// CheckSet checks locally, before any connection, what is cheap to check:
// every FI part is there, no part is empty or too large, every required FS
// is there, well formed, and its signature valid over its signed
// attributes with the certificate it carries, and the GO (if written) is
// empty. It does not read the declarations: that their bytes are the ones
// signed (and have CRLF line endings) is checked as they are sent, and the
// GO follows only if they are.
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
		p.Files = append(p.Files, PlannedFile{Name: filepath.Base(part.FI), Path: part.FI, Size: info.Size(), modTime: info.ModTime()})
	}
	if st.SignRequired {
		for i, part := range st.Parts {
			sig, err := readFS(part.FS)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrBadSignature, err) // the FS's name and what to do are in err
			}
			p.Files[i].Signature = sig
			if sig.Digest == crypto.SHA256 {
				p.Files[i].SHA256 = hex.EncodeToString(sig.MessageDigest)
			}
		}
		for _, part := range st.Parts {
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

// VerifyContent reads every FI part of the plan and checks what sending
// it would check as it leaves: its bytes are the ones its FS signs (and
// the ones in expected, FI name to SHA-256 hex, when given), with CRLF
// line endings. A dry run does it; a send does not need it.
func (p *Plan) VerifyContent(ctx context.Context, expected map[string]string) error {
	for _, f := range p.Files {
		if !strings.HasPrefix(f.Name, "FI.") {
			continue
		}
		file, err := os.Open(f.Path)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", f.Name, err)
		}
		c := newContentCheck(f, expected[f.Name])
		_, err = io.Copy(c, newProgressReader(ctx, file, f.Size, nil))
		file.Close()
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", f.Name, err)
		}
		if err := c.verdict(); err != nil {
			return err
		}
	}
	return nil
}

// SendResult is the outcome of a send that completed (or of a dry run).
type SendResult struct {
	Plan     Plan
	Files    []FileRecord // what was uploaded, with its SHA-256
	Retries  int          // how many times a step was tried again
	Duration time.Duration
	DryRun   bool
}

// SendError is a send that stopped. Its message says what is on the
// server, whether a GO may have reached it, and says that sending again
// is safe only when it is (see ResendSafe).
type SendError struct {
	Set      string   // the GO name
	Folder   string   // the server folder
	OnServer []string // files verified complete on the server
	// GOUncertain is set when the connection broke, or Cancel came, while
	// the GO itself was being sent, so it may have arrived: the transfer
	// point may be processing the set.
	GOUncertain bool
	Err         error
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sending %s stopped: %v", e.Set, e.Err)
	if errors.Is(e.Err, ErrAlreadyOnServer) {
		// The message already says what is there and what to do.
		return b.String()
	}
	if len(e.OnServer) > 0 {
		fmt.Fprintf(&b, "; already in %s on the server: %s", e.Folder, strings.Join(e.OnServer, ", "))
	} else {
		fmt.Fprintf(&b, "; no complete file of the set is in %s on the server", e.Folder)
	}
	switch {
	case e.GOUncertain:
		b.WriteString("; the GO was being sent when the transfer stopped, so the transfer point may have received it and be processing the set: fetch the replies (the acknowledgement) before sending again, since a set sent twice is refused")
	case e.ResendSafe():
		b.WriteString("; no GO was sent, so the transfer point will not process anything: sending again is safe (it replaces these files)")
	default:
		b.WriteString("; no GO was sent, so the transfer point will not process anything")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// ResendSafe reports whether sending the same set again, as it is, is
// both harmless and sensible: no GO can have reached the server, and the
// send stopped for a reason that may be gone by now (the connection broke
// or timed out, the server was unreachable, or the person cancelled
// before the GO). It is false when the GO may have arrived, when the set
// is already on the server, and when something must be fixed first: a
// refused login, a changed or unknown host key, a permission or folder
// problem, a TLS failure, a declaration that does not match its
// signature or that changed while it was sent, or any failure it does not
// know.
func (e *SendError) ResendSafe() bool {
	if e.GOUncertain || errors.Is(e.Err, ErrAlreadyOnServer) || notWhatWasSigned(e.Err) {
		return false
	}
	if isCancel(e.Err) {
		return true
	}
	return IsTransient(e.Err) || errors.Is(e.Err, context.DeadlineExceeded) || errors.Is(e.Err, os.ErrDeadlineExceeded)
}

// Send checks the set, connects to ep, sends the set and closes the
// connection. Network failures are retried on a new connection.
func Send(ctx context.Context, ep Endpoint, auth Auth, set batch.Set, opts SendOptions) (*SendResult, error) {
	plan, err := CheckSet(set, opts.SignTest)
	if err != nil {
		return nil, err
	}
	return SendPlan(ctx, ep, auth, plan, opts)
}

// SendPlan is Send for a set already checked by CheckSet: the plan is
// sent as it is, without checking the set again.
func SendPlan(ctx context.Context, ep Endpoint, auth Auth, plan *Plan, opts SendOptions) (*SendResult, error) {
	// Dialled when the send starts, as nothing was dialled ahead.
	return SendPlanDialing(ctx, &Dialing{ep: ep, auth: auth}, plan, opts)
}

// SendPlanDialing is SendPlan over the connection d is opening (see
// DialAhead); d is closed when the send does not take it.
func SendPlanDialing(ctx context.Context, d *Dialing, plan *Plan, opts SendOptions) (*SendResult, error) {
	opts.Endpoint = d.ep.String()
	if opts.DryRun {
		d.Close()
		return dryRun(ctx, plan, opts)
	}
	if err := checkExpected(plan, opts.ExpectedSHA256); err != nil {
		d.Close()
		return nil, err
	}
	return sendDialing(ctx, d, plan, opts)
}

func sendDialing(ctx context.Context, d *Dialing, plan *Plan, opts SendOptions) (*SendResult, error) {
	taken := false
	d.once.Do(func() { taken = true })
	if !taken {
		return nil, errors.New("this connection was given up or used already")
	}
	if d.cancel != nil {
		defer d.cancel() // the dial's context, once the transport is done with
	}
	ep, auth := d.ep, d.auth
	// The files are hashed while the server logs in (sealed ahead by the
	// caller, with the same expected digests, or now).
	if d.sealed != nil && d.sealPlan == plan {
		opts.sealed = d.sealed
	} else {
		d.sealed.stop()
		opts.sealed = sealSet(ctx, plan, opts.ExpectedSHA256)
	}
	opts.Redial = func(ctx context.Context) (Transport, error) { return Dial(ctx, ep, auth) }
	t, err := d.take(ctx)
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
	return SendPlanOver(ctx, t, plan, opts)
}

// SendPlanOver is SendSet for a set already checked by CheckSet: the
// plan is sent over t as it is, without checking the set again.
func SendPlanOver(ctx context.Context, t Transport, plan *Plan, opts SendOptions) (*SendResult, error) {
	if opts.DryRun {
		return dryRun(ctx, plan, opts)
	}
	return sendPlan(ctx, t, plan, opts)
}

// dryRun checks what a send would check as the files leave, reading each
// declaration, and connects to nothing.
func dryRun(ctx context.Context, plan *Plan, opts SendOptions) (*SendResult, error) {
	if err := checkExpected(plan, opts.ExpectedSHA256); err != nil {
		return nil, err
	}
	if err := plan.VerifyContent(ctx, opts.ExpectedSHA256); err != nil {
		return nil, err
	}
	return &SendResult{Plan: *plan, DryRun: true}, nil
}

// checkExpected compares, before anything is sent, the digests the caller
// expects with the ones the FS files sign, when both are SHA-256.
func checkExpected(plan *Plan, expected map[string]string) error {
	for _, f := range plan.Files {
		want := expected[f.Name]
		if want != "" && f.SHA256 != "" && !strings.EqualFold(want, f.SHA256) {
			return fmt.Errorf("%w: the signature of %s signs a declaration with SHA-256 %s, not the %s that was prepared; nothing was sent: prepare and sign it again", ErrBadSignature, f.Name, f.SHA256, want)
		}
	}
	return nil
}

// sendPlan sends a checked set.
func sendPlan(ctx context.Context, t Transport, plan *Plan, opts SendOptions) (*SendResult, error) {
	set := plan.Set
	defer func() { opts.sealed.stop() }() // sealed ahead, or below
	if err := checkExpected(plan, opts.ExpectedSHA256); err != nil {
		if opts.ownTransport && t != nil {
			t.Close()
		}
		return nil, err
	}
	if opts.sealed == nil {
		opts.sealed = sealSet(ctx, plan, opts.ExpectedSHA256)
	}
	// Logged in: the files are needed now.
	opts.sealed.hurry()
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
			if notWhatWasSigned(err) {
				// What was uploaded is not (or may not be) what was
				// signed: take the set's files off the server, so nothing
				// of it stays to be mistaken for a declaration.
				s.onServer = append(s.onServer, f.Name)
				s.removeUploaded()
			}
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		s.onServer = append(s.onServer, f.Name)
	}
	// The last look before the GO, after a reconnection: every file must
	// still be there, whole. Without one, each was found whole on this
	// very connection just after it was sent (checkSize).
	if s.retried > 0 {
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
	}
	err = s.attempt(func(t Transport) error {
		if s.goTried {
			// A GO whose reply was lost may have arrived: never send it twice.
			n, err := t.Size(s.ctx, folder, goFile.Name)
			if err == nil && n == 0 {
				return nil
			}
			if errors.Is(err, fs.ErrNotExist) && !s.setStillThere(t) {
				// Neither the GO nor the whole set is there: the transfer
				// point may have taken them away to process them.
				return errGOTaken
			}
		}
		if err := s.ctx.Err(); err != nil {
			return err // Cancel came before the GO left
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
		s.goUncertain = s.goTried && !goRefused(err)
		return fmt.Errorf("%s: %w", goFile.Name, err)
	}
	s.hashes[goFile.Name] = emptySHA256
	s.onServer = append(s.onServer, goFile.Name)
	return nil
}

// errGOTaken: after a broken GO, neither the GO nor the set's files are
// on the server any more.
var errGOTaken = errors.New("after the connection broke, neither the GO nor the other files of the set are on the server any more; the transfer point may have taken them to process")

// goRefused reports that the server answered a GO it did not store: the
// folder is missing, the server refused it, or an FTP permanent (5xx)
// reply. Anything else
// while the GO was leaving (a cut, a timeout, Cancel) leaves it uncertain.
func goRefused(err error) bool {
	if errors.Is(err, ErrFolderMissing) || errors.Is(err, ErrRefused) || errors.Is(err, ErrTLSRequired) {
		return true
	}
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code >= 500 && tp.Code < 600
}

// setStillThere reports whether every FI and FS of the set is still
// complete on the server.
func (s *sender) setStillThere(t Transport) bool {
	listed, err := t.List(s.ctx, s.plan.Folder)
	if err != nil {
		return true // no answer: the GO's own check decides
	}
	sizes := map[string]int64{}
	for _, f := range listed {
		sizes[f.Name] = f.Size
	}
	for _, f := range s.plan.Files[:len(s.plan.Files)-1] {
		if n, ok := sizes[f.Name]; !ok || n != f.Size {
			return false
		}
	}
	return true
}

// removeUploaded deletes from the server the files of the set this send
// put there (no GO was sent), and keeps in s.onServer those it could not
// remove. It goes on after a cancellation: a half-sent set must not stay.
func (s *sender) removeUploaded() {
	ctx := context.WithoutCancel(s.ctx)
	del := func(t Transport, name string) error {
		err := t.Delete(ctx, s.plan.Folder, name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	var left []string
	for _, name := range s.onServer {
		err := errors.New("no connection")
		if s.t != nil {
			err = del(s.t, name)
		}
		if err != nil && s.opts.Redial != nil {
			// Once more on a new connection (the old one may be broken).
			if s.t != nil {
				s.t.Close()
				s.t = nil
			}
			if t, derr := s.opts.Redial(ctx); derr == nil {
				s.t, s.own = t, true
				err = del(t, name)
			}
		}
		if err != nil {
			left = append(left, name)
		}
	}
	s.onServer = left
}

func isCancel(err error) bool { return errors.Is(err, context.Canceled) || errors.Is(err, errAborted) }

var emptySHA256 = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// put uploads one file, hashing the bytes as they leave (the one read
// of the file), and checks its size on the server and, for an FI, that
// the bytes sent are the ones signed.
func (s *sender) put(t Transport, f PlannedFile) error {
	if sf := s.opts.sealed.file(f.Name); sf != nil {
		return s.putSealed(t, sf)
	}
	file, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", f.Name, err)
	}
	defer file.Close()
	check := newContentCheck(f, s.opts.ExpectedSHA256[f.Name])
	hr := newHashingReader(file, check)
	defer hr.stop()
	progress := s.progress(f)
	pr := newProgressReader(s.ctx, hr, f.Size, progress)
	if err := t.Put(s.ctx, s.plan.Folder, f.Name, pr, f.Size); err != nil {
		return err
	}
	changed := pr.Done() != f.Size
	if info, err := file.Stat(); err != nil || info.Size() != f.Size || !f.modTime.IsZero() && !info.ModTime().Equal(f.modTime) {
		changed = true
	}
	if changed {
		return errChangedAfterCheck(f.Name)
	}
	if err := s.checkSize(t, f); err != nil {
		return err
	}
	hr.wait()
	if err := check.verdict(); err != nil {
		return err
	}
	s.hashes[f.Name] = check.sha256Hex()
	return nil
}

// putSealed uploads a sealed file (see sealedFile): its bytes were hashed
// ahead, and the lease still holding once it is on the server proves
// that they are the bytes that left.
func (s *sender) putSealed(t Transport, sf *sealedFile) error {
	f := sf.pf
	if sf.hashed() {
		// Already known not to be what was signed: nothing leaves.
		if err := sf.verdict(); err != nil {
			return err
		}
	}
	progress := s.progress(f)
	r := sf.reader(s.ctx, progress)
	if err := t.Put(s.ctx, s.plan.Folder, f.Name, r, f.Size); err != nil {
		return err
	}
	if r.done != f.Size {
		return errChangedAfterCheck(f.Name)
	}
	if err := s.checkSize(t, f); err != nil {
		return err
	}
	if err := sf.verdict(); err != nil {
		return err
	}
	if !sf.intact() {
		return errChangedWhileSent(f.Name)
	}
	s.hashes[f.Name] = sf.check.sha256Hex()
	return nil
}

// progress returns the function that reports f's progress, having
// reported it at 0, or nil when the caller follows none.
func (s *sender) progress(f PlannedFile) func(done, total int64) {
	if s.opts.Progress == nil {
		return nil
	}
	p := func(done, total int64) { s.opts.Progress(f.Name, done, total) }
	p(0, f.Size)
	return p
}

func errChangedAfterCheck(name string) error {
	return fmt.Errorf("%w: %s changed after it was checked; check the file, sign it again if needed, and send again", ErrFileChanged, name)
}

// checkSize checks that f is whole on the server.
func (s *sender) checkSize(t Transport, f PlannedFile) error {
	n, err := t.Size(s.ctx, s.plan.Folder, f.Name)
	if err != nil {
		return err
	}
	if n != f.Size {
		return fmt.Errorf("%w: %s has %d bytes on the server instead of %d", errSizeMismatch, f.Name, n, f.Size)
	}
	return nil
}

// contentCheck hashes a file's bytes (SHA-256 for the record, and the
// digest of its signature when that is another) and, for an FI of a
// signed set, counts its line endings; verdict then says whether they are
// the bytes signed and expected.
type contentCheck struct {
	name     string
	sig      *signer.Signature
	expected string // SHA-256 hex the caller expects, or ""
	sha      hash.Hash
	other    hash.Hash           // the signature's digest when it is not SHA-256
	lines    *signer.LineCounter // nil when line endings do not matter
}

func newContentCheck(f PlannedFile, expected string) *contentCheck {
	c := &contentCheck{name: f.Name, sig: f.Signature, expected: expected, sha: sha256.New()}
	if c.sig != nil {
		c.lines = new(signer.LineCounter)
		if c.sig.Digest != crypto.SHA256 {
			c.other = c.sig.Digest.New()
		}
	}
	return c
}

// hash takes the next bytes into the digests.
func (c *contentCheck) hash(p []byte) {
	c.sha.Write(p)
	if c.other != nil {
		c.other.Write(p)
	}
}

// countLines takes the next bytes into the line-ending count.
func (c *contentCheck) countLines(p []byte) {
	if c.lines != nil {
		c.lines.Write(p)
	}
}

// Write hashes p and counts its line endings, for a check in one goroutine.
func (c *contentCheck) Write(p []byte) (int, error) {
	c.countLines(p)
	c.hash(p)
	return len(p), nil
}

func (c *contentCheck) sha256Hex() string { return hex.EncodeToString(c.sha.Sum(nil)) }

// verdict compares what was read with the signature and the expected
// digest. Every failure wraps ErrBadSignature.
func (c *contentCheck) verdict() error {
	sum := c.sha.Sum(nil)
	if c.sig != nil {
		d := sum
		if c.other != nil {
			d = c.other.Sum(nil)
		}
		if err := c.sig.Check(d); err != nil {
			return fmt.Errorf("%w: %s as read to be sent: %w", ErrBadSignature, c.name, err)
		}
		if le := c.lines.Result(); !le.TextModeSafe {
			return fmt.Errorf("%w: %s: %w: %s; convert the declaration to CRLF line endings and sign it again", ErrBadSignature, c.name, signer.ErrNotTextModeSafe, le.Problem())
		}
	}
	if c.expected != "" && !strings.EqualFold(c.expected, hex.EncodeToString(sum)) {
		return fmt.Errorf("%w: %s is not the declaration that was prepared (its SHA-256 is %s, %s was signed); prepare and sign it again", ErrBadSignature, c.name, hex.EncodeToString(sum), c.expected)
	}
	return nil
}

// hashingReader hands the bytes read through it to a contentCheck: the
// line endings are counted as the bytes are read, and the digests are
// computed on another goroutine, so that hashing does not slow the upload
// down. As an io.WriterTo (what io.Copy uses) it reads the file into its
// own buffers and hands each one, once written to the connection, to the
// hash without copying it; as a plain reader it copies each chunk into a
// buffer for the hash.
type hashingReader struct {
	r     io.Reader
	check *contentCheck
	ch    chan []byte // filled buffers, to hash
	free  chan []byte // hashed buffers, to fill again
	done  chan struct{}
	once  sync.Once
}

const (
	hashBuffers   = 4
	hashBufferLen = 256 << 10
)

func newHashingReader(r io.Reader, check *contentCheck) *hashingReader {
	h := &hashingReader{r: r, check: check, ch: make(chan []byte, hashBuffers), free: make(chan []byte, hashBuffers), done: make(chan struct{})}
	for range hashBuffers {
		h.free <- make([]byte, hashBufferLen)
	}
	go func() {
		defer close(h.done)
		for b := range h.ch {
			check.hash(b)
			h.free <- b[:cap(b)]
		}
	}()
	return h
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.check.countLines(p[:n])
	for rest := p[:n]; len(rest) > 0; {
		b := <-h.free
		k := copy(b, rest)
		h.ch <- b[:k]
		rest = rest[k:]
	}
	return n, err
}

// WriteTo writes the rest of the file to w, each buffer then hashed in
// place.
func (h *hashingReader) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for {
		b := <-h.free
		k, err := io.ReadFull(h.r, b)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		if k > 0 {
			h.check.countLines(b[:k])
			m, werr := w.Write(b[:k])
			n += int64(m)
			h.ch <- b[:m] // hashed once written: exactly what left
			if werr != nil {
				return n, werr
			}
		} else {
			h.free <- b
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func (h *hashingReader) stop() { h.once.Do(func() { close(h.ch) }) }

// wait waits until everything read is hashed.
func (h *hashingReader) wait() {
	h.stop()
	<-h.done
}
