package practice

import (
	"encoding/json"
	"path/filepath"

	"github.com/expeditor-be/expeditor/internal/atomicfile"
	"github.com/expeditor-be/expeditor/internal/jsonfile"
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
	f := jsonfile.File{Path: st.path, What: "the practice point's memory", IfDamaged: "delete it to start afresh"}
	if err := f.Read(st); err != nil {
		return nil, err
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
