//go:build nogui

package main

import "fmt"

// hasGUI says this build has the desktop assistant.
const hasGUI = false

// runGUI, in the headless build (-tags nogui), has no desktop assistant to
// open: it prints the commands instead, so a server or a scheduled job that
// runs expeditor without arguments learns what it can do.
var runGUI = func(env *cliEnv) int {
	fmt.Fprintln(env.stderr, "expeditor: this build has no desktop assistant (built with -tags nogui)")
	env.printHelpTo(env.stderr)
	return exitUsage
}
