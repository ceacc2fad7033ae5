package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

func init() {
	register(&command{
		name:    "replies",
		summary: "download the transfer point's replies and explain them",
		usage: "replies (--from URL | --profile NAME) [--env R|T|S|all] [--to DIR] [--delete] [--lang en|fr|nl|de]\n" +
			"       [--identity KEY] [--ssh-rsa] [--no-epsv] [--password-file FILE] [--ca FILE] [--accept-host-key [TYPE:]SHA256:...]",
		run: runReplies,
	})
}

func runReplies(env *cliEnv, args []string) error {
	fset := newFlags("replies")
	var conn sendFlags // the connection flags of send, with --from for --to
	conn.registerAs(fset, "from", "fetch from", "fetch with")
	envFlag := fset.String("env", "all", "reply folders to read, `ENV`: R (OUT), T (OUTTEST), S (OUTTEST-S) or all")
	to := fset.String("to", "", "keep the replies in `DIR` (default: the replies folder of the configuration folder)")
	del := fset.Bool("delete", false, "delete each reply from the server once it is safely kept")
	langFlag := fset.String("lang", "", "explain in `LANG`: en, fr, nl or de (default: from LC_ALL, LC_MESSAGES or LANG)")
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
	envs, all, err := repliesEnvs(*envFlag)
	if err != nil {
		return usagef("%v", err)
	}
	lang := repliesLang(*langFlag)
	if *langFlag != "" && batch.NormalizeLang(*langFlag) != strings.ToLower(*langFlag) {
		return usagef("--lang %q: use en, fr, nl or de", *langFlag)
	}
	dir := *to
	if dir == "" {
		home, err := batch.Home()
		if err != nil {
			return err
		}
		dir = filepath.Join(home, "replies")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // the report says where each file is; a full path is unambiguous
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t, where, err := repliesDial(ctx, env, &conn)
	if err != nil {
		return err
	}
	defer t.Close()

	opts := uploader.FetchOptions{Envs: envs, Dir: dir, Delete: *del, SkipMissingFolders: all}
	prog := newProgressPrinter(env.stderr)
	if prog.tty { // off a terminal the report says enough
		opts.Progress = prog.update
	}
	got, err := uploader.FetchReplies(ctx, t, opts)
	prog.finish()
	printReplies(env, got, dir, where, envs, lang)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted; the replies kept so far are safe, run the command again for the rest")
		}
		if errors.Is(err, uploader.ErrFolderMissing) && !all {
			return withHint(err, "use --env all to read every reply folder the account has")
		}
		return withHint(err, "the replies already kept are safe; run the command again to retry the others")
	}
	return nil
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

// repliesDial connects to --from or --profile, with the connection flags
// and password rules of send.
func repliesDial(ctx context.Context, env *cliEnv, f *sendFlags) (uploader.Transport, string, error) {
	if f.to != "" {
		if _, err := uploader.ParseEndpoint(f.to); err != nil {
			return nil, "", withHint(err, "for example: --from ftp://USER@%s", uploader.DefaultFTPHost)
		}
	}
	ep, auth, builtin, _, err := f.endpoint(env)
	if err != nil {
		return nil, "", err
	}
	if !builtin {
		if auth, err = f.auth(env, ep, auth); err != nil {
			return nil, "", err
		}
	}
	t, err := uploader.Dial(ctx, ep, auth)
	if err != nil {
		return nil, "", explainSendError(err, f)
	}
	return t, ep.String(), nil
}

// repliesWords are the labels of the report in each language.
var repliesWords = map[string]map[string]string{
	batch.English: {
		"accepted": "ACCEPTED", "refused": "REFUSED", "unknown": "NO RESULT",
		"ACRF": "acknowledgement of receipt", "NOTI": "notification", "other": "reply",
		"set": "set", "next": "next step", "kept": "kept in", "unpacked": "unpacked from",
		"deleted": "deleted from the server", "left": "left on the server",
		"sent": "sent on %s", "to": "to %s", "notsent": "not in Expeditor's send history",
		"more": "%d more not shown", "diagnosis": "diagnosis", ":": ":",
	},
	batch.French: {
		"accepted": "ACCEPTÉ", "refused": "REFUSÉ", "unknown": "SANS RÉSULTAT",
		"ACRF": "accusé de réception", "NOTI": "notification", "other": "réponse",
		"set": "lot", "next": "à faire", "kept": "gardé dans", "unpacked": "extrait de",
		"deleted": "supprimé du serveur", "left": "laissé sur le serveur",
		"sent": "envoyé le %s", "to": "à %s", "notsent": "absent de l'historique d'envoi d'Expeditor",
		"more": "%d autres non affichées", "diagnosis": "diagnostic", ":": " :",
	},
	batch.Dutch: {
		"accepted": "AANVAARD", "refused": "GEWEIGERD", "unknown": "GEEN RESULTAAT",
		"ACRF": "ontvangstbewijs", "NOTI": "notificatie", "other": "antwoord",
		"set": "reeks", "next": "volgende stap", "kept": "bewaard in", "unpacked": "uitgepakt uit",
		"deleted": "verwijderd van de server", "left": "op de server gelaten",
		"sent": "verstuurd op %s", "to": "naar %s", "notsent": "niet in de verzendgeschiedenis van Expeditor",
		"more": "nog %d niet getoond", "diagnosis": "diagnose", ":": ":",
	},
	batch.German: {
		"accepted": "ANGENOMMEN", "refused": "ABGELEHNT", "unknown": "KEIN ERGEBNIS",
		"ACRF": "Empfangsbestätigung", "NOTI": "Benachrichtigung", "other": "Antwort",
		"set": "Paket", "next": "nächster Schritt", "kept": "gespeichert in", "unpacked": "entpackt aus",
		"deleted": "vom Server gelöscht", "left": "auf dem Server belassen",
		"sent": "gesendet am %s", "to": "an %s", "notsent": "nicht im Sendeverlauf von Expeditor",
		"more": "%d weitere nicht angezeigt", "diagnosis": "Diagnose", ":": ":",
	},
}

// printReplies tells, reply by reply, what the transfer point answered and
// what to do, then where everything was kept.
func printReplies(env *cliEnv, got []uploader.FetchedReply, dir, where string, envs []batch.Environment, lang string) {
	w := repliesWords[lang]
	out := env.stdout
	var other, pending, accepted, refused int
	for _, r := range got {
		if r.Err != nil {
			// Each error names its file already.
			fmt.Fprintf(env.stderr, "expeditor: %s\n", lowerFirst(r.Err.Error()))
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
		if h := r.History; h != nil {
			line := fmt.Sprintf(w["sent"], h.Time.Local().Format("2006-01-02 15:04"))
			if h.Endpoint != "" {
				line += " " + fmt.Sprintf(w["to"], h.Endpoint)
			}
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
