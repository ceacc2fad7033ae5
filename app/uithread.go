package app

import "fyne.io/fyne/v2"

// Work running off the UI goroutine reaches the widgets only through these
// two, fyne.Do and fyne.DoAndWait: Fyne runs the function on its main loop,
// between the user's clicks and key presses. The tests set them to a loop
// run by the test goroutine between its taps (uiloop_test.go), so that a
// task's result never touches a widget while the test does.
var (
	uiDo        = fyne.Do
	uiDoAndWait = fyne.DoAndWait
)
