// Package assets holds the files embedded in the Expeditor binary: the
// application icon and the translations of the desktop assistant.
package assets

import (
	"embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the application icon (also named in FyneApp.toml).
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

// Lang holds one JSON translation file per language in lang/: en, fr, nl
// and de, as lang.AddTranslationsFS reads them.
//
//go:embed lang/*.json
var Lang embed.FS

// Languages are the languages the assistant is translated into, English
// (the fallback) first.
var Languages = []string{"en", "fr", "nl", "de"}
