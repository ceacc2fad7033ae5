package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "status",
		summary: "show where each declaration is, from the ledger",
		usage:   "status [--json] [--account USER@HOST] [--limit N] [NAME...]",
		run:     runStatus,
	})
}

// statusJSON is one declaration as `status --json` prints it.
type statusJSON struct {
	Set       string    `json:"set"`
	Account   string    `json:"account"`
	Env       string    `json:"env"`
	State     string    `json:"state"`
	StateText string    `json:"state_text"`
	Codes     []string  `json:"codes,omitempty"`
	Since     time.Time `json:"since"`
	LastEvent string    `json:"last_event"`
	Updated   time.Time `json:"updated"`
	Dir       string    `json:"dir,omitempty"`
}

func runStatus(env *cliEnv, args []string) error {
	fset := newFlags("status")
	asJSON := fset.Bool("json", false, "print a JSON array, for scripts")
	account := fset.String("account", "", "only the declarations of the account `USER@HOST`")
	limit := fset.Int("limit", 0, "at most `N` declarations, the latest first (default: all)")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	ledger, err := workflow.OpenLedger()
	if err != nil {
		return err
	}
	defer ledger.Close()
	recs, err := ledger.List(workflow.Query{Sets: pos, Account: strings.ToLower(*account), Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]statusJSON, 0, len(recs))
		for _, r := range recs {
			out = append(out, statusJSON{Set: r.Set, Account: r.Account, Env: string(r.Env), State: string(r.State),
				StateText: r.State.Word(), Codes: r.Codes, Since: r.When, LastEvent: string(r.Last), Updated: r.Updated, Dir: r.Dir})
		}
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for _, r := range recs {
			account := r.Account
			if account == "" {
				account = "-"
			}
			line := fmt.Sprintf("%-14s %s  %s  %s  %s %s", r.State, r.Set, account, r.Env, r.When.Local().Format("2006-01-02 15:04:05"), r.State.Word())
			if len(r.Codes) > 0 {
				line += " (" + strings.Join(r.Codes, ", ") + ")"
			}
			if r.Last != "" && !r.Updated.Equal(r.When) {
				line += "; last: " + r.Last.Word() + " " + r.Updated.Local().Format("2006-01-02 15:04:05")
			}
			fmt.Fprintln(env.stdout, line)
		}
	}
	// A name asked for that the ledger does not know is an error.
	var missing []string
	for _, p := range pos {
		found := false
		for _, r := range recs {
			found = found || r.Set == workflow.SetName(p)
		}
		if !found {
			missing = append(missing, workflow.SetName(p))
		}
	}
	if len(missing) > 0 {
		return withHint(fmt.Errorf("the ledger has no record of %s", strings.Join(missing, ", ")), "a set appears once it is signed (expeditor sign) or sent (expeditor send)")
	}
	if len(recs) == 0 && !*asJSON {
		fmt.Fprintln(env.stderr, "expeditor: the ledger is empty: nothing was signed or sent yet")
	}
	return nil
}
