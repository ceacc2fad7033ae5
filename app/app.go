// Package app is Expeditor's desktop assistant, built with Fyne. It only
// builds widgets and wires them to the batch, signer and uploader packages:
// the names, the signatures and the transfers are theirs.
//
// The window is a list of the six steps on the left (so a support agent on
// the phone can ask "which step is highlighted?") and the current step on
// the right. Every long task runs off the UI goroutine (see tasks) and
// touches widgets only through fyne.Do (uiDo, uiDoAndWait).
package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/assets"
	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/version"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/workflow"
)

// ID is the application identifier (as in FyneApp.toml).
const ID = "be.expeditor.app"

// Version is the application version (internal/version, set at build time).
var Version = version.Version

// Run opens the main window and blocks until it is closed.
func Run() {
	// The metadata of FyneApp.toml, for builds made with plain "go build"
	// (make run) rather than the fyne tool: above all the fyneDo migration,
	// which every widget update of this package follows.
	fyneapp.SetMetadata(fyne.AppMetadata{
		ID:         ID,
		Name:       "Expeditor",
		Version:    Version,
		Icon:       assets.Icon,
		Migrations: map[string]bool{"fyneDo": true},
	})
	a := fyneapp.NewWithID(ID)
	a.SetIcon(assets.Icon)
	// Launch time (launch.go): the window and its OpenGL context are made
	// first, while the translations and fonts load on another goroutine;
	// the widgets are made here once both are ready, into the window's
	// content set before Show (setting it after would resize the window).
	warm := warmUp(a)
	w := a.NewWindow("Expeditor")
	holder := container.NewStack()
	w.SetContent(holder)
	w.Resize(defaultWindow)
	w.Show()
	fitToScreen(w) // screen.go: an 800x600 screen gets a window that fits
	<-warm
	u := NewUI(a, w)
	holder.Objects = []fyne.CanvasObject{u.Content()}
	holder.Refresh()
	w.SetOnDropped(u.dropped)
	w.SetOnClosed(u.close)
	u.firstRun()
	u.offerSetup()      // setup.go
	u.certificateCare() // watch.go
	u.watchAnswers()
	a.Run()
}

// step is one screen of the flow.
type step int

const (
	stepDeclaration step = iota
	stepSignature
	stepPrepare
	stepSend
	stepReplies
	stepHistory
	stepCount
)

// UI holds the main window's widgets and the user's progress through the
// flow. Tests build it on a test app and tap its widgets.
type UI struct {
	app    fyne.App
	window fyne.Window
	log    *supportLog
	tasks  tasks

	// Left: the steps; right: the current step; bottom: where the user is.
	steps   *widget.List
	body    *fyne.Container
	status  *widget.Label
	current step
	root    *fyne.Container

	settingsButton *widget.Button
	diagButton     *widget.Button

	decl    *declarationStep
	sig     *signatureStep
	prep    *prepareStep
	send    *sendStep
	replies *repliesStep
	hist    *historyStep

	// The flow's state, kept across language changes.
	state flowState
	// What each step shows of the current declaration (messages, files
	// written, progress of a send), kept across language changes: the
	// steps are rebuilt in the new language from it.
	views stepViews

	// settingsDialog is the open settings dialog, rebuilt in the new
	// language when the language changes.
	settingsDialog dialog.Dialog

	// The practice point started by this window, if any.
	practiceMu   sync.Mutex
	practiceStop func()

	// profileDialog is the open profile form (tests fill it).
	profileDialog *profileForm

	// maxPart is the size of the parts a split makes; 0 is the transfer
	// point's limit (tests split small files).
	maxPart int64
}

// flowState is where the user is: which declaration, which credential.
type flowState struct {
	// fi is the path of the declaration's FI (its first part), empty
	// until a declaration is chosen.
	fi string
	// set is the set the FI belongs to.
	set *batch.Set
	// size is the total size of the FI parts.
	size int64
	// split: cut a declaration over 200 MB into parts when preparing.
	split bool
	// cred is the chosen credential, with a line describing it.
	cred      signer.Credential
	credLabel string
	// convertCRLF: the user agreed to convert bare LF line endings.
	convertCRLF bool
	// prepared: the FS and GO files are written and verified.
	prepared bool
	// profile is the name of the chosen sending profile.
	profile string
	// sent is the GO name of the last set sent.
	sent string
	// answered: a reply about the current set was fetched.
	answered bool
	// naming is the file being named in the declaration step (no set
	// yet), empty otherwise.
	naming string
}

// stepViews is what the steps show of the current declaration.
type stepViews struct {
	decl    declView
	sig     sigView
	prep    prepView
	send    sendView
	replies repliesView
}

// text is a message kept as the way to word it, so that it follows a
// change of language; nil shows nothing.
type text func() string

// show is the message in the current language ("" for none).
func (t text) show() string {
	if t == nil {
		return ""
	}
	return t()
}

// words is a text that is always s (a name, an error already worded).
func words(s string) text {
	if s == "" {
		return nil
	}
	return func() string { return s }
}

// NewUI builds the main window's content.
func NewUI(a fyne.App, w fyne.Window) *UI {
	u := &UI{app: a, window: w, log: openSupportLog()}
	applyLanguage(a.Preferences().String(prefLanguage))
	u.log.Infof("Expeditor %s started, language %s", Version, language())
	u.build()
	return u
}

// Content is the root object of the window.
func (u *UI) Content() fyne.CanvasObject { return u.root }

// build makes every widget, in the current language. It is called again
// when the language changes; the flow's state is kept.
func (u *UI) build() {
	u.steps = widget.NewList(
		func() int { return int(stepCount) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.RadioButtonIcon()), widget.NewLabel("step name placeholder"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			icon := row.Objects[0].(*widget.Icon)
			label := row.Objects[1].(*widget.Label)
			s := step(id)
			label.SetText(fmt.Sprintf("%d. %s", id+1, u.stepTitle(s)))
			switch {
			case s == u.current:
				icon.SetResource(theme.NavigateNextIcon())
				label.TextStyle.Bold = true
			case u.stepDone(s):
				icon.SetResource(theme.ConfirmIcon())
				label.TextStyle.Bold = false
			default:
				icon.SetResource(theme.RadioButtonIcon())
				label.TextStyle.Bold = false
			}
			label.Refresh()
		},
	)
	u.steps.OnSelected = func(id widget.ListItemID) {
		// The arrow marks the current step; the list's own highlight
		// would linger on the row tapped last.
		u.steps.Unselect(id)
		u.goTo(step(id))
	}

	u.body = container.NewStack()
	u.status = widget.NewLabel("")
	u.status.Truncation = fyne.TextTruncateEllipsis
	u.settingsButton = widget.NewButtonWithIcon(lang.L("settings.button"), theme.SettingsIcon(), u.showSettings)
	u.diagButton = widget.NewButtonWithIcon(lang.L("support.copy"), theme.ContentCopyIcon(), u.copyDiagnostic)

	u.decl = newDeclarationStep(u)
	u.sig = newSignatureStep(u)
	u.prep = newPrepareStep(u)
	u.replies = newRepliesStep(u)
	u.hist = newHistoryStep(u)
	u.send = newSendStep(u)

	left := container.NewBorder(
		widget.NewLabelWithStyle(lang.L("app.steps"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewVBox(u.settingsButton, u.diagButton),
		nil, nil, u.steps)
	split := container.NewHSplit(left, container.NewPadded(u.body))
	split.Offset = 0.24
	u.root = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), u.status), nil, nil, split)
	u.window.SetTitle(lang.L("app.title"))
	u.installKeys() // keys.go: the new pages' entries and Enter wiring
	u.show(u.current)
	if u.settingsDialog != nil {
		// An open settings dialog follows the language too.
		u.settingsDialog.Hide()
		u.settingsDialog = nil
		u.showSettings()
	}
}

// page lays a step out: its content scrolls, and its main buttons stay
// at the bottom, visible whatever the window's size and the language.
func page(content fyne.CanvasObject, buttons ...fyne.CanvasObject) fyne.CanvasObject {
	bar := container.NewHBox(buttons...)
	return container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), bar), nil, nil, container.NewVScroll(content))
}

// relayout lays a page out again at once, after rows were added or
// removed: a container's own Refresh does not move what follows it, so
// for one frame new rows would be drawn over the widgets below them.
func relayout(o fyne.CanvasObject) {
	if o != nil {
		o.Refresh()
	}
}

// practicing reports whether the flow runs against the practice point:
// nothing leaves the computer.
func (u *UI) practicing() bool {
	return u.state.profile == practiceProfile || u.state.profile == ""
}

// nextDeclaration starts the flow again for a new declaration: the
// credential and the profile stay, everything about the last declaration
// goes.
func (u *UI) nextDeclaration() {
	u.log.Infof("next declaration")
	u.state = flowState{cred: u.state.cred, credLabel: u.state.credLabel, profile: u.state.profile}
	u.views = stepViews{sig: u.views.sig}
	u.current = stepDeclaration
	// Every step rebuilt from the clean state, as for a change of
	// language (which wires the window's keys again too).
	u.setLanguage(u.app.Preferences().String(prefLanguage))
}

// stepTitle is the name of a step in the step list.
func (u *UI) stepTitle(s step) string {
	switch s {
	case stepDeclaration:
		return lang.L("step.declaration")
	case stepSignature:
		return lang.L("step.signature")
	case stepPrepare:
		return lang.L("step.prepare")
	case stepSend:
		return lang.L("step.send")
	case stepReplies:
		return lang.L("step.replies")
	default:
		return lang.L("step.history")
	}
}

// stepDone reports whether a step is behind the user.
func (u *UI) stepDone(s step) bool {
	switch s {
	case stepDeclaration:
		return u.state.fi != ""
	case stepSignature:
		// For the current declaration: a certificate chosen before the
		// file is named (the practice run's demo one) is not a signature.
		return u.state.set != nil && (u.state.cred != nil || !u.signatureNeeded())
	case stepPrepare:
		return u.state.prepared
	case stepSend:
		// A reply about the set says it was sent, even when the send
		// ended uncertain (cancelled while the GO was leaving).
		return u.state.sent != "" || u.state.answered
	case stepReplies:
		return u.state.answered
	}
	return false
}

// signatureNeeded reports whether the current set needs an FS.
func (u *UI) signatureNeeded() bool {
	if u.state.set == nil {
		return true
	}
	return workflow.SignatureNeeded(u.state.set.Base.Env, u.signTest())
}

// signTest reports whether test and simulation sets are signed too.
func (u *UI) signTest() bool { return u.app.Preferences().Bool(prefSignTest) }

// goTo shows a step.
func (u *UI) goTo(s step) {
	if s < 0 || s >= stepCount {
		return
	}
	if s != u.current {
		u.log.Infof("step %s", stepNamesEN[s])
	}
	u.show(s)
}

func (u *UI) show(s step) {
	u.current = s
	var content fyne.CanvasObject
	switch s {
	case stepDeclaration:
		content = u.decl.content
	case stepSignature:
		u.sig.refresh()
		content = u.sig.content
	case stepPrepare:
		u.prep.refresh()
		content = u.prep.content
	case stepSend:
		u.send.refresh()
		content = u.send.content
	case stepReplies:
		u.replies.refresh()
		content = u.replies.content
	case stepHistory:
		u.hist.refresh()
		content = u.hist.content
	}
	u.body.Objects = []fyne.CanvasObject{content}
	u.body.Refresh()
	u.refreshStatus()
}

// refreshStatus updates the step list and the status line.
func (u *UI) refreshStatus() {
	if u.send == nil {
		return // still building
	}
	u.steps.Refresh()
	u.status.SetText(u.statusLine())
}

// statusLine says, in one line, where the user is: the step, the file, the
// credential. Support asks the user to read it out.
func (u *UI) statusLine() string {
	parts := []string{lang.L("status.step", map[string]any{"N": int(u.current) + 1, "Total": int(stepCount), "Name": u.stepTitle(u.current)})}
	switch {
	case u.state.naming != "":
		parts = append(parts, lang.L("status.naming", map[string]any{"Name": filepath.Base(u.state.naming)}))
	case u.state.set != nil:
		// The name the user works on: the FI (the GO is Expeditor's).
		name := u.state.set.FI(1).String()
		if n := u.state.set.Base.Parts; n > 1 {
			name += " " + plural("status.parts", n, map[string]any{"N": n})
		}
		parts = append(parts, name)
	default:
		parts = append(parts, lang.L("status.nofile"))
	}
	if u.state.credLabel != "" {
		parts = append(parts, u.state.credLabel)
	}
	return strings.Join(parts, "  ·  ")
}

// stateSummary is the flow's state for the diagnostic report.
func (u *UI) stateSummary() string {
	var b strings.Builder
	if u.state.fi != "" {
		fmt.Fprintf(&b, "Declaration: %s (%d bytes)\n", u.state.fi, u.state.size)
	} else {
		b.WriteString("Declaration: none chosen\n")
	}
	if u.state.credLabel != "" {
		fmt.Fprintf(&b, "Credential: %s\n", u.state.credLabel)
	}
	fmt.Fprintf(&b, "Prepared: %v\n", u.state.prepared)
	b.WriteString(u.profileSummary())
	if u.state.sent != "" {
		fmt.Fprintf(&b, "Last set sent: %s\n", u.state.sent)
	}
	return b.String()
}

// dropped opens a file dragged onto the window.
func (u *UI) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, uri := range uris {
		if uri.Scheme() == "file" {
			u.goTo(stepDeclaration)
			u.decl.open(uri.Path())
			return
		}
	}
}

// close is called when the window closes: running tasks are cancelled
// and the credential released.
func (u *UI) close() {
	// No waiting here: a task's last step runs on the UI goroutine, which
	// is this one.
	u.tasks.cancelAll()
	u.setCredential(nil, "")
	u.practiceMu.Lock()
	if u.practiceStop != nil {
		u.practiceStop()
		u.practiceStop = nil
	}
	u.practiceMu.Unlock()
	u.log.Infof("closed")
	_ = u.log.Close()
}

// setCredential replaces the chosen credential, closing the old one.
func (u *UI) setCredential(c signer.Credential, label string) {
	if u.state.cred != nil && u.state.cred != c {
		_ = u.state.cred.Close()
	}
	u.state.cred, u.state.credLabel = c, label
	u.state.prepared = false
	u.rememberCertificate(c) // watch.go: its end is announced at start
}

// copyDiagnostic puts the diagnostic report on the clipboard.
func (u *UI) copyDiagnostic() {
	u.app.Clipboard().SetContent(u.diagnosticReport())
	u.log.Infof("diagnostic report copied")
	u.status.SetText(lang.L("support.copied"))
}
