package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// SendRequest is one set to send to one account.
type SendRequest struct {
	Endpoint uploader.Endpoint
	Auth     uploader.Auth
	Set      batch.Set
	// Plan is the checked set (CheckSet or uploader.CheckSet), when the
	// caller already has it: it is sent as it is, not checked again, and
	// opens the record's timeline with the digests checked. Send checks
	// the set when it is nil.
	Plan *uploader.Plan
	// Again sends a set the ledger shows as already sent, accepted or
	// GO-uncertain for this account: a deliberate second send.
	Again bool
	// Options tune the upload. When Options.ExpectedSHA256 is nil, Send
	// takes the digests the ledger recorded when the set was signed here
	// (see RecordPrepared), so a declaration changed since is refused
	// before its GO; a set signed by another tool is sent as it is.
	Options uploader.SendOptions
	// Transport, when set, is used instead of dialling Endpoint (the
	// caller keeps it open; see uploader.SendSet).
	Transport uploader.Transport
}

// Account is the ledger's account of the request's endpoint.
func (r *SendRequest) Account() string { return AccountOf(r.Endpoint.User, r.Endpoint.Host) }

// CheckResend returns a MsgAlreadySent *Message when the ledger shows the
// set as sent, accepted or GO-uncertain for the account, nil when it may
// be sent.
func (l *Ledger) CheckResend(account string, set batch.Set) error {
	rec, err := l.Sent(account, set)
	if err != nil || rec == nil {
		return err
	}
	return alreadySent(rec)
}

func alreadySent(rec *Record) *Message {
	return Msg(MsgAlreadySent, "set", rec.Set, "account", rec.Account, "state", string(rec.State),
		"when", rec.When.Local().Format(TimeLayout))
}

// Send sends one set under the ledger's rules: refused when the ledger
// shows it as already sent to the account (unless Again), refused at once
// when another process is sending it, and every step recorded: sending,
// then sent (with the SHA-256 of each file), send-failed (no GO left: safe
// to send again) or GO-uncertain. The uploader's own history is not used.
func (l *Ledger) Send(ctx context.Context, req SendRequest) (*uploader.SendResult, error) {
	account := req.Account()
	if abs, err := filepath.Abs(req.Set.Dir); err == nil {
		req.Set.Dir = abs // the record says where the set is, to open it again
	}
	if !req.Again {
		if err := l.CheckResend(account, req.Set); err != nil {
			return nil, err
		}
	}
	opts := req.Options
	if req.Plan == nil {
		plan, err := CheckSet(req.Set, opts.SignTest)
		if err != nil {
			return nil, err
		}
		req.Plan = plan
	}
	var dialing *uploader.Dialing
	if req.Transport == nil && !opts.DryRun {
		// Connect and log in while the ledger is consulted and the set
		// claimed: the server takes a while to log in. Given up (in the
		// background) if the send does not start.
		dialing = uploader.DialAhead(ctx, req.Endpoint, req.Auth)
		defer dialing.Close()
	}
	if opts.ExpectedSHA256 == nil {
		digests, err := l.PreparedDigests(req.Set)
		if err != nil {
			return nil, err
		}
		opts.ExpectedSHA256 = digests
	}
	if dialing != nil {
		// Its files are hashed while the server logs in, too.
		dialing.SealAhead(ctx, req.Plan, opts.ExpectedSHA256)
	}
	var prepared []FileDigest
	for _, f := range req.Plan.Files {
		prepared = append(prepared, FileDigest{Name: f.Name, Size: f.Size, SHA256: f.SHA256})
	}
	var prior *Record
	release, err := l.Claim(account, req.Set, prepared, func(rec *Record) error {
		prior = rec
		// Looked at again inside the claim: another process may have
		// finished sending the set a moment ago.
		if !req.Again && rec != nil && rec.State.BlocksResend() {
			return alreadySent(rec)
		}
		// Still "sending", and its process is gone (the claim is ours):
		// it stopped where nobody saw, maybe while the GO was leaving.
		if !req.Again && rec != nil && rec.State == StateSending {
			return alreadySent(rec)
		}
		return nil
	})
	var busy *BusyError
	if errors.As(err, &busy) {
		return nil, &Message{Code: MsgBusy, Args: map[string]string{"set": busy.Set, "account": busy.Account,
			"pid": strconv.Itoa(busy.PID), "host": busy.Host, "since": busy.Since.Local().Format("2006-01-02 15:04:05")}}
	}
	if err != nil {
		return nil, err
	}
	defer release()
	var res *uploader.SendResult
	switch {
	case req.Transport != nil:
		res, err = uploader.SendPlanOver(ctx, req.Transport, req.Plan, opts)
	case dialing != nil:
		res, err = uploader.SendPlanDialing(ctx, dialing, req.Plan, opts)
	default:
		res, err = uploader.SendPlan(ctx, req.Endpoint, req.Auth, req.Plan, opts)
	}
	ev := Event{State: StateSent, PID: os.Getpid()}
	if res != nil {
		for _, f := range res.Files {
			ev.Files = append(ev.Files, FileDigest{Name: f.Name, Size: f.Size, SHA256: f.SHA256})
		}
	}
	uncertain := false
	if err != nil {
		ev.State, ev.Note = StateSendFailed, err.Error()
		var se *uploader.SendError
		if errors.As(err, &se) && goMayHaveLeft(se, res, err) {
			ev.State, uncertain = StateGOUncertain, true
		}
	}
	_, rerr := l.Add(account, req.Set, ev)
	if rerr == nil && ev.State == StateSendFailed && prior != nil && prior.State.BlocksResend() {
		// A deliberate second send that stopped before its GO leaves the
		// set where the first one had put it.
		rerr = l.restore(*prior)
	}
	if rerr != nil && err == nil {
		return res, &Message{Code: MsgRecordFailed, Args: map[string]string{"set": req.Set.Key()}, Err: rerr}
	}
	if uncertain {
		return res, &Message{Code: MsgGOUncertain, Args: map[string]string{"set": req.Set.Key(), "account": account}, Err: err}
	}
	return res, err
}

// goMayHaveLeft reports whether a stopped send may have delivered its GO:
// the uploader says so, or the send was cancelled once every other file
// was on the server, when the GO was the step under way.
func goMayHaveLeft(se *uploader.SendError, res *uploader.SendResult, err error) bool {
	if se.GOUncertain {
		return true
	}
	if !errors.Is(err, context.Canceled) || res == nil {
		return false
	}
	return len(res.Plan.Files) > 0 && len(se.OnServer) >= len(res.Plan.Files)-1
}

// DescribeState is a one-line English account of a record, for logs.
func DescribeState(r Record) string {
	return fmt.Sprintf("%s %s %s %s", r.State, r.Account, r.Env, r.Set)
}
