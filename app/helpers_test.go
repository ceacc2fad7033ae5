package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/expeditor-be/expeditor/workflow"
)

// newTestUI builds the assistant on a test app (no display) with its own
// configuration and cache folders, so tests never touch the user's.
func newTestUI(t *testing.T) (*UI, fyne.Window) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("EXPEDITOR_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv("HOME", home)
	return newTestUIKeepHome(t)
}

// newTestUIKeepHome is newTestUI in the folders of the test's first UI: a
// second window of the same user.
func newTestUIKeepHome(t *testing.T) (*UI, fyne.Window) {
	t.Helper()
	release := testLoop.own()
	a := test.NewTempApp(t)
	w := a.NewWindow("Expeditor")
	u := NewUI(a, w)
	w.SetContent(u.Content())
	w.Resize(fyne.NewSize(980, 660))
	t.Cleanup(func() {
		u.tasks.cancelAll()
		u.tasks.wait()
		u.close()
		w.Close()
		testLoop.runQueued()
		release()
	})
	return u, w
}

// writeFile writes a test file and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// today is the date field of a name made today.
func today() string { return time.Now().Format("20060102") }

// labelText is the text of a label (or "" for another widget).
func labelText(o fyne.CanvasObject) string {
	if l, ok := o.(*widget.Label); ok {
		return l.Text
	}
	return ""
}

func TestMain(m *testing.M) {
	// A fixed locale: the tests read English text, and Fyne complains
	// about the "C" locale of build machines.
	os.Setenv("LANG", "en_US.UTF-8")
	os.Unsetenv("LC_ALL")
	os.Unsetenv("LC_MESSAGES")
	os.Unsetenv("LANGUAGE")
	// The keychain of the machine running the tests stays untouched.
	keyring.MockInit()
	os.Exit(m.Run())
}

// rendered is the text of every label in a container, one per line.
func rendered(c *fyne.Container) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *widget.Accordion: // Details, closed or open
			for _, it := range w.Items {
				walk(it.Detail)
			}
		}
	}
	walk(c)
	return b.String()
}

// historyLine is a History row as one line: the set, its account, its
// state and the codes of its last reply (the row shows the two parts side
// by side).
func historyLine(e workflow.Record) string {
	return historyWhat(e) + "  ·  " + historyStatus(e)
}
