package uploader

import (
	"context"
	"sync"
)

// Dialing is a connection being opened ahead of SendPlanDialing, so that
// logging in, which keeps a server busy for a good part of a small send,
// overlaps the caller's own preparations (the ledger's checks, for one).
type Dialing struct {
	ep     Endpoint
	auth   Auth
	ahead  bool // the dial was started at once
	cancel context.CancelFunc
	done   chan struct{}
	t      Transport
	err    error
	once   sync.Once // taken by the send or by Close

	// The files sealed ahead for the send (SealAhead).
	sealPlan *Plan
	sealed   *sealing
}

// SealAhead opens the files of plan and starts hashing them (see
// sealedFile) while the connection logs in, for a send of plan over d
// with the same expected digests. Close releases them when no send
// takes the connection.
func (d *Dialing) SealAhead(ctx context.Context, plan *Plan, expected map[string]string) {
	if d.sealed == nil {
		d.sealPlan = plan
		d.sealed = sealSet(ctx, plan, expected)
	}
}

// DialAhead starts connecting and logging in to ep in the background.
// SendPlanDialing sends over the connection; Close gives it up (closing
// after a send does nothing). When logging in may ask the user something
// (an SFTP host key to confirm), nothing starts before the send, so that
// no question comes for a send that is refused before it begins.
func DialAhead(ctx context.Context, ep Endpoint, auth Auth) *Dialing {
	d := &Dialing{ep: ep, auth: auth, done: make(chan struct{})}
	if ep.Scheme == "sftp" && (auth.ConfirmHostKey != nil || auth.ConfirmHostKeyType != nil) {
		return d
	}
	var dctx context.Context
	dctx, d.cancel = context.WithCancel(ctx)
	d.ahead = true
	go func() {
		defer close(d.done)
		d.t, d.err = Dial(dctx, ep, auth)
	}()
	return d
}

// take returns the connection for the send: it waits for the dialling
// started ahead, or dials now. It is called once.
func (d *Dialing) take(ctx context.Context) (Transport, error) {
	if !d.ahead {
		return Dial(ctx, d.ep, d.auth)
	}
	select {
	case <-d.done:
	case <-ctx.Done():
		d.cancel()
		<-d.done
		if d.err == nil {
			d.t.Close()
			d.t, d.err = nil, ctx.Err()
		}
	}
	return d.t, d.err
}

// Close gives up a connection no send took: the dialling stops, or the
// session is closed, in the background.
func (d *Dialing) Close() {
	d.once.Do(func() {
		d.sealed.stop()
		if !d.ahead {
			return
		}
		d.cancel()
		go func() {
			<-d.done
			if d.t != nil {
				d.t.Close()
			}
		}()
	})
}
