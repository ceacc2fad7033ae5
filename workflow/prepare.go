package workflow

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
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
	if res == nil {
		return nil
	}
	unsigned, err := unsignedParts(res)
	if err != nil {
		return err
	}
	if len(res.Parts) == 0 && len(unsigned) == 0 {
		return nil
	}
	l, err := OpenLedger()
	if err != nil {
		return err
	}
	defer l.Close()
	if len(res.Parts) > 0 {
		if err := l.RecordPrepared(res.Parts); err != nil {
			return err
		}
	}
	if len(unsigned) > 0 {
		return l.RecordPreparedUnsigned(unsigned)
	}
	return nil
}

// unsignedNote marks the prepared event of a set that takes no signature
// (a test or simulation set, when test files are not signed).
const unsignedNote = "unsigned: no FS for this environment"

// unsignedParts lists, with their SHA-256, the parts of the sets Prepare
// wrote a GO for without signing them: test and simulation sets, when
// test files are not signed. Prepare did not read them; they are read
// here once.
func unsignedParts(res *signer.Prepared) ([]signer.PreparedPart, error) {
	signed := map[string]bool{}
	for _, p := range res.Parts {
		if set, err := batch.SetOf(p.FI); err == nil {
			signed[set.Dir+"|"+set.Key()] = true
		}
	}
	var parts []signer.PreparedPart
	for _, w := range res.Written {
		n, err := batch.ParseName(filepath.Base(w))
		if err != nil || n.Prefix != batch.GO {
			continue
		}
		set, err := batch.SetOf(w)
		if err != nil || signed[set.Dir+"|"+set.Key()] {
			continue
		}
		for i := 1; i <= set.Base.Parts; i++ {
			fi := set.Path(set.FI(i))
			size, sum, err := fileSHA256(fi)
			if err != nil {
				return nil, err
			}
			parts = append(parts, signer.PreparedPart{FI: fi, Size: size, SHA256: sum})
		}
	}
	return parts, nil
}

func fileSHA256(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// RecordPreparedUnsigned records each set the parts belong to as
// prepared without a signature, with the SHA-256 of each part, so that
// the ledger (and status) lists it like a signed one. Send does not hold
// an unsigned set to these digests (see PreparedDigests): no signature
// was made over them.
func (l *Ledger) RecordPreparedUnsigned(parts []signer.PreparedPart) error {
	return l.recordPrepared(parts, unsignedNote)
}

// RecordPrepared records each set the parts belong to as prepared, with
// the SHA-256 of each part as signed, in the set's record without an
// account. Signing a set again records its new digests.
func (l *Ledger) RecordPrepared(parts []signer.PreparedPart) error {
	return l.recordPrepared(parts, "")
}

func (l *Ledger) recordPrepared(parts []signer.PreparedPart, note string) error {
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
			if _, err := addEvent(tx, "", p.set.Base.Env, p.set.Key(), p.set.Dir, Event{State: StatePrepared, Files: p.files, Note: note}); err != nil {
				return ledgerError(l.path, err)
			}
		}
		return nil
	})
}

// PreparedDigests returns the SHA-256 (hex) of each FI part of the set
// as it was last signed here, by FI name; nil when the ledger has no
// record of its signing (signed by another tool), or when it was last
// prepared without a signature.
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
	if ev.Note == unsignedNote {
		return nil, nil
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
