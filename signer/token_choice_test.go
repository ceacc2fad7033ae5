package signer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These tests stand in for card readers, which CI has none of: each
// module is described by what it found, as ListModules and OpenToken
// describe it after asking the real module.

func eidReport(slots ...Slot) ModuleReport {
	return ModuleReport{ModuleCandidate: ModuleCandidate{Path: "/usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0", Name: eidModuleName, EID: true}, Slots: slots}
}

func otherReport(name string, slots ...Slot) ModuleReport {
	return ModuleReport{ModuleCandidate: ModuleCandidate{Path: "/usr/lib/" + name + ".so", Name: name}, Slots: slots}
}

var (
	emptyReader = Slot{Reader: "ACS ACR38U 00 00"}
	freeSlot    = Slot{Reader: "SoftHSM slot ID 0x0", Free: true}
)

func tokenSlot(label, serial string) Slot {
	return Slot{Reader: "reader of " + label, Token: &TokenInfo{Label: label, Serial: serial}}
}

func TestChooseTokenPrefersTheEIDModule(t *testing.T) {
	belpic := tokenSlot("BELPIC", "5341")
	cases := []struct {
		name    string
		reports []ModuleReport
		want    string // module name
		token   string
	}{
		// OpenSC sees the same card as the eID middleware: the
		// middleware's module is used, wherever it was found.
		{"eID before OpenSC", []ModuleReport{otherReport("opensc", belpic), eidReport(belpic)}, eidModuleName, ""},
		// An empty reader in the eID module does not stop a module
		// with a token present.
		{"token elsewhere", []ModuleReport{eidReport(emptyReader), otherReport("softhsm2", freeSlot), otherReport("yubikey", tokenSlot("PIV", "1"))}, "yubikey", ""},
		// A software token's free slot does not hide the card.
		{"free slot first", []ModuleReport{otherReport("softhsm2", freeSlot), eidReport(belpic)}, eidModuleName, ""},
		{"by label", []ModuleReport{eidReport(belpic), otherReport("softhsm2", tokenSlot("Test", "9"), freeSlot)}, "softhsm2", "Test"},
		{"by serial", []ModuleReport{otherReport("opensc", belpic), eidReport(belpic)}, eidModuleName, "5341"},
	}
	for _, c := range cases {
		mi, si, err := chooseToken(c.reports, c.token)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := c.reports[mi].Name; got != c.want || c.reports[mi].Slots[si].Token == nil {
			t.Errorf("%s: chose %s slot %d, want %s", c.name, got, si, c.want)
		}
	}
}

// "No card reader" and "no card in the reader" are told apart, module by
// module, and the eID module decides when it is there.
func TestNoTokenErrors(t *testing.T) {
	loadErr := moduleLoadError("/usr/lib/broken.so", errors.New("bad ELF"))
	broken := otherReport("broken")
	broken.Err = loadErr
	cases := []struct {
		name    string
		reports []ModuleReport
		want    error
		msg     []string
	}{
		{"eID without reader, SoftHSM free slot", []ModuleReport{eidReport(), otherReport("softhsm2", freeSlot)}, ErrNoReader,
			[]string{"no card reader found (Belgian eID: no card reader; softhsm2: no token, only a free slot)"}},
		{"eID reader without card, OpenSC without reader", []ModuleReport{otherReport("opensc"), eidReport(emptyReader)}, ErrNoCard,
			[]string{"no card in the reader (", "Belgian eID: no card in the reader (ACS ACR38U 00 00)", "opensc: no card reader"}},
		// Without the eID module, a reader without a card anywhere.
		{"OpenSC reader without card", []ModuleReport{otherReport("opensc", emptyReader), otherReport("softhsm2", freeSlot)}, ErrNoCard,
			[]string{"opensc: no card in the reader (ACS ACR38U 00 00)"}},
		{"nothing anywhere", []ModuleReport{otherReport("opensc"), broken}, ErrNoReader,
			[]string{"opensc: no card reader", "broken: cannot be loaded"}},
		// Only a free slot: not a card reader at all.
		{"only free slots", []ModuleReport{otherReport("softhsm2", freeSlot)}, ErrNoToken,
			[]string{"no token found: only free slots", "softhsm2: no token, only a free slot"}},
		{"nothing loads", []ModuleReport{broken}, ErrModuleLoad, []string{"cannot be loaded"}},
	}
	for _, c := range cases {
		_, _, err := chooseToken(c.reports, "")
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			continue
		}
		for _, m := range c.msg {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%s: %q does not say %q", c.name, err, m)
			}
		}
		if Hint(err) == "" {
			t.Errorf("%s: no hint", c.name)
		}
		if errors.Is(err, ErrNoReader) || errors.Is(err, ErrNoCard) {
			if !strings.Contains(Hint(err), smartCardServiceHint) {
				t.Errorf("%s: hint %q does not mention the smart-card service", c.name, Hint(err))
			}
		}
	}
}

func TestChooseTokenNotFoundAndAmbiguous(t *testing.T) {
	belpic := tokenSlot("BELPIC", "5341")
	// The card seen through two modules is listed once.
	_, _, err := chooseToken([]ModuleReport{eidReport(belpic), otherReport("opensc", belpic)}, "Other")
	if !errors.Is(err, ErrTokenNotFound) || err.Error() != `no token "Other" found; present: "BELPIC" (serial 5341)` {
		t.Errorf("err = %v", err)
	}
	// Two cards in the eID module's readers: ambiguous.
	_, _, err = chooseToken([]ModuleReport{eidReport(belpic, tokenSlot("BELPIC", "7777"))}, "")
	if !errors.Is(err, ErrAmbiguousToken) || !strings.Contains(err.Error(), "5341") || !strings.Contains(err.Error(), "7777") {
		t.Errorf("err = %v", err)
	}
}

func TestModuleReportStatus(t *testing.T) {
	for _, c := range []struct {
		r    ModuleReport
		want string
	}{
		{eidReport(), "no card reader"},
		{eidReport(emptyReader), "no card in the reader"},
		{eidReport(tokenSlot("BELPIC", "1"), emptyReader), "1 token"},
		{otherReport("softhsm2", tokenSlot("a", "1"), tokenSlot("b", "2"), freeSlot), "2 tokens"},
		{otherReport("softhsm2", freeSlot), "no token, only a free slot"},
		{ModuleReport{Err: errors.New("x")}, "cannot be loaded"},
	} {
		if got := c.r.Status(); got != c.want {
			t.Errorf("Status of %+v = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestEIDModuleRecognised(t *testing.T) {
	for path, want := range map[string]bool{
		"/usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0":              true,
		"/Library/Belgium Identity Card/Pkcs11/libbeidpkcs11.dylib": true,
		`C:\Windows\System32\beidpkcs11.dll`:                        true,
		"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so":                false,
		"/usr/lib/softhsm/libsofthsm2.so":                           false,
		"/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so":        false,
	} {
		if got := isEIDModule(path); got != want {
			t.Errorf("isEIDModule(%q) = %v", path, got)
		}
	}
}

// The eID module registered with p11-kit (as eid-mw packages do) is known
// as the eID module, and the same file found twice is listed once.
func TestModuleSearchFindsTheEIDModule(t *testing.T) {
	root := t.TempDir()
	conf, mods, lib := filepath.Join(root, "modules"), filepath.Join(root, "pkcs11"), filepath.Join(root, "lib")
	for _, d := range []string{conf, mods, lib} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	beid := filepath.Join(lib, "libbeidpkcs11.so.0")
	write(beid, "x")
	write(filepath.Join(mods, "opensc-pkcs11.so"), "x")
	write(filepath.Join(conf, "beid.module"), "module: "+beid+"\n")
	write(filepath.Join(conf, "opensc.module"), "module: opensc-pkcs11.so\n")
	s := ModuleSearch{P11KitConfigDirs: []string{conf}, P11KitModuleDirs: []string{mods}}
	got := s.Find()
	if len(got) != 2 || !got[0].EID || got[0].Name != eidModuleName || got[1].EID || got[1].Name != "opensc" {
		t.Fatalf("Find() = %+v, want the eID module then opensc", got)
	}
	// Also in the eID middleware's own place: listed once, from there.
	s.EIDPaths = []string{beid, filepath.Join(root, "nothere", "libbeidpkcs11.so.0")}
	got = s.Find()
	if len(got) != 2 || got[0].Source != "eID middleware" || !got[0].EID {
		t.Fatalf("Find() = %+v", got)
	}
}
