package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/expeditor-be/expeditor/internal/version"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is one subcommand. Each lives in its own file and registers
// itself from init.
type command struct {
	name    string
	summary string // one line for the command list
	usage   string // the synopsis after "expeditor "
	run     func(env *cliEnv, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// cliEnv carries the streams so tests and the real binary share the code.
type cliEnv struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// usageError makes run print the command's usage and exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// hintError adds a "hint:" line with the obvious next step.
type hintError struct {
	err  error
	hint string
}

func (e hintError) Error() string { return e.err.Error() }
func (e hintError) Unwrap() error { return e.err }

func withHint(err error, format string, args ...any) error {
	return hintError{err: err, hint: fmt.Sprintf(format, args...)}
}

func run(args []string) int {
	env := &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if len(args) == 0 {
		return runGUI(env)
	}
	return env.dispatch(args)
}

func (env *cliEnv) dispatch(args []string) int {
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		env.printHelp()
		return exitOK
	case "version", "--version":
		fmt.Fprintln(env.stdout, "expeditor", version.Version)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.stderr, "expeditor: unknown command %q\n", name)
		fmt.Fprintln(env.stderr, "hint: run \"expeditor help\" for the list of commands")
		return exitUsage
	}
	err := c.run(env, args[1:])
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(env.stderr, "expeditor: %s\n", ue.msg)
		}
		fmt.Fprintf(env.stderr, "usage: expeditor %s\n", c.usage)
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fmt.Fprintf(env.stderr, "expeditor: %s\n", lowerFirst(err.Error()))
	var he hintError
	if errors.As(err, &he) && he.hint != "" {
		fmt.Fprintf(env.stderr, "hint: %s\n", he.hint)
	}
	return exitFail
}

func (env *cliEnv) printHelp() { env.printHelpTo(env.stdout) }

func (env *cliEnv) printHelpTo(w io.Writer) {
	fmt.Fprintln(w, "expeditor: sign and send declarations to the Belgian social security transfer point")
	if hasGUI {
		fmt.Fprintln(w, "\nwithout a command, expeditor opens the desktop assistant.")
	}
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nrun \"expeditor COMMAND -h\" for the options of a command.")
}

// newFlags returns a flag set that reports errors as usage errors instead of
// printing or exiting by itself.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args, accepting flags after positional arguments too.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, flagUsage(err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if len(r) > 1 && r[1] >= 'a' && r[1] <= 'z' || len(r) == 1 {
		r[0] = []rune(strings.ToLower(string(r[0])))[0]
	}
	return string(r)
}
