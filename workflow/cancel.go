package workflow

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// Cancelling a set: the TD file (transfer-point.md §1), "cancel
// processing", an empty file TD.<APPL>.<SENDER>.<YYYYMMDD>.<SEQ>.<ENV>.<NPARTS>
// dropped into the upload folder of the set's environment. Little is
// known of what the transfer point does with it: whether it stops a set
// already being processed, and whether it answers, are not documented.
// So the ledger records that a TD was sent (state "cancelled"), never
// that the set was cancelled; the replies that come after it tell, and
// move the state on as they do for any set.

// The codes of cancelling.
const (
	// MsgCancelNotSent: the ledger does not know the set as sent to the
	// account, so there is nothing to cancel there. Args: set, account,
	// state (the ledger's state, or "" when it has no record).
	MsgCancelNotSent Code = "cancel-not-sent"
	// MsgCancelProcessed: the ledger shows the transfer point's answer
	// that ends the set's way: a notification (the result of its
	// processing) or a refusal at reception. Args: set, account, state,
	// when.
	MsgCancelProcessed Code = "cancel-processed"
	// MsgCancelAgain: a TD was already sent for the set to the account.
	// Args: set, account, when.
	MsgCancelAgain Code = "cancel-again"
	// MsgCancelSent is the note of a TD left on the server: the transfer
	// point may already have processed the set. Args: set, account, td,
	// folder.
	MsgCancelSent Code = "cancel-sent"
)

func init() {
	Codes = append(Codes, MsgCancelNotSent, MsgCancelProcessed, MsgCancelAgain, MsgCancelSent)
	english[MsgCancelNotSent] = "the ledger does not know {set} as sent to {account}: there is nothing to cancel there"
	english[MsgCancelProcessed] = "the transfer point has already answered {set}: the ledger shows it {state} for {account} since {when}"
	english[MsgCancelAgain] = "a TD was already sent for {set} to {account} on {when}"
	english[MsgCancelSent] = "{td} is on {account} in {folder}; the transfer point may already have processed {set}: its replies will tell"
}

// CancelRequest is one set to cancel on one account.
type CancelRequest struct {
	Endpoint uploader.Endpoint
	Auth     uploader.Auth
	// Set names the set: its GO name, or the name of one of its files.
	Set string
	// Force sends the TD even when the ledger does not show the set as
	// sent to the account (sent by another tool, or from another
	// computer), or shows it processed or cancelled already.
	Force bool
	// Transport, when set, is used instead of dialling Endpoint (the
	// caller keeps it open).
	Transport uploader.Transport
}

// CancelResult says what was done.
type CancelResult struct {
	TD     string  // the TD name uploaded
	Folder string  // the upload folder it went into
	Record *Record // the account's record after the "cancelled" event
	Prior  *Record // the record before it; nil when the ledger had none
	// Note is MsgCancelSent, for the front-end to word.
	Note *Message
}

// TDName is the TD name of the set a name belongs to (an FI, FS, GO or TD
// name of a declaration set).
func TDName(name string) (batch.Name, error) {
	n, err := batch.ParseName(SetName(name))
	if err != nil {
		return batch.Name{}, err
	}
	if n.IsReply() || n.Parts == 0 {
		return batch.Name{}, fmt.Errorf("%s is a reply of the transfer point, not a declaration set", n)
	}
	return n.With(batch.TD), nil
}

// CheckCancel is the ledger's rule for a TD: the account's record must
// show the set as received by the transfer point (sent, GO uncertain, or
// acknowledged as accepted) and not yet notified; a set only prepared or
// being sent, never sent there, refused at reception, notified, or
// cancelled already is refused with a coded *Message. It returns the
// record (nil when none).
func (l *Ledger) CheckCancel(account string, env batch.Environment, setName string) (*Record, error) {
	rec, err := l.Get(account, env, setName)
	if err != nil {
		return nil, err
	}
	state := ""
	if rec != nil {
		state = string(rec.State)
	}
	switch {
	case rec == nil, rec.State == StatePrepared, rec.State == StateSendFailed, rec.State == StateSending:
		return rec, Msg(MsgCancelNotSent, "set", setName, "account", account, "state", state)
	case rec.State == StateCancelled:
		return rec, Msg(MsgCancelAgain, "set", setName, "account", account, "when", rec.When.Local().Format(TimeLayout))
	case rec.State.noti(), rec.State == StateAckRefused:
		return rec, Msg(MsgCancelProcessed, "set", setName, "account", account, "state", state, "when", rec.When.Local().Format(TimeLayout))
	}
	return rec, nil
}

// Cancel uploads the empty TD of the set into the upload folder of its
// environment on the account, and records the "cancelled" event. Unless
// req.Force, the ledger must show the set as received there (see
// CheckCancel). Nothing is recorded when the upload fails.
func (l *Ledger) Cancel(ctx context.Context, req CancelRequest) (*CancelResult, error) {
	td, err := TDName(req.Set)
	if err != nil {
		return nil, err
	}
	setName := td.With(batch.GO).String()
	account := AccountOf(req.Endpoint.User, req.Endpoint.Host)
	prior, err := l.CheckCancel(account, td.Env, setName)
	if err != nil && !(req.Force && isMessage(err)) {
		return nil, err
	}
	t := req.Transport
	if t == nil {
		if t, err = uploader.Dial(ctx, req.Endpoint, req.Auth); err != nil {
			return nil, err
		}
		defer t.Close()
	}
	folder := td.Env.UploadFolder()
	if err := t.Put(ctx, folder, td.String(), bytes.NewReader(nil), 0); err != nil {
		return nil, fmt.Errorf("cannot upload %s into %s: %w", td, folder, err)
	}
	// No size check after it: the transfer point may take the TD away at
	// once, and an empty file has no bytes to lose on the way.
	rec, err := l.AddByName(account, td.Env, setName, Event{State: StateCancelled, PID: os.Getpid(),
		Files: []FileDigest{{Name: td.String(), Size: 0}}})
	if err != nil {
		return nil, fmt.Errorf("%s is on the server, but the ledger could not record it: %w", td, err)
	}
	return &CancelResult{TD: td.String(), Folder: folder, Record: rec, Prior: prior,
		Note: Msg(MsgCancelSent, "set", setName, "account", account, "td", td.String(), "folder", folder)}, nil
}

func isMessage(err error) bool {
	_, ok := err.(*Message)
	return ok
}
