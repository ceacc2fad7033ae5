package app

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// The new-profile form asks what the user knows and derives the protocol,
// the server and the port by the command line's rule; "Leave empty to keep
// the saved one" is only said when a profile is edited.
func TestProfileFormDerivesProtocolAndPort(t *testing.T) {
	u, _ := newTestUI(t)
	u.goTo(stepSend)
	test.Tap(u.send.addButton)
	f := u.profileDialog
	if f.secret.HintText != "" {
		t.Errorf("a new profile has no saved password, yet the form says %q", f.secret.HintText)
	}
	test.Type(f.user, "expedit01")

	// A password: FTP to the transfer point's server, port 21.
	ep, err := f.endpoint()
	if err != nil || ep.Scheme != "ftp" || ep.Host != uploader.DefaultFTPHost || ep.Port != uploader.DefaultFTPPort {
		t.Errorf("password account: %+v, %v", ep, err)
	}
	if !strings.Contains(f.derived.Text, "FTP") || !strings.Contains(f.derived.Text, "21") {
		t.Errorf("Details say %q", f.derived.Text)
	}

	// A key file: SFTP to its server, port 8022; the key is then needed.
	f.login.SetSelected(f.login.Options[1])
	if f.scheme.Selected != "sftp" || f.secret.Text != "SFTP key file" {
		t.Errorf("a key file should mean SFTP: %q, field %q", f.scheme.Selected, f.secret.Text)
	}
	ep, err = f.endpoint()
	if !errors.Is(err, workflow.ErrNoIdentity) || ep.Host != uploader.DefaultSFTPHost || ep.Port != uploader.DefaultSFTPPort {
		t.Errorf("key account without its key: %+v, %v", ep, err)
	}
	test.Tap(f.save)
	if !strings.Contains(f.warnings.Text, "Choose the key file") {
		t.Errorf("saving without the key says %q", f.warnings.Text)
	}
	f.identity.SetText("/home/me/.ssh/expeditor_rsa")
	if ep, err = f.endpoint(); err != nil || ep.IdentityFile != "/home/me/.ssh/expeditor_rsa" {
		t.Errorf("key account: %+v, %v", ep, err)
	}

	// A test server: its name is asked for, the port still derived.
	f.login.SetSelected(f.login.Options[0])
	f.where.SetSelected(f.where.Options[1])
	if _, err := f.endpoint(); !errors.Is(err, errNoTestHost) {
		t.Errorf("a test server without a name: %v", err)
	}
	if !f.details.Items[0].Open {
		t.Error("choosing a test server should open Details, where its name goes")
	}
	test.Type(f.host, "ftp.example.be")
	if ep, err = f.endpoint(); err != nil || ep.Host != "ftp.example.be" || ep.Port != 21 || ep.Scheme != "ftp" {
		t.Errorf("test server: %+v, %v", ep, err)
	}

	// Saved under the account's name when Details name none.
	f.where.SetSelected(f.where.Options[0])
	test.Tap(f.save)
	p, err := uploader.FindProfile("expedit01")
	if err != nil || p.Endpoint.Host != uploader.DefaultFTPHost || p.Endpoint.Port != 21 {
		t.Fatalf("saved profile %+v, %v (form says %q)", p, err, f.warnings.Text)
	}

	// Editing: the saved password may be kept, and the transfer point's
	// own server stays implicit.
	u.editProfile(&p)
	g := u.profileDialog
	if g.secret.HintText != "Leave empty to keep the saved one" {
		t.Errorf("editing hint %q", g.secret.HintText)
	}
	if g.where.Selected != g.where.Options[0] || g.host.Text != "" || g.port.Text != "" || g.user.Text != "expedit01" {
		t.Errorf("edit form: where %q, host %q, port %q, user %q", g.where.Selected, g.host.Text, g.port.Text, g.user.Text)
	}
}

// The drop-down names a profile by its account, not by its address.
func TestProfileLabel(t *testing.T) {
	ep, _ := uploader.ParseEndpoint("sftp://expedit01@sftp.socialsecurity.be")
	if got := profileLabel(uploader.Profile{Name: "office", Endpoint: ep}); got != "office — expedit01" {
		t.Errorf("label %q", got)
	}
	if got := profileLabel(uploader.Profile{Name: "expedit01", Endpoint: ep}); got != "expedit01" {
		t.Errorf("label %q", got)
	}
}

// Choosing another language in the settings shows the settings again in
// that language.
func TestSettingsFollowTheLanguage(t *testing.T) {
	u, w := newTestUI(t)
	defer applyLanguage("en")
	u.showSettings()
	var sel *widget.Select
	var find func(o fyne.CanvasObject)
	find = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Select:
			if sel == nil {
				sel = x
			}
		case *widget.PopUp:
			find(x.Content)
		case *fyne.Container:
			for _, c := range x.Objects {
				find(c)
			}
		case *widget.Form:
			for _, it := range x.Items {
				find(it.Widget)
			}
		}
	}
	find(w.Canvas().Overlays().Top())
	if sel == nil {
		t.Fatal("no language drop-down")
	}
	sel.SetSelected("Français")
	top := w.Canvas().Overlays().Top()
	if top == nil || len(w.Canvas().Overlays().List()) != 1 {
		t.Fatalf("%d dialogs open", len(w.Canvas().Overlays().List()))
	}
	var form *widget.Form
	var findForm func(o fyne.CanvasObject)
	findForm = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.PopUp:
			findForm(x.Content)
		case *fyne.Container:
			for _, c := range x.Objects {
				findForm(c)
			}
		case *widget.Form:
			form = x
		}
	}
	findForm(top)
	if form == nil || form.Items[0].Text != "Langue" {
		t.Errorf("the settings stay in English: %+v", form)
	}
}
