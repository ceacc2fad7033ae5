package main

import (
	"errors"
	"fmt"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "cancel",
		summary: "ask the transfer point to cancel the processing of sent sets (TD file)",
		usage: "cancel (--to URL | --profile NAME) [--identity KEY] [--ssh-rsa] [--no-epsv] [--password-file FILE]\n" +
			"       [--ca FILE] [--accept-host-key [TYPE:]SHA256:...] [--force] NAME...",
		run: runCancel,
	})
}

func runCancel(env *cliEnv, args []string) error {
	fset := newFlags("cancel")
	var f sendFlags
	f.registerAs(fset, "to", "cancel on", "cancel on")
	force := fset.Bool("force", false, "send the TD even when the ledger does not show the set as sent to this account, or shows it processed or cancelled already")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("give the name of each set to cancel (its GO name, or one of its FI files)")
	}
	var tds []batch.Name
	for _, p := range pos {
		td, err := workflow.TDName(baseName(p))
		if err != nil {
			return usagef("%v", err)
		}
		tds = append(tds, td)
	}
	ep, auth, builtin, haveEP, err := f.endpoint(env)
	if err != nil {
		return err
	}
	if !haveEP {
		return usagef("say where the sets were sent: --to URL or --profile NAME")
	}
	ledger, err := workflow.OpenLedger()
	if err != nil {
		return err
	}
	defer ledger.Close()
	// Every set is checked against the ledger before anything is sent.
	account := workflow.AccountOf(ep.User, ep.Host)
	if !*force {
		for _, td := range tds {
			if _, err := ledger.CheckCancel(account, td.Env, td.With(batch.GO).String()); err != nil {
				return explainCancelError(err)
			}
		}
	}
	if !builtin {
		if auth, err = f.auth(env, ep, auth); err != nil {
			return err
		}
	}
	ctx, stop := commandContext()
	defer stop()
	for _, td := range tds {
		res, err := ledger.Cancel(ctx, workflow.CancelRequest{Endpoint: ep, Auth: auth, Set: td.String(), Force: *force})
		if err != nil {
			return explainCancelError(explainSendError(err, &f))
		}
		fmt.Fprintf(env.stdout, "sent %s to %s into %s\n", res.TD, ep.String(), res.Folder)
		fmt.Fprintf(env.stderr, "expeditor: note: %s\n", res.Note.Error())
	}
	fmt.Fprintln(env.stderr, "hint: fetch the replies to see what the transfer point did: expeditor replies")
	return nil
}

// explainCancelError adds the next step to the ledger's refusals of a TD.
func explainCancelError(err error) error {
	var m *workflow.Message
	if !errors.As(err, &m) {
		return err
	}
	switch m.Code {
	case workflow.MsgCancelNotSent:
		return withHint(err, "check the set's name and the account (expeditor status %s); if it was sent from elsewhere, add --force", m.Args["set"])
	case workflow.MsgCancelProcessed:
		return withHint(err, "the replies say what became of it (expeditor replies); what a TD does after them is not known. To send one anyway, add --force")
	case workflow.MsgCancelAgain:
		return withHint(err, "fetch the replies to see what the transfer point did: expeditor replies; to send another TD anyway, add --force")
	}
	return err
}
