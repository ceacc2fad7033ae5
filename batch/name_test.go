package batch

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseNameValid(t *testing.T) {
	tests := []struct {
		in   string
		want Name
	}{
		{"FI.DMFA.123456.20261121.00001.R.1.1", Name{FI, "DMFA", "123456", "20261121", "00001", Production, 1, 1}},
		{"FS.DMFA.006400.20070423.00001.R.4.3", Name{FS, "DMFA", "006400", "20070423", "00001", Production, 4, 3}},
		{"GO.DIMN.000001.20261121.99999.T.9", Name{GO, "DIMN", "000001", "20261121", "99999", Test, 9, 0}},
		{"TD.DMFA.123456.20261121.00002.S.2", Name{TD, "DMFA", "123456", "20261121", "00002", Simulation, 2, 0}},
		{"FO.ACRF.999999.20140628.00001.R", Name{FO, "ACRF", "999999", "20140628", "00001", Production, 0, 0}},
		{"CO.NOTI.999999.20140628.00001.R", Name{CO, "NOTI", "999999", "20140628", "00001", Production, 0, 0}},
		{"FO.NOTI.999999.20140628.00001.R.1", Name{FO, "NOTI", "999999", "20140628", "00001", Production, 1, 0}},
		{"FO.NOTI.999999.20140628.00001.R.2.1", Name{FO, "NOTI", "999999", "20140628", "00001", Production, 2, 1}},
	}
	for _, tt := range tests {
		got, err := ParseName(tt.in)
		if err != nil {
			t.Errorf("ParseName(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseName(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseName(%q).String() = %q", tt.in, s)
		}
	}
}

// Every refusal code the parser can detect, with a name that triggers it.
func TestParseNameRefusals(t *testing.T) {
	tests := []struct {
		in    string
		code  int
		field string
	}{
		{"XX.DMFA.123456.20261121.00001.R.1.1", 129, "prefix"},
		{"fi.DMFA.123456.20261121.00001.R.1.1", 129, "prefix"},
		{"declaration.xml", 129, "prefix"},
		{"", 129, "prefix"},
		{"FI.DMFA.123456.20261121.00001.R.1.1.xml", 131, "shape"},
		{"FI.DMFA.123456.20261121.00001.R.1", 131, "shape"},
		{"FS.DMFA.123456.20261121.00001.R", 132, "shape"},
		{"GO.DMFA.123456.20261121.00001.R.1.1", 107, "shape"},
		{"TD.DMFA.123456.20261121.00001", 107, "shape"},
		{"FI.DMF.123456.20261121.00001.R.1.1", 131, "application"},
		{"FI.dmfa.123456.20261121.00001.R.1.1", 131, "application"},
		{"FS.DMFA.12345.20261121.00001.R.1.1", 132, "sender"},
		{"GO.DMFA.12345A.20261121.00001.R.1", 107, "sender"},
		{"FI.DMFA.123456.2026112.00001.R.1.1", 109, "date"},
		{"FI.DMFA.123456.2026-11-2.00001.R.1.1", 109, "date"},
		{"FI.DMFA.123456.20261131.00001.R.1.1", 110, "date"},
		{"FI.DMFA.123456.20260229.00001.R.1.1", 110, "date"},
		{"FI.DMFA.123456.20261121.0001.R.1.1", 112, "sequence number"},
		{"FI.DMFA.123456.20261121.000001.R.1.1", 112, "sequence number"},
		{"FI.DMFA.123456.20261121.0000A.R.1.1", 113, "sequence number"},
		{"FI.DMFA.123456.20261121.00000.R.1.1", 127, "sequence number"},
		{"FI.DMFA.123456.20261121.00001.P.1.1", 117, "environment"},
		{"FI.DMFA.123456.20261121.00001.r.1.1", 117, "environment"},
		{"FI.DMFA.123456.20261121.00001..1.1", 144, "environment"},
		{"FI.DMFA.123456.20261121.00001.R.10.1", 114, "number of parts"},
		{"FI.DMFA.123456.20261121.00001.R..1", 114, "number of parts"},
		{"GO.DMFA.123456.20261121.00001.R.AB", 114, "number of parts"},
		{"FI.DMFA.123456.20261121.00001.R.X.1", 115, "number of parts"},
		{"GO.DMFA.123456.20261121.00001.R.X", 115, "number of parts"},
		{"FI.DMFA.123456.20261121.00001.R.0.1", 116, "number of parts"},
		{"FI.DMFA.123456.20261121.00001.R.2.3", 123, "part"},
		{"FI.DMFA.123456.20261121.00001.R.2.0", 123, "part"},
		{"FS.DMFA.123456.20261121.00001.R.2.3", 124, "part"},
		{"FI.DMFA.123456.20261121.00001.R.2.X", 123, "part"},
		{"FI.DMFA.123456.20261121.00001.R.2.12", 123, "part"},
		{"FS.DMFA.123456.20261121.00001.R.2.X", 124, "part"},
	}
	for _, tt := range tests {
		_, err := ParseName(tt.in)
		var ne *NameError
		if !errors.As(err, &ne) {
			t.Errorf("ParseName(%q): got %v, want a *NameError with code %d", tt.in, err, tt.code)
			continue
		}
		if ne.Code != tt.code || ne.Field != tt.field {
			t.Errorf("ParseName(%q): code %d field %q, want %d %q (%v)", tt.in, ne.Code, ne.Field, tt.code, tt.field, err)
		}
		if !strings.Contains(err.Error(), "refusal code") || ne.Reason == "" {
			t.Errorf("ParseName(%q): unhelpful error %q", tt.in, err)
		}
	}
}

func TestCheckDate(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		date string
		code int
	}{
		{"20261121", 0},
		{"20261120", 0},
		{"20251201", 0},
		{"20261122", 111},
		{"20251101", 126},
		{"20120213", 126},
	}
	for _, tt := range tests {
		n, err := ParseName("FI.DMFA.123456." + tt.date + ".00001.R.1.1")
		if err != nil {
			t.Fatal(err)
		}
		err = n.CheckDate(now)
		var ne *NameError
		switch {
		case tt.code == 0 && err != nil:
			t.Errorf("%s: unexpected %v", tt.date, err)
		case tt.code != 0 && (!errors.As(err, &ne) || ne.Code != tt.code):
			t.Errorf("%s: got %v, want code %d", tt.date, err, tt.code)
		}
	}
	reply, _ := ParseName("FO.ACRF.999999.20140628.00001.R")
	if err := reply.CheckDate(now); err != nil {
		t.Errorf("replies are not date-checked: %v", err)
	}
}

func TestNameWith(t *testing.T) {
	n, _ := ParseName("FI.DMFA.123456.20261121.00001.R.3.2")
	if got := n.With(FS).String(); got != "FS.DMFA.123456.20261121.00001.R.3.2" {
		t.Errorf("FS: %s", got)
	}
	if got := n.With(GO).String(); got != "GO.DMFA.123456.20261121.00001.R.3" {
		t.Errorf("GO: %s", got)
	}
	if got := n.WithPart(3).String(); got != "FI.DMFA.123456.20261121.00001.R.3.3" {
		t.Errorf("part: %s", got)
	}
}

func TestNewFI(t *testing.T) {
	d := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	n, err := NewFI("DMFA", "123456", d, 7, Test, 1, 1)
	if err != nil || n.String() != "FI.DMFA.123456.20261121.00007.T.1.1" {
		t.Fatalf("NewFI = %v, %v", n, err)
	}
	if _, err := NewFI("DMFA", "123456", d, 100000, Test, 1, 1); err == nil {
		t.Fatal("sequence 100000 accepted")
	}
}

func TestEnvironmentFolders(t *testing.T) {
	tests := []struct {
		env       Environment
		up, reply string
		signed    bool
	}{
		{Production, "IN", "OUT", true},
		{Test, "INTEST", "OUTTEST", false},
		{Simulation, "INTEST-S", "OUTTEST-S", false},
	}
	for _, tt := range tests {
		if tt.env.UploadFolder() != tt.up || tt.env.ReplyFolder() != tt.reply {
			t.Errorf("%s: folders %s %s", tt.env, tt.env.UploadFolder(), tt.env.ReplyFolder())
		}
		if tt.env.SignatureRequired(false) != tt.signed || !tt.env.SignatureRequired(true) {
			t.Errorf("%s: signature required wrong", tt.env)
		}
		if e, ok := EnvironmentOfFolder(tt.up); !ok || e != tt.env {
			t.Errorf("EnvironmentOfFolder(%s) = %s", tt.up, e)
		}
	}
	if _, err := ParseEnvironment("X"); err == nil {
		t.Error("X accepted")
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"FI.DMFA.123456.20261121.00001.R.1.1", "GO.DMFA.123456.20261121.00001.R.1",
		"FO.ACRF.999999.20140628.00001.R", "FS.DMFA.123456.20261121.0001.R.2.1", "",
		"FI.DMFA.123456.20261121.00001.R.10.1", "FI..........",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseName(s)
		if err != nil {
			var ne *NameError
			if !errors.As(err, &ne) || ne.Code == 0 || ne.Reason == "" {
				t.Fatalf("ParseName(%q): error without refusal code: %v", s, err)
			}
			return
		}
		// A valid name formats back to itself and parses to the same value.
		if n.String() != s {
			t.Fatalf("ParseName(%q).String() = %q", s, n.String())
		}
		if again, err := ParseName(n.String()); err != nil || again != n {
			t.Fatalf("round trip of %q: %v %v", s, again, err)
		}
	})
}
