package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/expeditor-be/expeditor/assets"
	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// loadLang reads one embedded translation file. A plural message (see
// plural in i18n.go) is its "one" and "other" forms, one per line.
func loadLang(t *testing.T, code string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for k, v := range loadLangForms(t, code) {
		if len(v) == 1 {
			m[k] = v[""]
			continue
		}
		m[k] = v["one"] + "\n" + v["other"]
	}
	return m
}

// loadLangForms reads one embedded translation file: each message's
// forms, "" for a message without plural forms.
func loadLangForms(t *testing.T, code string) map[string]map[string]string {
	t.Helper()
	data, err := assets.Lang.ReadFile("lang/" + code + ".json")
	if err != nil {
		t.Fatalf("%s.json: %v", code, err)
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s.json: %v", code, err)
	}
	m := map[string]map[string]string{}
	for k, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			m[k] = map[string]string{"": s}
			continue
		}
		forms := map[string]string{}
		if err := json.Unmarshal(r, &forms); err != nil {
			t.Fatalf("%s.json: %s is neither a text nor plural forms: %v", code, k, err)
		}
		if len(forms) != 2 || forms["one"] == "" || forms["other"] == "" {
			t.Errorf("%s.json: the plural message %s has forms other than \"one\" and \"other\"", code, k)
		}
		m[k] = forms
	}
	return m
}

var (
	keyInCode   = regexp.MustCompile(`(?:lang\.(?:[LX]|LocalizePlural)|plural)\(\s*"([^"]+)"\s*[,)]`)
	placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
)

// keysInCode lists the translation keys written literally in app/*.go.
func keysInCode(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyInCode.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = f
		}
	}
	// Keys built at run time.
	for _, code := range batch.DeclarationApplications {
		keys["appl."+code] = "declaration.go (appMeaning)"
	}
	for _, kind := range noteKinds {
		keys["note."+kind] = "messages.go (noteText)"
	}
	for _, code := range uploader.WarningCodes {
		keys["chaman."+code] = "messages.go (chamanText)"
	}
	for _, st := range workflow.States {
		keys["state."+string(st)] = "history.go (stateText)"
	}
	for _, code := range workflow.Codes {
		if ownWords[code] {
			continue
		}
		keys["msg."+string(code)] = "messages.go (messageText)"
	}
	for _, code := range uploader.EndpointErrorCodes {
		keys["endpoint."+code] = "messages.go (profileErrorText)"
	}
	return keys
}

// A key used in the code but missing from en.json shows as the key itself
// on screen; a key missing from another language shows in English.
func TestTranslationsComplete(t *testing.T) {
	en := loadLang(t, "en")
	code := keysInCode(t)
	for k, f := range code {
		if _, ok := en[k]; !ok {
			t.Errorf("%s uses key %q, missing from assets/lang/en.json", f, k)
		}
	}
	for k := range en {
		if _, ok := code[k]; !ok {
			t.Errorf("assets/lang/en.json has key %q that no code uses", k)
		}
	}
	for _, l := range assets.Languages[1:] {
		other := loadLang(t, l)
		for k, v := range en {
			tv, ok := other[k]
			switch {
			case !ok:
				t.Errorf("key %q missing from assets/lang/%s.json", k, l)
			case strings.TrimSpace(tv) == "":
				t.Errorf("key %q is empty in assets/lang/%s.json", k, l)
			default:
				want := placeholder.FindAllStringSubmatch(v, -1)
				got := placeholder.FindAllStringSubmatch(tv, -1)
				if !slices.EqualFunc(sortedNames(want), sortedNames(got), func(a, b string) bool { return a == b }) {
					t.Errorf("key %q in %s.json has placeholders %v, en.json has %v", k, l, sortedNames(got), sortedNames(want))
				}
			}
		}
		for k := range other {
			if _, ok := en[k]; !ok {
				t.Errorf("assets/lang/%s.json has key %q that en.json lacks", l, k)
			}
		}
	}
}

func sortedNames(ms [][]string) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// A translation file that is a copy of the English one passes the key
// check but translates nothing.
func TestTranslationsTranslated(t *testing.T) {
	en := loadLang(t, "en")
	for _, l := range assets.Languages[1:] {
		other := loadLang(t, l)
		same := 0
		for k, v := range en {
			if other[k] == v {
				same++
			}
		}
		// Codes, names and short words (OK, Test, Simulation, PIN) may
		// stay the same.
		if same*100/len(en) > 15 {
			t.Errorf("%s.json: %d of %d texts are the English ones", l, same, len(en))
		}
	}
}

// FyneApp.toml (read by the fyne tool) and the program agree on the
// application ID, the icon and the fyneDo threading model.
func TestFyneAppToml(t *testing.T) {
	data, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	toml := string(data)
	for _, want := range []string{`ID = "` + ID + `"`, `Icon = "assets/icon.png"`, `Name = "Expeditor"`, "fyneDo = true"} {
		if !strings.Contains(toml, want) {
			t.Errorf("FyneApp.toml lacks %s", want)
		}
	}
	if _, err := os.Stat("../assets/icon.png"); err != nil {
		t.Error(err)
	}
}
