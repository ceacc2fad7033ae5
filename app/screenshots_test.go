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
// picture of each step in docs/screenshots: in English at the default
// size, for the README, and in French and Dutch at 800×600, the smallest
// window the assistant is made for (issue 12), with the profile form,
// the settings and the set-up assistant. It only runs with
// EXPEDITOR_SCREENSHOTS=1.
func TestScreenshots(t *testing.T) {
	if os.Getenv("EXPEDITOR_SCREENSHOTS") != "1" {
		t.Skip("set EXPEDITOR_SCREENSHOTS=1 to refresh docs/screenshots")
	}
	out := filepath.Join("..", "docs", "screenshots")
	if d := os.Getenv("EXPEDITOR_SCREENSHOTS_DIR"); d != "" {
		out = d // to look at them without touching the committed ones
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	defer applyLanguage("en")
	t.Run("en", func(t *testing.T) { screenshotWalk(t, out, "", "", fyne.NewSize(1000, 720)) })
	for _, l := range []string{"fr", "nl"} {
		t.Run(l, func(t *testing.T) { screenshotWalk(t, out, l, "-"+l, fyne.NewSize(800, 600)) })
	}
}

// screenshotWalk walks the whole flow in a language and saves each step
// as NAME+suffix.png.
func screenshotWalk(t *testing.T, out, language, suffix string, size fyne.Size) {
	u, w := newTestUI(t)
	fyne.CurrentApp().Settings().SetTheme(lightTheme{theme.DefaultTheme()})
	if language != "" {
		u.setLanguage(language)
	}
	w.Resize(size)
	shot := func(name string) {
		t.Helper()
		w.Content().Refresh()
		img := w.Canvas().Capture()
		f, err := os.Create(filepath.Join(out, name+suffix+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}
	closeTop := func() {
		if top := w.Canvas().Overlays().Top(); top != nil {
			w.Canvas().Overlays().Remove(top)
		}
	}

	u.firstRun()
	shot("0-first-run")
	closeTop()

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

	if language == "" {
		return
	}
	// The dialogs, at the same size.
	u.goTo(stepSend)
	u.tasks.wait()
	test.Tap(u.send.addButton)
	test.Type(u.profileDialog.user, "EXPEDIT01")
	shot("7-profile")
	u.profileDialog.details.Open(0)
	shot("7-profile-details")
	u.profileDialog.dialog.Hide()
	u.showSettings()
	shot("8-settings")
	closeTop()
	a := u.showSetup()
	a.show(setupAccount)
	shot("9-setup")
	a.dialog.Hide()
}
