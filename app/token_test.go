//go:build cgo

package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/internal/softhsm"
	"github.com/expeditor-be/expeditor/internal/testpki"
)

// A token is found, its keys listed with holder and validity, the PIN
// field shown because the token needs one, and the key opened with it.
func TestTokenSignature(t *testing.T) {
	softhsm.Require(t)
	testpki.Binary(t)
	fx, err := softhsm.NewFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", fx.Conf)

	u, _ := newTestUI(t)
	u.goTo(stepSignature)
	u.sig.module = fx.Module
	u.sig.kind.SetSelected(u.sig.kind.Options[1])
	// Choosing the token starts a search; the test driver runs its result
	// on the task's goroutine, so let it finish before tapping again.
	u.tasks.wait()
	if !u.sig.tokenBox.Visible() || u.sig.fileBox.Visible() {
		t.Fatal("choosing the token should show the token part")
	}
	test.Tap(u.sig.scanButton)
	u.tasks.wait()
	t.Logf("options: %q", u.sig.keys.Options)
	var rsa string
	for _, o := range u.sig.keys.Options {
		if strings.Contains(o, `"Signature"`) && strings.Contains(o, softhsm.TokenRSA) {
			rsa = o
		}
	}
	if rsa == "" {
		t.Fatalf("the eID-like Signature key is not listed: %q (message %q)", u.sig.keys.Options, u.sig.message.Text)
	}
	if !strings.Contains(rsa, "valid until") {
		t.Errorf("option %q should give the validity", rsa)
	}
	u.sig.keys.SetSelected(rsa)
	// A change of language keeps the keys found and the one chosen.
	n := len(u.sig.keys.Options)
	u.setLanguage("fr")
	if len(u.sig.keys.Options) != n || !strings.Contains(u.sig.keys.Selected, softhsm.TokenRSA) || !u.sig.tokenBox.Visible() {
		t.Errorf("after a change of language: %q chosen among %q", u.sig.keys.Selected, u.sig.keys.Options)
	}
	u.setLanguage("")
	if u.sig.keys.Selected != rsa {
		t.Errorf("back in English: %q chosen, want %q", u.sig.keys.Selected, rsa)
	}
	if !u.sig.pinBox.Visible() || u.sig.pinpadNotice.Visible() {
		t.Error("a token that needs a PIN should show the PIN field, not the pinpad notice")
	}
	test.Type(u.sig.pinEntry, softhsm.PIN)
	test.Tap(u.sig.useTokenButton)
	u.tasks.wait()
	if u.state.cred == nil {
		t.Fatalf("the key did not open: %q", u.sig.message.Text)
	}
	if u.sig.pinEntry.Text != "" {
		t.Error("the PIN should be cleared from the field")
	}
	if !strings.Contains(u.state.credLabel, softhsm.TokenRSA) {
		t.Errorf("credential label %q should name the token", u.state.credLabel)
	}
}
