// Package clocale works around the locale detection Fyne runs when its
// lang package is initialised: it reads LC_ALL, LC_MESSAGES or LANG and
// logs "Error parsing user locale C" on stderr for the common "C.UTF-8"
// (Debian's default), which would end up in the output of every CLI
// command. "C" and "POSIX" alone are understood as "no preference", so
// the encoding suffix is dropped, in this process only.
//
// It must be initialised before fyne.io/fyne/v2/lang: the main package
// imports it, and Go initialises packages in import-path order among those
// whose imports are ready, so it runs before github.com/jeandeaual/go-locale
// and therefore before lang. TestInitOrder in cmd/expeditor guards this.
package clocale

import (
	"os"
	"strings"
)

func init() { Fix() }

// Fix drops the encoding of a "C.*" or "POSIX.*" locale in the first of
// LC_ALL, LC_MESSAGES and LANG that is set.
func Fix() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if base, _, ok := strings.Cut(v, "."); ok && (base == "C" || base == "POSIX") {
			os.Setenv(name, base)
		}
		return
	}
}
