// Command expeditor signs declarations for the Belgian social security
// transfer point and sends them. Without arguments it opens the desktop
// assistant; with a subcommand it is the command-line interface.
package main

import (
	"os"

	_ "github.com/expeditor-be/expeditor/internal/clocale" // before Fyne's locale detection
)

func main() {
	os.Exit(run(os.Args[1:]))
}
