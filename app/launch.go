package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Launch time (issue 12: content drawn within 1.5 s; measured by
// scripts/bench-launch.sh, not by a test). Most of a launch is spent making
// the window's OpenGL context (seconds with a software renderer, shaders
// compiled on a first run), which Fyne does on the main goroutine in
// Window.Show. What the first frame needs and does not touch any widget
// is loaded meanwhile by warmUp: the translations (parsed for every
// locale tag) and the fonts (Fyne parses its embedded faces and indexes
// the system's fallback fonts on the first text measured). The widgets
// are then made on the main goroutine as before, so nothing else changes.

// warmUp loads the translations of the chosen language and the regular
// and bold fonts on another goroutine; the channel is closed when done.
// Run waits for it before making any widget, so the two never overlap.
func warmUp(a fyne.App) <-chan struct{} {
	done := make(chan struct{})
	pref := a.Preferences().String(prefLanguage)
	go func() {
		defer close(done)
		applyLanguage(pref)
		for _, style := range []fyne.TextStyle{{}, {Bold: true}} {
			fyne.MeasureText("Expeditor", theme.TextSize(), style)
		}
	}()
	return done
}
