package app

import (
	"encoding/json"
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
	data = fillPluralForms(data)
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

// Plurals. A message that depends on a number is written in the
// translation files with the two forms our four languages need:
//
//	"replies.fetched": {"one": "One new reply, …", "other": "{{.N}} new replies, …"}
//
// and looked up with plural, through lang.N (go-i18n's plural rules). Our
// messages are loaded under whichever locale Fyne picked from the system
// (see fyneTags), whose plural rules may have more forms (Polish "few",
// Russian "many") or put other numbers in "one" (French 0, Russian 21).
// So plural decides "one" or "other" by the rule of the language shown,
// and hands go-i18n a count that every rule files under that form; the
// missing forms are filled with "other" when the file is loaded.

// pluralForms are the CLDR plural forms other than "one" and "other".
var pluralForms = []string{"zero", "two", "few", "many"}

// fillPluralForms gives every plural message of a translation file the
// forms it lacks, as its "other" form.
func fillPluralForms(data []byte) []byte {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return data // AddTranslationsForLocale reports it
	}
	changed := false
	for _, v := range m {
		forms, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for _, f := range pluralForms {
			if _, has := forms[f]; !has {
				forms[f] = forms["other"]
				changed = true
			}
		}
	}
	if !changed {
		return data
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

// pluralOne reports whether n takes the "one" form in a language of ours:
// 0 and 1 in French, 1 in English, Dutch and German.
func pluralOne(language string, n int) bool {
	if language == "fr" {
		return n == 0 || n == 1
	}
	return n == 1
}

// plural is the message key in the form that n takes in the language
// shown, with data (n is not added to it: name it in data).
func plural(key string, n int, data map[string]any) string {
	count := 100 // "other" (or a form filled with it) in every rule
	if pluralOne(language(), n) {
		count = 1
	}
	return lang.N(key, count, data)
}
