package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// wheelEntry makes a one-line entry let the mouse wheel through to the
// page around it. A Fyne entry scrolls its own text in an inner scroller,
// which takes every wheel event over the box, so a form in a scroll
// container stopped scrolling under the pointer (fyne-io/fyne#1939). With
// wrapping and scrolling off (Entry.Scroll, Fyne 2.4) the entry has no
// scroller; it then grows with its text, so it is for short values (names,
// passwords, numbers), not paths.
func wheelEntry(e *widget.Entry) *widget.Entry {
	if e.MultiLine {
		return e
	}
	e.Wrapping = fyne.TextWrapOff
	e.Scroll = container.ScrollNone
	e.Refresh()
	return e
}

// wheelThroughEntries applies wheelEntry to the one-line entries of a
// step page (in containers, forms and Details), except those that hold
// paths, which keep their own scrolling.
func wheelThroughEntries(o fyne.CanvasObject, paths ...*widget.Entry) {
	switch w := o.(type) {
	case *widget.Entry:
		for _, p := range paths {
			if p == w {
				return
			}
		}
		wheelEntry(w)
	case *fyne.Container:
		for _, c := range w.Objects {
			wheelThroughEntries(c, paths...)
		}
	case *container.Scroll:
		wheelThroughEntries(w.Content, paths...)
	case *container.Split:
		wheelThroughEntries(w.Leading, paths...)
		wheelThroughEntries(w.Trailing, paths...)
	case *widget.Form:
		for _, it := range w.Items {
			wheelThroughEntries(it.Widget, paths...)
		}
	case *widget.Accordion:
		for _, it := range w.Items {
			wheelThroughEntries(it.Detail, paths...)
		}
	}
}
