package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// exitTimedOut is the exit status of "replies --wait" when no answer came
// in time.
const exitTimedOut = 3

// replySigFlags are the options of replies about reply signatures and
// waiting for an answer.
type replySigFlags struct {
	trust        string
	acceptSigner string
	wait         string
	timeout      time.Duration
	every        time.Duration
	set          batch.Name // the GO name of the set waited for
}

func (f *replySigFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.trust, "trust", "", "check the replies' signer against the CA certificates in this PEM `FILE` (default: the profile's, else pin the signer on first sight)")
	fs.StringVar(&f.acceptSigner, "accept-signer", "", "accept a new reply signer with this `FINGERPRINT` (SHA256:...) in place of the pinned one")
	fs.StringVar(&f.wait, "wait", "", "wait until the answer to the declaration `NAME` (its FI or GO name) has arrived")
	fs.DurationVar(&f.timeout, "timeout", 0, "with --wait: give up after `DURATION` (exit 3; default 24h)")
	fs.DurationVar(&f.every, "every", 0, "with --wait: check every `DURATION` (default 5m)")
}

// check validates the flags before anything is fetched; with --wait it
// narrows the reply folders to the declaration's environment.
func (f *replySigFlags) check(envFlag *string) error {
	if f.wait == "" {
		if f.timeout != 0 || f.every != 0 {
			return usagef("--timeout and --every go with --wait NAME")
		}
		return nil
	}
	if f.timeout == 0 {
		f.timeout = 24 * time.Hour
	}
	if f.every == 0 {
		f.every = 5 * time.Minute
	}
	n, err := batch.ParseName(f.wait)
	if err != nil || n.IsReply() || n.Parts == 0 {
		return usagef("--wait %q: give the name of a declaration sent (its FI or GO name)", f.wait)
	}
	if f.timeout < 0 || f.every < 0 {
		return usagef("--timeout and --every must be positive durations, such as 30m or 10s")
	}
	f.set = n.With(batch.GO)
	if *envFlag == "all" {
		*envFlag = string(n.Env)
	}
	return nil
}

// apply sets the signature options of a fetch from where (the address).
func (f *replySigFlags) apply(opts *uploader.FetchOptions, conn *sendFlags, where string) error {
	trust := f.trust
	if trust == "" && conn.profile != "" {
		if p, err := uploader.FindProfile(conn.profile); err == nil {
			trust = p.ReplyTrust
		}
	}
	if trust != "" {
		pool, err := uploader.LoadTrust(trust)
		if err != nil {
			return withHint(err, "give a PEM file of the CA certificates of the transfer point's signer")
		}
		opts.Trust = pool
	}
	if ep, err := uploader.ParseEndpoint(where); err == nil {
		opts.Account = uploader.ReplyAccount(ep)
	}
	opts.AcceptSigner = f.acceptSigner
	return nil
}

// waitAnswer is what is known of the answer to a set.
type waitAnswer struct {
	ack, noti       *bool // accepted or not; nil while it has not come
	untrusted       bool  // an answer came with an invalid or unexpected signature
	ackFile, notiFn string
}

// waitForAnswer polls the reply folder until the acknowledgement (and,
// when it accepts, the notification) of f.set has come: nil when
// accepted, an error (exit 1) when refused or untrusted, exit 3 when the
// time is up. On a terminal it says a line per check; otherwise nothing.
func waitForAnswer(ctx context.Context, env *cliEnv, t *uploader.Transport, redial func(context.Context) (uploader.Transport, error), opts uploader.FetchOptions, f *replySigFlags) error {
	tty := false
	if fh, ok := env.stderr.(*os.File); ok {
		tty = term.IsTerminal(int(fh.Fd()))
	}
	say := func(format string, a ...any) {
		if tty {
			fmt.Fprintf(env.stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
		}
	}
	set := f.set.String()
	deadline := time.Now().Add(f.timeout)
	var a waitAnswer
	for check := 1; ; check++ {
		var got []uploader.FetchedReply
		var err error
		if check > 1 {
			// A connection idle for minutes may be gone: connect anew
			// (*t stays a transport the caller can close).
			(*t).Close()
			var nt uploader.Transport
			if nt, err = redial(ctx); err == nil {
				*t = nt
			}
		}
		if err == nil {
			got, err = uploader.FetchReplies(ctx, *t, opts)
		}
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted while waiting; the replies kept so far are safe")
		}
		// The answer counts even when another file of the folder failed.
		a.update(got, set)
		decided := a.untrusted || a.noti != nil || a.ack != nil && !*a.ack
		if err != nil && check == 1 && !decided {
			return withHint(err, "check the connection and the account, then wait again")
		}
		switch {
		case err != nil && !decided:
			say("check %d: %v; trying again", check, err)
		case a.untrusted:
			return withHint(fmt.Errorf("the answer to %s has an INVALID or unexpected signature: do not trust it", set), "run expeditor replies to see why")
		case a.ack != nil && !*a.ack:
			return fmt.Errorf("%s was refused by the transfer point (%s); run expeditor replies to see why", set, a.ackFile)
		case a.noti != nil && !*a.noti:
			return fmt.Errorf("%s was refused by the transfer point (%s); run expeditor replies to see why", set, a.notiFn)
		case a.noti != nil:
			say("check %d: %s was ACCEPTED (%s)", check, set, a.notiFn)
			return nil
		case a.ack != nil:
			say("check %d: %s was received (%s); waiting for the notification", check, set, a.ackFile)
		default:
			say("check %d: no answer yet for %s", check, set)
		}
		wait := f.every
		if left := time.Until(deadline); left <= 0 {
			return exitError{code: exitTimedOut, err: fmt.Errorf("no complete answer for %s within %s", set, f.timeout)}
		} else if left < wait {
			wait = left
		}
		select {
		case <-ctx.Done():
			return errors.New("interrupted while waiting; the replies kept so far are safe")
		case <-time.After(wait):
		}
	}
}

// update takes in the replies of one check that answer set, and what the
// send history already knows (replies fetched and deleted earlier).
func (a *waitAnswer) update(got []uploader.FetchedReply, set string) {
	for _, r := range got {
		if r.Reply == nil || r.Reply.SetKey() != set {
			continue
		}
		if r.Signature.Untrusted() {
			a.untrusted = true
			continue
		}
		a.take(r.Reply.Kind, r.Reply.Accepted, r.Reply.ResultCode != "", r.Reply.FileName)
	}
	if hist, err := uploader.LoadHistory(); err == nil {
		for _, h := range hist {
			if h.Set != set || h.Reply == nil {
				continue
			}
			if s := h.Reply.Signature; strings.HasPrefix(s, uploader.SignatureInvalid) || strings.HasPrefix(s, uploader.SignatureChanged) {
				a.untrusted = true
				continue
			}
			kind := ""
			if f := strings.Split(h.Reply.File, "."); len(f) > 1 {
				kind = f[1]
			}
			a.take(kind, h.Reply.Accepted, true, h.Reply.File)
		}
	}
}

func (a *waitAnswer) take(kind string, accepted, known bool, file string) {
	if !known {
		return
	}
	v := accepted
	switch kind {
	case batch.KindACRF:
		a.ack, a.ackFile = &v, file
	case batch.KindNOTI:
		a.noti, a.notiFn = &v, file
	}
}

// exitError ends the command with a given exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
