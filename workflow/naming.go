package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/expeditor-be/expeditor/batch"
)

// Naming a declaration: the rules both front-ends apply, the command
// line's `expeditor name` and the assistant's naming form.

// MsgEmptyDeclaration: the declaration file is empty, which the transfer
// point refuses (134). Args: name. It wraps batch.ErrEmptyDeclaration.
const MsgEmptyDeclaration Code = "empty-declaration"

func init() {
	Codes = append(Codes, MsgEmptyDeclaration)
	english[MsgEmptyDeclaration] = "{name}: the file is empty: the transfer point refuses an empty declaration (refusal code 134)"
	sentinels[MsgEmptyDeclaration] = batch.ErrEmptyDeclaration
}

func emptyDeclaration(path string) *Message {
	return Msg(MsgEmptyDeclaration, "name", filepath.Base(path))
}

// CheckDeclaration applies the rule every declaration file meets before it
// is named, signed or sent: a regular file that is not empty. An empty one
// is a MsgEmptyDeclaration *Message (errors.Is batch.ErrEmptyDeclaration
// holds for it).
func CheckDeclaration(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file", path)
	}
	if info.Size() == 0 {
		return emptyDeclaration(path)
	}
	return nil
}

// NameFields is what a person gives to name a declaration.
type NameFields struct {
	App    string // application code, e.g. DMFA
	Sender string // sender number
	Env    batch.Environment
	Day    time.Time // creation date
	// Seq is the sequence number as typed ("00007" or "7"); empty: the
	// next free one, taken from the journal when the file is named.
	Seq string
}

// CheckName checks every field of a name before a sequence number is used
// up, as the transfer point would (a *batch.NameError with its refusal
// code): the application, sender and environment, the date (a real one,
// not in the future, not too old on now), and the sequence number when
// one is given. The name returned has an empty Seq when none was given.
func CheckName(f NameFields, now time.Time) (batch.Name, error) {
	n, err := batch.NewFI(f.App, f.Sender, f.Day, 1, f.Env, 1, 1)
	if err == nil {
		err = n.CheckDate(now)
	}
	if err == nil && f.Seq != "" {
		// The parser gives the transfer point's refusal code for a bad number.
		n, err = batch.ParseName(fmt.Sprintf("FI.%s.%s.%s.%s.%s.1.1", f.App, f.Sender, n.Date, f.Seq, f.Env))
	}
	if err != nil {
		return n, err
	}
	if f.Seq == "" {
		n.Seq = ""
	}
	return n, nil
}

// NextFreeSeq is the sequence number the journal would hand out next for
// the name's sender, date and environment, skipping those the files in dir
// use. It reserves nothing: NameDeclaration does.
func NextFreeSeq(dir string, n batch.Name) (int, error) {
	l, err := OpenLedger()
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Peek(n.Sender, n.Date, n.Env, batch.SeqTakenIn(dir, n))
}

// NameDeclaration copies the declaration src into dir under the FI name n,
// with the journal of the ledger of the configuration folder: when n.Seq
// is empty the next free sequence number is taken, otherwise that number
// is reserved (one handed out before, or used by a file in dir, is refused
// with code 133). An empty file is a MsgEmptyDeclaration *Message. See
// batch.NameDeclaration.
func NameDeclaration(ctx context.Context, src, dir string, n batch.Name) (batch.Name, string, error) {
	if err := CheckDeclaration(src); err != nil {
		return n, "", err
	}
	l, err := OpenLedger()
	if err != nil {
		return n, "", err
	}
	defer l.Close()
	return l.NameDeclaration(ctx, src, dir, n)
}

// NameDeclaration is the package's NameDeclaration with this ledger's
// journal.
func (l *Ledger) NameDeclaration(ctx context.Context, src, dir string, n batch.Name) (batch.Name, string, error) {
	// batch makes CheckDeclaration's checks, with the same errors, before
	// the journal is used; its empty-file refusal becomes the coded one.
	n, dst, err := batch.NameDeclaration(ctx, l, src, dir, n)
	if errors.Is(err, batch.ErrEmptyDeclaration) {
		return n, dst, emptyDeclaration(src)
	}
	return n, dst, err
}
