package app

import (
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/expeditor-be/expeditor/assets"
)

// prefLanguage is the Preferences key of the language chosen in the
// settings; empty means the system's.
const prefLanguage = "language"

// fyneTags are the languages Fyne itself ships translations for (its
// dialogs' buttons) plus ours. Fyne picks one of them from the system
// locale; the messages of the chosen language are loaded under each, so our
// strings follow the settings whichever one Fyne picked, while Fyne's own
// strings keep following the system.
var fyneTags = []string{"en", "fr", "nl", "de", "cs", "el", "es", "pl", "pt", "pt-BR", "ru", "sv", "ta", "uk", "zh-Hans"}

var (
	langMu      sync.Mutex
	currentLang string
)

// systemLanguage is the system's language when it is one we have, else
// English.
func systemLanguage() string {
	base := strings.ToLower(string(lang.SystemLocale()))
	if i := strings.IndexAny(base, "-_."); i >= 0 {
		base = base[:i]
	}
	for _, l := range assets.Languages {
		if l == base {
			return l
		}
	}
	return "en"
}

// effectiveLanguage is the language the assistant shows for a preference.
func effectiveLanguage(pref string) string {
	for _, l := range assets.Languages {
		if l == pref {
			return l
		}
	}
	return systemLanguage()
}

// applyLanguage makes every lang.L call answer in the language chosen by
// pref ("" for the system's) and returns it.
func applyLanguage(pref string) string {
	want := effectiveLanguage(pref)
	langMu.Lock()
	defer langMu.Unlock()
	if want == currentLang {
		return want
	}
	data, err := assets.Lang.ReadFile("lang/" + want + ".json")
	if err != nil {
		// Cannot happen: the files are embedded and tested.
		fyne.LogError("translations missing", err)
		return currentLang
	}
	for _, tag := range fyneTags {
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(tag)); err != nil {
			fyne.LogError("loading translations", err)
		}
	}
	currentLang = want
	return want
}

// language is the language the assistant currently shows ("en", "fr", "nl"
// or "de").
func language() string {
	langMu.Lock()
	defer langMu.Unlock()
	if currentLang == "" {
		return "en"
	}
	return currentLang
}
