package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
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
			row := newHistoryRow()
			setHistoryRow(row, u.hist.entries[0])
			row.Resize(fyne.NewSize(width, row.MinSize().Height))
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
