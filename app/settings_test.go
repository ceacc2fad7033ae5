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
	if u.state.fi != src || !strings.Contains(u.status.Text, "FI.DMFA.123456") {
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

// The step list moves between steps; the status line says where the user
// is, for a support agent on the phone.
func TestStepList(t *testing.T) {
	u, _ := newTestUI(t)
	u.steps.Select(int(stepHistory))
	u.tasks.wait()
	if u.current != stepHistory {
		t.Fatalf("step = %d, want history", u.current)
	}
	if !strings.HasPrefix(u.status.Text, "Step 6 of 6: History") {
		t.Errorf("status = %q", u.status.Text)
	}
	if !strings.Contains(u.hist.message.Text, "Nothing was sent") {
		t.Errorf("empty history: %q", u.hist.message.Text)
	}
	u.steps.Select(int(stepPrepare))
	if u.current != stepPrepare || !u.prep.prepareButton.Disabled() || !strings.Contains(u.prep.summary.Text, "step 1") {
		t.Errorf("prepare without a declaration: %q", u.prep.summary.Text)
	}
}
