package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pathLabel shows a path on one line, cut in the middle when it does not
// fit: "/home/marie/…/2026/FI.DMFA.123456.20261127.00001.R.1.1" keeps
// both where the folder starts and the file's own name, which an ellipsis
// at the end would hide. The whole path is its Text (tests, copy).
type pathLabel struct {
	widget.BaseWidget
	Text  string
	label *widget.Label
}

func newPathLabel(path string) *pathLabel {
	p := &pathLabel{Text: path, label: widget.NewLabel(path)}
	p.ExtendBaseWidget(p)
	return p
}

// SetText shows another path.
func (p *pathLabel) SetText(path string) {
	p.Text = path
	p.Refresh()
}

// Shown is the text on screen, cut to the label's width.
func (p *pathLabel) Shown() string { return p.label.Text }

func (p *pathLabel) CreateRenderer() fyne.WidgetRenderer {
	return &pathLabelRenderer{p: p}
}

type pathLabelRenderer struct{ p *pathLabel }

func (r *pathLabelRenderer) Destroy() {}

func (r *pathLabelRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.p.label} }

func (r *pathLabelRenderer) Layout(size fyne.Size) {
	l := r.p.label
	room := size.Width - 2*r.p.Theme().Size(theme.SizeNameInnerPadding)
	text := middleEllipsis(r.p.Text, room, func(s string) float32 {
		return fyne.MeasureText(s, r.p.Theme().Size(theme.SizeNameText), l.TextStyle).Width
	})
	if text != l.Text {
		l.Text = text
		l.Refresh()
	}
	l.Resize(size)
}

// MinSize is a label's height and room for a few characters: the path
// gives way to its neighbours.
func (r *pathLabelRenderer) MinSize() fyne.Size {
	th := r.p.Theme()
	h := widget.NewLabel("").MinSize().Height
	w := fyne.MeasureText("/…/", th.Size(theme.SizeNameText), fyne.TextStyle{}).Width + 2*th.Size(theme.SizeNameInnerPadding)
	return fyne.NewSize(w, h)
}

func (r *pathLabelRenderer) Refresh() {
	r.Layout(r.p.Size())
	r.p.label.Refresh()
}

// shortPathRunes is the most characters of a path written in a sentence.
const shortPathRunes = 60

// shortPath is a path to write in a sentence, cut in the middle when it
// is long (the sentence wraps, a path would break anywhere): the start of
// the folder and the end of the name stay.
func shortPath(p string) string {
	return middleEllipsis(p, shortPathRunes, func(s string) float32 { return float32(len([]rune(s))) })
}

// middleEllipsis is s, or s with its middle replaced by "…" so that it
// fits width as measure measures it. The end (the file name) keeps more
// of its characters than the start.
func middleEllipsis(s string, width float32, measure func(string) float32) string {
	if measure(s) <= width {
		return s
	}
	runes := []rune(s)
	cut := func(keep int) string {
		head := keep * 2 / 5
		tail := keep - head
		return string(runes[:head]) + "…" + string(runes[len(runes)-tail:])
	}
	// The most characters that fit, by bisection.
	lo, hi := 0, len(runes)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if measure(cut(mid)) <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return cut(lo)
}
