package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/workflow"
)

// checksIn lists the check boxes shown in an object.
func checksIn(o fyne.CanvasObject) []*widget.Check {
	var out []*widget.Check
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Check:
			out = append(out, w)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *widget.PopUp:
			walk(w.Content)
		case *container.Scroll:
			walk(w.Content)
		}
	}
	walk(o)
	return out
}

// labelsIn is the text of the labels shown in an object.
func labelsIn(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *widget.PopUp:
			walk(w.Content)
		}
	}
	walk(o)
	return b.String()
}

func buttonNamed(o fyne.CanvasObject, text string) *widget.Button {
	for _, b := range buttonsIn(o) {
		if b.Text == text {
			return b
		}
	}
	return nil
}

// Sending an accepted set again (issue 12 walkthrough): the question says
// it was accepted and there is nothing to do; Enter and Escape are
// Cancel; the copy goes only after a tick and "Send it again anyway"; and
// the set stays accepted in the ledger, the second send a later event.
func TestSendAgainAcceptedSet(t *testing.T) {
	u, w := newTestUI(t)
	c := w.Canvas()
	set := testSetT(t, u, 1)
	u.goTo(stepSend)
	u.tasks.wait()
	record(t, u.chosenAccount(), set, workflow.Event{State: workflow.StateSent}, workflow.Event{State: workflow.StateNotiAccepted})
	u.send.refresh()
	u.tasks.wait()
	if !u.send.againButton.Visible() {
		t.Fatal("no Send again")
	}
	for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEscape} {
		test.Tap(u.send.againButton)
		top := c.Overlays().Top()
		if top == nil {
			t.Fatal("no question")
		}
		text := labelsIn(top)
		for _, want := range []string{"already accepted", "nothing to do", "133", "duplicate"} {
			if !strings.Contains(text, want) {
				t.Errorf("the question %q should say %q", text, want)
			}
		}
		if strings.Contains(text, "only if you are sure") {
			t.Errorf("the question for an accepted set keeps the unsent wording: %q", text)
		}
		c.Unfocus()
		key(c, k)
		u.tasks.wait()
		if c.Overlays().Top() != nil || u.state.sent == set.Key() {
			t.Fatalf("%s should cancel: dialog open %v, sent %q", k, c.Overlays().Top() != nil, u.state.sent)
		}
	}
	test.Tap(u.send.againButton)
	top := c.Overlays().Top()
	anyway := buttonNamed(top, "Send it again anyway")
	if anyway == nil || !anyway.Disabled() {
		t.Fatalf("the confirm button should be there, disabled until the tick: %v", anyway)
	}
	checks := checksIn(top)
	if len(checks) != 1 {
		t.Fatalf("%d check boxes", len(checks))
	}
	checks[0].SetChecked(true)
	if anyway.Disabled() {
		t.Fatal("ticked, the confirm button is still disabled")
	}
	test.Tap(anyway)
	u.tasks.wait()
	if u.state.sent != set.Key() {
		t.Fatalf("not sent: %q", u.send.message.Text)
	}
	l, err := workflow.OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rec, _ := l.Get(u.chosenAccount(), set.Base.Env, set.Key())
	if rec == nil || rec.State != workflow.StateNotiAccepted || rec.Last != workflow.StateSent {
		t.Errorf("after sending again the set should stay accepted, the send its last event: %+v", rec)
	}
}

// A set sent but not answered: the question keeps its wording, and its
// main button is still Cancel.
func TestSendAgainSentSet(t *testing.T) {
	u, w := newTestUI(t)
	c := w.Canvas()
	set := testSetT(t, u, 2)
	u.goTo(stepSend)
	u.tasks.wait()
	record(t, u.chosenAccount(), set, workflow.Event{State: workflow.StateSent})
	u.send.refresh()
	u.tasks.wait()
	test.Tap(u.send.againButton)
	top := c.Overlays().Top()
	if !strings.Contains(labelsIn(top), "only if you are sure") || len(checksIn(top)) != 0 {
		t.Errorf("question: %q", labelsIn(top))
	}
	c.Unfocus()
	key(c, fyne.KeyReturn)
	u.tasks.wait()
	if c.Overlays().Top() != nil || u.state.sent == set.Key() {
		t.Fatal("Enter should cancel")
	}
}

// Right after a send that succeeded, the Send page says the success only,
// not "Already sent…" (issue 12 walkthrough); Send again stays offered.
func TestJustSentShowsSuccessOnly(t *testing.T) {
	u, _ := newTestUI(t)
	testSetT(t, u, 3)
	u.goTo(stepSend)
	u.tasks.wait()
	u.send.send(false)
	u.tasks.wait()
	if u.send.message.Importance != widget.SuccessImportance {
		t.Fatalf("not sent: %q", u.send.message.Text)
	}
	if strings.Contains(u.send.summary.Text, "Already sent") {
		t.Errorf("after our own send the summary says %q", u.send.summary.Text)
	}
	if !u.send.sendButton.Disabled() || !u.send.againButton.Visible() {
		t.Errorf("Send disabled %v, Send again shown %v", u.send.sendButton.Disabled(), u.send.againButton.Visible())
	}
}
