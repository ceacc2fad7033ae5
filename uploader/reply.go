package uploader

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// Limits on what a zipped (CO) reply may unpack to, so a damaged or
// hostile archive cannot fill the disk.
const (
	MaxUnzippedSize = 2 << 30 // bytes unpacked from one CO file, all entries together
	maxZipEntries   = 64
)

var (
	// ErrZipTooLarge: a CO file unpacks to more than MaxUnzippedSize, or
	// holds too many files.
	ErrZipTooLarge = errors.New("the zipped reply unpacks to more than Expeditor accepts")
	// ErrFetchIncomplete is wrapped by FetchReplies' error when some files
	// could not be fetched or read; each has its own FetchedReply.Err.
	ErrFetchIncomplete = errors.New("some replies could not be fetched or read")
)

// unzipLimit is MaxUnzippedSize; tests lower it.
var unzipLimit int64 = MaxUnzippedSize

// FetchOptions says which replies to bring back and what to do with them.
type FetchOptions struct {
	// Envs are the environments whose reply folders are read; none means
	// all three.
	Envs []batch.Environment
	// Dir is the local folder the replies are kept in (created if needed).
	Dir string
	// Delete removes each file from the server once its local copy is
	// complete and on disk. The transfer point does not keep replies
	// forever, and the sender is expected to clear them.
	Delete bool
	// SkipMissingFolders ignores a reply folder the account does not have
	// (many accounts have no simulation folder), instead of failing.
	SkipMissingFolders bool
	// Progress, if set, is called as bytes of file ("OUT/FO.…") arrive.
	Progress func(file string, done, total int64)
	// Trust, when set, holds the CAs a reply's signer must chain to;
	// otherwise the signer is pinned per Account on first sight (no
	// pinning when Account is empty). See ReplyAccount.
	Trust   *x509.CertPool
	Account string
	// AcceptSigner is the fingerprint (hex SHA-256, "SHA256:" optional) of
	// a new reply signer the user accepts in place of the pinned one.
	AcceptSigner string
}

// FetchedReply is one file brought back from a reply folder.
type FetchedReply struct {
	Remote string // folder/name on the server
	Env    batch.Environment
	Local  string // the kept copy; for a CO file, the unpacked reply
	// Archive is the kept CO (zip) file a reply was unpacked from.
	Archive string
	// Reply is the parsed FO or CO reply; nil for the FS and GO files of a
	// reply set, for other files, and when the reply could not be read.
	Reply *batch.Reply
	// History is the send-history entry of the set the reply answers,
	// updated with its outcome; nil when Expeditor did not send that set.
	History *HistoryEntry
	// Downloaded is false when an identical copy was already kept.
	Downloaded bool
	Deleted    bool
	// Pending marks a reply the transfer point is still writing (its GO
	// is not there yet): it was left alone and comes next time.
	Pending bool
	Err     error // what went wrong with this file, if anything
	// Signature is the check of the reply's FS (nil for files that are
	// not a reply); see SignatureCheck.Untrusted.
	Signature *SignatureCheck
}

// FetchReplies lists the reply folders of opts.Envs, keeps every complete
// reply in opts.Dir and explains it. Each file is downloaded to a temporary
// file, synced, checked against the size the server listed and renamed; a
// kept file is never replaced by different content (the new copy gets a
// "-2" suffix), and a file already kept with the same size is not fetched
// again. Only then, when asked, is the server's copy deleted. CO files are
// unpacked next to the kept zip. Each FO or CO reply is parsed and recorded
// in the send history of the set it answers.
//
// The result lists every file met, in order, also on error; the error
// joins the folders that could not be read and wraps ErrFetchIncomplete
// when some files failed.
func FetchReplies(ctx context.Context, t Transport, opts FetchOptions) ([]FetchedReply, error) {
	envs := opts.Envs
	if len(envs) == 0 {
		envs = batch.Environments
	}
	if opts.Dir == "" {
		return nil, errors.New("no folder given to keep the replies in")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the replies folder: %w", err)
	}
	f := fetcher{ctx: ctx, t: t, opts: opts}
	var errs []error
	var out []FetchedReply
	for _, env := range envs {
		got, err := f.folder(env)
		f.checkSignatures(got)
		out = append(out, got...)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				f.matchHistory(out) // what was kept before the interruption still counts
				return out, err
			}
			errs = append(errs, err)
		}
	}
	f.matchHistory(out)
	failed := 0
	for _, r := range out {
		if r.Err != nil {
			failed++
		}
	}
	if failed > 0 {
		errs = append(errs, fmt.Errorf("%w (%d of %d files)", ErrFetchIncomplete, failed, len(out)))
	}
	if f.historyErr != nil {
		errs = append(errs, f.historyErr)
	}
	return out, errors.Join(errs...)
}

type fetcher struct {
	ctx        context.Context
	t          Transport
	opts       FetchOptions
	historyErr error
}

// replyKey is what the files of one reply set share: the name without its
// prefix and without part fields (APPL.SENDER.DATE.SEQ.ENV).
func replyKey(name string) (prefix, key string) {
	f := strings.Split(name, ".")
	if len(f) < 6 {
		return f[0], ""
	}
	return f[0], strings.Join(f[1:6], ".")
}

// fileOrder puts the reply itself first and its GO last, so an interrupted
// run never leaves a GO without the files it announces.
func fileOrder(prefix string) int {
	switch prefix {
	case "CO", "FO":
		return 0
	case "FS":
		return 1
	case "GO":
		return 3
	}
	return 2
}

func (f *fetcher) folder(env batch.Environment) ([]FetchedReply, error) {
	folder := env.ReplyFolder()
	files, err := f.t.List(f.ctx, folder)
	if err != nil {
		if f.opts.SkipMissingFolders && errors.Is(err, ErrFolderMissing) {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot list the replies in %s: %w", folder, err)
	}
	complete := map[string]bool{} // reply sets whose GO is there
	for _, rf := range files {
		if p, k := replyKey(rf.Name); p == "GO" && k != "" {
			complete[k] = true
		}
	}
	slices.SortFunc(files, func(a, b RemoteFile) int {
		pa, ka := replyKey(a.Name)
		pb, kb := replyKey(b.Name)
		if c := strings.Compare(ka, kb); c != 0 {
			return c
		}
		if c := fileOrder(pa) - fileOrder(pb); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	var out []FetchedReply
	// Reply sets a file of which could not be kept or deleted: their GO
	// stays on the server, so the next run still sees the set as complete.
	keepGO := map[string]bool{}
	for _, rf := range files {
		if err := f.ctx.Err(); err != nil {
			return out, err
		}
		r := FetchedReply{Remote: folder + "/" + rf.Name, Env: env}
		prefix, key := replyKey(rf.Name)
		if (prefix == "FO" || prefix == "CO" || prefix == "FS") && key != "" && !complete[key] {
			r.Pending = true
			out = append(out, r)
			continue
		}
		if !safeName(rf.Name) {
			r.Err = fmt.Errorf("the server has a file named %q, which cannot be kept safely; it was left on the server", rf.Name)
			out = append(out, r)
			keepGO[key] = true
			continue
		}
		local, downloaded, err := f.keep(folder, rf)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return out, err
			}
			r.Err = err
			out = append(out, r)
			keepGO[key] = true
			continue
		}
		r.Local, r.Downloaded = local, downloaded
		var replies []FetchedReply
		switch prefix {
		case "CO":
			replies = f.unzip(r)
		case "FO":
			r.Reply, r.Err = readReplyFile(rf.Name, local)
			replies = []FetchedReply{r}
		default:
			replies = []FetchedReply{r}
		}
		// The local copy is complete and synced: the server's may go.
		if f.opts.Delete && (key == "" || !keepGO[key]) {
			deleted := true
			if err := f.t.Delete(f.ctx, folder, rf.Name); err != nil {
				deleted = false
				keepGO[key] = true
				err = fmt.Errorf("%s is kept in %s, but could not be deleted from the server: %w", rf.Name, local, err)
				for i := range replies {
					replies[i].Err = errors.Join(replies[i].Err, err)
				}
			}
			for i := range replies {
				replies[i].Deleted = deleted
			}
		}
		out = append(out, replies...)
	}
	return out, nil
}

// safeName reports whether a name from the server can be used as a file
// name in the replies folder: no path, nothing hidden, nothing Windows
// would read as a device or stream.
func safeName(name string) bool {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") || len(name) > 200 {
		return false
	}
	if strings.ContainsAny(name, "/\\:*?\"<>|\x00") {
		return false
	}
	base, _, _ := strings.Cut(strings.ToUpper(name), ".")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// candidate is the i-th local name a file may be kept under: its own name,
// then name-2, name-3… for different content that came under the same name.
func candidate(dir, name string, i int) string {
	if i == 1 {
		return filepath.Join(dir, name)
	}
	return filepath.Join(dir, name+"-"+strconv.Itoa(i))
}

const maxCopies = 100

// keep makes sure the local folder holds the remote file: it returns the
// copy already kept when one has the listed size, or downloads it.
func (f *fetcher) keep(folder string, rf RemoteFile) (local string, downloaded bool, err error) {
	dir := f.opts.Dir
	for i := 1; i <= maxCopies; i++ {
		p := candidate(dir, rf.Name, i)
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err == nil && info.Mode().IsRegular() && info.Size() == rf.Size {
			return p, false, nil
		}
	}
	tmp, err := atomicfile.Create(filepath.Join(dir, rf.Name), 0o600)
	if err != nil {
		return "", false, fmt.Errorf("cannot keep %s: %w", rf.Name, err)
	}
	defer tmp.Abort()
	h := sha256.New()
	var w io.Writer = io.MultiWriter(tmp, h)
	if f.opts.Progress != nil {
		w = &progressWriter{w: w, file: folder + "/" + rf.Name, total: rf.Size, f: f.opts.Progress}
	}
	n, err := f.t.Get(f.ctx, folder, rf.Name, w)
	if err != nil {
		return "", false, fmt.Errorf("cannot download %s/%s: %w", folder, rf.Name, err)
	}
	if n != rf.Size {
		// Some listings are late or give no size: ask again before
		// calling the copy incomplete.
		size, serr := f.t.Size(f.ctx, folder, rf.Name)
		if serr != nil || size != n {
			return "", false, fmt.Errorf("%s/%s changed or was cut while it was downloaded (the server listed %d bytes, %d arrived); it was left on the server, try again later",
				folder, rf.Name, rf.Size, n)
		}
	}
	return commitKept(tmp, dir, rf.Name, n, h.Sum(nil))
}

// commitKept syncs tmp and gives it the first free name among the
// candidates of name, unless one of them already holds the same bytes
// (then that one is returned and fresh is false). Nothing kept is ever
// replaced.
func commitKept(tmp *atomicfile.File, dir, name string, size int64, sum []byte) (path string, fresh bool, err error) {
	defer tmp.Abort()
	if err := tmp.Sync(); err != nil {
		return "", false, fmt.Errorf("cannot write %s to disk: %w", name, err)
	}
	for i := 1; i <= maxCopies; i++ {
		p := candidate(dir, name, i)
		err := os.Link(tmp.Name(), p)
		if err == nil {
			syncDir(dir)
			return p, true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			// No hard links on this file system: rename, after checking
			// that nothing is there.
			if _, serr := os.Lstat(p); errors.Is(serr, fs.ErrNotExist) {
				if err := os.Rename(tmp.Name(), p); err != nil {
					return "", false, fmt.Errorf("cannot keep %s: %w", name, err)
				}
				syncDir(dir)
				return p, true, nil
			}
		}
		if sameContent(p, size, sum) {
			return p, false, nil
		}
	}
	return "", false, fmt.Errorf("cannot keep %s: %d different copies of that name are already kept in %s", name, maxCopies, dir)
}

func sameContent(path string, size int64, sum []byte) bool {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() || info.Size() != size {
		return false
	}
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return false
	}
	return bytes.Equal(h.Sum(nil), sum)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every platform syncs folders
		d.Close()
	}
}

// unzip unpacks the kept CO file of r next to it and reads the replies it
// holds: one FetchedReply per file inside.
func (f *fetcher) unzip(r FetchedReply) []FetchedReply {
	zipPath := r.Local
	r.Archive = zipPath
	coName := path.Base(r.Remote)
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		r.Err = fmt.Errorf("%s is not a readable zip file (%v); it is kept as it came", coName, err)
		return []FetchedReply{r}
	}
	defer zr.Close()
	var out []FetchedReply
	var total int64
	entries := 0
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		rr := FetchedReply{Remote: r.Remote, Env: r.Env, Archive: zipPath}
		if entries++; entries > maxZipEntries {
			rr.Err = fmt.Errorf("%s: %w (more than %d files)", coName, ErrZipTooLarge, maxZipEntries)
			out = append(out, rr)
			break
		}
		// Only the base name is used: a name with folders or ".." in it
		// must not write outside the replies folder.
		name := path.Base(strings.ReplaceAll(zf.Name, `\`, "/"))
		if !safeName(name) {
			rr.Err = fmt.Errorf("%s holds a file named %q, which cannot be unpacked safely", coName, zf.Name)
			out = append(out, rr)
			continue
		}
		var n int64
		rr.Local, rr.Downloaded, n, rr.Err = f.extract(zf, name, unzipLimit-total)
		total += n
		if rr.Err == nil {
			rr.Reply, rr.Err = readReplyFile(coName, rr.Local)
		}
		out = append(out, rr)
		if errors.Is(rr.Err, ErrZipTooLarge) {
			break
		}
	}
	if len(out) == 0 {
		r.Err = fmt.Errorf("the zipped reply %s holds no file", coName)
		return []FetchedReply{r}
	}
	return out
}

// extract writes one zip entry into the replies folder, reading at most
// limit bytes of it.
func (f *fetcher) extract(zf *zip.File, name string, limit int64) (local string, fresh bool, n int64, err error) {
	rc, err := zf.Open()
	if err != nil {
		return "", false, 0, fmt.Errorf("cannot unpack %s: %w", name, err)
	}
	defer rc.Close()
	tmp, err := atomicfile.Create(filepath.Join(f.opts.Dir, name), 0o600)
	if err != nil {
		return "", false, 0, fmt.Errorf("cannot unpack %s: %w", name, err)
	}
	defer tmp.Abort()
	h := sha256.New()
	// The sizes in the zip's header are not trusted: count what comes out.
	n, err = io.Copy(io.MultiWriter(tmp, h), io.LimitReader(rc, limit+1))
	if n > limit {
		return "", false, n, fmt.Errorf("%s: %w (more than %d MB)", name, ErrZipTooLarge, unzipLimit>>20)
	}
	if err != nil {
		return "", false, n, fmt.Errorf("cannot unpack %s: %w", name, err)
	}
	local, fresh, err = commitKept(tmp, f.opts.Dir, name, n, h.Sum(nil))
	return local, fresh, n, err
}

// readReplyFile parses a kept reply; name is the reply's name on the server.
func readReplyFile(name, local string) (*batch.Reply, error) {
	fh, err := os.Open(local)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	rep, err := batch.ReadReply(name, fh)
	if err != nil {
		return nil, fmt.Errorf("%w; the file is kept in %s", err, local)
	}
	return rep, nil
}

// matchHistory records each reply's outcome in the send history of the set
// it answers.
func (f *fetcher) matchHistory(out []FetchedReply) {
	need := false
	for _, r := range out {
		need = need || (r.Reply != nil && r.Reply.SetKey() != "")
	}
	if !need {
		return
	}
	hist, err := LoadHistory()
	if err != nil {
		f.historyErr = fmt.Errorf("the replies were kept, but the send history could not be read: %w", err)
		return
	}
	for i := range out {
		rep := out[i].Reply
		if rep == nil || rep.SetKey() == "" {
			continue
		}
		j := findSent(hist, rep.SetKey(), out[i].Env)
		if j < 0 {
			continue
		}
		var updated HistoryEntry
		status := replyStatus(rep)
		if status != nil {
			status.Signature = out[i].Signature.Summary()
		}
		err := UpdateHistory(hist[j].ID, func(h *HistoryEntry) {
			if status != nil && supersedes(status, h.Reply) {
				h.Reply = status
			}
			updated = *h
		})
		if err != nil {
			f.historyErr = fmt.Errorf("the replies were kept, but the send history could not be updated: %w", err)
			continue
		}
		hist[j] = updated
		out[i].History = &updated
	}
}

// findSent returns the index of the history entry of set in env: the
// latest completed send, or else the latest attempt; -1 if none.
func findSent(hist []HistoryEntry, set string, env batch.Environment) int {
	best := -1
	for j, h := range hist {
		if h.Set != set || (h.Env != "" && env != "" && h.Env != env) {
			continue
		}
		if best < 0 {
			best = j
			continue
		}
		b := hist[best]
		sent, bestSent := h.Result == ResultSent, b.Result == ResultSent
		if sent && !bestSent || sent == bestSent && !h.Time.Before(b.Time) {
			best = j
		}
	}
	return best
}

// replyStatus is what the history keeps of a reply; nil for a reply that
// says neither accepted nor refused.
func replyStatus(rep *batch.Reply) *ReplyStatus {
	if rep.ResultCode == "" || (rep.Kind != batch.KindACRF && rep.Kind != batch.KindNOTI) {
		return nil
	}
	s := &ReplyStatus{Accepted: rep.Accepted, File: rep.FileName, Time: rep.Created}
	if s.Time.IsZero() {
		s.Time = time.Now()
	}
	for _, e := range rep.Errors {
		s.Codes = append(s.Codes, e.ID)
	}
	return s
}

// supersedes reports whether a new reply status replaces the one kept: a
// notification (the processing result) outranks an acknowledgement (the
// receipt); between two of the same kind the later one wins.
func supersedes(s, old *ReplyStatus) bool {
	if old == nil {
		return true
	}
	if a, b := replyRank(s.File), replyRank(old.File); a != b {
		return a > b
	}
	return !s.Time.Before(old.Time)
}

func replyRank(file string) int {
	f := strings.Split(file, ".")
	if len(f) < 2 {
		return 0
	}
	switch f[1] {
	case batch.KindNOTI:
		return 2
	case batch.KindACRF:
		return 1
	}
	return 0
}

// progressWriter reports the bytes written through it.
type progressWriter struct {
	w     io.Writer
	file  string
	done  int64
	total int64
	f     func(file string, done, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if n > 0 {
		p.f(p.file, p.done, p.total)
	}
	return n, err
}
