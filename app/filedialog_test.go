package app

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
)

// Where a declaration is expected, the dialog shows payroll exports and
// files already named FI.…, not the signatures, the GO files or photos.
func TestDeclarationFilter(t *testing.T) {
	f := fileDeclaration.filter()
	for name, want := range map[string]bool{
		"payroll-2026Q4.xml":                  true,
		"DIMONA.XML":                          true,
		"export.txt":                          true,
		"FI.DMFA.123456.20261127.00001.R.1.1": true,
		"fi.dmfa.123456.20261127.00001.t.1.1": true,
		"FS.DMFA.123456.20261127.00001.R.1.1": false,
		"GO.DMFA.123456.20261127.00001.R":     false,
		"holiday.jpg":                         false,
		"certificate.p12":                     false,
	} {
		if got := f.Matches(storage.NewFileURI(filepath.Join("/tmp", name))); got != want {
			t.Errorf("%s shown: %v, want %v", name, got, want)
		}
	}
	if fileCertificate.filter().Matches(storage.NewFileURI("/tmp/payroll.xml")) {
		t.Error("the certificate dialog shows a declaration")
	}
	if fileAny.filter() != nil {
		t.Error("a key file may have any name")
	}
}

// The dialog opens in the documents folder, then in the folder of the
// last file chosen while it exists; it is nearly as large as the window.
func TestFileDialogStartFolderAndSize(t *testing.T) {
	u, w := newTestUI(t)
	home, _ := os.UserHomeDir()
	docs := filepath.Join(home, "Documents")
	if err := os.MkdirAll(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := u.startFolder(); got != docs {
		t.Errorf("first dialog opens in %q, want the documents %q", got, docs)
	}

	w.Resize(fyne.NewSize(800, 600))
	chosen := ""
	fd := u.openFile(fileDeclaration, func(p string) { chosen = p })
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog shown")
	}
	if s := top.Size(); s.Width < 700 || s.Height < 500 {
		t.Errorf("the dialog is %v at 800×600: too small to read names", s)
	}
	fd.Hide()

	// A file chosen in another folder: the next dialog opens there.
	other := filepath.Join(t.TempDir(), "exports")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	u.fileChosen(filepath.Join(other, "payroll.xml"), func(p string) { chosen = p })
	if chosen != filepath.Join(other, "payroll.xml") {
		t.Errorf("opened %q", chosen)
	}
	if got := u.startFolder(); got != other {
		t.Errorf("opens in %q, want the last folder %q", got, other)
	}
	os.RemoveAll(other)
	if got := u.startFolder(); got != docs {
		t.Errorf("the last folder is gone: opens in %q, want %q", got, docs)
	}
}
