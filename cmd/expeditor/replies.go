package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "replies",
		summary: "download the transfer point's replies and explain them",
		usage: "replies (--from URL | --profile NAME) [--env R|T|S|all] [--to DIR] [--delete] [--lang en|fr|nl|de]\n" +
			"       [--identity KEY] [--ssh-rsa] [--no-epsv] [--password-file FILE] [--ca FILE] [--accept-host-key [TYPE:]SHA256:...]\n" +
			"       [--trust FILE] [--accept-signer SHA256:...] [--wait NAME [--timeout DURATION] [--every DURATION]]",
		run: runReplies,
	})
}

func runReplies(env *cliEnv, args []string) error {
	fset := newFlags("replies")
	var conn sendFlags // the connection flags of send, with --from for --to
	conn.registerAs(fset, "from", "fetch from", "fetch with")
	envFlag := fset.String("env", "all", "reply folders to read, `ENV`: R (OUT), T (OUTTEST), S (OUTTEST-S) or all")
	to := fset.String("to", "", "keep the replies in `DIR` (default: the account's folder in the replies folder of the configuration folder)")
	del := fset.Bool("delete", false, "delete each reply from the server once it is safely kept")
	langFlag := fset.String("lang", "", "explain in `LANG`: en, fr, nl or de (default: from LC_ALL, LC_MESSAGES or LANG)")
	var sf replySigFlags
	sf.register(fset)
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unknown argument %q", pos[0])
	}
	if (conn.to == "") == (conn.profile == "") {
		return usagef("give either --from URL or --profile NAME")
	}
	if err := sf.check(envFlag); err != nil {
		return err
	}
	envs, all, err := repliesEnvs(*envFlag)
	if err != nil {
		return usagef("%v", err)
	}
	lang := repliesLang(*langFlag)
	if *langFlag != "" && batch.NormalizeLang(*langFlag) != strings.ToLower(*langFlag) {
		return usagef("--lang %q: use en, fr, nl or de", *langFlag)
	}
	ctx, stop := commandContext()
	defer stop()
	dial, ep, err := repliesDialer(env, &conn)
	if err != nil {
		return err
	}
	t, err := dial(ctx)
	if err != nil {
		return err
	}
	defer func() { t.Close() }()
	where := ep.String()
	account := workflow.AccountOf(ep.User, ep.Host)
	dir := *to
	if dir == "" {
		// Each account numbers its replies itself: one folder per account.
		if dir, err = workflow.RepliesDir(account); err != nil {
			return err
		}
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // the report says where each file is; a full path is unambiguous
	}
	ledger, err := workflow.OpenLedger()
	if err != nil {
		return err
	}
	defer ledger.Close()

	opts := uploader.FetchOptions{Envs: envs, Dir: dir, Delete: *del, SkipMissingFolders: all}
	if err := sf.apply(&opts, &conn, where); err != nil {
		return err
	}
	if sf.wait != "" {
		return waitForAnswer(ctx, env, &t, dial, opts, &sf, ledger, account)
	}
	prog := newProgressPrinter(env.stderr)
	if prog.tty { // off a terminal the report says enough
		opts.Progress = prog.update
	}
	got, err := ledger.FetchReplies(ctx, t, account, opts)
	prog.finish()
	printReplies(env, got, dir, where, envs, lang)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted; the replies kept so far are safe, run the command again for the rest")
		}
		if h := repliesFaultHint(fetched(got), dir); h != "" {
			return withHint(err, "%s", h)
		}
		if errors.Is(err, uploader.ErrFolderMissing) && !all {
			return withHint(err, "use --env all to read every reply folder the account has")
		}
		return withHint(err, "the replies already kept are safe; run the command again to retry the others")
	}
	return untrustedReplies(fetched(got))
}

// fetched is what the uploader fetched, without the ledger's matching.
func fetched(got []workflow.Reply) []uploader.FetchedReply {
	out := make([]uploader.FetchedReply, len(got))
	for i, r := range got {
		out[i] = r.FetchedReply
	}
	return out
}

// repliesEnvs reads --env: one or more of R, T, S (comma-separated) or all.
func repliesEnvs(s string) (envs []batch.Environment, all bool, err error) {
	if strings.EqualFold(strings.TrimSpace(s), "all") {
		return batch.Environments, true, nil
	}
	for _, f := range strings.Split(s, ",") {
		e, err := batch.ParseEnvironment(strings.TrimSpace(f))
		if err != nil {
			return nil, false, fmt.Errorf("--env %q: use R, T, S or all", s)
		}
		envs = append(envs, e)
	}
	return envs, false, nil
}

// repliesLang is --lang, or else the language of the user's locale.
func repliesLang(flagValue string) string {
	if flagValue != "" {
		return batch.NormalizeLang(flagValue)
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			return batch.NormalizeLang(s)
		}
	}
	return batch.English
}

// repliesDialer resolves --from or --profile, with the connection flags
// and password rules of send, and its secrets once, and returns a function
// that connects with them (replies --wait connects at each check).
func repliesDialer(env *cliEnv, f *sendFlags) (dial func(context.Context) (uploader.Transport, error), ep uploader.Endpoint, err error) {
	if f.to != "" {
		if _, err := uploader.ParseEndpoint(f.to); err != nil {
			return nil, uploader.Endpoint{}, addressUsage(err, "for example: --from ftp://USER@%s", uploader.DefaultFTPHost)
		}
	}
	ep, auth, builtin, _, err := f.endpoint(env)
	if err != nil {
		return nil, ep, err
	}
	if !builtin {
		if auth, err = f.auth(env, ep, auth); err != nil {
			return nil, ep, err
		}
	}
	return func(ctx context.Context) (uploader.Transport, error) {
		t, err := uploader.Dial(ctx, ep, auth)
		if err != nil {
			return nil, explainSendError(err, f)
		}
		return t, nil
	}, ep, nil
}

// repliesWords are the labels of the report in each language.
var repliesWords = map[string]map[string]string{
	batch.English: {
		"accepted": "ACCEPTED", "refused": "REFUSED", "unknown": "NO RESULT",
		"ACRF": "acknowledgement of receipt", "NOTI": "notification", "other": "reply",
		"set": "set", "next": "next step", "kept": "kept in", "unpacked": "unpacked from",
		"deleted": "deleted from the server", "left": "left on the server",
		"sent": "sent on %s", "to": "to %s", "notsent": "not in Expeditor's ledger for this account",
		"more": "%d more not shown", "diagnosis": "diagnosis", ":": ":",
		"already": "already accepted on %s; this refusal is for a second copy of the same name: nothing to do",
	},
	batch.French: {
		"accepted": "ACCEPTÉ", "refused": "REFUSÉ", "unknown": "SANS RÉSULTAT",
		"ACRF": "accusé de réception", "NOTI": "notification", "other": "réponse",
		"set": "lot", "next": "à faire", "kept": "gardé dans", "unpacked": "extrait de",
		"deleted": "supprimé du serveur", "left": "laissé sur le serveur",
		"sent": "envoyé le %s", "to": "à %s", "notsent": "absent du registre d'Expeditor pour ce compte",
		"more": "%d autres non affichées", "diagnosis": "diagnostic", ":": " :",
		"already": "déjà accepté le %s ; ce refus concerne une seconde copie du même nom : rien à faire",
	},
	batch.Dutch: {
		"accepted": "AANVAARD", "refused": "GEWEIGERD", "unknown": "GEEN RESULTAAT",
		"ACRF": "ontvangstbewijs", "NOTI": "notificatie", "other": "antwoord",
		"set": "reeks", "next": "volgende stap", "kept": "bewaard in", "unpacked": "uitgepakt uit",
		"deleted": "verwijderd van de server", "left": "op de server gelaten",
		"sent": "verstuurd op %s", "to": "naar %s", "notsent": "niet in het register van Expeditor voor deze account",
		"more": "nog %d niet getoond", "diagnosis": "diagnose", ":": ":",
		"already": "al aanvaard op %s; deze weigering geldt een tweede kopie met dezelfde naam: niets te doen",
	},
	batch.German: {
		"accepted": "ANGENOMMEN", "refused": "ABGELEHNT", "unknown": "KEIN ERGEBNIS",
		"ACRF": "Empfangsbestätigung", "NOTI": "Benachrichtigung", "other": "Antwort",
		"set": "Paket", "next": "nächster Schritt", "kept": "gespeichert in", "unpacked": "entpackt aus",
		"deleted": "vom Server gelöscht", "left": "auf dem Server belassen",
		"sent": "gesendet am %s", "to": "an %s", "notsent": "nicht im Register von Expeditor für dieses Konto",
		"more": "%d weitere nicht angezeigt", "diagnosis": "Diagnose", ":": ":",
		"already": "bereits am %s angenommen; diese Ablehnung betrifft eine zweite Kopie desselben Namens: nichts zu tun",
	},
}

// printReplies tells, reply by reply, what the transfer point answered and
// what to do, then where everything was kept.
func printReplies(env *cliEnv, got []workflow.Reply, dir, where string, envs []batch.Environment, lang string) {
	w := repliesWords[lang]
	out := env.stdout
	var other, pending, accepted, refused int
	for _, r := range got {
		if r.Err != nil {
			// Each error names its file already.
			fmt.Fprintf(env.stderr, "expeditor: %s\n", batch.SafeText(lowerFirst(r.Err.Error())))
		}
		if r.Pending {
			pending++
			continue
		}
		if r.Reply == nil {
			if r.Local != "" && r.Err == nil {
				other++ // the FS and GO of a reply set, or a file that is no reply
			}
			continue
		}
		rep := r.Reply
		switch rep.Outcome() {
		case "accepted":
			accepted++
		case "refused":
			refused++
		}
		kind := w["other"]
		if k, ok := w[rep.Kind]; ok {
			kind = k
		}
		set := rep.SetKey()
		if set == "" {
			set = "?"
		}
		colon := w[":"] // French puts a space before it
		fmt.Fprintf(out, "%s %s%s %s\n", w[rep.Outcome()], w["set"], colon, set)
		created := ""
		if !rep.Created.IsZero() {
			created = ", " + rep.Created.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(out, "  %s %s%s\n", kind, rep.FileName, created)
		printSignature(out, r.Signature, where, lang)
		if rep.Diagnosis != "" {
			fmt.Fprintf(out, "  %s%s %s\n", w["diagnosis"], colon, rep.Diagnosis)
		}
		const maxShown = 50
		for i, e := range rep.Errors {
			if i == maxShown {
				fmt.Fprintf(out, "  "+w["more"]+"\n", len(rep.Errors)-maxShown+rep.MoreErrors)
				break
			}
			x := e.Explain(lang)
			if r.AlreadyAccepted != nil && e.Code == batch.CodeNameAlreadySent {
				// Never "send it again under a new number": the first
				// copy was accepted.
				x.Next = fmt.Sprintf(w["already"], r.AlreadyAccepted.Args["when"])
			}
			id := e.ID
			if e.Class != "" {
				id += " (" + e.Class + ")"
			}
			fmt.Fprintf(out, "  %s%s %s\n", id, colon, x.Text)
			fmt.Fprintf(out, "    %s%s %s\n", w["next"], colon, x.Next)
		}
		if len(rep.Errors) <= maxShown && rep.MoreErrors > 0 {
			fmt.Fprintf(out, "  "+w["more"]+"\n", rep.MoreErrors)
		}
		if r.Record != nil && !r.Sent.Time.IsZero() {
			line := fmt.Sprintf(w["sent"], r.Sent.Time.Local().Format("2006-01-02 15:04"))
			line += " " + fmt.Sprintf(w["to"], r.Record.Account)
			fmt.Fprintf(out, "  %s\n", line)
		} else {
			fmt.Fprintf(out, "  %s\n", w["notsent"])
		}
		state := w["left"]
		if r.Deleted {
			state = w["deleted"]
		}
		fmt.Fprintf(out, "  %s %s (%s)\n", w["kept"], r.Local, state)
		if r.Archive != "" && r.Archive != r.Local {
			fmt.Fprintf(out, "  %s %s\n", w["unpacked"], r.Archive)
		}
	}
	folders := make([]string, len(envs))
	for i, e := range envs {
		folders[i] = e.ReplyFolder()
	}
	if len(got) == 0 {
		fmt.Fprintf(out, "%s\n", repliesSummary(lang, "none", strings.Join(folders, ", "), where))
		return
	}
	fmt.Fprintf(out, "%s\n", repliesSummary(lang, "total", accepted, refused, other, dir))
	if pending > 0 {
		fmt.Fprintf(out, "%s\n", repliesSummary(lang, "pending", pending))
	}
}

func repliesSummary(lang, what string, args ...any) string {
	texts := map[string][4]string{
		"none": {
			"no replies in %s at %s",
			"aucune réponse dans %s sur %s",
			"geen antwoorden in %s op %s",
			"keine Antworten in %s auf %s",
		},
		"total": {
			"%d accepted, %d refused, %d other files; kept in %s",
			"%d acceptés, %d refusés, %d autres fichiers ; gardés dans %s",
			"%d aanvaard, %d geweigerd, %d andere bestanden; bewaard in %s",
			"%d angenommen, %d abgelehnt, %d andere Dateien; gespeichert in %s",
		},
		"pending": {
			"still being written by the transfer point: %d (run the command again later)",
			"encore en cours d'écriture par le point de transfert : %d (relancez la commande plus tard)",
			"nog door het transferpunt in aanmaak: %d (voer de opdracht later opnieuw uit)",
			"wird vom Übertragungspunkt noch geschrieben: %d (führen Sie den Befehl später erneut aus)",
		},
	}
	i := map[string]int{batch.English: 0, batch.French: 1, batch.Dutch: 2, batch.German: 3}[lang]
	return fmt.Sprintf(texts[what][i], args...)
}
