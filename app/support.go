package app

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
)

// maxLogSize is the size above which the log file is rotated at start.
const maxLogSize = 1 << 20

// maxRecent is how many recent errors the diagnostic report lists.
const maxRecent = 20

// supportLog is the assistant's log file, in the user cache folder, and
// the list of recent errors for the diagnostic report. What goes in is
// chosen by the callers: file names, steps, error messages; never a
// password, a PIN or a key (the packages never put one in an error).
type supportLog struct {
	mu     sync.Mutex
	path   string
	file   *os.File
	recent []string
	now    func() time.Time
}

// logPath is the log file: expeditor/expeditor.log in the user cache folder.
func logPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "expeditor", "expeditor.log"), nil
}

// openSupportLog opens (appends to) the log file. When it cannot be
// opened the assistant still works; only the file is missing.
func openSupportLog() *supportLog {
	l := &supportLog{now: time.Now}
	p, err := logPath()
	if err != nil {
		return l
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return l
	}
	if fi, err := os.Stat(p); err == nil && fi.Size() > maxLogSize {
		_ = os.Rename(p, p+".1")
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return l
	}
	l.path, l.file = p, f
	return l
}

func (l *supportLog) write(level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := fmt.Sprintf("%s %s %s", l.now().Format(time.RFC3339), level, strings.ReplaceAll(msg, "\n", " / "))
	if level == "ERROR" {
		l.recent = append(l.recent, line)
		if len(l.recent) > maxRecent {
			l.recent = l.recent[len(l.recent)-maxRecent:]
		}
	}
	if l.file != nil {
		fmt.Fprintln(l.file, line)
	}
}

// Infof records what the user did or what happened.
func (l *supportLog) Infof(format string, args ...any) { l.write("INFO", fmt.Sprintf(format, args...)) }

// Errorf records an error; it is also kept for the diagnostic report.
func (l *supportLog) Errorf(format string, args ...any) {
	l.write("ERROR", fmt.Sprintf(format, args...))
}

// Recent returns the recent errors, oldest first.
func (l *supportLog) Recent() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.recent...)
}

// Close closes the log file.
func (l *supportLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		return nil
	}
	err := l.file.Close()
	l.file = nil
	return err
}

// diagnosticReport is what "Copy diagnostic report" puts on the clipboard,
// for a support agent: versions, system, where things are, where the user
// is in the flow, the profile without secrets, recent errors. It is in
// English whatever the interface language, for the support desk.
func (u *UI) diagnosticReport() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expeditor %s\n", Version)
	fmt.Fprintf(&b, "Go: %s, %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "fyne.io/fyne/v2", "github.com/jlaffaye/ftp", "github.com/pkg/sftp", "github.com/miekg/pkcs11", "software.sslmate.com/src/go-pkcs12", "github.com/smallstep/pkcs7":
				fmt.Fprintf(&b, "%s: %s\n", d.Path, d.Version)
			}
		}
	}
	fmt.Fprintf(&b, "Interface language: %s (system locale %s)\n", language(), lang.SystemLocale())
	if home, err := batch.Home(); err == nil {
		fmt.Fprintf(&b, "Configuration folder: %s\n", home)
	}
	if u.log.path != "" {
		fmt.Fprintf(&b, "Log file: %s\n", u.log.path)
	}
	mods := signer.FindModules()
	if len(mods) == 0 {
		b.WriteString("PKCS#11 modules found: none\n")
	} else {
		b.WriteString("PKCS#11 modules found:\n")
		for _, m := range mods {
			fmt.Fprintf(&b, "  %s (%s, %s)\n", m.Path, m.Name, m.Source)
		}
	}
	fmt.Fprintf(&b, "Current step: %s\n", stepNamesEN[u.current])
	b.WriteString(u.stateSummary())
	recent := u.log.Recent()
	if len(recent) == 0 {
		b.WriteString("Recent errors: none\n")
	} else {
		b.WriteString("Recent errors:\n")
		for _, r := range recent {
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}
	return b.String()
}

// stepNamesEN names the steps in the diagnostic report.
var stepNamesEN = [...]string{"Declaration", "Signature", "Prepare", "Send", "Replies", "History"}
