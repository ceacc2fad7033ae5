package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// The whole flow works with the keyboard alone. Tab and Shift+Tab move
// the focus through every control, drawn with Fyne's focus highlight;
// Space presses the focused button or check. On top of that, when no text
// box holds the focus:
//
//   - Enter does the step's main action (name the file, continue,
//     prepare, fetch the replies, re-open; never send, which takes Tab to
//     Send and Space), or, in a dialog, its main button;
//   - Escape closes the dialog on top (as its Cancel or Close button
//     does), or cancels the preparing or sending under way.
//
// In a text box, Enter submits it where the step says so (the password
// uses the certificate, the PIN the key, a profile field saves).

// installKeys wires the window's keys. build calls it each time it makes
// the pages (at start, in another language, for the next declaration).
func (u *UI) installKeys() {
	u.window.Canvas().SetOnTypedKey(u.typedKey)
	// Not a key, but wired at the same moment: the mouse wheel over an
	// input box scrolls the page (wheel.go).
	if u.hist != nil {
		for _, page := range []fyne.CanvasObject{u.decl.content, u.sig.content, u.prep.content, u.send.content, u.replies.content, u.hist.content} {
			wheelThroughEntries(page, u.sig.p12Entry)
		}
	}
	// Enter in the naming form's boxes copies the file under its name;
	// in the certificate's path, it goes on to the password.
	if u.decl != nil {
		for _, e := range []*widget.Entry{u.decl.senderEntry, u.decl.dateEntry, u.decl.seqEntry} {
			if e != nil && e.OnSubmitted == nil {
				e.OnSubmitted = func(string) { press(u.decl.nameButton) }
			}
		}
	}
	if u.sig != nil && u.sig.p12Entry != nil && u.sig.p12Entry.OnSubmitted == nil {
		u.sig.p12Entry.OnSubmitted = func(string) { u.window.Canvas().Focus(u.sig.passwordEntry) }
	}
}

// typedKey handles a key no focused widget took.
func (u *UI) typedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyEscape:
		u.escape()
	case fyne.KeyReturn, fyne.KeyEnter:
		u.enter()
	}
}

// escape closes the dialog on top, else cancels the work under way.
func (u *UI) escape() {
	if top := u.window.Canvas().Overlays().Top(); top != nil {
		if b := dismissButton(top); b != nil {
			press(b)
			return
		}
		if p, ok := top.(*widget.PopUp); ok && !isModal(p) {
			p.Hide()
		}
		return
	}
	switch u.current {
	case stepPrepare:
		press(u.prep.cancelButton)
	case stepSend:
		press(u.send.cancelButton)
	}
}

// enter presses the main button of the dialog on top, else the step's
// main action.
func (u *UI) enter() {
	if top := u.window.Canvas().Overlays().Top(); top != nil {
		for _, b := range buttonsIn(top) {
			if b.Importance == widget.HighImportance && press(b) {
				return
			}
		}
		return
	}
	for _, b := range u.mainActions() {
		if press(b) {
			return
		}
	}
}

// mainActions are the buttons Enter may press on the current step, the
// first one enabled and shown wins.
func (u *UI) mainActions() []*widget.Button {
	switch u.current {
	case stepDeclaration:
		if u.decl.formBox.Visible() {
			return []*widget.Button{u.decl.nameButton}
		}
		return []*widget.Button{u.decl.nextButton}
	case stepSignature:
		return []*widget.Button{u.sig.nextButton}
	case stepPrepare:
		if u.state.prepared {
			return []*widget.Button{u.prep.nextButton}
		}
		return []*widget.Button{u.prep.prepareButton}
	case stepSend:
		// Sending is not a stray Enter away: Tab to Send and press Space.
		return []*widget.Button{u.send.nextButton}
	case stepReplies:
		return []*widget.Button{u.replies.fetchButton}
	case stepHistory:
		return []*widget.Button{u.hist.reopenButton}
	}
	return nil
}

// press taps a button if it is shown and enabled, and says whether it did.
func press(b *widget.Button) bool {
	if b == nil || !b.Visible() || b.Disabled() || b.OnTapped == nil {
		return false
	}
	b.OnTapped()
	return true
}

// dismissButton is the button that closes a dialog without doing
// anything: Cancel, Close, Not now, No (or OK on a message).
func dismissButton(o fyne.CanvasObject) *widget.Button {
	dismiss := map[string]bool{}
	words := []string{lang.L("cancel"), lang.L("close"), lang.L("welcome.later"), lang.L("ok")}
	// Fyne's own dialogs' buttons, in Fyne's translations.
	for _, w := range []string{"Cancel", "Close", "No", "OK"} {
		words = append(words, lang.Localize(w))
	}
	for _, t := range words {
		dismiss[t] = true
	}
	for _, b := range buttonsIn(o) {
		if dismiss[b.Text] && b.Visible() && !b.Disabled() {
			return b
		}
	}
	return nil
}

// buttonsIn lists the buttons shown in an object, in order.
func buttonsIn(o fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	eachShown(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			out = append(out, b)
		}
	})
	return out
}

// eachShown calls visit for every object shown in o, o included, in
// order: the contents of containers, pop-ups, scroll areas and the open
// items of accordions; hidden objects and what they hold are skipped.
func eachShown(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			eachShown(c, visit)
		}
	case *widget.PopUp:
		eachShown(w.Content, visit)
	case *container.Scroll:
		eachShown(w.Content, visit)
	case *widget.Accordion:
		for _, it := range w.Items {
			if it.Open {
				eachShown(it.Detail, visit)
			}
		}
	}
}

// isModal reports whether a pop-up is a dialog (which only its buttons
// close) rather than a menu or a drop-down list.
func isModal(p *widget.PopUp) bool {
	return len(buttonsIn(p)) > 0
}

// escEntry is an entry that hands Escape to onEscape: a text box that
// has the focus takes every key, so without it Escape would not close
// the dialog the box is in.
type escEntry struct {
	widget.Entry
	onEscape func()
}

// newEscEntry makes a one-line entry (a password entry, with its
// show/hide button, when password is set).
func newEscEntry(password bool) *escEntry {
	e := &escEntry{}
	e.Password = password
	e.ExtendBaseWidget(e)
	return e
}

func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}
