package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver "sqlite"

	"github.com/expeditor-be/expeditor/batch"
)

// LedgerFile is the ledger's database in the configuration folder.
const LedgerFile = "ledger.db"

// State is where a declaration set is, as the ledger knows it.
type State string

// The states of a declaration set, in the order they usually come.
const (
	StatePrepared      State = "prepared"       // signed locally (digests of each part as signed)
	StateSending       State = "sending"        // a send is under way
	StateSendFailed    State = "send-failed"    // a send stopped before the GO: nothing will be processed
	StateSent          State = "sent"           // every file verified on the server, the GO last
	StateGOUncertain   State = "go-uncertain"   // the connection broke (or Cancel came) while the GO was leaving
	StateAckAccepted   State = "ack-accepted"   // acknowledgement: accepted
	StateAckRefused    State = "ack-refused"    // acknowledgement: refused (codes)
	StateNotiAccepted  State = "noti-accepted"  // notification: accepted
	StateNotiAnomalies State = "noti-anomalies" // notification: accepted with anomalies
	StateNotiRefused   State = "noti-refused"   // notification: refused
	StateCancelled     State = "cancelled"      // a TD was sent
)

// States lists every state, for front-ends that translate them.
var States = []State{StatePrepared, StateSending, StateSendFailed, StateSent, StateGOUncertain,
	StateAckAccepted, StateAckRefused, StateNotiAccepted, StateNotiAnomalies, StateNotiRefused, StateCancelled}

// Accepted reports whether the transfer point said it accepted the set.
func (s State) Accepted() bool {
	return s == StateAckAccepted || s == StateNotiAccepted || s == StateNotiAnomalies
}

// Refused reports whether the transfer point refused the set.
func (s State) Refused() bool { return s == StateAckRefused || s == StateNotiRefused }

// BlocksResend reports whether sending the set again to the same account
// would send a name the transfer point has (or may have) already received
// (a cancelled set's name was received too: its TD followed it).
func (s State) BlocksResend() bool {
	return s == StateSent || s == StateGOUncertain || s.Accepted() || s == StateCancelled
}

// noti reports whether s comes from a notification (the processing result),
// which outranks an acknowledgement (the receipt).
func (s State) noti() bool {
	return s == StateNotiAccepted || s == StateNotiAnomalies || s == StateNotiRefused
}

// FileDigest is one file of a set with its SHA-256, as signed or as sent.
type FileDigest struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}

// Event is one step in a declaration's timeline.
type Event struct {
	Time  time.Time    `json:"-"`
	State State        `json:"-"`
	Codes []string     `json:"codes,omitempty"` // refusal codes or anomalies (ACRF-133, 00012-035…)
	Files []FileDigest `json:"files,omitempty"` // prepared / sent: each file with its SHA-256
	Reply string       `json:"reply,omitempty"` // the reply file the event comes from
	Kept  string       `json:"kept,omitempty"`  // where the reply is kept
	// Signature is the check of the reply's signature (see
	// uploader.SignatureCheck.Summary): "valid: SUBJECT", "unsigned",
	// "invalid: WHY" or "signer-changed: SUBJECT".
	Signature string `json:"signature,omitempty"`
	Note      string `json:"note,omitempty"` // what went wrong, in English, for the record
	PID       int    `json:"pid,omitempty"`  // the process that sent
}

// Record is one declaration set sent (or prepared) for one account.
type Record struct {
	ID      int64
	Account string // user@host of the endpoint; empty for a set only prepared
	Env     batch.Environment
	Set     string // the GO name
	Dir     string // the local folder of the set
	State   State
	Codes   []string  // of the last reply
	Created time.Time // first event
	Updated time.Time // last event
	// When is the time of the event that put the set in State.
	When time.Time
	// Last is the state of the last event (Updated is its time); it
	// differs from State when an event did not change it (a late
	// acknowledgement, a refusal 133 of a second copy).
	Last State
}

// Ledger is the record of every declaration set and of every sequence
// number handed out, in one SQLite database in the configuration folder.
// Several processes (the GUI and a CLI) may use it at once: it runs in
// WAL mode and writes in short immediate transactions.
type Ledger struct {
	db   *sql.DB
	path string
}

// AccountOf is the ledger's account for an endpoint user and host: what
// the transfer point keys a set by (the port and scheme do not matter).
func AccountOf(user, host string) string {
	return strings.ToLower(user + "@" + host)
}

// OpenLedger opens (creating it when missing) the ledger of the
// configuration folder, absorbing the send history and the journal of
// earlier versions the first time.
func OpenLedger() (*Ledger, error) {
	home, err := batch.Home()
	if err != nil {
		return nil, err
	}
	return OpenLedgerAt(filepath.Join(home, LedgerFile))
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS declarations (
	id INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	env TEXT NOT NULL,
	set_name TEXT NOT NULL,
	dir TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,
	codes TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	state_time INTEGER NOT NULL,
	last_event TEXT NOT NULL DEFAULT '',
	lock_pid INTEGER NOT NULL DEFAULT 0,
	lock_host TEXT NOT NULL DEFAULT '',
	lock_time INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS declarations_key ON declarations(account, env, set_name);
CREATE INDEX IF NOT EXISTS declarations_set ON declarations(set_name);
CREATE INDEX IF NOT EXISTS declarations_updated ON declarations(updated);
CREATE TABLE IF NOT EXISTS events (
	id INTEGER PRIMARY KEY,
	declaration INTEGER NOT NULL REFERENCES declarations(id),
	time INTEGER NOT NULL,
	state TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_declaration ON events(declaration, time);
CREATE TABLE IF NOT EXISTS sequences (
	sender TEXT NOT NULL,
	date TEXT NOT NULL,
	env TEXT NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (sender, date, env, seq)
) WITHOUT ROWID;
`

// OpenLedgerAt opens the ledger kept in the given file. The history.json
// and journal.json beside it, if any, are migrated into it once and kept,
// renamed with a ".migrated" suffix.
func OpenLedgerAt(path string) (*Ledger, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the configuration folder: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(15000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?"+q.Encode())
	if err != nil {
		return nil, ledgerError(path, err)
	}
	l := &Ledger{db: db, path: path}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, ledgerError(path, err)
	}
	os.Chmod(path, 0o600)
	if err := l.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// ErrLedger wraps every failure to read or write the ledger.
var ErrLedger = errors.New("the ledger of declarations cannot be used")

func ledgerError(path string, err error) error {
	return fmt.Errorf("%w (%s): %v", ErrLedger, path, err)
}

// Path is the ledger's database file.
func (l *Ledger) Path() string { return l.path }

// Close closes the database.
func (l *Ledger) Close() error { return l.db.Close() }

func (l *Ledger) tx(f func(tx *sql.Tx) error) error {
	tx, err := l.db.BeginTx(context.Background(), nil)
	if err != nil {
		return ledgerError(l.path, err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return ledgerError(l.path, err)
	}
	return nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Add records ev for the set in the account's record (created when
// missing) and moves the record to the state the event gives it.
func (l *Ledger) Add(account string, set batch.Set, ev Event) (*Record, error) {
	var rec *Record
	err := l.tx(func(tx *sql.Tx) error {
		var err error
		rec, err = addEvent(tx, account, set.Base.Env, set.Key(), set.Dir, ev)
		return err
	})
	return rec, err
}

// AddByName is Add for a set known by its GO name only (a reply).
func (l *Ledger) AddByName(account string, env batch.Environment, setName string, ev Event) (*Record, error) {
	var rec *Record
	err := l.tx(func(tx *sql.Tx) error {
		var err error
		rec, err = addEvent(tx, account, env, setName, "", ev)
		return err
	})
	return rec, err
}

func addEvent(tx *sql.Tx, account string, env batch.Environment, setName, dir string, ev Event) (*Record, error) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	rec, err := getRecord(tx, account, env, setName)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		res, err := tx.Exec(`INSERT INTO declarations(account, env, set_name, dir, state, created, updated, state_time) VALUES(?,?,?,?,?,?,?,?)`,
			account, string(env), setName, dir, string(ev.State), nanos(ev.Time), nanos(ev.Time), nanos(ev.Time))
		if err != nil {
			return nil, err
		}
		id, _ := res.LastInsertId()
		rec = &Record{ID: id, Account: account, Env: env, Set: setName, Dir: dir, Created: ev.Time}
	} else {
		rec.State = next(rec.State, ev)
	}
	if rec.State == "" || rec.State == ev.State {
		rec.State = ev.State
		rec.When = ev.Time
		if ev.Codes != nil || ev.State.Accepted() || ev.State.Refused() {
			rec.Codes = ev.Codes
		}
	}
	if dir != "" {
		rec.Dir = dir
	}
	if !ev.Time.Before(rec.Updated) {
		rec.Updated, rec.Last = ev.Time, ev.State
	}
	detail, _ := json.Marshal(ev)
	if _, err := tx.Exec(`INSERT INTO events(declaration, time, state, detail) VALUES(?,?,?,?)`, rec.ID, nanos(ev.Time), string(ev.State), string(detail)); err != nil {
		return nil, err
	}
	_, err = tx.Exec(`UPDATE declarations SET state=?, codes=?, dir=?, updated=?, state_time=?, last_event=? WHERE id=?`,
		string(rec.State), strings.Join(rec.Codes, " "), rec.Dir, nanos(rec.Updated), nanos(rec.When), string(rec.Last), rec.ID)
	return rec, err
}

// next is the state a record in state old moves to on ev: an
// acknowledgement does not override a notification, a prepared set that
// went further stays where it is, and a refusal 133 (the name was already
// received) does not undo an acceptance.
func next(old State, ev Event) State {
	switch {
	case ev.State == StatePrepared && old != "" && old != StatePrepared && old != StateSendFailed:
		return old
	case old.noti() && (ev.State == StateAckAccepted || ev.State == StateAckRefused):
		return old
	case old.Accepted() && ev.State.Refused() && onlyCode(ev.Codes, batch.CodeNameAlreadySent):
		return old
	}
	return ev.State
}

func onlyCode(codes []string, code int) bool {
	if len(codes) == 0 {
		return false
	}
	for _, c := range codes {
		if n, ok := batch.ParseErrorID(c); !ok || n != code {
			return false
		}
	}
	return true
}

const recordColumns = `id, account, env, set_name, dir, state, codes, created, updated, state_time, last_event`

type scanner interface{ Scan(...any) error }

func scanRecord(s scanner) (*Record, error) {
	var r Record
	var env, state, codes, last string
	var created, updated, when int64
	if err := s.Scan(&r.ID, &r.Account, &env, &r.Set, &r.Dir, &state, &codes, &created, &updated, &when, &last); err != nil {
		return nil, err
	}
	r.Env, r.State, r.Last = batch.Environment(env), State(state), State(last)
	if codes != "" {
		r.Codes = strings.Fields(codes)
	}
	r.Created, r.Updated, r.When = fromNanos(created), fromNanos(updated), fromNanos(when)
	return &r, nil
}

type querier interface {
	QueryRow(query string, args ...any) *sql.Row
}

func getRecord(q querier, account string, env batch.Environment, setName string) (*Record, error) {
	r, err := scanRecord(q.QueryRow(`SELECT `+recordColumns+` FROM declarations WHERE account=? AND env=? AND set_name=?`, account, string(env), setName))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// Get returns the account's record of the set; nil when there is none.
func (l *Ledger) Get(account string, env batch.Environment, setName string) (*Record, error) {
	r, err := getRecord(l.db, account, env, setName)
	if err != nil {
		return nil, ledgerError(l.path, err)
	}
	return r, nil
}

// Query selects records for List.
type Query struct {
	Sets    []string // GO names (an FI or FS name stands for its set); none: all
	Account string   // only this account; empty: all
	Limit   int      // at most this many, newest first; 0: no limit
}

// List returns the records the query selects, the most recently changed
// first. A set's record without an account (prepared: signed here) is
// left out once the set has a record for an account, whose timeline
// starts with the digests it was sent with.
func (l *Ledger) List(q Query) ([]Record, error) {
	where := []string{`NOT (account = '' AND EXISTS (SELECT 1 FROM declarations o
		WHERE o.env = declarations.env AND o.set_name = declarations.set_name AND o.account <> ''))`}
	var args []any
	if len(q.Sets) > 0 {
		marks := make([]string, len(q.Sets))
		for i, s := range q.Sets {
			marks[i] = "?"
			args = append(args, SetName(s))
		}
		where = append(where, "set_name IN ("+strings.Join(marks, ",")+")")
	}
	if q.Account != "" {
		where = append(where, "account=?")
		args = append(args, q.Account)
	}
	query := `SELECT ` + recordColumns + ` FROM declarations WHERE ` + strings.Join(where, " AND ")
	query += " ORDER BY updated DESC, id DESC"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := l.db.Query(query, args...)
	if err != nil {
		return nil, ledgerError(l.path, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, ledgerError(l.path, err)
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, ledgerError(l.path, err)
	}
	return out, nil
}

// SetName is the GO name of the set a file name belongs to; a name that
// is not a set's is returned as it is.
func SetName(name string) string {
	name = filepath.Base(strings.TrimSpace(name))
	n, err := batch.ParseName(name)
	if err != nil || n.IsReply() || n.Parts == 0 {
		return name
	}
	return n.With(batch.GO).WithPart(0).String()
}

// Timeline returns the events of a record, oldest first.
func (l *Ledger) Timeline(id int64) ([]Event, error) {
	rows, err := l.db.Query(`SELECT time, state, detail FROM events WHERE declaration=? ORDER BY time, id`, id)
	if err != nil {
		return nil, ledgerError(l.path, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var t int64
		var state, detail string
		if err := rows.Scan(&t, &state, &detail); err != nil {
			return nil, ledgerError(l.path, err)
		}
		var ev Event
		json.Unmarshal([]byte(detail), &ev)
		ev.Time, ev.State = fromNanos(t), State(state)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Sent returns the accepted, sent or uncertain record of the set for the
// account, or nil: the set may be sent there.
func (l *Ledger) Sent(account string, set batch.Set) (*Record, error) {
	r, err := l.Get(account, set.Base.Env, set.Key())
	if err != nil || r == nil || !r.State.BlocksResend() {
		return nil, err
	}
	return r, nil
}

// The sequence-number journal, in the same database: a number handed out
// is a row, and the primary key makes a reused number impossible.

// Next reserves and returns the next free sequence number (see batch.Sequences).
func (l *Ledger) Next(sender, date string, env batch.Environment, taken func(seq int) bool) (int, error) {
	var seq int
	err := l.tx(func(tx *sql.Tx) error {
		var err error
		if seq, err = l.peek(tx, sender, date, env, taken); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO sequences(sender, date, env, seq) VALUES(?,?,?,?)`, sender, date, string(env), seq)
		if err != nil {
			return ledgerError(l.path, err)
		}
		return nil
	})
	return seq, err
}

// Peek returns the number Next would hand out now, without reserving it.
func (l *Ledger) Peek(sender, date string, env batch.Environment, taken func(seq int) bool) (int, error) {
	return l.peek(l.db, sender, date, env, taken)
}

func (l *Ledger) peek(q querier, sender, date string, env batch.Environment, taken func(seq int) bool) (int, error) {
	var highest sql.NullInt64
	if err := q.QueryRow(`SELECT MAX(seq) FROM sequences WHERE sender=? AND date=? AND env=?`, sender, date, string(env)).Scan(&highest); err != nil {
		return 0, ledgerError(l.path, err)
	}
	return batch.NextSeq(sender, date, env, int(highest.Int64), taken)
}

// Reserve records seq as used; one already handed out is refused (133).
func (l *Ledger) Reserve(sender, date string, env batch.Environment, seq int) error {
	return l.tx(func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM sequences WHERE sender=? AND date=? AND env=? AND seq=?`, sender, date, string(env), seq).Scan(&n); err != nil {
			return ledgerError(l.path, err)
		}
		if n > 0 {
			return batch.SeqUsedError(sender, date, env, seq)
		}
		if _, err := tx.Exec(`INSERT INTO sequences(sender, date, env, seq) VALUES(?,?,?,?)`, sender, date, string(env), seq); err != nil {
			return ledgerError(l.path, err)
		}
		return nil
	})
}

// Used reports whether seq was handed out for the sender, date and environment.
func (l *Ledger) Used(sender, date string, env batch.Environment, seq int) (bool, error) {
	var n int
	err := l.db.QueryRow(`SELECT COUNT(*) FROM sequences WHERE sender=? AND date=? AND env=? AND seq=?`, sender, date, string(env), seq).Scan(&n)
	if err != nil {
		return false, ledgerError(l.path, err)
	}
	return n > 0, nil
}

var _ batch.Sequences = (*Ledger)(nil)

// restore puts a record back in the state (and state time) of r.
func (l *Ledger) restore(r Record) error {
	_, err := l.db.Exec(`UPDATE declarations SET state=?, codes=?, state_time=? WHERE id=?`, string(r.State), strings.Join(r.Codes, " "), nanos(r.When), r.ID)
	if err != nil {
		return ledgerError(l.path, err)
	}
	return nil
}
