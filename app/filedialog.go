package app

import (
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// Every "Open…" of the assistant goes through openFile: the dialog opens
// in the folder of the last file chosen (or the user's documents), large
// enough for a declaration's long name on one line, listing names (not
// icons, whose captions break mid-word), and showing only the kind of
// file the step expects.

// prefLastFolder is the Preferences key of the folder of the last file
// chosen in a file dialog.
const prefLastFolder = "lastFolder"

// fileKind is what a file dialog looks for.
type fileKind int

const (
	// fileDeclaration: what payroll software exports (XML, text) and the
	// files already named for the transfer point (FI.…).
	fileDeclaration fileKind = iota
	// fileCertificate: a .p12 or .pfx certificate file.
	fileCertificate
	// fileAny: anything (a private key file often has no extension).
	fileAny
)

// declarationFilter shows the files a declaration can be in: XML and text
// exports (DmfA, Dimona and the social risk declarations are XML, some
// software writes .txt or .dat), and files already named FI.… (whose
// "extension" is their part number).
type declarationFilter struct{}

func (declarationFilter) Matches(u fyne.URI) bool {
	name := strings.ToUpper(u.Name())
	if strings.HasPrefix(name, "FI.") {
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xml", ".txt", ".dat":
		return true
	}
	return false
}

// filter is the dialog's filter for a kind of file (nil: every file).
func (k fileKind) filter() storage.FileFilter {
	switch k {
	case fileDeclaration:
		return declarationFilter{}
	case fileCertificate:
		return storage.NewExtensionFileFilter([]string{".p12", ".pfx", ".P12", ".PFX"})
	}
	return nil
}

// documentsFolder is the user's documents folder (as the desktop names it
// on Linux, or the usual English, French, Dutch and German names), else
// the home folder.
func documentsFolder() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	candidates := []string{}
	if d := xdgDocuments(home); d != "" {
		candidates = append(candidates, d)
	}
	for _, n := range []string{"Documents", "Documenten", "Dokumente", "Mes documents"} {
		candidates = append(candidates, filepath.Join(home, n))
	}
	for _, d := range candidates {
		if isDir(d) {
			return d
		}
	}
	return home
}

// xdgDocuments reads XDG_DOCUMENTS_DIR from ~/.config/user-dirs.dirs.
func xdgDocuments(home string) string {
	data, err := os.ReadFile(filepath.Join(home, ".config", "user-dirs.dirs"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "XDG_DOCUMENTS_DIR=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		v = strings.Replace(v, "$HOME", home, 1)
		return v
	}
	return ""
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// startFolder is where a file dialog opens: the folder of the last file
// chosen while it still exists, else the documents folder.
func (u *UI) startFolder() string {
	if last := u.app.Preferences().String(prefLastFolder); last != "" && isDir(last) {
		return last
	}
	return documentsFolder()
}

// openFile shows a file dialog for a kind of file and hands the chosen
// path to open. The folder is remembered for the next dialog.
func (u *UI) openFile(kind fileKind, open func(path string)) *dialog.FileDialog {
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		u.fileChosen(path, open)
	}, u.window)
	if f := kind.filter(); f != nil {
		fd.SetFilter(f)
	}
	if dir := u.startFolder(); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			fd.SetLocation(l)
		}
	}
	fd.SetView(dialog.ListView)
	fd.Resize(fileDialogSize(u.window.Canvas().Size()))
	fd.Show()
	return fd
}

// fileChosen remembers the folder of a file chosen and opens it.
func (u *UI) fileChosen(path string, open func(path string)) {
	u.app.Preferences().SetString(prefLastFolder, filepath.Dir(path))
	open(path)
}

// fileDialogSize is nearly the whole window, so that long names fit.
func fileDialogSize(window fyne.Size) fyne.Size {
	return fyne.NewSize(window.Width*0.94, window.Height*0.92)
}
