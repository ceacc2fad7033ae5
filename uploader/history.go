package uploader

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// HistoryEntry records one attempt to send a set: what was sent (with the
// SHA-256 of each file, to prove later exactly which bytes left), where,
// when and how it ended. The replies code fills Reply when the transfer
// point's acknowledgement comes back.
type HistoryEntry struct {
	ID       string            `json:"id"`
	Set      string            `json:"set"` // the GO name
	Env      batch.Environment `json:"env"`
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
}

// ResultSent is the Result of a send that completed.
const ResultSent = "sent"

func historyPath() (string, error) {
	home, err := batch.Home()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "history.json"), nil
}

// newHistoryID returns a unique, sortable identifier.
func newHistoryID(t time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func readHistory(path string) ([]HistoryEntry, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the send history: %w", err)
	}
	var h []HistoryEntry
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("the send history %s is damaged (%v); move it aside to start a new one", path, err)
	}
	return h, nil
}

func updateHistoryFile(f func([]HistoryEntry) ([]HistoryEntry, error)) error {
	path, err := historyPath()
	if err != nil {
		return err
	}
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	h, err := readHistory(path)
	if err != nil {
		return err
	}
	if h, err = f(h); err != nil {
		return err
	}
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o600)
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
	return updateHistoryFile(func(h []HistoryEntry) ([]HistoryEntry, error) {
		return append(h, e), nil
	})
}

// LoadHistory returns every recorded send, oldest first.
func LoadHistory() ([]HistoryEntry, error) {
	path, err := historyPath()
	if err != nil {
		return nil, err
	}
	return readHistory(path)
}

// ErrNoHistoryEntry is returned by UpdateHistory for an unknown ID.
var ErrNoHistoryEntry = errors.New("no such entry in the send history")

// UpdateHistory changes the entry with the given ID under the lock.
func UpdateHistory(id string, f func(*HistoryEntry)) error {
	return updateHistoryFile(func(h []HistoryEntry) ([]HistoryEntry, error) {
		for i := range h {
			if h[i].ID == id {
				f(&h[i])
				return h, nil
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrNoHistoryEntry, id)
	})
}
