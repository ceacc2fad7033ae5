package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// A profile is added with the Chaman rule warnings shown as the user types;
// its password goes to the keychain, never to the profile file, the log or
// the diagnostic report.
func TestProfileForm(t *testing.T) {
	u, _ := newTestUI(t)
	u.goTo(stepSend)
	test.Tap(u.send.addButton)
	f := u.profileDialog
	if f == nil {
		t.Fatal("Add… should open the profile form")
	}
	test.Type(f.name, "office")
	f.scheme.SetSelected("ftp")
	test.Type(f.user, "ab")
	if !strings.Contains(f.warnings.Text, "8") {
		t.Errorf("a 2-letter user name should bring the Chaman rule: %q", f.warnings.Text)
	}
	f.user.SetText("")
	test.Type(f.user, "expedit01")
	const password = "pa;ss:w0rd"
	test.Type(f.password, password)
	warned := f.warnings.Text
	test.Tap(f.save)

	p, err := uploader.FindProfile("office")
	if err != nil {
		t.Fatalf("profile not saved: %v (warnings %q)", err, f.warnings.Text)
	}
	if p.Endpoint.Host != uploader.DefaultFTPHost || p.Endpoint.User != "expedit01" {
		t.Errorf("endpoint = %+v", p.Endpoint)
	}
	pw, err := uploader.LookupPassword("office")
	if err != nil || string(pw) != password {
		t.Errorf("keychain holds %q, %v", pw, err)
	}
	if u.state.profile != "office" || !strings.HasPrefix(u.send.profileSelect.Selected, "office") {
		t.Errorf("the new profile should be chosen: %q / %q", u.state.profile, u.send.profileSelect.Selected)
	}
	if strings.Contains(warned, password) {
		t.Error("a warning shows the password")
	}
	home, _ := batch.Home()
	files := map[string]string{"diagnostic report": u.diagnosticReport()}
	for _, p := range []string{filepath.Join(home, "profiles.json"), u.log.path} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = string(data)
	}
	for what, text := range files {
		if strings.Contains(text, password) {
			t.Errorf("the password appears in %s", what)
		}
	}
	if !strings.Contains(files["diagnostic report"], "Profile: office, ftp://expedit01@") {
		t.Errorf("report should describe the profile:\n%s", files["diagnostic report"])
	}

	// Back to the practice point.
	u.send.profileSelect.SetSelected(u.send.profileSelect.Options[0])
	if u.state.profile != practiceProfile || !u.send.editButton.Disabled() {
		t.Errorf("profile %q; the practice point cannot be edited", u.state.profile)
	}
}

// Editing a profile saved on the command line keeps the settings the form
// does not show: an FTPS server's CA file and EPSV switched off.
func TestProfileFormEditKeepsHiddenSettings(t *testing.T) {
	u, _ := newTestUI(t)
	ep, err := uploader.ParseEndpoint("ftps://expedit01@ftp.example.be:2121")
	if err != nil {
		t.Fatal(err)
	}
	ep.CAFile, ep.DisableEPSV = "/etc/ssl/private-ca.pem", true
	p := uploader.Profile{Name: "office", Endpoint: ep}
	if _, err := uploader.SaveProfile(p); err != nil {
		t.Fatal(err)
	}
	u.goTo(stepSend)
	u.editProfile(&p)
	f := u.profileDialog
	f.user.SetText("expedit02")
	got, err := f.endpoint()
	if err != nil {
		t.Fatal(err)
	}
	if got.CAFile != ep.CAFile || !got.DisableEPSV || got.User != "expedit02" || got.Port != 2121 {
		t.Errorf("edited endpoint %+v", got)
	}
	// Switching the profile to SFTP drops what belongs to FTP.
	f.scheme.SetSelected("sftp")
	if got, _ := f.endpoint(); got.CAFile != "" || got.DisableEPSV {
		t.Errorf("SFTP endpoint keeps FTP settings: %+v", got)
	}
}
