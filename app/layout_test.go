package app

import (
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/workflow"
)

// At 800×600, in every language, a History row keeps its whole status on
// the right; the date, set and account give way, cut with an ellipsis
// (issue 12, point 3: the status column was lost).
func TestHistoryKeepsStatusAt800x600(t *testing.T) {
	for _, l := range []string{"en", "fr", "nl", "de"} {
		t.Run(l, func(t *testing.T) {
			u, w := newTestUI(t)
			defer applyLanguage("en")
			u.setLanguage(l)
			w.Resize(fyne.NewSize(800, 600))
			set := testSetT(t, u, 1)
			record(t, "ACCOUNTWITHALONGNAME1", set, workflow.Event{State: workflow.StateSent},
				workflow.Event{State: workflow.StateNotiAnomalies, Codes: []string{"00912", "00913"}})
			u.goTo(stepHistory)
			u.tasks.wait()
			if len(u.hist.entries) != 1 {
				t.Fatalf("history has %d rows", len(u.hist.entries))
			}
			width := u.hist.list.Size().Width
			if width <= 0 || width > 800 {
				t.Fatalf("the list is %v wide", width)
			}
			// As the list does: a row made and sized once, then filled.
			row := newHistoryRow()
			row.Resize(fyne.NewSize(width, row.MinSize().Height))
			setHistoryRow(row, u.hist.entries[0])
			c := row.(*fyne.Container)
			what, status := c.Objects[0].(*widget.Label), c.Objects[2].(*widget.Label)
			if !strings.Contains(status.Text, stateText(workflow.StateNotiAnomalies)) || !strings.Contains(status.Text, "00913") {
				t.Errorf("status %q", status.Text)
			}
			if status.Size().Width < status.MinSize().Width || status.Position().X+status.Size().Width > width+1 {
				t.Errorf("the status %q is cut: %v wide from %v, needs %v, row %v", status.Text, status.Size().Width, status.Position().X, status.MinSize().Width, width)
			}
			if what.Truncation != fyne.TextTruncateEllipsis || what.Position().X+what.Size().Width > status.Position().X+1 {
				t.Errorf("the set and account overlap the status")
			}
		})
	}
}

// A long path keeps its start and its file name, cut in the middle.
func TestMiddleEllipsis(t *testing.T) {
	measure := func(s string) float32 { return float32(len([]rune(s))) }
	p := "/home/marie/Documents/Declarations/2026/Q4/FI.DMFA.123456.20261127.00001.R.1.1"
	if got := middleEllipsis(p, 200, measure); got != p {
		t.Errorf("a path that fits changed: %q", got)
	}
	got := middleEllipsis(p, 40, measure)
	if measure(got) > 40 || !strings.HasPrefix(got, "/home/") || !strings.HasSuffix(got, "00001.R.1.1") || !strings.Contains(got, "…") {
		t.Errorf("cut path %q", got)
	}

	// In a sentence, a long path is cut to a fixed length.
	if s := shortPath(p); len([]rune(s)) > shortPathRunes || !strings.HasSuffix(s, ".R.1.1") {
		t.Errorf("short path %q", s)
	}
	if s := shortPath("/tmp/x"); s != "/tmp/x" {
		t.Errorf("a short path changed: %q", s)
	}

	// The widget shows what fits its width and keeps the whole path.
	l := newPathLabel(p)
	l.Resize(fyne.NewSize(200, l.MinSize().Height))
	if l.Text != p || !strings.Contains(l.Shown(), "…") || !strings.HasSuffix(l.Shown(), ".1.1") {
		t.Errorf("path label %q shows %q", l.Text, l.Shown())
	}
	if l.MinSize().Width > 100 {
		t.Errorf("a path label should give way to its neighbours: min width %v", l.MinSize().Width)
	}
}

// The mouse wheel over an input box scrolls the page: the boxes of the
// steps and of the profile form have no scroller of their own to take the
// wheel (paths excepted), and the set-up assistant has no scroll area
// inside its page's.
func TestWheelOverInputBoxes(t *testing.T) {
	u, _ := newTestUI(t)
	for name, e := range map[string]*widget.Entry{
		"sender": u.decl.senderEntry, "certificate password": u.sig.passwordEntry, "PIN": u.sig.pinEntry,
	} {
		if e.Scroll != container.ScrollNone || e.Wrapping != fyne.TextWrapOff {
			t.Errorf("the %s box keeps its own scroller", name)
		}
	}
	if u.sig.p12Entry.Scroll == container.ScrollNone {
		t.Error("the certificate path box should keep scrolling its long text")
	}
	u.goTo(stepSend)
	test.Tap(u.send.addButton)
	for _, e := range []*escEntry{u.profileDialog.user, u.profileDialog.password, u.profileDialog.port} {
		if e.Scroll != container.ScrollNone {
			t.Error("a profile box keeps its own scroller")
		}
	}
	u.profileDialog.dialog.Hide()

	// A scroll wheel event over the box reaches the page's scroll.
	page := container.NewVScroll(container.NewVBox(u.decl.senderEntry, layoutSpacer(2000)))
	page.Resize(fyne.NewSize(300, 200))
	for _, o := range test.WidgetRenderer(u.decl.senderEntry).Objects() {
		if _, ok := o.(fyne.Scrollable); ok && o.Visible() {
			t.Fatalf("the entry holds a scroller that takes the wheel: %T", o)
		}
	}
	page.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -50)})
	if page.Offset.Y == 0 {
		t.Error("the page did not scroll")
	}

	a := u.showSetup()
	defer a.dialog.Hide()
	for _, p := range a.pages {
		if scrollInside(p) {
			t.Errorf("a set-up page has a scroll area inside the page's scroll")
		}
	}

	// History: the list and the timeline side by side, neither inside a
	// scroll area.
	if d := scrollNesting(u.hist.content); d != 1 {
		t.Errorf("History nests %d scroll areas", d)
	}
}

// scrollNesting is the largest number of scroll areas (scroll containers,
// lists, multi-line entries) nested in o.
func scrollNesting(o fyne.CanvasObject) int {
	depth := 0
	switch w := o.(type) {
	case *container.Scroll:
		return 1 + scrollNesting(w.Content)
	case *widget.List:
		return 1
	case *widget.Entry:
		if w.MultiLine {
			return 1
		}
	case *fyne.Container:
		for _, c := range w.Objects {
			depth = max(depth, scrollNesting(c))
		}
	case *container.Split:
		return max(scrollNesting(w.Leading), scrollNesting(w.Trailing))
	case *widget.Form:
		for _, it := range w.Items {
			depth = max(depth, scrollNesting(it.Widget))
		}
	}
	return depth
}

func layoutSpacer(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(10, h))
	return r
}

// scrollInside reports whether an object holds a scroll area: a scroll
// container, a list or a multi-line entry.
func scrollInside(o fyne.CanvasObject) bool {
	switch w := o.(type) {
	case *container.Scroll, *widget.List:
		return true
	case *widget.Entry:
		return w.MultiLine
	case *fyne.Container:
		for _, c := range w.Objects {
			if scrollInside(c) {
				return true
			}
		}
	case *widget.Form:
		for _, it := range w.Items {
			if scrollInside(it.Widget) {
				return true
			}
		}
	}
	return false
}
