package batch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "replies", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func errorIDs(r *Reply) []string {
	var ids []string
	for _, e := range r.Errors {
		ids = append(ids, e.ID+"/"+e.Class)
	}
	return ids
}

func TestParseReplySamples(t *testing.T) {
	cases := []struct {
		file, name   string
		kind         string
		about        string
		setKey       string
		env          Environment
		accepted     bool
		result       string
		outcome      string
		errors       string // ID/Class joined by spaces
		reference    string
		declaration  string
		employer     string
		diagnosis    string
		created      string
		blockingErrs int
	}{
		{
			file: "acrf-accepted.xml", name: "FO.ACRF.999999.20261121.00001.R",
			kind: KindACRF, about: "GO.DMFA.123456.20261121.00001.R.1", setKey: "GO.DMFA.123456.20261121.00001.R.1", env: Production,
			accepted: true, result: "1", outcome: "accepted", reference: "0123ABCDEF45Z",
			created: "2026-11-21T10:15:02.123+01:00",
		},
		{
			file: "acrf-refused.xml", name: "FO.ACRF.999999.20261121.00002.R",
			kind: KindACRF, about: "FI.DMFA.123456.20261121.00002.R.2.1", setKey: "GO.DMFA.123456.20261121.00002.R.2", env: Production,
			result: "0", outcome: "refused", errors: "ACRF-125/ ACRF-122/ ACRF-088/", reference: "0123ABCDEF46A",
			created: "2026-11-21T14:02:45.87+01:00", blockingErrs: 3,
		},
		{
			file: "noti-accepted-warning.xml", name: "FO.NOTI.999999.20261122.00001.R",
			kind: KindNOTI, about: "GO.DMFA.123456.20261121.00001.R.1", setKey: "GO.DMFA.123456.20261121.00001.R.1", env: Production,
			accepted: true, result: "1", outcome: "accepted", errors: "00024-005/W", reference: "0123ABCDEF45Z",
			declaration: "DMFA", employer: "01234567", created: "2026-11-22T03:41:10.004+01:00",
		},
		{
			file: "noti-refused.xml", name: "FO.NOTI.999999.20261123.00004.S",
			kind: KindNOTI, about: "GO.DMFA.123456.20261122.00003.S.1", setKey: "GO.DMFA.123456.20261122.00003.S.1", env: Simulation,
			result: "0", outcome: "refused", errors: "00013-011/B 00218-263/B 00024-005/I", reference: "0123ABCDEF47B",
			declaration: "DMFA", employer: "01234567", diagnosis: "Déclaration refusée",
			created: "2026-11-23T04:12:33.517+01:00", blockingErrs: 2,
		},
		{
			file: "noti-refused-latin1.xml", name: "CO.NOTI.999999.20261124.00001.T",
			kind: KindNOTI, about: "FI.DIMN.004321.20261123.00001.T.1.1", setKey: "GO.DIMN.004321.20261123.00001.T.1", env: Test,
			result: "2", outcome: "refused", errors: "00011-004/B",
			declaration: "DIMONA", diagnosis: "Déclaration refusée: numéro d'entreprise erroné",
			created: "2026-11-24T05:00:00+01:00", blockingErrs: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			r, err := ParseReply(c.name, readSample(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("Kind", r.Kind, c.kind)
			check("FileName", r.FileName, c.name)
			check("About", r.About, c.about)
			check("SetKey", r.SetKey(), c.setKey)
			check("Env", string(r.Env()), string(c.env))
			check("ResultCode", r.ResultCode, c.result)
			check("Outcome", r.Outcome(), c.outcome)
			check("Errors", strings.Join(errorIDs(r), " "), c.errors)
			check("Reference", r.Reference, c.reference)
			check("Declaration", r.Declaration, c.declaration)
			check("Employer", r.Employer, c.employer)
			check("Diagnosis", r.Diagnosis, c.diagnosis)
			check("Created", r.Created.Format(time.RFC3339Nano), c.created)
			if r.Accepted != c.accepted {
				t.Errorf("Accepted = %v, want %v", r.Accepted, c.accepted)
			}
			blocking := 0
			for _, e := range r.Errors {
				if e.Blocking() {
					blocking++
				}
			}
			if blocking != c.blockingErrs {
				t.Errorf("%d blocking errors, want %d", blocking, c.blockingErrs)
			}
		})
	}
}

func TestReplyErrorExplain(t *testing.T) {
	r, err := ParseReply("FO.ACRF.999999.20261121.00002.R", readSample(t, "acrf-refused.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if e := r.Errors[0]; e.Code != 125 || !e.Explain("en").Known || !strings.Contains(e.Explain("en").Text, "signature") {
		t.Errorf("ACRF-125: %+v %+v", e, e.Explain("en"))
	}
	if e := r.Errors[2].Explain("fr"); e.Known || e.Code != 88 || !strings.Contains(e.Text, "code 88") {
		t.Errorf("ACRF-088 in French: %+v", e)
	}

	r, err = ParseReply("FO.NOTI.999999.20261123.00004.S", readSample(t, "noti-refused.xml"))
	if err != nil {
		t.Fatal(err)
	}
	a := r.Errors[1]
	if a.Code != 0 || len(a.Details) != 1 || a.Details[0] != "Path: /Form/EmployerDeclaration/NaturalPerson[3]/INSS" {
		t.Errorf("anomaly = %+v", a)
	}
	for lang, words := range map[string][]string{
		"en": {"00218-263", "Blocking: ", "correct the declaration"},
		"fr": {"00218-263", "Bloquante : ", "corrigez"},
		"nl": {"00218-263", "Blokkerend: ", "verbeter"},
	} {
		e := a.Explain(lang)
		for _, w := range words {
			if !strings.Contains(e.Text+" "+e.Next, w) {
				t.Errorf("anomaly in %s: %q / %q lacks %q", lang, e.Text, e.Next, w)
			}
		}
	}
	if e := r.Errors[2].Explain("en"); !strings.Contains(e.Next, "nothing has to be sent again") {
		t.Errorf("information anomaly: %+v", e)
	}
}

func TestParseReplyEncodings(t *testing.T) {
	const body = `<NOTIFICATION><Form><HandlingResult><ResultCode>1</ResultCode><Diagnosis>%s</Diagnosis></HandlingResult></Form></NOTIFICATION>`
	cases := []struct {
		name string
		decl string
		text []byte
		want string
	}{
		{"utf-8", `<?xml version="1.0" encoding="UTF-8"?>`, []byte("Geweigerd – één € œ"), "Geweigerd – één € œ"},
		{"no declaration", ``, []byte("één"), "één"},
		// Declared UTF-8, written in windows-1252: read, not refused.
		{"utf-8 lying", `<?xml version="1.0" encoding="utf-8"?>`, []byte("d\xe9clar\xe9 \x80 \x93"), "déclaré € “"},
		{"iso-8859-1", `<?xml version="1.0" encoding="ISO-8859-1"?>`, []byte("d\xe9clar\xe9 \xa4"), "déclaré ¤"},
		{"windows-1252", `<?xml version='1.0' encoding='windows-1252'?>`, []byte("\x80 \x8a \x9c"), "€ Š œ"},
		{"iso-8859-15", `<?xml version="1.0" encoding = "iso-8859-15" ?>`, []byte("\xa4 \xbd"), "€ œ"},
		{"bom", "\xef\xbb\xbf" + `<?xml version="1.0" encoding="UTF-8"?>`, []byte("ok"), "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := append([]byte(c.decl+"\n"), bytes.Replace([]byte(body), []byte("%s"), c.text, 1)...)
			// One byte at a time: characters split across reads must survive.
			r, err := ReadReply("FO.NOTI.999999.20261121.00001.R", iotest.OneByteReader(bytes.NewReader(data)))
			if err != nil {
				t.Fatal(err)
			}
			if r.Diagnosis != c.want || r.Kind != KindNOTI || !r.Accepted {
				t.Errorf("got %+v, want diagnosis %q", r, c.want)
			}
		})
	}
}

func TestParseReplyRefusesGarbage(t *testing.T) {
	for name, data := range map[string]string{
		"empty":      "",
		"blank":      " \n\t",
		"text":       "this is not XML",
		"truncated":  `<ACRF><Form><ReceptionResult><ResultCode>1</ResultCode>`,
		"mismatched": `<ACRF><Form></ACRF>`,
		"utf-16":     "\xff\xfe<\x00A\x00",
		"ebcdic":     `<?xml version="1.0" encoding="EBCDIC-US"?><ACRF/>`,
		"deep":       strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100),
		"entity":     `<ACRF>&xxe;</ACRF>`,
	} {
		t.Run(name, func(t *testing.T) {
			r, err := ParseReply("FO.ACRF.999999.20261121.00001.R", []byte(data))
			if !errors.Is(err, ErrNotReply) {
				t.Errorf("ParseReply = %+v, %v; want ErrNotReply", r, err)
			}
		})
	}
}

func TestParseReplyOtherKinds(t *testing.T) {
	// A reply Expeditor does not know (here a modification notification)
	// still reads; it is neither accepted nor refused.
	r, err := ParseReply("FO.DMNO.999999.20261121.00001.R", []byte(`<?xml version="1.0"?><DMNO><Form><Identification>DMNO001</Identification><FileReference><FileName>GO.DMFA.123456.20261121.00001.R.1</FileName></FileReference></Form></DMNO>`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "DMNO" || r.Outcome() != "unknown" || r.SetKey() != "GO.DMFA.123456.20261121.00001.R.1" {
		t.Errorf("got %+v", r)
	}
	// The kind comes from the Identification when the root is unexpected.
	r, err = ParseReply("x", []byte(`<ACRFv2><Form><Identification>ACRF001</Identification><ReceptionResult><ResultCode>0</ResultCode><ErrorID>ACRF-133</ErrorID></ReceptionResult></Form></ACRFv2>`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindACRF || r.Outcome() != "refused" || r.Errors[0].Code != 133 || r.SetKey() != "" || r.Env() != "" {
		t.Errorf("got %+v", r)
	}
}

func TestParseReplyNamespacedAndInvalidName(t *testing.T) {
	// A namespace prefix or a refused (invalid) name does not get in the way.
	r, err := ParseReply("FO.ACRF.999999.20261121.00003.R", []byte(`<a:ACRF xmlns:a="urn:x"><a:Form><a:FileReference><a:FileName>C:\out\fi.dmfa.bad</a:FileName></a:FileReference><a:ReceptionResult><a:ResultCode> 0 </a:ResultCode><a:ErrorID>ACRF-131</a:ErrorID></a:ReceptionResult></a:Form></a:ACRF>`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindACRF || r.ResultCode != "0" || r.SetKey() != "fi.dmfa.bad" || r.Env() != Production {
		t.Errorf("got %+v, key %q", r, r.SetKey())
	}
}

func TestParseReplyLimits(t *testing.T) {
	defer func(old int64) { replySizeLimit = old }(replySizeLimit)
	replySizeLimit = 1000
	big := `<ACRF><Form><Padding>` + strings.Repeat("x", 2000) + `</Padding></Form></ACRF>`
	if _, err := ParseReply("x", []byte(big)); !errors.Is(err, ErrReplyTooLarge) {
		t.Errorf("ParseReply = %v, want ErrReplyTooLarge", err)
	}
	if _, err := ReadReply("x", strings.NewReader(big)); !errors.Is(err, ErrReplyTooLarge) {
		t.Errorf("ReadReply = %v, want ErrReplyTooLarge", err)
	}
	replySizeLimit = MaxReplySize

	var b strings.Builder
	b.WriteString("<NOTIFICATION><Form><HandlingResult><ResultCode>0</ResultCode></HandlingResult>")
	for range MaxReplyErrors + 5 {
		b.WriteString("<AnomalyReport><ErrorID>00001-001</ErrorID><AnomalyClass>B</AnomalyClass></AnomalyReport>")
	}
	b.WriteString("</Form></NOTIFICATION>")
	r, err := ParseReply("x", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != MaxReplyErrors || r.MoreErrors != 5 {
		t.Errorf("%d errors kept, %d more; want %d and 5", len(r.Errors), r.MoreErrors, MaxReplyErrors)
	}
	// A huge text field is cut, not kept whole.
	r, err = ParseReply("x", []byte(`<ACRF><Form><FileReference><FileName>`+strings.Repeat("G", 10000)+`</FileName></FileReference></Form></ACRF>`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.About) > maxFieldLen {
		t.Errorf("About kept %d characters", len(r.About))
	}
}

func FuzzParseReply(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "replies"))
	for _, e := range entries {
		f.Add(readSample(f, e.Name()))
	}
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><ACRF><Form><ReceptionResult><ResultCode>0</ResultCode><ErrorID>ACRF-1</ErrorID></ReceptionResult></Form></ACRF>`))
	f.Add([]byte("\xef\xbb\xbf<NOTIFICATION><Form><AnomalyReport><AnomalyReport><ErrorID>x</ErrorID></AnomalyReport></AnomalyReport></Form></NOTIFICATION>"))
	f.Add([]byte(`<X><Form><FileReference><FileName>FI.DMFA.123456.20261121.00001.R.9.9</FileName></FileReference></Form></X>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReply("FO.ACRF.999999.20261121.00001.R", data)
		if err != nil {
			if r != nil {
				t.Fatalf("a reply and an error: %+v, %v", r, err)
			}
			if !errors.Is(err, ErrNotReply) && !errors.Is(err, ErrReplyTooLarge) {
				t.Fatalf("error %v is neither ErrNotReply nor ErrReplyTooLarge", err)
			}
			return
		}
		if r.Kind == "" {
			t.Fatal("a reply without a kind")
		}
		if r.Accepted != (r.ResultCode == "1") {
			t.Fatalf("Accepted %v with result code %q", r.Accepted, r.ResultCode)
		}
		if len(r.Errors) > MaxReplyErrors {
			t.Fatalf("%d errors kept", len(r.Errors))
		}
		_ = r.SetKey()
		_ = r.Env()
		_ = r.Outcome()
		for _, e := range r.Errors {
			for _, lang := range []string{"en", "fr", "nl"} {
				if x := e.Explain(lang); x.Text == "" || x.Next == "" {
					t.Fatalf("empty explanation of %+v", e)
				}
			}
		}
	})
}
