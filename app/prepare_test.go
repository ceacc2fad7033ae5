package app

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/workflow"
)

// tapDialogButton taps the button with this text in the dialog on top.
func tapDialogButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open (looking for %q)", text)
	}
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Button:
			if v.Text == text {
				found = v
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(top)
	if found == nil {
		t.Fatalf("no %q button in the dialog", text)
	}
	test.Tap(found)
}

// A declaration with Unix line endings is signed only after the user
// agrees to convert it; the original is kept.
func TestBareLFAsksBeforeConverting(t *testing.T) {
	u, w := newTestUI(t)
	id := testpki.New(t, testpki.Options{})
	dir := t.TempDir()
	fi := writeFile(t, dir, "FI.DMFA.123456."+today()+".00001.R.1.1", "<a>\n<b/>\n</a>\n")
	u.decl.open(fi)
	useP12(t, u, id.P12, id.Password)
	test.Tap(u.sig.nextButton)

	// No: nothing is written.
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	tapDialogButton(t, w, "Do not convert")
	set := *u.state.set
	if _, err := os.Stat(set.Path(set.FS(1))); err == nil {
		t.Fatal("an FS was written without the user's consent")
	}
	if !strings.Contains(u.prep.message.Text, "Not signed") {
		t.Errorf("message = %q", u.prep.message.Text)
	}

	// Yes: converted, signed, original kept.
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	tapDialogButton(t, w, "Convert and sign")
	u.tasks.wait()
	if !u.state.prepared {
		t.Fatalf("not prepared: %q", u.prep.message.Text)
	}
	data, _ := os.ReadFile(fi)
	if string(data) != "<a>\r\n<b/>\r\n</a>\r\n" {
		t.Errorf("FI = %q, want CRLF line endings", data)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, batch.OriginalsFolder, "*"))
	if len(kept) == 0 {
		t.Error("the original should be kept in the originals folder")
	}
	if _, err := os.Stat(set.Path(set.FS(1))); err != nil {
		t.Error("no FS after converting")
	}
	// The ledger records the set as prepared, with the SHA-256 of the
	// bytes signed (the converted ones), for Send to plan with.
	l, err := workflow.OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	digests, err := l.PreparedDigests(set)
	if sum := sha256.Sum256(data); err != nil || digests[set.FI(1).String()] != hex.EncodeToString(sum[:]) {
		t.Errorf("prepared digests %v, %v", digests, err)
	}
}
