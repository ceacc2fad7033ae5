package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
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
	app := fset.String("app", "", "application code, e.g. DMFA or DIMN")
	sender := fset.String("sender", "", "sender number (6 digits, from Chaman)")
	envFlag := fset.String("env", "", "environment: R (production), T (test) or S (simulation)")
	date := fset.String("date", "", "creation date YYYYMMDD (default: today)")
	seqFlag := fset.String("seq", "", "sequence number (default: the next free one)")
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
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file", src)
	}
	if info.Size() == 0 {
		return withHint(fmt.Errorf("%s is empty: the transfer point refuses an empty declaration (refusal code 134)", src), "export the declaration again from your payroll software")
	}
	if d, err := os.Stat(dir); err != nil || !d.IsDir() {
		return withHint(fmt.Errorf("the folder %s does not exist", dir), "create it first, or leave DIR out to write next to the file")
	}

	// Check every field before a sequence number is used up.
	probe, err := batch.NewFI(*app, *sender, day, 1, e, 1, 1)
	if err == nil {
		err = probe.CheckDate(now())
	}
	if err != nil {
		return err
	}
	if _, known := batch.Applications[*app]; !known {
		fmt.Fprintf(env.stderr, "expeditor: warning: %s is not an application code Expeditor knows; check it before sending\n", *app)
	}

	journal, err := batch.OpenJournal()
	if err != nil {
		return err
	}
	dateStr := day.Format(batch.DateLayout)
	var seq int
	if *seqFlag != "" {
		// The parser gives the transfer point's refusal code for a bad number.
		n, err := batch.ParseName(fmt.Sprintf("FI.%s.%s.%s.%s.%s.1.1", *app, *sender, dateStr, *seqFlag, e))
		if err != nil {
			return err
		}
		seq, _ = strconv.Atoi(n.Seq)
		if takenInDir(dir, *app, *sender, dateStr, seq, e) {
			return withHint(fmt.Errorf("a file with sequence number %05d for sender %s on %s (%s) already exists in %s: the transfer point refuses a name used twice (refusal code 133)", seq, *sender, dateStr, e, dir), "leave out --seq to get the next free number")
		}
		if err := journal.Reserve(*sender, dateStr, e, seq); err != nil {
			return withHint(err, "leave out --seq to get the next free number")
		}
	} else {
		seq, err = journal.Next(*sender, dateStr, e, func(s int) bool { return takenInDir(dir, *app, *sender, dateStr, s, e) })
		if err != nil {
			return err
		}
	}
	n, err := batch.NewFI(*app, *sender, day, seq, e, 1, 1)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, n.String())
	if err := copyNew(src, dst); err != nil {
		return err
	}
	if info.Size() > batch.MaxPartSize {
		fmt.Fprintf(env.stderr, "expeditor: note: the file is larger than 200 MB; sign it with --split to cut it into parts\n")
	}
	fmt.Fprintln(env.stdout, dst)
	return nil
}

// takenInDir reports whether dir already holds a file of any prefix with
// this sender, date, sequence number and environment.
func takenInDir(dir, app, sender, date string, seq int, e batch.Environment) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, de := range entries {
		n, err := batch.ParseName(de.Name())
		if err == nil && !n.IsReply() && n.Sender == sender && n.Date == date && n.Env == e && n.Seq == fmt.Sprintf("%05d", seq) {
			return true
		}
	}
	return false
}

// copyNew copies src to dst atomically, never replacing an existing dst.
func copyNew(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := atomicfile.Create(dst, 0o644)
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", filepath.Dir(dst), unwrapPath(err))
	}
	defer out.Abort()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("cannot copy %s: %w", src, err)
	}
	if err := out.CommitNew(); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return withHint(fmt.Errorf("%s already exists; Expeditor never overwrites a declaration", dst), "run the command again for the next sequence number")
		}
		return err
	}
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
