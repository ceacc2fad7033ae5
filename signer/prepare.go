package signer

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// Errors Prepare returns for what the user can fix with an option; the
// CLI and the GUI each offer that option in their own terms.
var (
	// ErrAlreadyPrepared: an FS or GO exists; PrepareOptions.Force replaces it.
	ErrAlreadyPrepared = errors.New("already exists, and Expeditor does not replace a signature or GO file unless asked to")
	// ErrNeedsCRLF: the FI's line endings would make its signature fail
	// in text mode; PrepareOptions.ConvertCRLF converts it, keeping the original.
	ErrNeedsCRLF = errors.New("its signature would verify in binary mode only, and the transfer point also checks in text mode; convert it to CRLF line endings (the original is kept)")
	// ErrTooLarge: the FI is over the part size; PrepareOptions.Split cuts it.
	ErrTooLarge = fmt.Errorf("split it into parts (at most %d, the original is kept in the %s folder)", batch.MaxParts, batch.OriginalsFolder)
)

// PrepareOptions are the choices of the person preparing a declaration.
type PrepareOptions struct {
	// SignTest signs test (T) and simulation (S) files too; production (R)
	// files are always signed.
	SignTest bool
	// ConvertCRLF converts a declaration without CRLF line endings (the
	// original is kept); without it such a declaration is refused.
	ConvertCRLF bool
	// Split cuts a declaration larger than the part limit into parts (the
	// original is kept); without it such a declaration is refused.
	Split bool
	// SingleLine writes each FS as one base64 line instead of 64-character
	// lines.
	SingleLine bool
	// Force replaces FS and GO files that already exist.
	Force bool
	// Now gives the signing time; time.Now when nil.
	Now func() time.Time
	// Progress, when not nil, is called as the declarations are read for
	// signing, with the bytes done and the total.
	Progress func(done, total int64)
	// MaxPart is the largest part size; batch.MaxPartSize when zero.
	MaxPart int64
}

// Prepared says what Prepare did.
type Prepared struct {
	// Written lists the files written, in order: each set's FS files,
	// then its GO.
	Written []string
	// Notes are things the person should know: conversions, splits,
	// unsigned test files, a date the transfer point would refuse, a GO
	// not written yet. (Certificate warnings are not repeated here: see
	// CheckCertificate.)
	Notes []Note
	// Parts lists each declaration part signed, in order, with the
	// SHA-256 of its bytes as they were read and signed: what Send must
	// find when it uploads the part.
	Parts []PreparedPart
}

// PreparedPart is one declaration part Prepare signed.
type PreparedPart struct {
	FI     string // the declaration part's path
	FS     string // its signature file's path
	Size   int64  // bytes signed
	SHA256 string // SHA-256 of the bytes signed, in hex
}

// Note is one thing Prepare tells the person. Code and Args let the GUI
// say it in the person's language; Message is the English text.
type Note struct {
	// Code is the kind of note: "date" (a date the transfer point would
	// refuse), "converted", "split", "unsigned" (test environment, no FS),
	// "partmissing", "fsignored", "partunsigned" or "fsbad".
	Code string
	// Args are the values in the message, by name: Name, GO, FI, FS,
	// Kept, N, Size (bytes), Env (the environment letter), Code and
	// Reason (of a date refusal).
	Args    map[string]string
	Message string
}

func (n Note) String() string { return n.Message }

func note(code string, args map[string]string, format string, a ...any) Note {
	return Note{Code: code, Args: args, Message: fmt.Sprintf(format, a...)}
}

// fiItem is one declaration part Prepare works on.
type fiItem struct {
	path string
	name batch.Name
	size int64
	sign bool // an FS is required
	// Once read: the digest to sign (with the key's digest algorithm)
	// and the SHA-256 of the bytes read.
	sum, sha256 []byte
}

// undoStack runs the undo steps of the changes made so far, newest first.
type undoStack []func()

func (u *undoStack) push(f func()) { *u = append(*u, f) }
func (u undoStack) run() {
	for i := len(u) - 1; i >= 0; i-- {
		u[i]()
	}
}

// Prepare makes the declarations at fiPaths ready to upload: it checks the
// certificate, converts line endings and splits oversized files when the
// options allow it, signs every part whose environment needs a signature
// (writing and verifying its FS), and writes the empty GO of every set
// whose parts are all there and signed. It is all or nothing: on any
// failure, including cancellation of ctx, every file it created is removed
// and every declaration is left as it was. cred may be nil when nothing
// needs a signature.
func Prepare(ctx context.Context, fiPaths []string, cred Credential, opts PrepareOptions) (res *Prepared, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxPart <= 0 {
		opts.MaxPart = batch.MaxPartSize
	}
	res = &Prepared{}
	var undo undoStack
	defer func() {
		if err != nil {
			undo.run()
			res = nil
		}
	}()

	items, err := collect(fiPaths, opts)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errors.New("no declaration (FI) file given")
	}

	// The certificate first: nothing is touched when it cannot sign.
	needSign := false
	for _, it := range items {
		needSign = needSign || it.sign
	}
	if needSign {
		if cred == nil || cred.Certificate() == nil {
			return nil, errors.New("production (R) declarations must be signed: choose your certificate (.p12 file or eID card)")
		}
		// Warnings are the caller's to show (with the certificate's
		// details); only blocking findings stop here.
		if err := BlockingError(CheckCertificate(cred.Certificate(), opts.Now())); err != nil {
			return nil, err
		}
	}

	// Check everything that can be checked before changing anything.
	for _, it := range items {
		if err := it.name.CheckDate(opts.Now()); err != nil {
			args := map[string]string{"Name": it.name.String(), "Reason": err.Error()}
			var ne *batch.NameError
			if errors.As(err, &ne) {
				args["Code"], args["Reason"] = strconv.Itoa(ne.Code), ne.Reason
			}
			res.Notes = append(res.Notes, Note{Code: "date", Args: args, Message: err.Error()})
		}
		if err := preflight(it, opts); err != nil {
			return nil, err
		}
	}

	// Read each declaration part once: its line endings are checked and it
	// is hashed in the same read. A part that is not CRLF throughout is
	// refused, or converted (and hashed as it is written); a declaration
	// over the part size is split, and each part read once. Conversions and
	// splits keep the original and can be undone. Nothing is signed until
	// every part is read, so a card is not asked to sign for nothing.
	var h crypto.Hash
	if needSign {
		if h, err = signingDigest(cred); err != nil {
			return nil, err
		}
	}
	var total, done int64
	for _, it := range items {
		if it.sign {
			total += it.size
		}
	}
	read := func(it *fiItem) (LineEndings, error) {
		var progress func(int64)
		if opts.Progress != nil {
			before := done
			progress = func(n int64) { opts.Progress(min(before+n, total), total) }
		}
		le, err := it.digest(ctx, h, progress)
		done += it.size
		return le, err
	}
	// First every part signed as it is: each is read once, its line
	// endings checked and its bytes hashed in the same read, before
	// anything is changed (a refusal leaves everything as it was).
	lineEndings := make([]LineEndings, len(items))
	for i := range items {
		if it := &items[i]; it.sign && it.size <= opts.MaxPart {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("preparation stopped: %w", err)
			}
			le, err := read(it)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.name, err)
			}
			if !le.TextModeSafe && !opts.ConvertCRLF {
				return nil, fmt.Errorf("%s cannot be signed as it is: %s: %w", it.name, le.Problem(), ErrNeedsCRLF)
			}
			lineEndings[i] = le
		}
	}
	var signList []fiItem
	var intermediates []string
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("preparation stopped: %w", err)
		}
		var converted string
		if it.sign {
			le := lineEndings[i] // read above
			if it.size > opts.MaxPart {
				// Too large for one signature: only its line endings
				// matter before the split (preflight checked them unless
				// it is to be converted); each part is read afterwards.
				le = LineEndings{TextModeSafe: true}
				if opts.ConvertCRLF {
					if le, err = CheckLineEndings(it.path); err != nil {
						return nil, fmt.Errorf("%s: %w", it.name, err)
					}
				}
			}
			if !le.TextModeSafe {
				if !opts.ConvertCRLF {
					return nil, fmt.Errorf("%s cannot be signed as it is: %s: %w", it.name, le.Problem(), ErrNeedsCRLF)
				}
				// The converted bytes are hashed as they are written: the
				// converted file is not read again.
				d := newPartDigest(h)
				kept, err := convertToCRLF(it.path, io.MultiWriter(d, &d.lines))
				if err != nil {
					return nil, err
				}
				path := it.path
				undo.push(func() { restoreOriginal(kept, path) })
				converted = kept
				res.Notes = append(res.Notes, note("converted", map[string]string{"Name": it.name.String(), "Kept": kept},
					"%s converted to CRLF line endings; the original is kept at %s", it.name, kept))
				it.size = d.n
				it.sum, it.sha256 = d.sums()
				if le := d.lines.Result(); !le.TextModeSafe { // cannot happen: toCRLF writes CRLF only
					return nil, fmt.Errorf("%s: the conversion to CRLF failed: %s", it.name, le.Problem())
				}
			}
		}
		if it.size <= opts.MaxPart {
			signList = append(signList, it)
			continue
		}
		if !opts.Split {
			return nil, tooLarge(it, opts.MaxPart, converted != "")
		}
		parts, splitKept, err := batch.SplitKeep(it.path, opts.MaxPart)
		if err != nil {
			return nil, err
		}
		path := it.path
		undo.push(func() {
			for _, p := range parts {
				os.Remove(p)
			}
			restoreOriginal(splitKept, path)
		})
		kept := splitKept
		if converted != "" {
			// What Split kept is the converted intermediate: the real
			// original is kept already. Drop it once everything succeeded.
			intermediates = append(intermediates, splitKept)
			kept = converted
		}
		res.Notes = append(res.Notes, note("split", map[string]string{"Name": it.name.String(), "N": strconv.Itoa(len(parts)), "Size": strconv.FormatInt(opts.MaxPart, 10), "Kept": kept},
			"%s split into %d parts (at most %d bytes each); the original is kept at %s", it.name, len(parts), opts.MaxPart, kept))
		for _, p := range parts {
			pit, err := newItem(p, opts)
			if err != nil {
				return nil, err
			}
			if err := preflight(pit, opts); err != nil {
				return nil, err
			}
			if pit.sign {
				le, err := read(&pit)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", pit.name, err)
				}
				if !le.TextModeSafe { // cannot happen: the whole was checked
					return nil, fmt.Errorf("%s cannot be signed as it is: %s: %w", pit.name, le.Problem(), ErrNeedsCRLF)
				}
			}
			signList = append(signList, pit)
		}
	}

	// Sign the digests into temporary files; nothing appears under an FS
	// or GO name until every signature is made and verified.
	type stagedSet struct {
		set    batch.Set
		fs     map[int]*atomicfile.File // by part number
		goFile *atomicfile.File
	}
	var sets []*stagedSet
	byKey := map[string]*stagedSet{}
	for _, it := range signList {
		set, err := batch.SetOf(it.path)
		if err != nil {
			return nil, err
		}
		k := set.Dir + "|" + set.Key()
		if byKey[k] == nil {
			byKey[k] = &stagedSet{set: set, fs: map[int]*atomicfile.File{}}
			sets = append(sets, byKey[k])
		}
	}
	defer func() { // temporary files left by a failure
		for _, s := range sets {
			for _, f := range s.fs {
				f.Abort()
			}
			if s.goFile != nil {
				s.goFile.Abort()
			}
		}
	}()
	signed := map[string]bool{} // FI paths whose FS is staged
	var parts []PreparedPart
	for _, it := range signList {
		if !it.sign {
			continue
		}
		set, _ := batch.SetOf(it.path)
		f, err := signOne(ctx, it, set, cred, h, opts)
		if err != nil {
			return nil, err
		}
		byKey[set.Dir+"|"+set.Key()].fs[it.name.Part] = f
		signed[it.path] = true
		parts = append(parts, PreparedPart{FI: it.path, FS: set.Path(set.FS(it.name.Part)), Size: it.size, SHA256: hex.EncodeToString(it.sha256)})
	}
	for _, s := range sets {
		ready, notes := setReady(s.set, opts, signed)
		res.Notes = append(res.Notes, notes...)
		if !ready {
			continue
		}
		if s.goFile, err = atomicfile.Create(s.set.Path(s.set.GO()), atomicfile.PermLike(s.set.Path(s.set.FI(1)), 0o644)); err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", s.set.GO(), err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("preparation stopped: %w", err)
	}

	// Commit: each set's FS files in part order, then its GO.
	for _, s := range sets {
		var files []*atomicfile.File
		for i := 1; i <= s.set.Base.Parts; i++ {
			if f := s.fs[i]; f != nil {
				files = append(files, f)
			}
		}
		if s.goFile != nil {
			files = append(files, s.goFile)
		}
		for _, f := range files {
			target := f.Target()
			if opts.Force {
				err = f.Commit()
			} else {
				err = f.CommitNew()
			}
			if err != nil {
				if errors.Is(err, atomicfile.ErrExists) {
					return nil, fmt.Errorf("%s: %w", filepath.Base(target), ErrAlreadyPrepared)
				}
				return nil, fmt.Errorf("cannot write %s: %w", filepath.Base(target), err)
			}
			undo.push(func() { os.Remove(target) })
			res.Written = append(res.Written, target)
		}
	}
	for _, p := range intermediates {
		os.Remove(p)
	}
	res.Parts = parts
	res.Notes = dedupe(res.Notes)
	return res, nil
}

// dedupe drops repeated notes (one per part of a set), keeping the order.
func dedupe(notes []Note) []Note {
	seen := map[string]bool{}
	var out []Note
	for _, n := range notes {
		if !seen[n.Message] {
			seen[n.Message] = true
			out = append(out, n)
		}
	}
	return out
}

// collect parses and checks the names of the given files, dropping
// duplicates.
func collect(paths []string, opts PrepareOptions) ([]fiItem, error) {
	var items []fiItem
	seen := map[string]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		it, err := newItem(filepath.Clean(p), opts)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

func newItem(path string, opts PrepareOptions) (fiItem, error) {
	base := filepath.Base(path)
	n, err := batch.ParseName(base)
	if err != nil {
		return fiItem{}, err
	}
	if n.Prefix != batch.FI {
		return fiItem{}, fmt.Errorf("%s is not a declaration (FI) file: only FI files are signed; give the FI file(s) of the set", base)
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fiItem{}, fmt.Errorf("the declaration %s does not exist; check the folder and the name", path)
	case err != nil:
		return fiItem{}, fmt.Errorf("cannot read the declaration: %w", err)
	case !info.Mode().IsRegular():
		return fiItem{}, fmt.Errorf("%s is not a regular file", path)
	case info.Size() == 0:
		return fiItem{}, fmt.Errorf("%s: %w", base, batch.ErrEmptyDeclaration)
	}
	return fiItem{path: path, name: n, size: info.Size(), sign: n.Env.SignatureRequired(opts.SignTest)}, nil
}

// preflight refuses, before anything is changed, what Prepare would refuse
// later anyway.
func preflight(it fiItem, opts PrepareOptions) error {
	set, err := batch.SetOf(it.path)
	if err != nil {
		return err
	}
	if it.size > opts.MaxPart && !opts.Split {
		return tooLarge(it, opts.MaxPart, false)
	}
	if it.size > opts.MaxPart && it.name.Parts != 1 {
		return fmt.Errorf("%s is %d bytes, more than the %d allowed per part, and is already one of %d parts: Expeditor only splits a declaration in one part; make the parts smaller", it.name, it.size, opts.MaxPart, it.name.Parts)
	}
	// A part signed as it is has its line endings checked as it is
	// hashed, before anything is changed; one to be split is checked here,
	// before the split.
	if it.sign && !opts.ConvertCRLF && it.size > opts.MaxPart {
		le, err := CheckLineEndings(it.path)
		if err != nil {
			return err
		}
		if !le.TextModeSafe {
			return fmt.Errorf("%s cannot be signed as it is: %s: %w", it.name, le.Problem(), ErrNeedsCRLF)
		}
	}
	if opts.Force {
		return nil
	}
	if it.size <= opts.MaxPart && it.sign {
		if fsPath := set.Path(set.FS(it.name.Part)); pathExists(fsPath) {
			return fmt.Errorf("%s: %w", filepath.Base(fsPath), ErrAlreadyPrepared)
		}
	}
	if goPath := set.Path(set.GO()); pathExists(goPath) && it.size <= opts.MaxPart {
		return fmt.Errorf("%s: %w", filepath.Base(goPath), ErrAlreadyPrepared)
	}
	return nil
}

func tooLarge(it fiItem, maxPart int64, converted bool) error {
	after := ""
	if converted {
		after = " after conversion to CRLF"
	}
	return fmt.Errorf("%s is %d bytes%s, more than the %d bytes (200 MB) the transfer point checks a signature on: %w",
		it.name, it.size, after, maxPart, ErrTooLarge)
}

// signOne signs the digest of one FI part (read by fiItem.digest) into a
// temporary FS file, after checking the signature as the transfer point
// will: the FS bytes are decoded and parsed back, their signature value
// verified with the certificate's key over the signed attributes, and the
// messageDigest they carry compared with the digest of the read. The FI
// is not read again: what was read is what is signed.
func signOne(ctx context.Context, it fiItem, set batch.Set, cred Credential, h crypto.Hash, opts PrepareOptions) (*atomicfile.File, error) {
	der, err := signDigest(ctx, cred, h, it.sum, opts.Now())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.name, err)
	}
	data := EncodeFS(der, opts.SingleLine)
	sig, err := ParseFS(data)
	if err == nil && !sig.Signer.Equal(cred.Certificate()) {
		err = errors.New("it names another certificate than the one used")
	}
	if err == nil && sig.Digest != h {
		err = fmt.Errorf("it uses %v instead of %v", sig.Digest, h)
	}
	if err == nil {
		err = sig.Check(it.sum)
	}
	if err != nil {
		return nil, fmt.Errorf("the new signature of %s does not verify, nothing was written: %w", it.name, err)
	}
	fsPath := set.Path(set.FS(it.name.Part))
	f, err := atomicfile.Create(fsPath, atomicfile.PermLike(it.path, 0o644))
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", filepath.Base(fsPath), err)
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return nil, fmt.Errorf("cannot write %s: %w", filepath.Base(fsPath), err)
	}
	return f, nil
}

// partDigest hashes a declaration part with the signing digest and with
// SHA-256 (the same hash when the key signs with SHA-256), and counts its
// line endings.
type partDigest struct {
	h, sha hash.Hash // sha is nil when h is SHA-256
	lines  LineCounter
	n      int64
}

func newPartDigest(h crypto.Hash) *partDigest {
	d := &partDigest{h: h.New()}
	if h != crypto.SHA256 {
		d.sha = sha256.New()
	}
	return d
}

// Write hashes p (the line endings are counted by the caller on the
// reading goroutine, or here when the writer is the only one).
func (d *partDigest) Write(p []byte) (int, error) {
	d.h.Write(p)
	if d.sha != nil {
		d.sha.Write(p)
	}
	d.n += int64(len(p))
	return len(p), nil
}

func (d *partDigest) sums() (sum, sha []byte) {
	sum = d.h.Sum(nil)
	if d.sha == nil {
		return sum, sum
	}
	return sum, d.sha.Sum(nil)
}

// digest reads the part once: it hashes it (it.sum with h, it.sha256) and
// returns its line endings. h is 0 when nothing is signed.
func (it *fiItem) digest(ctx context.Context, h crypto.Hash, progress func(int64)) (LineEndings, error) {
	f, err := os.Open(it.path)
	if err != nil {
		return LineEndings{}, fmt.Errorf("cannot read the declaration: %w", err)
	}
	defer f.Close()
	d := newPartDigest(h)
	n, err := readStream(ctx, f, &d.lines, d, progress)
	if err != nil {
		return LineEndings{}, err
	}
	// The part is signed as read: its size is the size of the read.
	it.size = n
	it.sum, it.sha256 = d.sums()
	return d.lines.Result(), nil
}

// setReady reports whether the set's GO can be written: every FI part is
// there and, when a signature is required, every part's FS is either
// signed now or already on disk and verifying. The notes say why not.
func setReady(set batch.Set, opts PrepareOptions, signed map[string]bool) (bool, []Note) {
	sign := set.Base.Env.SignatureRequired(opts.SignTest)
	var notes []Note
	env := string(set.Base.Env)
	if !sign {
		notes = append(notes, note("unsigned", map[string]string{"Name": set.GO().String(), "Env": env},
			"%s: %s environment, no FS needed (signing test files is an option)", set.GO(), envWord(set.Base.Env)))
	}
	ready := true
	for i := 1; i <= set.Base.Parts; i++ {
		fi, fsPath := set.Path(set.FI(i)), set.Path(set.FS(i))
		if !pathExists(fi) {
			notes = append(notes, note("partmissing", map[string]string{"GO": set.GO().String(), "FI": set.FI(i).String()},
				"%s not written yet: %s is missing; prepare again once every part is there", set.GO(), set.FI(i)))
			ready = false
			continue
		}
		if !sign {
			if pathExists(fsPath) {
				notes = append(notes, note("fsignored", map[string]string{"FS": set.FS(i).String(), "Env": env},
					"%s exists but %s files take no signature; it will not be uploaded (the transfer point may refuse an FS there, code 121)", set.FS(i), envWord(set.Base.Env)))
			}
			continue
		}
		if signed[fi] {
			continue
		}
		if !pathExists(fsPath) {
			notes = append(notes, note("partunsigned", map[string]string{"GO": set.GO().String(), "FI": set.FI(i).String()},
				"%s not written yet: %s is not signed; sign it too", set.GO(), set.FI(i)))
			ready = false
			continue
		}
		if _, err := VerifyFile(fi, fsPath); err != nil {
			notes = append(notes, note("fsbad", map[string]string{"GO": set.GO().String(), "FS": set.FS(i).String(), "FI": set.FI(i).String()},
				"%s not written: the existing %s does not verify (%v); sign %s again", set.GO(), set.FS(i), err, set.FI(i)))
			ready = false
		}
	}
	return ready, notes
}

func envWord(e batch.Environment) string {
	switch e {
	case batch.Test:
		return "test (T)"
	case batch.Simulation:
		return "simulation (S)"
	}
	return "production (R)"
}

// restoreOriginal puts a kept original back in place, and removes the originals
// folder if that leaves it empty.
func restoreOriginal(kept, path string) {
	if kept == "" {
		return
	}
	if err := os.Rename(kept, path); err == nil {
		os.Remove(filepath.Dir(kept)) // only succeeds when empty
	}
}

func pathExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
