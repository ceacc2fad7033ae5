package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// checksIn lists the check boxes shown in an object.
func checksIn(o fyne.CanvasObject) []*widget.Check {
	var out []*widget.Check
	eachShown(o, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok {
			out = append(out, c)
		}
	})
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
	// History keeps the acceptance in view, the copy as a later event.
	u.goTo(stepHistory)
	u.tasks.wait()
	var line string
	for _, e := range u.hist.entries {
		if e.Set == set.Key() && e.Account == u.chosenAccount() {
			line = historyLine(e)
		}
	}
	if !strings.HasPrefix(line, rec.When.Local().Format("02/01/2006 15:04")) || !strings.HasSuffix(line, "Accepted (notification) · sent again") {
		t.Errorf("history row %q", line)
	}
	u.hist.list.Select(0)
	u.tasks.wait()
	if tl := u.hist.timeline.Text; strings.Index(tl, "Accepted (notification)") > strings.LastIndex(tl, "Sent, waiting for the reply") {
		t.Errorf("timeline:\n%s", tl)
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

// A send cancelled while the GO was leaving: only the GO may have
// arrived; the files before it were verified on the server and say so.
func TestUncertainOnlyTheGO(t *testing.T) {
	newTestUI(t) // the translations
	rows := func() *sendView {
		return &sendView{rows: []*sendRow{{name: "FI.DMFA.123456.20261127.00001.R.1.1", fraction: 1},
			{name: "FS.DMFA.123456.20261127.00001.R.1.1", fraction: 1}, {name: "GO.DMFA.123456.20261127.00001.R.1", fraction: 1}}}
	}
	v := rows()
	v.ended(&uploader.SendError{Set: "GO.DMFA.123456.20261127.00001.R.1", OnServer: []string{v.rows[0].name, v.rows[1].name},
		GOUncertain: true, Err: context.Canceled})
	want := []rowStatus{rowOnServer, rowOnServer, rowUncertain}
	for i, r := range v.rows {
		if r.status != want[i] {
			t.Errorf("%s: status %d, want %d", r.name, r.status, want[i])
		}
	}
	// From the progress seen, when the uploader gives no account.
	v = rows()
	v.ended(context.Canceled)
	for i, r := range v.rows {
		if r.status != want[i] {
			t.Errorf("from progress, %s: status %d, want %d", r.name, r.status, want[i])
		}
	}
	s := &sendStep{bars: map[string]*widget.ProgressBar{}}
	if text := rendered(s.rowObject(v.rows[0]).(*fyne.Container)); strings.Contains(text, "May have arrived") || !strings.Contains(text, "On the server") {
		t.Errorf("FI row: %q", text)
	}
}

// An acceptance of a set whose send ended uncertain ticks the Send step:
// the set was sent.
func TestSendTickedWhenAnswered(t *testing.T) {
	u, _ := newTestUI(t)
	set := testSetT(t, u, 4)
	record(t, u.chosenAccount(), set, workflow.Event{State: workflow.StateGOUncertain}, workflow.Event{State: workflow.StateNotiAccepted})
	if u.stepDone(stepSend) {
		t.Fatal("Send ticked before any reply")
	}
	u.goTo(stepReplies)
	u.tasks.wait()
	if u.views.replies.outcome == nil {
		t.Fatal("no outcome")
	}
	if !u.stepDone(stepSend) {
		t.Error("the set was accepted: Send should be ticked")
	}
}

// The practice run's demo certificate does not tick Signature before the
// declaration is named.
func TestPracticeSignatureNotTickedBeforeNaming(t *testing.T) {
	u, _ := newTestUI(t)
	u.app.Preferences().SetBool(prefWelcomed, true)
	u.tryPractice()
	u.tasks.wait()
	if u.state.cred == nil {
		t.Fatalf("no demo credential: %q", u.sig.message.Text)
	}
	if u.stepDone(stepSignature) {
		t.Error("Signature ticked before the file is named")
	}
	test.Tap(u.decl.nameButton)
	u.tasks.wait()
	if u.state.set == nil || !u.stepDone(stepSignature) {
		t.Errorf("named and a certificate chosen: Signature should be ticked (set %v)", u.state.set)
	}
}

// The welcome: nothing focused, Enter tries the practice flow, Escape is
// "Not now".
func TestWelcomeKeyboard(t *testing.T) {
	u, w := newTestUI(t)
	c := w.Canvas()
	u.firstRun()
	if c.Overlays().Top() == nil {
		t.Fatal("no welcome")
	}
	if c.Focused() != nil {
		t.Errorf("%T focused in the welcome", c.Focused())
	}
	key(c, fyne.KeyEscape)
	u.tasks.wait()
	if c.Overlays().Top() != nil || !u.app.Preferences().Bool(prefWelcomed) || u.state.cred != nil {
		t.Fatalf("Escape should be Not now: dialog open %v", c.Overlays().Top() != nil)
	}
	u.app.Preferences().SetBool(prefWelcomed, false)
	u.firstRun()
	key(c, fyne.KeyReturn)
	u.tasks.wait()
	if c.Overlays().Top() != nil || u.state.cred == nil || !u.decl.formBox.Visible() {
		t.Fatalf("Enter should try the practice flow: dialog open %v, %q", c.Overlays().Top() != nil, u.sig.message.Text)
	}
}

// The practice point's free text is English; a practice reply's card says
// the assistant's own words in the user's language, a real reply's card
// the social security's text as it is.
func TestPracticeReplyWordsTranslated(t *testing.T) {
	newTestUI(t)
	rep := &batch.Reply{Kind: batch.KindNOTI, FileName: "FO.NOTI.123456.20261127.00001.R", Accepted: true,
		Diagnosis: "accepted by the practice transfer point; nothing was declared"}
	for _, code := range []string{"fr", "nl", "de"} {
		text := inLanguage(t, code, func() string {
			return strings.Join(newReplyCard(rep, "", nil, true).details, "\n")
		})
		if strings.Contains(text, "nothing was declared") || !strings.Contains(text, loadLang(t, code)["replies.practice.diagnosis"]) {
			t.Errorf("%s: %q", code, text)
		}
		real := inLanguage(t, code, func() string {
			return strings.Join(newReplyCard(rep, "", nil, false).details, "\n")
		})
		if !strings.Contains(real, rep.Diagnosis) {
			t.Errorf("%s: a real reply's text is not shown as it is: %q", code, real)
		}
	}
}

// The first window fits a small screen, and keeps its size on a large one.
func TestFitSize(t *testing.T) {
	if got := fitSize(defaultWindow, fyne.NewSize(1920, 1080)); got != defaultWindow {
		t.Errorf("large screen: %v", got)
	}
	got := fitSize(defaultWindow, fyne.NewSize(800, 600))
	if got.Width > 800-screenMarginW || got.Height > 600-screenMarginH {
		t.Errorf("800x600 screen: %v", got)
	}
	// 1366x768 at 125%: 1093x614.
	if got := fitSize(defaultWindow, fyne.NewSize(1093, 614)); got.Height > 614-screenMarginH || got.Width != defaultWindow.Width {
		t.Errorf("1093x614: %v", got)
	}
}

// A send that ended uncertain, then accepted: the Send page no longer
// says the GO "may have arrived".
func TestUncertainRowsAfterAcceptance(t *testing.T) {
	u, _ := newTestUI(t)
	set := testSetT(t, u, 5)
	u.goTo(stepSend)
	u.tasks.wait()
	v := &u.views.send
	*v = sendView{set: set.Key(), rows: []*sendRow{{name: set.FI(1).String(), fraction: 1}, {name: set.Key(), fraction: 1}},
		message: func() string { return "the GO may have arrived" }, outcome: widget.WarningImportance}
	v.ended(context.Canceled)
	record(t, u.chosenAccount(), set, workflow.Event{State: workflow.StateGOUncertain}, workflow.Event{State: workflow.StateNotiAccepted})
	u.send.refresh()
	u.tasks.wait()
	for _, r := range v.rows {
		if r.status != rowSent {
			t.Errorf("%s: status %d after the acceptance", r.name, r.status)
		}
	}
	if strings.Contains(u.send.message.Text, "may have arrived") || strings.Contains(rendered(u.send.filesBox), "May have arrived") {
		t.Errorf("still uncertain: %q\n%s", u.send.message.Text, rendered(u.send.filesBox))
	}
}
