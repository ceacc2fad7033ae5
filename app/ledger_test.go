package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/workflow"
)

// testSetT writes a complete test-environment set (an FI and its empty
// GO; T needs no FS) and opens it in the assistant.
func testSetT(t *testing.T, u *UI, seq int) batch.Set {
	t.Helper()
	dir := t.TempDir()
	date := time.Now().Format(batch.DateLayout)
	fi := writeFile(t, dir, "FI.DMFA.123456."+date+".0000"+string(rune('0'+seq))+".T.1.1", "<DmfAOriginal/>\r\n")
	set, err := batch.SetOf(fi)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(set.Path(set.GO()), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	u.decl.open(fi)
	u.tasks.wait()
	return set
}

func record(t *testing.T, account string, set batch.Set, evs ...workflow.Event) {
	t.Helper()
	l, err := workflow.OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, ev := range evs {
		if _, err := l.Add(account, set, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// A set the transfer point accepted for the chosen account cannot be sent
// again by a plain click (issue 9: Send stayed enabled, the copy came back
// refused 133): Send is disabled, the reason is on screen, and "Send
// again…" is the deliberate way.
func TestSendDisabledAfterAcceptance(t *testing.T) {
	u, _ := newTestUI(t)
	set := testSetT(t, u, 1)
	u.goTo(stepSend)
	u.tasks.wait()
	if u.send.sendButton.Disabled() || u.send.againButton.Visible() {
		t.Fatalf("a set never sent: send disabled %v, again shown %v (%q)", u.send.sendButton.Disabled(), u.send.againButton.Visible(), u.send.summary.Text)
	}

	record(t, u.chosenAccount(), set, workflow.Event{State: workflow.StateSent}, workflow.Event{State: workflow.StateAckAccepted})
	u.send.refresh()
	u.tasks.wait()
	if !u.send.sendButton.Disabled() {
		t.Error("Send is enabled for a set accepted for this account")
	}
	if !u.send.againButton.Visible() {
		t.Error("no deliberate way to send again")
	}
	for _, want := range []string{"Already sent", set.Key(), u.chosenAccount(), "Accepted (acknowledgement)"} {
		if !strings.Contains(u.send.summary.Text, want) {
			t.Errorf("summary %q should say %q", u.send.summary.Text, want)
		}
	}

	// Another account may receive it: a saved profile of another user.
	record(t, "someone@else", set, workflow.Event{State: workflow.StateSent})
	u.send.refresh()
	u.tasks.wait()
	if !u.send.sendButton.Disabled() {
		t.Error("the practice account's record should still disable Send")
	}

	// The deliberate path sends it.
	u.send.send(true)
	u.tasks.wait()
	if u.state.sent != set.Key() {
		t.Fatalf("send again: %q", u.send.message.Text)
	}
	if !u.send.sendButton.Disabled() {
		t.Error("after sending again, Send should be disabled again")
	}
}

// The History is the ledger: one row per set and account, refusals with
// their codes, the timeline on click.
func TestHistoryRowsFromLedger(t *testing.T) {
	u, _ := newTestUI(t)
	ok, _ := batch.ParseName("FI.DMFA.123456.20261121.00001.R.1.1")
	bad, _ := batch.ParseName("FI.DMFA.123456.20261121.00002.R.1.1")
	okSet := batch.Set{Dir: t.TempDir(), Base: ok.WithPart(0)}
	badSet := batch.Set{Dir: t.TempDir(), Base: bad.WithPart(0)}
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.Local)
	record(t, "xt1@ftp.socialsecurity.be", okSet,
		workflow.Event{Time: t0, State: workflow.StateSent},
		workflow.Event{Time: t0.Add(time.Hour), State: workflow.StateNotiAccepted, Reply: "FO.NOTI.999999.20261121.00002.R"})
	record(t, "xt1@ftp.socialsecurity.be", badSet,
		workflow.Event{Time: t0.Add(2 * time.Hour), State: workflow.StateSent},
		workflow.Event{Time: t0.Add(3 * time.Hour), State: workflow.StateAckRefused, Codes: []string{"ACRF-125", "ACRF-122"}, Reply: "FO.ACRF.999999.20261121.00003.R"})

	u.goTo(stepHistory)
	u.tasks.wait()
	if len(u.hist.entries) != 2 {
		t.Fatalf("history rows %+v", u.hist.entries)
	}
	first := historyLine(u.hist.entries[0]) // newest first
	if !strings.Contains(first, badSet.Key()) || !strings.Contains(first, "Refused (acknowledgement) (ACRF-125, ACRF-122)") || !strings.Contains(first, "xt1@ftp.socialsecurity.be") {
		t.Errorf("refused row %q", first)
	}
	if second := historyLine(u.hist.entries[1]); !strings.Contains(second, okSet.Key()) || !strings.Contains(second, "Accepted (notification)") {
		t.Errorf("accepted row %q", second)
	}
	u.hist.list.Select(0)
	u.tasks.wait()
	tl := u.hist.timeline.Text
	if !strings.Contains(tl, "Sent, waiting for the reply") || !strings.Contains(tl, "Refused (acknowledgement) (ACRF-125, ACRF-122)  FO.ACRF.999999.20261121.00003.R") {
		t.Errorf("timeline:\n%s", tl)
	}
	// The refused set's folder is gone: re-opening says so.
	os.RemoveAll(badSet.Dir)
	test.Tap(u.hist.reopenButton)
	if !strings.Contains(u.hist.message.Text, filepath.Base(badSet.Path(badSet.FI(1)))) {
		t.Errorf("re-open of a missing set: %q", u.hist.message.Text)
	}
}
