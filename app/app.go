// Package app is Expeditor's desktop assistant, built with Fyne. It only
// builds widgets and wires them to the batch, signer and uploader packages.
package app

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// ID is the application identifier (as in FyneApp.toml).
const ID = "be.expeditor.app"

// Version is the application version, set at build time with -ldflags.
var Version = "0.1.0-dev"

// Run opens the main window and blocks until it is closed.
func Run() {
	a := fyneapp.NewWithID(ID)
	w := a.NewWindow("Expeditor")
	w.SetContent(NewUI(a, w).Content())
	w.Resize(fyne.NewSize(720, 520))
	w.ShowAndRun()
}

// UI holds the widgets of the main window.
type UI struct {
	app    fyne.App
	window fyne.Window
	title  *widget.Label
}

// NewUI builds the main window's content.
func NewUI(a fyne.App, w fyne.Window) *UI {
	return &UI{app: a, window: w, title: widget.NewLabel("Expeditor — sign and send your declarations")}
}

// Content is the root object of the window.
func (u *UI) Content() fyne.CanvasObject {
	return container.NewCenter(container.NewVBox(
		u.title,
		widget.NewLabel("The guided assistant is coming; use the expeditor command line meanwhile."),
	))
}
