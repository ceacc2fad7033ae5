package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/batch"
)

func TestNamingForm(t *testing.T) {
	u, _ := newTestUI(t)
	dir := t.TempDir()
	src := writeFile(t, dir, "payroll-export.xml", "<DmfAOriginal/>\r\n")

	u.decl.open(src)
	if !u.decl.formBox.Visible() || u.decl.detailsBox.Visible() {
		t.Fatal("a file without a transfer point name should open the naming form")
	}
	if !strings.Contains(u.decl.message.Text, "payroll-export.xml") {
		t.Errorf("message = %q, want it to name the file", u.decl.message.Text)
	}
	if !u.decl.nameButton.Disabled() {
		t.Error("the copy button should wait for the application")
	}
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	test.Type(u.decl.senderEntry, "123456")
	u.decl.dateEntry.SetText(time.Now().Format("02/01/2006"))
	u.decl.envRadio.SetSelected(envLabel(batch.Test))
	if got := u.decl.seqEntry.Text; got != "00001" {
		t.Errorf("sequence number = %q, want the next free one, 00001", got)
	}
	want := "FI.DMFA.123456." + today() + ".00001.T.1.1"
	if !strings.Contains(u.decl.preview.Text, want) {
		t.Errorf("preview = %q, want %s", u.decl.preview.Text, want)
	}
	test.Tap(u.decl.nameButton)
	u.tasks.wait()

	got, err := os.ReadFile(filepath.Join(dir, want))
	if err != nil {
		t.Fatalf("the copy is not there: %v (message %q, preview %q)", err, u.decl.message.Text, u.decl.preview.Text)
	}
	if string(got) != "<DmfAOriginal/>\r\n" {
		t.Errorf("the copy differs from the original: %q", got)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("the original should stay: %v", err)
	}
	if u.state.fi != filepath.Join(dir, want) {
		t.Errorf("current declaration = %q, want the copy", u.state.fi)
	}
	if !u.decl.detailsBox.Visible() || u.decl.formBox.Visible() {
		t.Error("after the copy the name should be explained, the form closed")
	}
	if u.app.Preferences().String(prefSender) != "123456" {
		t.Error("the sender number should be remembered")
	}

	// The same file again: the sender is remembered and the next number is
	// taken, so the name is never produced twice.
	u.decl.open(src)
	if u.decl.senderEntry.Text != "123456" {
		t.Errorf("sender = %q, want the remembered 123456", u.decl.senderEntry.Text)
	}
	u.decl.appSelect.SetSelected(appOption("DMFA"))
	u.decl.envRadio.SetSelected(envLabel(batch.Test))
	if got := u.decl.seqEntry.Text; got != "00002" {
		t.Errorf("second sequence number = %q, want 00002", got)
	}
	// A number already used is refused before anything is written.
	u.decl.seqEntry.SetText("00001")
	test.Tap(u.decl.nameButton)
	u.tasks.wait()
	if !strings.Contains(u.decl.preview.Text, "00001") || !strings.HasPrefix(u.decl.preview.Text, "⚠") {
		t.Errorf("reusing 00001: preview = %q, want a warning", u.decl.preview.Text)
	}
}

func TestNamingFormChecksFields(t *testing.T) {
	u, _ := newTestUI(t)
	src := writeFile(t, t.TempDir(), "export.txt", "data\n")
	u.decl.open(src)
	u.decl.appSelect.SetSelected(appOption("DIMN"))
	for _, tc := range []struct{ sender, date, want string }{
		{"12345", time.Now().Format("02/01/2006"), "6 digits"},
		{"123456", "31/02/2026", "DD/MM/YYYY"},
		{"123456", time.Now().AddDate(0, 0, 3).Format("02/01/2006"), "111"},
	} {
		u.decl.senderEntry.SetText(tc.sender)
		u.decl.dateEntry.SetText(tc.date)
		if !strings.Contains(u.decl.preview.Text, tc.want) || !u.decl.nameButton.Disabled() {
			t.Errorf("sender %s date %s: preview %q, button enabled %v; want %q and a disabled button",
				tc.sender, tc.date, u.decl.preview.Text, !u.decl.nameButton.Disabled(), tc.want)
		}
	}
}

func TestOpenConformingName(t *testing.T) {
	u, _ := newTestUI(t)
	dir := t.TempDir()
	name := "FI.DMFA.006400." + today() + ".00003.S.1.1"
	writeFile(t, dir, name, "<x/>")
	// Opening the GO of the set finds its FI.
	goPath := writeFile(t, dir, "GO.DMFA.006400."+today()+".00003.S.1", "")

	u.decl.open(goPath)
	if u.decl.formBox.Visible() || !u.decl.detailsBox.Visible() {
		t.Fatal("a conforming name should be explained, not renamed")
	}
	if u.state.fi != filepath.Join(dir, name) {
		t.Errorf("declaration = %q, want %s", u.state.fi, name)
	}
	var texts []string
	for _, it := range u.decl.details.Items {
		texts = append(texts, it.Text+": "+labelText(it.Widget))
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"DMFA — DmfA", "006400", "00003", "Simulation (S)", "declaration test"} {
		if !strings.Contains(all, want) {
			t.Errorf("explanation lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(u.status.Text, "FI.DMFA.006400") {
		t.Errorf("status line %q should name the set", u.status.Text)
	}

	// A name that breaks a rule says which.
	bad := writeFile(t, dir, "FI.DMFA.006400."+today()+".00000.R.1.1", "<x/>")
	u.decl.open(bad)
	if !strings.Contains(u.decl.message.Text, "112") || !u.decl.formBox.Visible() {
		t.Errorf("bad sequence number: message %q, form shown %v", u.decl.message.Text, u.decl.formBox.Visible())
	}

	// A reply is not a declaration.
	reply := writeFile(t, dir, "FO.ACRF.999999."+today()+".00001.R", "<ACRF/>")
	u.decl.open(reply)
	if !strings.Contains(u.decl.message.Text, "Replies") {
		t.Errorf("reply: message %q", u.decl.message.Text)
	}
}

// Over 200 MB the size is shown and splitting offered (and chosen by
// default); the signer does the cutting when preparing.
func TestLargeDeclarationOffersSplit(t *testing.T) {
	u, _ := newTestUI(t)
	p := writeFile(t, t.TempDir(), "FI.DMFA.123456."+today()+".00001.R.1.1", "")
	if err := os.Truncate(p, batch.MaxPartSize+1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	u.decl.open(p)
	if !u.decl.splitCheck.Visible() || !u.decl.splitCheck.Checked || !u.state.split {
		t.Error("splitting should be offered and chosen")
	}
	if !strings.Contains(u.decl.sizeLabel.Text, "200.0 MB") || !strings.Contains(u.decl.sizeLabel.Text, "larger than 200 MB") {
		t.Errorf("size = %q", u.decl.sizeLabel.Text)
	}
	test.Tap(u.decl.splitCheck)
	if u.state.split {
		t.Error("unticking should turn splitting off")
	}
}
