package app

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// defaultWindow is the first window's size when the screen has room.
var defaultWindow = fyne.NewSize(980, 660)

// The room a window leaves on its screen for its title bar and a task
// bar (logical pixels).
const (
	screenMarginW = 16
	screenMarginH = 80
)

// fitSize is want made to fit a screen of the given size (Fyne units),
// leaving room for the title bar and a task bar; never below 640x480
// (the window's content has its own minimum anyway).
func fitSize(want, screen fyne.Size) fyne.Size {
	if screen.Width <= 0 || screen.Height <= 0 {
		return want
	}
	w := min(want.Width, max(screen.Width-screenMarginW, 640))
	h := min(want.Height, max(screen.Height-screenMarginH, 480))
	return fyne.NewSize(w, h)
}

// fitToScreen shrinks a shown window that is larger than its screen.
// Fyne's API does not tell the screen's size: the desktop driver's GLFW
// does, in pixels, on the main goroutine before the app runs (call it
// from Run, after Show, which has made the window and its scale).
func fitToScreen(w fyne.Window) {
	// GLFW panics on its own errors (not initialised: no desktop
	// driver); the window then keeps its size.
	defer func() { recover() }()
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return
	}
	mode := m.GetVideoMode()
	if mode == nil {
		return
	}
	scale := w.Canvas().Scale()
	if scale <= 0 {
		scale = 1
	}
	screen := fyne.NewSize(float32(mode.Width)/scale, float32(mode.Height)/scale)
	if fit := fitSize(w.Canvas().Size(), screen); fit != w.Canvas().Size() {
		w.Resize(fit)
	}
}
