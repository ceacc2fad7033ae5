package app

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/expeditor-be/expeditor/assets"
)

// forbiddenWords are the transfer point's jargon, which the main flow says
// in the user's words (issue 12, point 4): "the social security's
// registration service" for Chaman, "the signal that your files are
// complete" for the GO file, "your eID card or security key" for a token,
// the holder's name for a certificate's subject, the account's name for
// an address. Technical details may keep them, behind "Details".
var forbiddenWords = []*regexp.Regexp{
	regexp.MustCompile(`Chaman`),
	regexp.MustCompile(`(?i)\btokens?\b`),
	regexp.MustCompile(`\bDRS\b`),
	regexp.MustCompile(`\bCN=|\bO=|\bC=BE\b`),
	regexp.MustCompile(`RSA[ -]\d+[ -]?[Bb]its?`),
	regexp.MustCompile(`\bs?ftps?://`),
	regexp.MustCompile(`(?i)\bGO[ -](file|bestand|Datei)|fichier (« )?GO\b|"go"|« go »|„go“`),
	regexp.MustCompile(`\b(folder|dossier|map|Ordner) IN(TEST)?\b`),
}

// clumsyPlurals are "reply(ies)", "part(s)" and their translations: a
// message that depends on a number has plural forms instead.
var clumsyPlurals = regexp.MustCompile(`\p{L}\((s|ies|e|es|en|n|x)\)|deel/delen|\(en\)`)

// technicalKey reports whether a message is only shown to support staff
// (Details) or about a technical field they fill in.
func technicalKey(k string) bool {
	return strings.Contains(k, ".details") || strings.HasPrefix(k, "endpoint.")
}

// withoutPlaceholders is a message with its {{.Name}} fields blanked: a
// field's name is not a word the user sees.
func withoutPlaceholders(s string) string { return placeholder.ReplaceAllString(s, "_") }

func TestPlainWords(t *testing.T) {
	for _, l := range assets.Languages {
		for k, forms := range loadLangForms(t, l) {
			for form, v := range forms {
				text := withoutPlaceholders(v)
				if !technicalKey(k) {
					for _, re := range forbiddenWords {
						if w := re.FindString(text); w != "" {
							t.Errorf("%s.json %s%s says %q: say it in the user's words (or move it behind Details)", l, k, formName(form), w)
						}
					}
				}
				if w := clumsyPlurals.FindString(text); w != "" {
					t.Errorf("%s.json %s%s says %q: give the message plural forms (see plural in i18n.go)", l, k, formName(form), w)
				}
			}
		}
	}
}

// A message that is a sentence (it ends with a full stop) starts with a
// capital letter, a number or a field. The descriptions of environments
// (".desc") follow a dash and stay in small letters.
func TestSentencesStartWithACapital(t *testing.T) {
	for _, l := range assets.Languages {
		for k, forms := range loadLangForms(t, l) {
			for form, v := range forms {
				if !strings.HasSuffix(v, ".") || strings.HasPrefix(v, "{{") || strings.HasSuffix(k, ".desc") {
					continue
				}
				r, _ := utf8.DecodeRuneInString(v)
				if unicode.IsLower(r) {
					t.Errorf("%s.json %s%s starts with a small letter: %q", l, k, formName(form), v)
				}
			}
		}
	}
}

func formName(form string) string {
	if form == "" {
		return ""
	}
	return " (" + form + ")"
}

// plural picks the form by the rule of the language shown: French puts 0
// in "one", the others put only 1 there.
func TestPlurals(t *testing.T) {
	defer applyLanguage("en")
	cases := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0 new replies, kept in F."},
		{"en", 1, "One new reply, kept in F."},
		{"en", 2, "2 new replies, kept in F."},
		{"en", 21, "21 new replies, kept in F."},
		{"fr", 0, "Une nouvelle réponse, gardée dans F."},
		{"fr", 1, "Une nouvelle réponse, gardée dans F."},
		{"fr", 2, "2 nouvelles réponses, gardées dans F."},
		{"nl", 1, "Eén nieuw antwoord, bewaard in F."},
		{"nl", 3, "3 nieuwe antwoorden, bewaard in F."},
		{"de", 1, "Eine neue Antwort, aufbewahrt in F."},
		{"de", 5, "5 neue Antworten, aufbewahrt in F."},
	}
	for _, c := range cases {
		applyLanguage(c.lang)
		if got := plural("replies.fetched", c.n, map[string]any{"N": c.n, "Folder": "F"}); got != c.want {
			t.Errorf("%s, %d replies: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

// Fyne may have picked a locale whose plural rule has more forms than
// ours (Polish "few"): they are filled with "other" when loading.
func TestPluralFormsFilled(t *testing.T) {
	in := []byte(`{"a": "text", "b": {"one": "one thing", "other": "{{.N}} things"}}`)
	var out map[string]any
	if err := json.Unmarshal(fillPluralForms(in), &out); err != nil {
		t.Fatal(err)
	}
	if out["a"] != "text" {
		t.Errorf("a plain message changed: %v", out["a"])
	}
	b := out["b"].(map[string]any)
	for _, f := range []string{"zero", "two", "few", "many"} {
		if b[f] != "{{.N}} things" {
			t.Errorf("form %s = %v, want the other form", f, b[f])
		}
	}
	if b["one"] != "one thing" {
		t.Errorf("form one = %v", b["one"])
	}
}
