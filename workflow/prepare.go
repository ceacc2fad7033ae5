package workflow

import (
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
)

// A set signed here is recorded, before any account is known, in a
// record of its own with an empty account: state "prepared", with the
// SHA-256 of each part as signed. Send plans with those digests, so a
// declaration changed after it was signed is refused before its GO.

// RecordPrepared records in the ledger of the configuration folder what
// signer.Prepare signed: see (*Ledger).RecordPrepared.
func RecordPrepared(res *signer.Prepared) error {
	if res == nil || len(res.Parts) == 0 {
		return nil
	}
	l, err := OpenLedger()
	if err != nil {
		return err
	}
	defer l.Close()
	return l.RecordPrepared(res.Parts)
}

// RecordPrepared records each set the parts belong to as prepared, with
// the SHA-256 of each part as signed, in the set's record without an
// account. Signing a set again records its new digests.
func (l *Ledger) RecordPrepared(parts []signer.PreparedPart) error {
	type prepared struct {
		set   batch.Set
		files []FileDigest
	}
	var order []string
	sets := map[string]*prepared{}
	for _, p := range parts {
		set, err := batch.SetOf(p.FI)
		if err != nil {
			return err
		}
		if abs, err := filepath.Abs(set.Dir); err == nil {
			set.Dir = abs
		}
		key := string(set.Base.Env) + "|" + set.Key()
		if sets[key] == nil {
			sets[key] = &prepared{set: set}
			order = append(order, key)
		}
		sets[key].files = append(sets[key].files, FileDigest{Name: filepath.Base(p.FI), Size: p.Size, SHA256: p.SHA256})
	}
	return l.tx(func(tx *sql.Tx) error {
		for _, key := range order {
			p := sets[key]
			if _, err := addEvent(tx, "", p.set.Base.Env, p.set.Key(), p.set.Dir, Event{State: StatePrepared, Files: p.files}); err != nil {
				return ledgerError(l.path, err)
			}
		}
		return nil
	})
}

// PreparedDigests returns the SHA-256 (hex) of each FI part of the set
// as it was last signed here, by FI name; nil when the ledger has no
// record of its signing (signed by another tool).
func (l *Ledger) PreparedDigests(set batch.Set) (map[string]string, error) {
	var detail string
	err := l.db.QueryRow(`SELECT e.detail FROM events e JOIN declarations d ON d.id = e.declaration
		WHERE d.account = '' AND d.env = ? AND d.set_name = ? AND e.state = ?
		ORDER BY e.time DESC, e.id DESC LIMIT 1`, string(set.Base.Env), set.Key(), string(StatePrepared)).Scan(&detail)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, ledgerError(l.path, err)
	}
	var ev Event
	if err := json.Unmarshal([]byte(detail), &ev); err != nil {
		return nil, ledgerError(l.path, err)
	}
	var out map[string]string
	for _, f := range ev.Files {
		if f.SHA256 == "" || !strings.HasPrefix(f.Name, "FI.") {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[f.Name] = f.SHA256
	}
	return out, nil
}
