package workflow

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/jsonfile"
	"github.com/expeditor-be/expeditor/uploader"
)

// The files of earlier versions that the ledger absorbs.
const (
	historyFile = "history.json"
	journalFile = "journal.json"
	// MigratedSuffix is added to the name of a file the ledger absorbed:
	// it is kept, never deleted.
	MigratedSuffix = ".migrated"
)

// legacyEntry is one record of history.json (up to this version).
type legacyEntry struct {
	ID       string            `json:"id"`
	Set      string            `json:"set"`
	Env      batch.Environment `json:"env"`
	Dir      string            `json:"dir,omitempty"`
	Files    []FileDigest      `json:"files"`
	Endpoint string            `json:"endpoint"`
	Time     time.Time         `json:"time"`
	Result   string            `json:"result"`
	Reply    *struct {
		Accepted bool      `json:"accepted"`
		Codes    []string  `json:"codes,omitempty"`
		File     string    `json:"file,omitempty"`
		Time     time.Time `json:"time"`
	} `json:"reply,omitempty"`
}

// accountOfURL is the account of an endpoint address as history.json
// wrote it ("ftp://user@host:port"); the address itself when unreadable.
func accountOfURL(s string) string {
	if ep, err := uploader.ParseEndpoint(s); err == nil {
		return AccountOf(ep.User, ep.Host)
	}
	return s
}

// migrate absorbs history.json and journal.json of the ledger's folder,
// once: inside one transaction, so that two processes starting together
// do it once, and a failure changes nothing.
func (l *Ledger) migrate() error {
	dir := filepath.Dir(l.path)
	hist := jsonfile.File{Path: filepath.Join(dir, historyFile), What: "the send history", IfDamaged: "move it aside; the ledger starts without it"}
	journal := batch.OpenJournalAt(filepath.Join(dir, journalFile))
	_, herr := os.Stat(hist.Path)
	_, jerr := os.Stat(journal.Path())
	if errors.Is(herr, fs.ErrNotExist) && errors.Is(jerr, fs.ErrNotExist) {
		return nil
	}
	var done []string
	err := l.tx(func(tx *sql.Tx) error {
		var v string
		if err := tx.QueryRow(`SELECT value FROM meta WHERE key='migrated'`).Scan(&v); err == nil {
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return ledgerError(l.path, err)
		}
		if herr == nil {
			var entries []legacyEntry
			if err := hist.Read(&entries); err != nil {
				return fmt.Errorf("cannot move the send history into the ledger: %w", err)
			}
			for _, e := range entries {
				if err := migrateEntry(tx, e); err != nil {
					return ledgerError(l.path, err)
				}
			}
			done = append(done, hist.Path)
		}
		if jerr == nil {
			all, err := journal.All()
			if err != nil {
				return fmt.Errorf("cannot move the sequence-number journal into the ledger: %w", err)
			}
			for k, seqs := range all {
				f := strings.Split(k, ".")
				if len(f) != 3 {
					continue
				}
				for _, s := range seqs {
					if _, err := tx.Exec(`INSERT OR IGNORE INTO sequences(sender, date, env, seq) VALUES(?,?,?,?)`, f[0], f[1], f[2], s); err != nil {
						return ledgerError(l.path, err)
					}
				}
			}
			done = append(done, journal.Path())
		}
		_, err := tx.Exec(`INSERT INTO meta(key, value) VALUES('migrated', ?)`, time.Now().UTC().Format(time.RFC3339)+" "+strconv.Itoa(len(done)))
		return err
	})
	if err != nil {
		return err
	}
	for _, p := range done {
		os.Rename(p, p+MigratedSuffix) // kept; the meta row says it is done
	}
	return nil
}

func migrateEntry(tx *sql.Tx, e legacyEntry) error {
	env := e.Env
	if env == "" {
		if n, err := batch.ParseName(e.Set); err == nil {
			env = n.Env
		}
	}
	account := accountOfURL(e.Endpoint)
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	ev := Event{Time: t, State: StateSent, Files: e.Files, Note: "from the send history of an earlier version"}
	if e.Result != "sent" {
		ev.State = StateSendFailed
		ev.Note = strings.TrimPrefix(e.Result, "failed: ")
	}
	if _, err := addEvent(tx, account, env, e.Set, e.Dir, ev); err != nil {
		return err
	}
	if r := e.Reply; r != nil {
		st := StateAckRefused
		isNoti := strings.Contains(r.File, "."+batch.KindNOTI+".")
		switch {
		case isNoti && r.Accepted && len(r.Codes) > 0:
			st = StateNotiAnomalies
		case isNoti && r.Accepted:
			st = StateNotiAccepted
		case isNoti:
			st = StateNotiRefused
		case r.Accepted:
			st = StateAckAccepted
		}
		rt := r.Time
		if rt.IsZero() || rt.Before(t) {
			rt = t.Add(time.Second)
		}
		if _, err := addEvent(tx, account, env, e.Set, e.Dir, Event{Time: rt, State: st, Codes: r.Codes, Reply: r.File}); err != nil {
			return err
		}
	}
	return nil
}
