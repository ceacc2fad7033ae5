package uploader

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// Limits on what one fetch of replies may bring back: far above any real
// reply (an FO file is under 50 MB, larger ones come zipped as CO files),
// low enough that a damaged or hostile server cannot fill the disk or the
// memory (issue 11: a 1 GB reply was kept whole, a 1.9 MB zip unpacked to
// 2 GB). What exceeds them is left on the server, with its GO, and named
// in a message; nothing of it is counted as a reply.
const (
	// MaxReplyFileSize bounds one file downloaded from a reply folder.
	MaxReplyFileSize = 50 << 20
	// MaxFetchSize bounds the bytes one FetchReplies downloads; the files
	// after it come with the next run.
	MaxFetchSize = 500 << 20
	// MaxUnzippedSize bounds what one CO file unpacks to, all its files
	// together.
	MaxUnzippedSize = 256 << 20
	// MaxFetchFiles bounds the files one FetchReplies handles; the others
	// stay on the server for the next run.
	MaxFetchFiles = 5000
	// MaxZipEntries bounds the files in one CO file. A zip with more is
	// refused whole: none of its files is unpacked.
	MaxZipEntries = 64
)

var (
	// ErrZipTooLarge: a CO file unpacks to more than MaxUnzippedSize, or
	// holds more than MaxZipEntries files. Nothing of it was unpacked and
	// it was left on the server.
	ErrZipTooLarge = errors.New("the zipped reply unpacks to more than Expeditor accepts")
	// ErrReplyTooLarge: a file in a reply folder is larger than
	// MaxReplyFileSize, or the fetch already brought back MaxFetchSize
	// bytes. The file was left on the server.
	ErrReplyTooLarge = errors.New("the reply is larger than Expeditor accepts")
)

// The limits, as variables that tests lower.
var (
	unzipLimit     int64 = MaxUnzippedSize
	replyFileLimit int64 = MaxReplyFileSize
	fetchLimit     int64 = MaxFetchSize
	maxZipEntries        = MaxZipEntries
	maxFetchFiles        = MaxFetchFiles
)

// takeFiles returns the files of a listing this fetch still has room for
// and counts the others, which stay on the server.
func (f *fetcher) takeFiles(files []RemoteFile) []RemoteFile {
	room := max(maxFetchFiles-f.taken, 0)
	if len(files) > room {
		f.leftOver += len(files) - room
		files = files[:room]
	}
	f.taken += len(files)
	return files
}

func (f *fetcher) leftOverError() error {
	return fmt.Errorf("%w: %d more files than one run takes (%d) are in the reply folders; they were left on the server: run the command again for the rest",
		ErrFetchIncomplete, f.leftOver, maxFetchFiles)
}

// admit refuses, before anything is downloaded, a file whose listed size
// is over the per-file limit or over what is left of the fetch's.
func (f *fetcher) admit(folder string, rf RemoteFile) error {
	if rf.Size > replyFileLimit {
		return fmt.Errorf("%s/%s: %w: it is %s, a reply file is at most %s; it was left on the server (ask the transfer point's helpdesk about it)",
			folder, rf.Name, ErrReplyTooLarge, sizeText(rf.Size), sizeText(replyFileLimit))
	}
	if f.fetched+rf.Size > fetchLimit {
		return fmt.Errorf("%s/%s: %w: this run already brought back %s, the most one run takes is %s; it was left on the server: run the command again for the rest",
			folder, rf.Name, ErrReplyTooLarge, sizeText(f.fetched), sizeText(fetchLimit))
	}
	return nil
}

// tooLarge is the error of a download cut by bound: the server sent more
// than it listed.
func (f *fetcher) tooLarge(folder, name string, n int64) error {
	if f.fetched >= fetchLimit {
		return fmt.Errorf("%s/%s: %w: this run already brought back %s, the most one run takes is %s; it was left on the server: run the command again for the rest",
			folder, name, ErrReplyTooLarge, sizeText(f.fetched), sizeText(fetchLimit))
	}
	return fmt.Errorf("%s/%s: %w: more than %s arrived, a reply file is at most %s; it was left on the server (ask the transfer point's helpdesk about it)",
		folder, name, ErrReplyTooLarge, sizeText(n), sizeText(replyFileLimit))
}

// bound wraps the writer of one download so that it fails once the file
// passes the per-file limit or the fetch passes its own: the sizes a
// server lists are not trusted.
func (f *fetcher) bound(w io.Writer) *limitWriter {
	return &limitWriter{w: w, left: min(replyFileLimit, fetchLimit-f.fetched)}
}

type limitWriter struct {
	w    io.Writer
	left int64
	over bool
}

var errLimit = errors.New("download limit reached")

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.left {
		l.over = true
		n, _ := l.w.Write(p[:max(l.left, 0)])
		l.left -= int64(n)
		return n, errLimit
	}
	n, err := l.w.Write(p)
	l.left -= int64(n)
	return n, err
}

// leaveOnServer reports whether the replies read from one server file
// say it must stay there: a zip refused whole.
func leaveOnServer(replies []FetchedReply) bool {
	for _, r := range replies {
		if errors.Is(r.Err, ErrZipTooLarge) {
			return true
		}
	}
	return false
}

// unzip unpacks the kept CO file of r next to it and reads the replies it
// holds: one FetchedReply per file inside. A zip over the limits is
// refused whole, before or while unpacking: what was unpacked of it is
// removed and one FetchedReply says why.
func (f *fetcher) unzip(r FetchedReply) []FetchedReply {
	zipPath := r.Local
	r.Archive = zipPath
	coName := path.Base(r.Remote)
	refuse := func(format string, args ...any) []FetchedReply {
		r.Local = ""
		r.Err = fmt.Errorf("%s: %w (%s); none of its files was unpacked and it was left on the server (ask the transfer point's helpdesk about it)",
			coName, ErrZipTooLarge, fmt.Sprintf(format, args...))
		return []FetchedReply{r}
	}
	// archive/zip keeps every entry of the central directory in memory:
	// count them before opening the zip.
	if n, err := countZipHeaders(zipPath); err == nil && n > maxZipEntries {
		return refuse("more than %d files", maxZipEntries)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		r.Err = fmt.Errorf("%s is not a readable zip file (%v); it is kept as it came", coName, err)
		return []FetchedReply{r}
	}
	defer zr.Close()
	var files []*zip.File
	var declared uint64
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		files = append(files, zf)
		declared += min(zf.UncompressedSize64, 1<<62)
	}
	switch {
	case len(files) > maxZipEntries:
		return refuse("%d files, more than %d", len(files), maxZipEntries)
	case declared > uint64(unzipLimit):
		return refuse("it says it unpacks to %s, more than %s", sizeText(int64(min(declared, 1<<62))), sizeText(unzipLimit))
	case len(files) == 0:
		r.Err = fmt.Errorf("the zipped reply %s holds no file", coName)
		return []FetchedReply{r}
	}

	// Every file goes to a temporary file first; only when all fit are
	// they given their names.
	type stagedFile struct {
		at   int // index in out
		name string
		tmp  *atomicfile.File
		n    int64
		sum  []byte
	}
	var staged []stagedFile
	defer func() {
		for _, s := range staged {
			s.tmp.Abort()
		}
	}()
	out := make([]FetchedReply, 0, len(files))
	var total int64
	for _, zf := range files {
		rr := FetchedReply{Remote: r.Remote, Env: r.Env, Archive: zipPath}
		// Only the base name is used: a name with folders or ".." in it
		// must not write outside the replies folder.
		name := path.Base(strings.ReplaceAll(zf.Name, `\`, "/"))
		if !safeName(name) {
			rr.Err = fmt.Errorf("%s holds a file named %q, which cannot be unpacked safely", coName, zf.Name)
			out = append(out, rr)
			continue
		}
		tmp, n, sum, err := f.stage(zf, name, unzipLimit-total)
		total += n
		if errors.Is(err, ErrZipTooLarge) {
			return refuse("it unpacks to more than %s", sizeText(unzipLimit))
		}
		if err != nil {
			rr.Err = err
			out = append(out, rr)
			continue
		}
		staged = append(staged, stagedFile{at: len(out), name: name, tmp: tmp, n: n, sum: sum})
		out = append(out, rr)
	}
	for _, s := range staged {
		rr := &out[s.at]
		rr.Local, rr.Downloaded, rr.Err = commitKept(s.tmp, f.opts.Dir, s.name, s.n, s.sum)
		if rr.Err == nil {
			rr.Reply, rr.Err = readReplyFile(coName, rr.Local)
			f.weigh(rr.Reply)
		}
	}
	return out
}

// stage writes one zip entry to a temporary file in the replies folder,
// reading at most limit bytes of it.
func (f *fetcher) stage(zf *zip.File, name string, limit int64) (tmp *atomicfile.File, n int64, sum []byte, err error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("cannot unpack %s: %w", name, err)
	}
	defer rc.Close()
	tmp, err = atomicfile.Create(filepath.Join(f.opts.Dir, name), 0o600)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("cannot unpack %s: %w", name, err)
	}
	h := sha256.New()
	// The sizes in the zip's header are not trusted: count what comes out.
	n, err = io.Copy(io.MultiWriter(tmp, h), io.LimitReader(rc, limit+1))
	if n > limit {
		tmp.Abort()
		return nil, n, nil, fmt.Errorf("%s: %w", name, ErrZipTooLarge)
	}
	if err != nil {
		tmp.Abort()
		return nil, n, nil, fmt.Errorf("cannot unpack %s: %w", name, err)
	}
	return tmp, n, h.Sum(nil), nil
}

// countZipHeaders counts the central directory signatures anywhere in the
// file: archive/zip makes one entry of each, so this bounds the entries it
// would hold in memory (a few stray matches in compressed data only make
// the bound looser).
func countZipHeaders(p string) (int, error) {
	fh, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	sig := []byte("PK\x01\x02")
	br := bufio.NewReaderSize(fh, 64<<10)
	buf := make([]byte, 64<<10)
	carry := 0
	count := 0
	for {
		n, err := io.ReadFull(br, buf[carry:])
		data := buf[:carry+n]
		count += bytes.Count(data, sig)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return count, nil
			}
			return count, err
		}
		// Keep the last three bytes: a signature may straddle two reads.
		carry = copy(buf, data[len(data)-(len(sig)-1):])
	}
}

// sizeText says a size in the unit that suits it.
func sizeText(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Each reply read is kept in memory until the fetch ends (the front-ends
// show them all), and one may hold up to 10 000 anomalies. Past
// maxKeptReplies for the whole fetch, a reply keeps its first
// keptWhenFull anomalies and counts the rest in MoreErrors: they are all
// in its file on disk.
var (
	maxKeptReplies int64 = 16 << 20
	keptWhenFull         = 100
)

// weigh adds rep's memory to the fetch's and trims rep once the fetch
// holds maxKeptReplies.
func (f *fetcher) weigh(rep *batch.Reply) {
	if rep == nil {
		return
	}
	w := replyWeight(rep)
	if f.kept+w > maxKeptReplies && len(rep.Errors) > keptWhenFull {
		rep.MoreErrors += len(rep.Errors) - keptWhenFull
		rep.Errors = slices.Clone(rep.Errors[:keptWhenFull]) // let the rest go
		w = replyWeight(rep)
	}
	f.kept += w
}

// replyWeight is about the memory rep holds.
func replyWeight(rep *batch.Reply) int64 {
	n := int64(256 + len(rep.FileName) + len(rep.About) + len(rep.Diagnosis) + len(rep.Reference) + len(rep.Form))
	for _, e := range rep.Errors {
		n += 96 + int64(len(e.ID)+len(e.Class))
		for _, d := range e.Details {
			n += 16 + int64(len(d))
		}
	}
	return n
}
