package uploader

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/jsonfile"
)

// HistoryEntry records one attempt to send a set: what was sent (with the
// SHA-256 of each file, to prove later exactly which bytes left), where,
// when and how it ended. The replies code fills Reply when the transfer
// point's acknowledgement comes back.
type HistoryEntry struct {
	ID       string            `json:"id"`
	Set      string            `json:"set"` // the GO name
	Env      batch.Environment `json:"env"`
	Dir      string            `json:"dir,omitempty"` // the local folder of the set, to open it again
	Files    []FileRecord      `json:"files"`
	Endpoint string            `json:"endpoint"`
	Time     time.Time         `json:"time"`
	Result   string            `json:"result"` // "sent" or "failed: …"
	Reply    *ReplyStatus      `json:"reply,omitempty"`
}

// FileRecord is one file of a sent set.
type FileRecord struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"` // empty when the file was not sent
}

// ReplyStatus is the transfer point's answer to a sent set.
type ReplyStatus struct {
	Accepted bool      `json:"accepted"`
	Codes    []string  `json:"codes,omitempty"`
	File     string    `json:"file,omitempty"` // the reply file it came from
	Time     time.Time `json:"time"`
	// Signature is the check of the reply's signature (SignatureCheck.
	// Summary): "valid: SUBJECT", "unsigned", "invalid: WHY" or
	// "signer-changed: SUBJECT"; an invalid one means the reply is not
	// to be trusted.
	Signature string `json:"signature,omitempty"`
}

// ResultSent is the Result of a send that completed.
const ResultSent = "sent"

func historyFile() (jsonfile.File, error) {
	home, err := batch.Home()
	if err != nil {
		return jsonfile.File{}, err
	}
	return jsonfile.File{Path: filepath.Join(home, "history.json"), What: "the send history", IfDamaged: "move it aside to start a new one"}, nil
}

// newHistoryID returns a unique, sortable identifier.
func newHistoryID(t time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func updateHistoryFile(change func(*[]HistoryEntry) error) error {
	f, err := historyFile()
	if err != nil {
		return err
	}
	return jsonfile.Update(f, change)
}

// AppendHistory adds e to the history, giving it an ID and a time when
// it has none.
func AppendHistory(e HistoryEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.ID == "" {
		e.ID = newHistoryID(e.Time)
	}
	return updateHistoryFile(func(h *[]HistoryEntry) error {
		*h = append(*h, e)
		return nil
	})
}

// LoadHistory returns every recorded send, oldest first.
func LoadHistory() ([]HistoryEntry, error) {
	f, err := historyFile()
	if err != nil {
		return nil, err
	}
	var h []HistoryEntry
	return h, f.Read(&h)
}

// ErrNoHistoryEntry is returned by UpdateHistory for an unknown ID.
var ErrNoHistoryEntry = errors.New("no such entry in the send history")

// UpdateHistory changes the entry with the given ID under the lock.
func UpdateHistory(id string, f func(*HistoryEntry)) error {
	return updateHistoryFile(func(h *[]HistoryEntry) error {
		for i := range *h {
			if (*h)[i].ID == id {
				f(&(*h)[i])
				return nil
			}
		}
		return fmt.Errorf("%w: %s", ErrNoHistoryEntry, id)
	})
}
