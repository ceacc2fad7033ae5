package workflow

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// RepliesDir is the folder an account's replies are kept in: one folder
// per account under the replies folder of the configuration folder, since
// each account numbers its replies itself and two accounts' replies carry
// the same names.
func RepliesDir(account string) (string, error) {
	home, err := batch.Home()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "replies", accountFolder(account)), nil
}

// accountFolder is an account as a folder name on every system.
func accountFolder(account string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, account)
}

// Reply is one file fetched from an account's reply folders, with the
// ledger record of the set it answers.
type Reply struct {
	uploader.FetchedReply
	// Record is the account's record of the set the reply answers, after
	// the reply was recorded; nil when Expeditor has no record of it.
	Record *Record
	// Sent is the last time the set was sent to the account; zero when
	// unknown.
	Sent Event
	// AlreadyAccepted is a refusal 133 for a set the ledger shows as
	// accepted: a second copy was refused, the first one stands
	// (MsgAlreadyAccepted).
	AlreadyAccepted *Message
}

// ReplyState is the state a reply gives its set; empty for a reply that
// says neither accepted nor refused.
func ReplyState(rep *batch.Reply) State {
	if rep == nil || rep.ResultCode == "" {
		return ""
	}
	switch rep.Kind {
	case batch.KindACRF:
		if rep.Accepted {
			return StateAckAccepted
		}
		return StateAckRefused
	case batch.KindNOTI:
		switch {
		case rep.Accepted && len(rep.Errors) > 0:
			return StateNotiAnomalies
		case rep.Accepted:
			return StateNotiAccepted
		}
		return StateNotiRefused
	}
	return ""
}

// FetchReplies fetches the replies of the account over t into the
// account's replies folder (opts.Dir when set), matches each one to its
// set by account and submitted file name, and records it in the ledger.
// A reply already recorded is not recorded twice.
func (l *Ledger) FetchReplies(ctx context.Context, t uploader.Transport, account string, opts uploader.FetchOptions) ([]Reply, error) {
	if opts.Dir == "" {
		dir, err := RepliesDir(account)
		if err != nil {
			return nil, err
		}
		opts.Dir = dir
	}
	got, ferr := uploader.FetchReplies(ctx, t, opts)
	out := make([]Reply, len(got))
	var lerr error
	for i, r := range got {
		out[i].FetchedReply = r
		if r.Reply == nil || r.Reply.SetKey() == "" {
			continue
		}
		if err := l.matchReply(account, &out[i]); err != nil && lerr == nil {
			lerr = fmt.Errorf("the replies were kept, but the ledger could not record them: %w", err)
		}
	}
	if lerr != nil {
		if ferr == nil {
			return out, lerr
		}
		return out, fmt.Errorf("%w; %w", ferr, lerr)
	}
	return out, ferr
}

func (l *Ledger) matchReply(account string, r *Reply) error {
	rep := r.Reply
	setName := rep.SetKey()
	env := rep.Env()
	if env == "" {
		env = r.Env
	}
	rec, err := l.Get(account, env, setName)
	if err != nil || rec == nil {
		return err
	}
	tl, err := l.Timeline(rec.ID)
	if err != nil {
		return err
	}
	state := ReplyState(rep)
	recorded := false
	var accepted *Event // the last acceptance of the set by this account
	for _, ev := range tl {
		if ev.State == StateSent || ev.State == StateGOUncertain {
			r.Sent = ev
		}
		if ev.State.Accepted() {
			accepted = &ev
		}
		if ev.Reply == rep.FileName && ev.State == state {
			recorded = true
		}
	}
	if state == "" {
		r.Record = rec
		return nil
	}
	codes := make([]string, 0, len(rep.Errors))
	for _, e := range rep.Errors {
		codes = append(codes, e.ID)
	}
	dup := accepted != nil && state.Refused() && onlyCode(codes, batch.CodeNameAlreadySent)
	if dup {
		// A second copy refused because the first was received: the
		// first acceptance stands.
		r.AlreadyAccepted = Msg(MsgAlreadyAccepted, "set", setName, "account", account, "when", accepted.Time.Local().Format(TimeLayout))
	}
	if recorded {
		r.Record = rec
		return nil
	}
	at := rep.Created
	if at.IsZero() || at.Before(r.Sent.Time) {
		at = r.Sent.Time
	}
	ev := Event{Time: at, State: state, Codes: codes, Reply: rep.FileName, Kept: r.Local, Signature: r.Signature.Summary()}
	if at.IsZero() {
		ev.Time = time.Now()
	}
	before := *rec
	r.Record, err = l.AddByName(account, rec.Env, setName, ev)
	switch {
	case err != nil:
	case r.Signature.Untrusted():
		// A reply whose signature does not hold is in the timeline, but
		// does not say where the set is.
		r.Record.State, r.Record.Codes, r.Record.When = before.State, before.Codes, before.When
		err = l.restore(*r.Record)
	case dup && !r.Record.State.Accepted():
		r.Record.State, r.Record.Codes, r.Record.When = accepted.State, accepted.Codes, accepted.Time
		err = l.restore(*r.Record)
	}
	return err
}

// AlreadyAccepted returns a MsgAlreadyAccepted message when rep refuses a
// set with code 133 alone while the ledger shows the set accepted for the
// account: a second copy was refused, the first stands. nil otherwise.
func (l *Ledger) AlreadyAccepted(account string, rep *batch.Reply) (*Message, error) {
	if rep == nil || !ReplyState(rep).Refused() {
		return nil, nil
	}
	var codes []string
	for _, e := range rep.Errors {
		codes = append(codes, e.ID)
	}
	if !onlyCode(codes, batch.CodeNameAlreadySent) {
		return nil, nil
	}
	env := rep.Env()
	rec, err := l.Get(account, env, rep.SetKey())
	if err != nil || rec == nil {
		return nil, err
	}
	tl, err := l.Timeline(rec.ID)
	if err != nil {
		return nil, err
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].State.Accepted() {
			return Msg(MsgAlreadyAccepted, "set", rec.Set, "account", account, "when", tl[i].Time.Local().Format(TimeLayout)), nil
		}
	}
	return nil, nil
}
