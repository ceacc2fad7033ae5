package practice

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// state is what the practice point remembers between runs (state.json):
// the names it accepted, to refuse them when sent again (133), the last
// reply sequence number per account, day and environment, and the answered
// files not yet moved out of the upload folders. One server at a time
// uses a root (Ensure sees to that); its memory is read at start.
type state struct {
	path    string
	Used    map[string]string `json:"used"`    // "SENDER.DATE.SEQ.ENV" → GO name
	Replies map[string]int    `json:"replies"` // "USER.DATE.ENV" → last sequence number
	// Pending are answered files still in an upload folder, with where
	// they go (paths relative to the root).
	Pending map[string]string `json:"pending,omitempty"`
}

func loadState(root string) (*state, error) {
	st := &state{path: filepath.Join(root, "state.json"), Used: map[string]string{}, Replies: map[string]int{}, Pending: map[string]string{}}
	b, err := os.ReadFile(st.path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the practice point's memory: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("the practice point's memory %s is damaged; delete it to start afresh", st.path)
	}
	if st.Used == nil {
		st.Used = map[string]string{}
	}
	if st.Replies == nil {
		st.Replies = map[string]int{}
	}
	if st.Pending == nil {
		st.Pending = map[string]string{}
	}
	return st, nil
}

func (st *state) save() error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(st.path, b, 0o600)
}
