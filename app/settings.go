package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// prefSignTest: sign test and simulation sets too (some channels expect it).
const prefSignTest = "signTest"

// settings are the assistant's settings dialog widgets.
type settings struct {
	language *widget.Select
	signTest *widget.Check
	dialog   dialog.Dialog
}

// languageNames are the choices of the language drop-down, "" (the system's)
// first; each language is written in itself.
var languageNames = []struct{ code, name string }{
	{"en", "English"}, {"fr", "Français"}, {"nl", "Nederlands"}, {"de", "Deutsch"},
}

// newSettings builds the settings widgets.
func (u *UI) newSettings() *settings {
	s := &settings{}
	system := lang.L("settings.language.system")
	options := []string{system}
	for _, l := range languageNames {
		options = append(options, l.name)
	}
	s.language = widget.NewSelect(options, nil)
	s.language.SetSelected(system)
	pref := u.app.Preferences().String(prefLanguage)
	for _, l := range languageNames {
		if l.code == pref {
			s.language.SetSelected(l.name)
		}
	}
	s.language.OnChanged = func(choice string) {
		code := ""
		for _, l := range languageNames {
			if l.name == choice {
				code = l.code
			}
		}
		u.setLanguage(code) // the dialog is shown again in the new language (app.go)
	}
	s.signTest = widget.NewCheck(lang.L("settings.signtest"), func(on bool) {
		u.app.Preferences().SetBool(prefSignTest, on)
		u.state.prepared = false
	})
	s.signTest.SetChecked(u.signTest())
	return s
}

// showSettings opens the settings dialog.
func (u *UI) showSettings() {
	s := u.newSettings()
	help := widget.NewLabel(lang.L("settings.signtest.help"))
	help.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(lang.L("settings.language"), s.language),
		widget.NewFormItem("", container.NewVBox(s.signTest, help)),
		widget.NewFormItem("", widget.NewButton(lang.L("setup.button"), func() { u.showSetup() })), // setup.go
		widget.NewFormItem("", widget.NewButton(lang.L("settings.practice"), func() { // firstrun.go
			s.dialog.Hide()
			u.tryPractice()
		})),
	)
	s.dialog = dialog.NewCustom(lang.L("settings.title"), lang.L("close"), form, u.window)
	s.dialog.Resize(fyne.NewSize(520, 300))
	u.settingsDialog = s.dialog // app.go: rebuilt when the language changes
	s.dialog.SetOnClosed(func() {
		if u.settingsDialog == s.dialog {
			u.settingsDialog = nil
		}
	})
	s.dialog.Show()
}

// setLanguage saves the language choice ("" for the system's) and rebuilds
// the window in it.
func (u *UI) setLanguage(code string) {
	u.app.Preferences().SetString(prefLanguage, code)
	if applyLanguage(code) == language() && u.root != nil {
		u.log.Infof("language %s", language())
	}
	u.build()
	u.window.SetContent(u.root)
}
