package app

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/assets"
	"github.com/expeditor-be/expeditor/internal/testpki"
)

// pathTo is the chain of objects from root down to o (nil when o is not
// inside root).
func pathTo(root, o fyne.CanvasObject) []fyne.CanvasObject {
	if root == o {
		return []fyne.CanvasObject{o}
	}
	var children []fyne.CanvasObject
	switch w := root.(type) {
	case *fyne.Container:
		children = w.Objects
	case *container.Scroll:
		children = []fyne.CanvasObject{w.Content}
	case *container.Split:
		children = []fyne.CanvasObject{w.Leading, w.Trailing}
	}
	for _, c := range children {
		if p := pathTo(c, o); p != nil {
			return append([]fyne.CanvasObject{root}, p...)
		}
	}
	return nil
}

// onScreen checks that b is drawn whole inside a window of the given size
// without scrolling: shown, outside any scroll area, at its minimum size
// at least, within the window.
func onScreen(w fyne.Window, size fyne.Size, b *widget.Button) error {
	path := pathTo(w.Content(), b)
	if path == nil {
		return fmt.Errorf("%q is not in the window", b.Text)
	}
	var pos fyne.Position
	// Inside a scroll area (not scrolled), the button must lie in the
	// part shown.
	view := fyne.NewSize(size.Width, size.Height)
	var viewPos fyne.Position
	for _, o := range path {
		if !o.Visible() {
			return fmt.Errorf("%q is hidden", b.Text)
		}
		pos = pos.Add(o.Position())
		if sc, ok := o.(*container.Scroll); ok {
			if sc.Offset != (fyne.Position{}) {
				return fmt.Errorf("%q: its page is scrolled", b.Text)
			}
			viewPos, view = pos, sc.Size()
		}
	}
	sz, min := b.Size(), b.MinSize()
	if sz.Width+0.5 < min.Width || sz.Height+0.5 < min.Height {
		return fmt.Errorf("%q is cut: %v, needs %v", b.Text, sz, min)
	}
	if pos.X < 0 || pos.Y < 0 || pos.X+sz.Width > size.Width+0.5 || pos.Y+sz.Height > size.Height+0.5 {
		return fmt.Errorf("%q at %v, size %v: outside the %v window", b.Text, pos, sz, size)
	}
	if pos.X < viewPos.X || pos.Y < viewPos.Y || pos.X+sz.Width > viewPos.X+view.Width+0.5 || pos.Y+sz.Height > viewPos.Y+view.Height+0.5 {
		return fmt.Errorf("%q at %v, size %v: below the fold of its page (shown: %v at %v)", b.Text, pos, sz, view, viewPos)
	}
	return nil
}

// scrollDepth is the largest number of scroll areas nested in o.
func scrollDepth(o fyne.CanvasObject) int {
	depth := 0
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			depth = max(depth, scrollDepth(c))
		}
	case *container.Scroll:
		return 1 + scrollDepth(w.Content)
	case *container.Split:
		return max(scrollDepth(w.Leading), scrollDepth(w.Trailing))
	}
	return depth
}

// The main button of every step is visible without scrolling at the
// default size and at 800×600, in every language, at every stage of the
// flow, a send of a declaration split in parts included; no step page has
// a scroll area inside a scroll area.
func TestMainButtonsVisible(t *testing.T) {
	u, w := newTestUI(t)
	t.Cleanup(func() { u.setLanguage("") })
	id := testpki.New(t, testpki.Options{CommonName: "Marie-Christine Vandenbroucke-Dupont"})
	dir := t.TempDir()

	type want struct {
		s step
		b func() *widget.Button
	}
	check := func(stage string, wants ...want) {
		t.Helper()
		for _, l := range assets.Languages {
			u.setLanguage(l)
			u.tasks.wait() // the test driver runs a task's end on the task's goroutine
			for _, size := range []fyne.Size{fyne.NewSize(980, 660), fyne.NewSize(800, 600)} {
				w.Resize(size)
				for _, x := range wants {
					u.goTo(x.s)
					u.tasks.wait()
					w.Content().Refresh()
					if err := onScreen(w, size, x.b()); err != nil {
						t.Errorf("%s, %s, %s, %v: %v", stage, l, stepNamesEN[x.s], size, err)
					}
					if d := scrollDepth(u.body); d > 1 {
						t.Errorf("%s, %s: %d scroll areas nested", stage, stepNamesEN[x.s], d)
					}
				}
			}
		}
		u.setLanguage("en")
		u.tasks.wait()
		w.Resize(fyne.NewSize(980, 660))
	}

	// A payroll export to name: "Copy under this name".
	src := writeFile(t, dir, "payroll-export-of-the-fourth-quarter.xml", strings.Repeat("<line/>\r\n", 6))
	u.decl.open(src)
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	u.decl.senderEntry.SetText("")
	test.Type(u.decl.senderEntry, "123456")
	check("naming", want{stepDeclaration, func() *widget.Button { return u.decl.nameButton }})
	u.goTo(stepDeclaration)
	test.Tap(u.decl.nameButton)
	u.tasks.wait()
	if u.state.set == nil {
		t.Fatalf("not named: %q", u.decl.preview.Text)
	}
	check("named",
		want{stepDeclaration, func() *widget.Button { return u.decl.nextButton }},
		want{stepSignature, func() *widget.Button { return u.sig.useFileButton }})

	u.goTo(stepSignature)
	u.sig.p12Entry.SetText(id.P12)
	test.Type(u.sig.passwordEntry, id.Password)
	test.Tap(u.sig.useFileButton)
	u.tasks.wait()
	if u.state.cred == nil {
		t.Fatalf("no certificate: %q", u.sig.message.Text)
	}
	check("certificate",
		want{stepSignature, func() *widget.Button { return u.sig.nextButton }},
		want{stepPrepare, func() *widget.Button { return u.prep.prepareButton }})

	// Split in parts: many rows on Prepare and Send.
	u.state.split = true
	u.maxPart = 20
	u.goTo(stepPrepare)
	test.Tap(u.prep.prepareButton)
	u.tasks.wait()
	if !u.state.prepared || u.state.set.Base.Parts < 3 {
		t.Fatalf("not prepared in parts: %q", u.prep.message.Text)
	}
	check("prepared",
		want{stepPrepare, func() *widget.Button { return u.prep.nextButton }},
		want{stepSend, func() *widget.Button { return u.send.sendButton }})

	u.goTo(stepSend)
	u.tasks.wait()
	test.Tap(u.send.sendButton)
	u.tasks.wait()
	if u.state.sent == "" {
		t.Fatalf("not sent: %q", u.send.message.Text)
	}
	check("sent",
		want{stepSend, func() *widget.Button { return u.send.nextButton }},
		want{stepReplies, func() *widget.Button { return u.replies.fetchButton }})

	o := fetchOutcome(t, u)
	if !o.state.Accepted() {
		t.Fatalf("outcome %+v", o)
	}
	check("answered", want{stepReplies, func() *widget.Button { return u.replies.nextButton }})
}
