package app

import (
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testpki"
)

// lightTheme is Fyne's default theme in its light variant, as most users
// see it, for the screenshots.
type lightTheme struct{ fyne.Theme }

func (l lightTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return l.Theme.Color(n, theme.VariantLight)
}

// TestScreenshots walks the flow against the practice point and saves a
// picture of each step in docs/screenshots, for the README. It only runs
// with EXPEDITOR_SCREENSHOTS=1.
func TestScreenshots(t *testing.T) {
	if os.Getenv("EXPEDITOR_SCREENSHOTS") != "1" {
		t.Skip("set EXPEDITOR_SCREENSHOTS=1 to refresh docs/screenshots")
	}
	u, w := newTestUI(t)
	fyne.CurrentApp().Settings().SetTheme(lightTheme{theme.DefaultTheme()})
	w.Resize(fyne.NewSize(1000, 720))
	out := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) {
		t.Helper()
		w.Content().Refresh()
		img := w.Canvas().Capture()
		f, err := os.Create(filepath.Join(out, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}

	u.firstRun()
	shot("0-first-run")
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	id := testpki.New(t, testpki.Options{CommonName: "Marie Dupont"})
	dir := t.TempDir()
	src := writeFile(t, dir, "payroll-2026Q4.xml", "<DmfAOriginal>\r\n  <Quarter>20264</Quarter>\r\n</DmfAOriginal>\r\n")
	u.decl.open(src)
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	test.Type(u.decl.senderEntry, "123456")
	u.decl.envRadio.SetSelected(envLabel(batch.Production))
	shot("1-declaration-naming")
	test.Tap(u.decl.nameButton)
	u.tasks.wait()
	shot("1-declaration")

	test.Tap(u.decl.nextButton)
	u.sig.p12Entry.SetText(id.P12)
	test.Type(u.sig.passwordEntry, id.Password)
	test.Tap(u.sig.useFileButton)
	u.tasks.wait()
	shot("2-signature")

	test.Tap(u.sig.nextButton)
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	shot("3-prepare")

	test.Tap(u.prep.nextButton)
	u.tasks.wait() // the set is checked in a task
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	shot("4-send")

	test.Tap(u.send.nextButton)
	waitFor(t, "the replies", func() bool {
		test.Tap(u.replies.fetchButton)
		u.tasks.wait()
		return len(u.replies.cards) >= 2
	})
	shot("5-replies")

	u.goTo(stepHistory)
	u.tasks.wait()
	u.hist.list.Select(0)
	u.tasks.wait()
	shot("6-history")

	u.setLanguage("fr")
	u.goTo(stepSignature)
	shot("2-signature-fr")
	u.setLanguage("")
}
