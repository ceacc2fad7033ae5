package workflow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
)

func openTest(t testing.TB) *Ledger {
	t.Helper()
	l, err := OpenLedgerAt(filepath.Join(t.TempDir(), LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func testSet(seq int) batch.Set {
	n, err := batch.ParseName(fmt.Sprintf("FI.DMFA.123456.20261121.%05d.R.1.1", seq))
	if err != nil {
		panic(err)
	}
	return batch.Set{Dir: "/data", Base: n.WithPart(0)}
}

func TestStatesMoveForward(t *testing.T) {
	l := openTest(t)
	set := testSet(1)
	const acc = "xt1@host"
	step := func(st State, codes ...string) *Record {
		t.Helper()
		r, err := l.Add(acc, set, Event{State: st, Codes: codes})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	step(StateSending)
	step(StateSent)
	if r := step(StateNotiAccepted); r.State != StateNotiAccepted {
		t.Fatalf("state %s", r.State)
	}
	// A late acknowledgement does not undo the notification.
	if r := step(StateAckAccepted); r.State != StateNotiAccepted {
		t.Errorf("after a late ACRF: %s", r.State)
	}
	// A refusal 133 of a second copy does not undo the acceptance.
	if r := step(StateAckRefused, "ACRF-133"); r.State != StateNotiAccepted {
		t.Errorf("after 133: %s", r.State)
	}
	// Nor does any acknowledgement: the notification is the processing result.
	if r := step(StateAckRefused, "ACRF-125"); r.State != StateNotiAccepted {
		t.Errorf("after 125: %+v", r)
	}
	// A deliberate second send keeps the set accepted: the send is the
	// last event, not the state.
	for _, st := range []State{StateSending, StateSent, StateGOUncertain, StateSendFailed} {
		if r := step(st); r.State != StateNotiAccepted || r.Last != st {
			t.Errorf("after a second send (%s): %s, last %s", st, r.State, r.Last)
		}
	}
	// On a set only sent, a refusal is the state, with its codes.
	other := testSet(2)
	l.Add(acc, other, Event{State: StateSent})
	if r, _ := l.Add(acc, other, Event{State: StateAckRefused, Codes: []string{"ACRF-125"}}); r.State != StateAckRefused || r.Codes[0] != "ACRF-125" {
		t.Errorf("refused: %+v", r)
	}
	tl, err := l.Timeline(step(StateAckRefused, "ACRF-125").ID)
	if err != nil || len(tl) != 11 || tl[0].State != StateSending {
		t.Errorf("timeline %+v, %v", tl, err)
	}
	// Another account's record of the same set is another record.
	if r, _ := l.Get("other@host", set.Base.Env, set.Key()); r != nil {
		t.Errorf("record of another account: %+v", r)
	}
}

func TestClaimIsExclusive(t *testing.T) {
	l := openTest(t)
	set := testSet(1)
	release, err := l.Claim("a@h", set, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A second ledger on the same file, as another process has.
	l2, err := OpenLedgerAt(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	var busy *BusyError
	if _, err := l2.Claim("a@h", set, nil, nil); !errors.As(err, &busy) || busy.PID != os.Getpid() {
		t.Fatalf("second claim: %v", err)
	}
	// Another account may send the same set.
	if r2, err := l2.Claim("b@h", set, nil, nil); err != nil {
		t.Fatalf("other account: %v", err)
	} else {
		r2()
	}
	release()
	if r, err := l2.Claim("a@h", set, nil, nil); err != nil {
		t.Fatalf("after release: %v", err)
	} else {
		r()
	}
}

func TestClaimOfAGoneProcessIsTakenOver(t *testing.T) {
	l := openTest(t)
	set := testSet(1)
	if _, err := l.Claim("a@h", set, nil, nil); err != nil {
		t.Fatal(err)
	}
	// The holder crashed: a pid that does not run.
	if _, err := l.db.Exec(`UPDATE declarations SET lock_pid=999999999`); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Claim("a@h", set, nil, nil); err != nil {
		t.Fatalf("stale claim not taken over: %v", err)
	}
}

func TestConcurrentClaimsOneWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), LedgerFile)
	set := testSet(1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := OpenLedgerAt(path)
			if err != nil {
				t.Error(err)
				return
			}
			defer l.Close()
			_, err = l.Claim("a@h", set, nil, nil)
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if !errors.Is(err, ErrBusy) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d claims won, want 1", won)
	}
}

func TestSequences(t *testing.T) {
	l := openTest(t)
	for want := 1; want <= 3; want++ {
		if got, err := l.Next("123456", "20261121", batch.Production, nil); err != nil || got != want {
			t.Fatalf("Next = %d, %v; want %d", got, err, want)
		}
	}
	if err := l.Reserve("123456", "20261121", batch.Production, 2); err == nil {
		t.Error("a used number was reserved again")
	}
	var ne *batch.NameError
	if err := l.Reserve("123456", "20261121", batch.Production, 3); !errors.As(err, &ne) || ne.Code != batch.CodeNameAlreadySent {
		t.Errorf("reuse: %v", err)
	}
	if got, _ := l.Peek("123456", "20261121", batch.Production, func(s int) bool { return s == 4 }); got != 5 {
		t.Errorf("Peek skipping 4 = %d", got)
	}
	if got, _ := l.Next("123456", "20261121", batch.Test, nil); got != 1 {
		t.Errorf("another environment starts at %d", got)
	}
}

func TestMigration(t *testing.T) {
	dir := t.TempDir()
	hist := `[{"id":"x","set":"GO.DMFA.123456.20261121.00001.R.1","env":"R","endpoint":"sftp://xt1@sftp.socialsecurity.be:8022","time":"2026-11-21T09:00:00Z","result":"sent",
	  "files":[{"name":"FI.DMFA.123456.20261121.00001.R.1.1","size":3,"sha256":"ab"}],
	  "reply":{"accepted":true,"file":"FO.ACRF.999999.20261121.00001.R","time":"2026-11-21T10:00:00Z"}}]`
	os.WriteFile(filepath.Join(dir, "history.json"), []byte(hist), 0o600)
	os.WriteFile(filepath.Join(dir, "journal.json"), []byte(`{"123456.20261121.R":[1,2,7]}`), 0o600)
	l, err := OpenLedgerAt(filepath.Join(dir, LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Get("xt1@sftp.socialsecurity.be", batch.Production, "GO.DMFA.123456.20261121.00001.R.1")
	if err != nil || r == nil || r.State != StateAckAccepted {
		t.Fatalf("migrated record %+v, %v", r, err)
	}
	tl, _ := l.Timeline(r.ID)
	if len(tl) != 2 || tl[0].Files[0].SHA256 != "ab" {
		t.Errorf("timeline %+v", tl)
	}
	if n, _ := l.Next("123456", "20261121", batch.Production, nil); n != 8 {
		t.Errorf("next after the journal: %d", n)
	}
	for _, f := range []string{"history.json", "journal.json"} {
		if _, err := os.Stat(filepath.Join(dir, f+MigratedSuffix)); err != nil {
			t.Errorf("%s not kept: %v", f, err)
		}
	}
	// Opening again migrates nothing twice, even if an old file comes back.
	os.WriteFile(filepath.Join(dir, "history.json"), []byte(hist), 0o600)
	l2, err := OpenLedgerAt(filepath.Join(dir, LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if recs, _ := l2.List(Query{}); len(recs) != 1 {
		t.Errorf("%d records after a second open", len(recs))
	}
}

func TestDamagedHistoryChangesNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "history.json"), []byte(`[{`), 0o600)
	if _, err := OpenLedgerAt(filepath.Join(dir, LedgerFile)); err == nil {
		t.Fatal("a damaged history was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "history.json")); err != nil {
		t.Errorf("the damaged history was moved: %v", err)
	}
}

// The ledger of a secretariat: tens of thousands of declarations stay
// fast to record and to query (go test -bench Ledger ./workflow).
func BenchmarkLedger50k(b *testing.B) {
	l := openTest(b)
	const n = 50_000
	tx, _ := l.db.Begin()
	now := time.Now().UnixNano()
	for i := range n {
		set := testSet(i%99999 + 1)
		acc := fmt.Sprintf("acc%d@host", i/99999)
		res, err := tx.Exec(`INSERT INTO declarations(account, env, set_name, dir, state, created, updated, state_time) VALUES(?,?,?,?,?,?,?,?)`,
			acc, "R", set.Key(), "/d", "sent", now, now+int64(i), now)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := res.LastInsertId()
		tx.Exec(`INSERT INTO events(declaration, time, state, detail) VALUES(?,?,?,'{}')`, id, now, "sent")
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Run("record-reply", func(b *testing.B) {
		for i := range b.N {
			set := testSet(i%n + 1)
			if _, err := l.Add("acc0@host", set, Event{State: StateAckAccepted}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		for i := range b.N {
			if _, err := l.Get("acc0@host", batch.Production, testSet(i%n+1).Key()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list-latest-1000", func(b *testing.B) {
		for range b.N {
			if r, err := l.List(Query{Limit: 1000}); err != nil || len(r) != 1000 {
				b.Fatal(len(r), err)
			}
		}
	})
	b.Run("claim-release", func(b *testing.B) {
		for i := range b.N {
			rel, err := l.Claim("acc0@host", testSet(i%n+1), nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			rel()
		}
	})
}

// FuzzMigration: a damaged or hand-edited history.json or journal.json of
// an earlier version gives an error (and stays where it is) or records,
// never a panic.
func FuzzMigration(f *testing.F) {
	f.Add([]byte(`[{"id":"x","set":"GO.DMFA.123456.20261121.00001.R.1","env":"R","result":"sent","endpoint":"ftp://u@h"}]`), []byte(`{"123456.20261121.R":[1,2]}`))
	f.Add([]byte(`[{"reply":{"accepted":true,"codes":["ACRF-125"]}}]`), []byte(`{"x":[-1]}`))
	f.Add([]byte(`{}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, history, journal []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "history.json"), history, 0o600)
		os.WriteFile(filepath.Join(dir, "journal.json"), journal, 0o600)
		l, err := OpenLedgerAt(filepath.Join(dir, LedgerFile))
		if err != nil {
			if _, serr := os.Stat(filepath.Join(dir, "history.json")); serr != nil {
				t.Fatalf("a refused history was moved: %v", err)
			}
			return
		}
		defer l.Close()
		l.List(Query{})
	})
}
