package uploader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

var (
	// ErrFetchIncomplete is wrapped by FetchReplies' error when some files
	// could not be fetched or read; each has its own FetchedReply.Err.
	ErrFetchIncomplete = errors.New("some replies could not be fetched or read")
)

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
// "-2" suffix), and a file is taken as already kept only when a kept copy
// has the very same content (SHA-256), never on its size alone. Only then, when asked, is the server's copy deleted. CO files are
// unpacked next to the kept zip. Each FO or CO reply is parsed; matching it
// to the set it answers is the caller's (package workflow, by account).
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
				return out, err
			}
			errs = append(errs, err)
		}
	}
	failed := 0
	for _, r := range out {
		if r.Err != nil {
			failed++
		}
	}
	if failed > 0 {
		errs = append(errs, fmt.Errorf("%w (%d of %d files)", ErrFetchIncomplete, failed, len(out)))
	}
	if f.leftOver > 0 {
		errs = append(errs, f.leftOverError())
	}
	return out, errors.Join(errs...)
}

type fetcher struct {
	ctx      context.Context
	t        Transport
	opts     FetchOptions
	fetched  int64 // bytes downloaded so far by this fetch (see MaxFetchSize)
	kept     int64 // memory the replies read so far hold (see maxKeptReplies)
	taken    int   // files handled so far (see MaxFetchFiles)
	leftOver int   // files left on the server past MaxFetchFiles
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
	files = f.takeFiles(files)
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
			f.weigh(r.Reply)
			replies = []FetchedReply{r}
		default:
			replies = []FetchedReply{r}
		}
		// A reply over the limits stays on the server, with its set.
		leave := leaveOnServer(replies)
		if leave {
			keepGO[key] = true
		}
		// The local copy is complete and synced: the server's may go.
		if f.opts.Delete && !leave && (key == "" || !keepGO[key]) {
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
	// Nothing that could drive a terminal or reorder the text around it
	// when the name is shown (issue 11).
	return batch.SafeText(name) == name
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

// keep makes sure the local folder holds the remote file: it downloads it
// and returns the copy already kept when one has the same content (two
// accounts' replies often share a name and even a size), or the new copy.
func (f *fetcher) keep(folder string, rf RemoteFile) (local string, downloaded bool, err error) {
	dir := f.opts.Dir
	if err := f.admit(folder, rf); err != nil {
		return "", false, err
	}
	tmp, err := atomicfile.Create(filepath.Join(dir, rf.Name), 0o600)
	if err != nil {
		return "", false, fmt.Errorf("cannot keep %s: %w", rf.Name, err)
	}
	defer tmp.Abort()
	h := sha256.New()
	bound := f.bound(io.MultiWriter(tmp, h))
	var w io.Writer = bound
	if f.opts.Progress != nil {
		w = &progressWriter{w: w, file: folder + "/" + rf.Name, total: rf.Size, f: f.opts.Progress}
	}
	n, err := f.t.Get(f.ctx, folder, rf.Name, w)
	f.fetched += n
	if bound.over {
		return "", false, f.tooLarge(folder, rf.Name, n)
	}
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
