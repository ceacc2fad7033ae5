package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "explain a transfer-point file name, field by field",
		usage:   "inspect NAME|FILE",
		run:     runInspect,
	})
}

// now is the clock of the CLI; tests may replace it.
var now = time.Now

var prefixMeaning = map[batch.Prefix]string{
	batch.FI: "the declaration",
	batch.FS: "the signature of one declaration part",
	batch.GO: "the signal that every part is there",
	batch.TD: "the request to cancel processing",
	batch.FO: "a reply from the transfer point",
	batch.CO: "a zipped reply from the transfer point",
}

func runInspect(env *cliEnv, args []string) error {
	fs := newFlags("inspect")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("inspect takes one name or file")
	}
	name := filepath.Base(pos[0])
	n, err := batch.ParseName(name)
	if err == nil {
		err = n.CheckDate(now())
	}
	if err != nil {
		var ne *batch.NameError
		if errors.As(err, &ne) {
			return withHint(err, "to give a file a conforming name, run: expeditor name --app CODE --sender NUMBER --env R|T|S FILE")
		}
		return err
	}
	w := tabwriter.NewWriter(env.stdout, 0, 0, 1, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(w, "%s:\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("name", "%s", n)
	row("prefix", "%s (%s)", n.Prefix, prefixMeaning[n.Prefix])
	row("application", "%s (%s)", n.App, batch.ApplicationMeaning(n.App))
	row("sender", "%s", n.Sender)
	row("date", "%s", n.Time().Format("2006-01-02"))
	row("sequence", "%s", n.Seq)
	row("environment", "%s (%s)", n.Env, n.Env.Description())
	if n.Parts > 0 {
		row("parts", "%d", n.Parts)
	}
	if n.Part > 0 {
		row("part", "%d", n.Part)
	}
	if n.IsReply() {
		row("reply folder", "%s", n.Env.ReplyFolder())
	} else {
		row("upload folder", "%s", n.Env.UploadFolder())
		row("reply folder", "%s", n.Env.ReplyFolder())
		if workflow.SignatureNeeded(n.Env, false) {
			row("signature", "required: one FS file per part")
		} else {
			row("signature", "not needed in this environment (sign --sign-test signs anyway)")
		}
	}
	if info, err := os.Stat(pos[0]); err == nil && info.Mode().IsRegular() {
		row("size", "%s", humanSize(info.Size()))
		if n.Prefix == batch.FI && info.Size() > batch.MaxPartSize {
			row("note", "larger than 200 MB: sign --split cuts it into parts")
		}
	}
	return w.Flush()
}

// humanSize formats a byte count for people.
func humanSize(n int64) string {
	switch {
	case n >= 1000*1000*1000:
		return fmt.Sprintf("%.1f GB (%d bytes)", float64(n)/1e9, n)
	case n >= 1000*1000:
		return fmt.Sprintf("%.1f MB (%d bytes)", float64(n)/1e6, n)
	case n >= 1000:
		return fmt.Sprintf("%.1f kB (%d bytes)", float64(n)/1e3, n)
	}
	return fmt.Sprintf("%d bytes", n)
}
