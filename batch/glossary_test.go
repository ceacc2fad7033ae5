package batch

import (
	"errors"
	"strings"
	"testing"
)

// documentedCodes are the acknowledgement refusal codes transfer-point.md §7
// lists as worth explaining, every range spelled out.
func documentedCodes() []int {
	codes := []int{101, 102, 103}
	for c := 107; c <= 134; c++ {
		codes = append(codes, c)
	}
	return append(codes, 142, 144, 153, 155, 157, 158, 172, 184, 257, 312, 509)
}

func TestExplainCoversDocumentedCodes(t *testing.T) {
	for _, code := range documentedCodes() {
		en := Explain(code, "en")
		for _, lang := range []string{"en", "fr", "nl", "de"} {
			e := Explain(code, lang)
			if !e.Known || e.Code != code {
				t.Errorf("Explain(%d, %q) = %+v, want a known explanation", code, lang, e)
			}
			if len(e.Text) < 20 || len(e.Next) < 20 {
				t.Errorf("Explain(%d, %q): text %q, next %q: too short to help anyone", code, lang, e.Text, e.Next)
			}
			if strings.Contains(e.Text+e.Next, "%") {
				t.Errorf("Explain(%d, %q) has a formatting verb left: %q", code, lang, e.Text)
			}
			if lang != "en" && (e.Text == en.Text || e.Next == en.Next) {
				t.Errorf("Explain(%d, %q) is not translated: %q", code, lang, e.Text)
			}
		}
	}
	if got, want := len(KnownCodes()), len(documentedCodes()); got != want {
		t.Errorf("glossary has %d codes, transfer-point.md lists %d", got, want)
	}
}

// The codes ParseName gives a bad name must be explained in the reply too,
// and say the same thing: an FI name refusal is about FI names.
func TestExplainAgreesWithParseName(t *testing.T) {
	cases := []struct {
		name string
		code int
		word string // a word the English explanation must contain
	}{
		{"GO.DMFA.12345.20261121.00001.R.1", 107, "GO"},
		{"FI.DMFA.123456.2026112.00001.R.1.1", 109, "8 digits"},
		{"FI.DMFA.123456.20260231.00001.R.1.1", 110, "calendar"},
		{"FI.DMFA.123456.20261121.0001.R.1.1", 112, "5 characters"},
		{"FI.DMFA.123456.20261121.0000A.R.1.1", 113, "digits"},
		{"FI.DMFA.123456.20261121.00001.R.12.1", 114, "not a single character"},
		{"FI.DMFA.123456.20261121.00001.R.X.1", 115, "not numeric"},
		{"FI.DMFA.123456.20261121.00001.R.0.1", 116, "is 0"},
		{"FI.DMFA.123456.20261121.00001.X.1.1", 117, "environment"},
		{"FI.DMFA.123456.20261121.00001..1.1", 144, "environment letter was not found"},
		{"FI.DMFA.123456.20261121.00001.R.2.3", 123, "FI"},
		{"FS.DMFA.123456.20261121.00001.R.2.3", 124, "FS"},
		{"FI.DMFA.123456.20261121.00000.R.1.1", 127, "00000"},
		{"FI.DMFA.123456.20261121.00001.R.1.X", 123, "part number of an FI"},
		{"FS.DMFA.123456.20261121.00001.R.1.X", 124, "part number of an FS"},
		{"XX.DMFA.123456.20261121.00001.R.1.1", 129, "FI, FS, GO or TD"},
		{"FI.DMFA.123456.20261121.00001.R.1.1.xml", 131, "FI"},
		{"FS.dmfa.123456.20261121.00001.R.1.1", 132, "FS"},
	}
	for _, c := range cases {
		_, err := ParseName(c.name)
		var ne *NameError
		if !errors.As(err, &ne) {
			t.Fatalf("ParseName(%q) = %v, want a NameError", c.name, err)
		}
		if ne.Code != c.code {
			t.Errorf("ParseName(%q) code %d, want %d", c.name, ne.Code, c.code)
			continue
		}
		e := Explain(ne.Code, "en")
		if !e.Known || !strings.Contains(e.Text, c.word) {
			t.Errorf("Explain(%d) = %q, want it to mention %q", ne.Code, e.Text, c.word)
		}
	}
	for _, code := range []int{111, 126} { // CheckDate's codes
		if e := Explain(code, "en"); !strings.Contains(e.Text, "date") {
			t.Errorf("Explain(%d) = %q, want it about the date", code, e.Text)
		}
	}
	if e := Explain(133, "en"); !strings.Contains(e.Text, "already used") {
		t.Errorf("Explain(133) = %q", e.Text)
	}
}

func TestExplainUnknown(t *testing.T) {
	e := Explain(88, "en")
	if e.Known || e.Code != 88 || e.Text != "code 88: see the transfer point's documentation" || e.Next == "" {
		t.Errorf("Explain(88, en) = %+v", e)
	}
	if e := Explain(88, "fr"); e.Known || !strings.Contains(e.Text, "code 88") || !strings.Contains(e.Text, "documentation") {
		t.Errorf("Explain(88, fr) = %+v", e)
	}
	if e := Explain(88, "nl"); !strings.Contains(e.Text, "documentatie") {
		t.Errorf("Explain(88, nl) = %+v", e)
	}
	if e := Explain(88, "de"); e.Known || e.Text != "Code 88: siehe die Dokumentation des Übertragungspunkts" || e.Next == "" {
		t.Errorf("Explain(88, de) = %+v", e)
	}
	// An unknown language is English.
	if es, en := Explain(125, "es"), Explain(125, "en"); es != en {
		t.Errorf("Explain(125, es) = %+v, want English", es)
	}
}

// German is a translation of its own: every code, its next step and the
// texts shared by several codes differ from English, and German words show
// up where they should.
func TestExplainGerman(t *testing.T) {
	for _, code := range KnownCodes() {
		en, de := Explain(code, English), Explain(code, German)
		if de.Text == "" || de.Next == "" {
			t.Errorf("Explain(%d, de) = %+v: empty", code, de)
		}
		if de.Text == en.Text || de.Next == en.Next {
			t.Errorf("Explain(%d, de) is a copy of English: %+v", code, de)
		}
		for _, l := range []string{French, Dutch} {
			if o := Explain(code, l); de.Text == o.Text || de.Next == o.Next {
				t.Errorf("Explain(%d, de) is the same as %s: %+v", code, l, de)
			}
		}
		// Names, numbers and codes written in the English text (such as
		// FI.DMFA.123456.20261121.00001.R.1.1, 00000 or 200 MB) stay as they are.
		for _, f := range strings.Fields(en.Text + " " + en.Next) {
			f = strings.Trim(f, ".,;:()")
			if strings.ContainsAny(f, "0123456789") && !strings.Contains(de.Text+" "+de.Next, f) {
				t.Errorf("Explain(%d, de) lost %q: %+v", code, f, de)
			}
		}
	}
	for code, word := range map[int]string{101: "Absender", 112: "Sequenznummer", 117: "Umgebungsbuchstabe", 130: "Übertragungspunkt", 134: "Meldung"} {
		if e := Explain(code, "de_BE.UTF-8"); !strings.Contains(e.Text, word) {
			t.Errorf("Explain(%d, de_BE.UTF-8) = %q, want it to say %q", code, e.Text, word)
		}
	}
	// One term for the transfer point, throughout.
	for _, code := range KnownCodes() {
		e := Explain(code, German)
		if strings.Contains(e.Text+e.Next, "Transferpunkt") {
			t.Errorf("Explain(%d, de) says Transferpunkt, not Übertragungspunkt: %+v", code, e)
		}
	}
}

func TestNormalizeLang(t *testing.T) {
	for in, want := range map[string]string{
		"": "en", "en": "en", "en_US.UTF-8": "en", "fr": "fr", "fr_BE.UTF-8": "fr", "FR-be": "fr",
		"nl_BE": "nl", "nl_BE@euro": "nl", "NL": "nl", "C": "en", "POSIX": "en",
		"de": "de", "DE": "de", "de_BE": "de", "de_BE.UTF-8": "de", "de-DE": "de", "de_DE@euro": "de",
		"es_ES.UTF-8": "en", "deu": "en",
	} {
		if got := NormalizeLang(in); got != want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseErrorID(t *testing.T) {
	for in, want := range map[string]int{"ACRF-125": 125, "ACRF-088": 88, " acrf-133 ": 133, "509": 509} {
		if got, ok := ParseErrorID(in); !ok || got != want {
			t.Errorf("ParseErrorID(%q) = %d, %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "ACRF-", "ACRF-12a", "00024-005", "NOTI-125", "-1", "ACRF--1", "99999999999999999999"} {
		if got, ok := ParseErrorID(in); ok {
			t.Errorf("ParseErrorID(%q) = %d, true, want false", in, got)
		}
	}
}

func TestExplainAnomalyClass(t *testing.T) {
	seen := map[string]bool{}
	for _, class := range []string{"B", "P", "NP", "D", "W", "I"} {
		for _, lang := range []string{"en", "fr", "nl", "de"} {
			s := ExplainAnomalyClass(class, lang)
			if len(s) < 20 || seen[s] {
				t.Errorf("ExplainAnomalyClass(%q, %q) = %q: empty or the same as another", class, lang, s)
			}
			seen[s] = true
		}
	}
	if s := ExplainAnomalyClass("b", "en"); !strings.HasPrefix(s, "blocking") {
		t.Errorf("lower-case b: %q", s)
	}
	if s := ExplainAnomalyClass("Q", "nl"); !strings.Contains(s, "Q") || !strings.Contains(s, "onbekend") {
		t.Errorf("unknown class: %q", s)
	}
	if s := ExplainAnomalyClass("Q", "de"); !strings.Contains(s, "Q") || !strings.Contains(s, "unbekannt") {
		t.Errorf("unknown class, de: %q", s)
	}
	if s := ExplainAnomalyClass("", "de"); !strings.Contains(s, "keine Klasse") {
		t.Errorf("no class, de: %q", s)
	}
	if !BlockingClass("B") || BlockingClass("W") || BlockingClass("NP") {
		t.Error("BlockingClass is wrong")
	}
}

// Each code has one meaning: no two codes share an explanation, except the
// size refusals, which the transfer point's table gives as one group.
func TestOneMeaningPerCode(t *testing.T) {
	sizes := map[int]bool{CodeTooLarge172: true, CodeTooLarge184: true, CodeTooLarge509: true}
	for _, lang := range []string{English, French, Dutch, German} {
		seen := map[string]int{}
		for _, code := range KnownCodes() {
			e := Explain(code, lang)
			if prev, ok := seen[e.Text]; ok && !(sizes[prev] && sizes[code]) {
				t.Errorf("%s: codes %d and %d share the explanation %q", lang, prev, code, e.Text)
			}
			seen[e.Text] = code
		}
	}
}

// The wrong-folder codes go by the environment of the name, whatever the
// kind of file, and each explanation names its own folder.
func TestWrongFolderCodes(t *testing.T) {
	for _, c := range []struct {
		env    Environment
		code   int
		folder string
	}{
		{Production, 118, "IN"},
		{Test, 119, "INTEST"},
		{Simulation, 257, "INTEST-S"},
	} {
		if got := WrongFolderCode(c.env); got != c.code {
			t.Errorf("WrongFolderCode(%s) = %d, want %d", c.env, got, c.code)
		}
		if c.env.UploadFolder() != c.folder {
			t.Fatalf("%s uploads into %s, want %s", c.env, c.env.UploadFolder(), c.folder)
		}
		for _, lang := range []string{English, French, Dutch, German} {
			e := Explain(c.code, lang)
			if !strings.Contains(e.Text, "("+string(c.env)+")") || !strings.Contains(e.Text, " "+c.folder+" ") && !strings.Contains(e.Text, " "+c.folder+":") {
				t.Errorf("Explain(%d, %s) = %q, want it to name %s files and the folder %s", c.code, lang, e.Text, c.env, c.folder)
			}
		}
	}
	if WrongFolderCode("X") != 0 {
		t.Error("WrongFolderCode(X) is not 0")
	}
}
