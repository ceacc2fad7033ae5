package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	register(&command{
		name:    "name",
		summary: "copy a declaration under a conforming FI name",
		usage:   "name --app CODE --sender NUMBER --env R|T|S [--date YYYYMMDD] [--seq NNNNN] FILE [DIR]",
		run:     runName,
	})
}

func runName(env *cliEnv, args []string) error {
	fset := newFlags("name")
	app := fset.String("app", "", "application `CODE` of the declaration: 4 capitals, e.g. DMFA or DIMN")
	sender := fset.String("sender", "", "sender `NUMBER` given by Chaman (6 digits, leading zeros kept)")
	envFlag := fset.String("env", "", "environment `ENV`: R (production), T (test) or S (simulation)")
	date := fset.String("date", "", "creation date as `YYYYMMDD` (default: today)")
	seqFlag := fset.String("seq", "", "sequence number, `NNNNN` (default: the next free one for this sender, date and environment)")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usagef("name takes a FILE and an optional DIR")
	}
	if *app == "" || *sender == "" || *envFlag == "" {
		return usagef("--app, --sender and --env are required")
	}
	e, err := batch.ParseEnvironment(*envFlag)
	if err != nil {
		return usagef("%v", err)
	}
	day := now()
	if *date != "" {
		day, err = time.ParseInLocation(batch.DateLayout, *date, time.Local)
		if err != nil {
			return usagef("--date %q is not a date in the form YYYYMMDD", *date)
		}
	}
	src := pos[0]
	dir := filepath.Dir(src)
	if len(pos) == 2 {
		dir = pos[1]
	}
	info, err := os.Stat(src)
	if err != nil {
		return withHint(fmt.Errorf("cannot read %s: %w", src, unwrapPath(err)), "check the file name and folder")
	}
	if d, err := os.Stat(dir); err != nil || !d.IsDir() {
		return withHint(fmt.Errorf("the folder %s does not exist", dir), "create it first, or leave DIR out to write next to the file")
	}

	// Check every field before a sequence number is used up.
	n, err := workflow.CheckName(workflow.NameFields{App: *app, Sender: *sender, Env: e, Day: day, Seq: *seqFlag}, now())
	if err != nil {
		return err
	}
	if _, known := batch.Applications[*app]; !known {
		fmt.Fprintf(env.stderr, "expeditor: warning: %s is not an application code Expeditor knows; check it before sending\n", *app)
	}
	ctx, stop := commandContext()
	defer stop()
	_, dst, err := workflow.NameDeclaration(ctx, src, dir, n)
	var ne *batch.NameError
	switch {
	case errors.As(err, &ne) && ne.Code == batch.CodeNameAlreadySent:
		return withHint(err, "leave out --seq to get the next free number")
	case errors.Is(err, batch.ErrEmptyDeclaration):
		return withHint(err, "export the declaration again from your payroll software")
	case errors.Is(err, batch.ErrNameTaken):
		return withHint(err, "run the command again for the next sequence number")
	case err != nil:
		return diskFullHint(err, dir)
	}
	if info.Size() > batch.MaxPartSize {
		fmt.Fprintf(env.stderr, "expeditor: note: the file is larger than 200 MB; sign it with --split to cut it into parts\n")
	}
	fmt.Fprintln(env.stdout, dst)
	return nil
}

// unwrapPath drops the *PathError wrapper, whose text repeats the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, fs.ErrNotExist) {
			msg = "no such file"
		} else if errors.Is(pe.Err, fs.ErrPermission) {
			msg = "permission denied"
		}
		return errors.New(strings.TrimSpace(msg))
	}
	return err
}
