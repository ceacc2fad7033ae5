package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MaxPartSize is the largest FI part the transfer point checks a signature
// on: 200 MB. A larger declaration must be split into parts.
const MaxPartSize = 200 * 1000 * 1000

// MaxParts is the largest number of parts of one declaration.
const MaxParts = 9

// Set is one declaration as the transfer point sees it: FI parts 1…N, one
// FS per part when a signature is required, and one GO, all in one folder
// and sharing application, sender, date, sequence number, environment and
// number of parts.
type Set struct {
	Dir  string // the local folder holding the files
	Base Name   // the FI name with Part 0
}

// SetOf returns the set a file belongs to, from its FI, FS, GO or TD name.
func SetOf(path string) (Set, error) {
	n, err := ParseName(filepath.Base(path))
	if err != nil {
		return Set{}, err
	}
	if n.IsReply() || n.Parts == 0 {
		return Set{}, fmt.Errorf("%s is a reply from the transfer point, not part of a declaration", filepath.Base(path))
	}
	n.Prefix, n.Part = FI, 0
	return Set{Dir: filepath.Dir(path), Base: n}, nil
}

// FI returns the name of FI part i.
func (s Set) FI(i int) Name { return s.Base.With(FI).WithPart(i) }

// FS returns the name of the signature of part i.
func (s Set) FS(i int) Name { return s.Base.With(FS).WithPart(i) }

// GO returns the name of the set's GO file.
func (s Set) GO() Name { return s.Base.With(GO) }

// Path returns the local path of a file of the set.
func (s Set) Path(n Name) string { return filepath.Join(s.Dir, n.String()) }

// Key identifies the set: its GO name.
func (s Set) Key() string { return s.GO().String() }

// Folder is the server folder the set is uploaded into.
func (s Set) Folder() string { return s.Base.Env.UploadFolder() }

// Part is the local state of one part of a set.
type Part struct {
	Number   int
	FI       string // path
	FIExists bool
	FISize   int64
	FS       string // path
	FSExists bool
}

// State is what exists locally of a set.
type State struct {
	Set          Set
	Parts        []Part
	GO           string // path
	GOExists     bool
	SignRequired bool
}

// State looks at the set's files on disk. signTest says whether test and
// simulation files are signed too.
func (s Set) State(signTest bool) (State, error) {
	st := State{Set: s, GO: s.Path(s.GO()), SignRequired: s.Base.Env.SignatureRequired(signTest)}
	for i := 1; i <= s.Base.Parts; i++ {
		p := Part{Number: i, FI: s.Path(s.FI(i)), FS: s.Path(s.FS(i))}
		info, err := os.Stat(p.FI)
		switch {
		case err == nil:
			p.FIExists, p.FISize = true, info.Size()
		case !errors.Is(err, fs.ErrNotExist):
			return st, err
		}
		p.FSExists = exists(p.FS)
		st.Parts = append(st.Parts, p)
	}
	st.GOExists = exists(st.GO)
	return st, nil
}

// Missing lists the names of the files the set still lacks before its GO
// can be written: FI parts, and FS files when a signature is required.
func (st State) Missing() []string {
	var m []string
	for _, p := range st.Parts {
		if !p.FIExists {
			m = append(m, filepath.Base(p.FI))
		}
		if st.SignRequired && !p.FSExists {
			m = append(m, filepath.Base(p.FS))
		}
	}
	return m
}

// Complete reports whether every FI part (and every required FS) exists.
func (st State) Complete() bool { return len(st.Missing()) == 0 }

// Files lists the set's files in upload order: every FI, every FS when
// required, then the GO.
func (st State) Files() []string {
	var f []string
	for _, p := range st.Parts {
		f = append(f, p.FI)
	}
	if st.SignRequired {
		for _, p := range st.Parts {
			f = append(f, p.FS)
		}
	}
	return append(f, st.GO)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
