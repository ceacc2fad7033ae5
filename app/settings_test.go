package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// The language chosen in the settings is used at once, kept in the
// preferences, and the flow's state survives the switch.
func TestLanguageSetting(t *testing.T) {
	u, w := newTestUI(t)
	src := writeFile(t, t.TempDir(), "FI.DMFA.123456."+today()+".00001.T.1.1", "<x/>\r\n")
	u.decl.open(src)

	s := u.newSettings()
	s.language.SetSelected("Nederlands")
	if got := u.app.Preferences().String(prefLanguage); got != "nl" {
		t.Errorf("preference = %q, want nl", got)
	}
	if w.Content() != u.root {
		t.Error("the window should show the rebuilt content")
	}
	if got := u.stepTitle(stepSignature); got != "Handtekening" {
		t.Errorf("signature step in Dutch = %q", got)
	}
	if u.state.fi != src || !strings.Contains(u.status.Text, "GO.DMFA.123456") {
		t.Errorf("the declaration was lost in the switch: %q, status %q", u.state.fi, u.status.Text)
	}
	test.Tap(u.decl.nextButton)
	if u.current != stepSignature {
		t.Error("the rebuilt widgets should work")
	}

	u.newSettings().language.SetSelected("English")
	if got := u.stepTitle(stepSignature); got != "Signature" {
		t.Errorf("back in English: %q", got)
	}
	u.setLanguage("")
}
