package signer

import (
	"context"
	"errors"
	"fmt"
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

	// Convert line endings, then split: both keep the original and can be
	// undone.
	var signList []fiItem
	var intermediates []string
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("preparation stopped: %w", err)
		}
		var converted string
		if it.sign {
			le, err := CheckLineEndings(it.path)
			if err != nil {
				return nil, err
			}
			if !le.TextModeSafe {
				kept, err := ConvertToCRLF(it.path)
				if err != nil {
					return nil, err
				}
				path := it.path
				undo.push(func() { restoreOriginal(kept, path) })
				converted = kept
				res.Notes = append(res.Notes, note("converted", map[string]string{"Name": it.name.String(), "Kept": kept},
					"%s converted to CRLF line endings; the original is kept at %s", it.name, kept))
				if info, err := os.Stat(it.path); err == nil {
					it.size = info.Size()
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
			signList = append(signList, pit)
		}
	}

	// Sign into temporary files; nothing appears under an FS or GO name
	// until every signature is made and verified.
	type stagedSet struct {
		set    batch.Set
		fs     map[int]*atomicfile.File // by part number
		goFile *atomicfile.File
	}
	var sets []*stagedSet
	byKey := map[string]*stagedSet{}
	var total, done int64
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
		if it.sign {
			total += it.size
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
	for _, it := range signList {
		if !it.sign {
			continue
		}
		set, _ := batch.SetOf(it.path)
		f, err := signOne(ctx, it, cred, opts, done, total)
		if err != nil {
			return nil, err
		}
		byKey[set.Dir+"|"+set.Key()].fs[it.name.Part] = f
		signed[it.path] = true
		done += it.size
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
	if it.sign && !opts.ConvertCRLF {
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

// signOne signs one FI part into a temporary FS file and verifies it
// there, against the FI on disk: what is signed is what gets uploaded.
func signOne(ctx context.Context, it fiItem, cred Credential, opts PrepareOptions, done, total int64) (*atomicfile.File, error) {
	set, err := batch.SetOf(it.path)
	if err != nil {
		return nil, err
	}
	in, err := os.Open(it.path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the declaration: %w", err)
	}
	defer in.Close()
	var progress func(int64)
	if opts.Progress != nil {
		progress = func(n int64) { opts.Progress(done+n, total) }
	}
	der, err := SignDetachedContext(ctx, in, cred, opts.Now(), progress)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.name, err)
	}
	fsPath := set.Path(set.FS(it.name.Part))
	f, err := atomicfile.Create(fsPath, atomicfile.PermLike(it.path, 0o644))
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", filepath.Base(fsPath), err)
	}
	if _, err := f.Write(EncodeFS(der, opts.SingleLine)); err != nil {
		f.Abort()
		return nil, fmt.Errorf("cannot write %s: %w", filepath.Base(fsPath), err)
	}
	if _, err := VerifyFile(it.path, f.Name()); err != nil {
		f.Abort()
		return nil, fmt.Errorf("the new signature of %s does not verify, nothing was written: %w", it.name, err)
	}
	return f, nil
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
