package batch

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/expeditor-be/expeditor/internal/jsonfile"
)

// Sequences hands out sequence numbers so that the same name is never
// produced twice: the transfer point refuses a name it has already seen
// (133). The ledger (package workflow) keeps them in its database; Journal
// is the JSON file earlier versions used, which the ledger absorbs.
type Sequences interface {
	// Next reserves and returns the next free sequence number for the
	// sender, date and environment, skipping any for which taken reports
	// true.
	Next(sender, date string, env Environment, taken func(seq int) bool) (int, error)
	// Peek returns the number Next would hand out now, without reserving it.
	Peek(sender, date string, env Environment, taken func(seq int) bool) (int, error)
	// Reserve records seq as used; one already handed out is refused with
	// SeqUsedError (133).
	Reserve(sender, date string, env Environment, seq int) error
}

// NextSeq is the next free sequence number above highest (0 when none is
// used), skipping numbers for which taken reports true; code 112 when
// the day's numbers are all used.
func NextSeq(sender, date string, env Environment, highest int, taken func(seq int) bool) (int, error) {
	seq := highest + 1
	for taken != nil && taken(seq) {
		seq++
	}
	if seq > 99999 {
		return 0, &NameError{Name: fmt.Sprintf("%s.%s.%s", sender, date, env), Field: "sequence number", Code: 112,
			Reason: "every sequence number of this day is used; use tomorrow's date"}
	}
	return seq, nil
}

// SeqUsedError is the refusal (133) of a sequence number already handed out.
func SeqUsedError(sender, date string, env Environment, seq int) error {
	return &NameError{Name: fmt.Sprintf("%s.%s.%05d.%s", sender, date, seq, env), Field: "sequence number", Code: CodeNameAlreadySent,
		Reason: fmt.Sprintf("sequence number %05d was already used for sender %s on %s in environment %s; leave out the sequence number to get the next free one", seq, sender, date, env)}
}

// Journal remembers every sequence number Expeditor has handed out, per
// sender, date and environment, in a small JSON file shared between
// processes through a lock file. The ledger replaces it and migrates it;
// it stays for reading an existing file.
type Journal struct {
	file jsonfile.File
}

// OpenJournal opens the journal in the configuration folder (see Home).
func OpenJournal() (*Journal, error) {
	home, err := Home()
	if err != nil {
		return nil, err
	}
	return OpenJournalAt(filepath.Join(home, "journal.json")), nil
}

// OpenJournalAt opens the journal kept in the given file.
func OpenJournalAt(path string) *Journal {
	return &Journal{file: jsonfile.File{Path: path, What: "the sequence-number journal",
		IfDamaged: "move it aside to start a new one, and check the sequence numbers already sent today"}}
}

// journalData maps "SENDER.DATE.ENV" to the sequence numbers used.
type journalData map[string][]int

func journalKey(sender, date string, env Environment) string {
	return sender + "." + date + "." + string(env)
}

// Next reserves and returns the next free sequence number for the sender,
// date and environment: one above every number used so far, skipping any
// for which taken reports true (for example a file already on disk).
func (j *Journal) Next(sender, date string, env Environment, taken func(seq int) bool) (int, error) {
	var seq int
	err := j.update(func(d journalData) error {
		var err error
		seq, err = nextFree(d, sender, date, env, taken)
		if err == nil {
			k := journalKey(sender, date, env)
			d[k] = append(d[k], seq)
		}
		return err
	})
	return seq, err
}

// Peek returns the number Next would hand out now, without reserving it,
// for showing a name before the user confirms it.
func (j *Journal) Peek(sender, date string, env Environment, taken func(seq int) bool) (int, error) {
	d, err := j.read()
	if err != nil {
		return 0, err
	}
	return nextFree(d, sender, date, env, taken)
}

func nextFree(d journalData, sender, date string, env Environment, taken func(seq int) bool) (int, error) {
	used := d[journalKey(sender, date, env)]
	highest := 0
	if len(used) > 0 {
		highest = slices.Max(used)
	}
	return NextSeq(sender, date, env, highest, taken)
}

// Reserve records seq as used. It fails with refusal 133 when Expeditor
// already handed out that number for the same sender, date and environment.
func (j *Journal) Reserve(sender, date string, env Environment, seq int) error {
	return j.update(func(d journalData) error {
		k := journalKey(sender, date, env)
		if slices.Contains(d[k], seq) {
			return SeqUsedError(sender, date, env, seq)
		}
		d[k] = append(d[k], seq)
		return nil
	})
}

// Used reports whether seq was handed out for the sender, date and environment.
func (j *Journal) Used(sender, date string, env Environment, seq int) (bool, error) {
	d, err := j.read()
	if err != nil {
		return false, err
	}
	return slices.Contains(d[journalKey(sender, date, env)], seq), nil
}

// All returns every number the journal holds, by "SENDER.DATE.ENV".
func (j *Journal) All() (map[string][]int, error) {
	return j.read()
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.file.Path }

func (j *Journal) read() (journalData, error) {
	d := journalData{}
	return d, j.file.Read(&d)
}

func (j *Journal) update(f func(journalData) error) error {
	return jsonfile.Update(j.file, func(d *journalData) error {
		if *d == nil {
			*d = journalData{}
		}
		if err := f(*d); err != nil {
			return err
		}
		for k := range *d {
			slices.Sort((*d)[k])
		}
		return nil
	})
}
