package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
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
	// The GUI packages lock the main goroutine to the main thread from
	// their package init (Fyne's GLFW driver and its systray, once each:
	// windows must be driven from there). A command does not need it, and
	// with it every wait of the main goroutine (for the hash, the network)
	// is a handoff between threads: undone, each lock (an unlock too many
	// does nothing).
	for range 4 {
		runtime.UnlockOSThread()
	}
	return env.dispatch(args)
}

func (env *cliEnv) dispatch(args []string) int {
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			// "expeditor help send" is "expeditor send --help".
			if _, ok := commands[args[1]]; ok {
				return env.dispatch([]string{args[1], "--help"})
			}
		}
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
	if errors.Is(err, flag.ErrHelp) {
		// Asked for: the usage and every option, on stdout.
		var he helpError
		errors.As(err, &he)
		env.printCommandHelp(env.stdout, c, he.flags)
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.stderr, "expeditor: %s\n", ue.msg)
		fmt.Fprintf(env.stderr, "usage: expeditor %s\n", c.usage)
		return exitUsage
	}
	fmt.Fprintf(env.stderr, "expeditor: %s\n", lowerFirst(err.Error()))
	var he hintError
	if errors.As(err, &he) && he.hint != "" {
		fmt.Fprintf(env.stderr, "hint: %s\n", he.hint)
	}
	var xe exitError // a command with an exit status of its own (replies --wait: 3)
	if errors.As(err, &xe) {
		return xe.code
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
// printing or exiting by itself. The name is the command ("send") or the
// command and its action ("profile add"); --help lists the set's flags
// under it.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// helpError is what parseFlags returns for -h, -help or --help: the flag
// set whose options dispatch lists with the command's usage. flags is nil
// for an action without options.
type helpError struct{ flags *flag.FlagSet }

func (helpError) Error() string { return flag.ErrHelp.Error() }
func (helpError) Unwrap() error { return flag.ErrHelp }

// isHelpArg reports whether arg asks for help, for commands that look at
// their arguments before parsing flags.
func isHelpArg(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

// parseFlags parses args, accepting flags after positional arguments too.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpError{flags: fs}
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

// printCommandHelp writes what "COMMAND --help" shows: the usage, what the
// command does, and each option with its meaning and default.
func (env *cliEnv) printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: expeditor %s\n\n%s\n", c.usage, c.summary)
	if fs == nil {
		return
	}
	type row struct{ left, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		left := "  --" + f.Name
		if v := flagValueName(f); v != "" {
			left += " " + v
		}
		_, usage := flag.UnquoteUsage(f)
		if d := f.DefValue; d != "" && d != "false" && d != "0" && !strings.Contains(usage, "default") {
			usage += " (default " + d + ")"
		}
		rows = append(rows, row{left, usage})
		if len(left) <= 28 {
			width = max(width, len(left))
		}
	})
	if len(rows) == 0 {
		return
	}
	title := "options:"
	if fs.Name() != c.name {
		title = "options of " + fs.Name() + ":"
	}
	fmt.Fprintf(w, "\n%s\n", title)
	for _, r := range rows {
		lines := wrapWords(r.usage, max(helpWidth-width-2, 40))
		if len(r.left) > width {
			fmt.Fprintln(w, r.left)
		} else {
			fmt.Fprintf(w, "%-*s  %s\n", width, r.left, lines[0])
			lines = lines[1:]
		}
		for _, l := range lines {
			fmt.Fprintf(w, "%*s  %s\n", width, "", l)
		}
	}
}

// helpWidth is the width help text is wrapped to.
const helpWidth = 100

// wrapWords breaks s into lines of at most width characters, between words.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	return append(lines, line)
}

// flagValueName is the placeholder shown after a flag that takes a value:
// the back-quoted word of its description ("read the PIN from `FILE`"), N
// for numbers, VALUE otherwise; empty for a switch.
func flagValueName(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	name, usage := flag.UnquoteUsage(f)
	if strings.Contains(f.Usage, "`") {
		return name
	}
	// No back-quoted name: the first placeholder the description uses
	// ("read the password from FILE").
	for _, w := range strings.Fields(usage) {
		if w = strings.Trim(w, ".,;:()"); placeholders[w] {
			return w
		}
	}
	switch name {
	case "int", "uint", "float", "int64", "uint64":
		return "N"
	case "duration":
		return "DURATION"
	}
	return "VALUE"
}

// placeholders are the words a description may use for a flag's value.
var placeholders = map[string]bool{
	"FILE": true, "DIR": true, "URL": true, "NAME": true, "KEY": true, "LABEL": true, "N": true,
	"PATH": true, "MODULE": true, "HOST:PORT": true, "CODE": true, "NUMBER": true, "DURATION": true,
	"LANG": true, "ENV": true, "DATE": true, "SECONDS": true,
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
