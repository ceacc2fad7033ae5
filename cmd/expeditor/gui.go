//go:build !nogui

package main

import "github.com/expeditor-be/expeditor/app"

// hasGUI says this build has the desktop assistant.
const hasGUI = true

// runGUI opens the desktop assistant; tests replace it.
var runGUI = func(env *cliEnv) int {
	app.Run()
	return exitOK
}
