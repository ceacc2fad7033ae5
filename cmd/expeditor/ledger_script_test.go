package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testservers"
	"github.com/expeditor-be/expeditor/uploader/practice"
	"github.com/expeditor-be/expeditor/workflow"
)

func init() {
	scriptCmds["vsftpd-cut"] = cmdVsftpdCut
	scriptCmds["practice-account"] = cmdPracticeAccount
	scriptCmds["mkacrf"] = cmdMkacrf
	scriptCmds["hold-send"] = cmdHoldSend
	scriptCmds["mkjournal"] = cmdMkjournal
	scriptCmds["race-send"] = cmdRaceSend
}

// race-send ARGS... starts two "expeditor send ARGS..." at the same
// moment and checks that exactly one sends the set while the other is
// refused, because the set is being sent or was just sent.
func cmdRaceSend(ts *testscript.TestScript, neg bool, args []string) {
	bin, err := exec.LookPath("expeditor")
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if p := filepath.Join(dir, "expeditor"); fileExists(p) {
			bin, err = p, nil
			break
		}
	}
	ts.Check(err)
	env := os.Environ()
	for _, k := range []string{"PATH", "HOME", "EXPEDITOR_HOME", "EXPEDITOR_PASSWORD", "EXPEDITOR_P12_PASSWORD"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	type result struct {
		out, errOut string
		err         error
	}
	start := make(chan struct{})
	results := make(chan result, 2)
	for range 2 {
		go func() {
			cmd := exec.Command(bin, append([]string{"send"}, args...)...)
			cmd.Dir, cmd.Env = ts.Getenv("WORK"), env
			var out, errOut strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errOut
			<-start
			err := cmd.Run()
			results <- result{out.String(), errOut.String(), err}
		}()
	}
	close(start)
	sent := 0
	for range 2 {
		r := <-results
		ts.Logf("[send] %v\n%s%s", r.err, r.out, r.errOut)
		switch {
		case r.err == nil && strings.HasPrefix(r.out, "sent "):
			sent++
		case r.err != nil && (strings.Contains(r.errOut, "by another Expeditor right now") || strings.Contains(r.errOut, "was already sent to")):
		default:
			ts.Fatalf("unexpected outcome of a concurrent send: %v", r.err)
		}
	}
	if sent != 1 {
		ts.Fatalf("%d of 2 concurrent sends went through, want 1", sent)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// vsftpd-cut starts vsftpd behind a proxy that cuts the connection the
// moment the GO is asked for, and sets CUT_URL (through the proxy),
// FTP_PASSWORD and FTP_ROOT.
func cmdVsftpdCut(ts *testscript.TestScript, neg bool, args []string) {
	tb := newScriptTB(ts)
	s := testservers.StartVsftpd(tb, testservers.FTPOptions{})
	p := testservers.StartProxy(tb, s.Addr, s.PasvPorts...)
	p.CutOn("STOR " + s.Root + "/IN/GO.")
	ts.Setenv("CUT_URL", "ftp://"+s.User+"@"+p.Addr)
	ts.Setenv("FTP_PASSWORD", s.Password)
	ts.Setenv("FTP_ROOT", s.Root)
}

// practice-account SENDER sets PRACTICE_URL to the running practice
// point's account for SENDER (see practice.AccountFor) and
// EXPEDITOR_PASSWORD to its password.
func cmdPracticeAccount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: practice-account SENDER")
	}
	root := filepath.Join(ts.Getenv("EXPEDITOR_HOME"), "practice")
	u, _, password, _, err := practice.EnsureAt(context.Background(), root)
	ts.Check(err)
	pu, err := url.Parse(u)
	ts.Check(err)
	ts.Setenv("PRACTICE_URL", "ftp://"+practice.AccountFor(args[0])+"@"+pu.Host)
	ts.Setenv("EXPEDITOR_PASSWORD", string(password))
}

// mkacrf FOLDER SET CODE writes an acknowledgement of SET (a GO name) and
// its GO into FOLDER, as the transfer point does: CODE 0 accepts it,
// another refuses it with that code.
func cmdMkacrf(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: mkacrf FOLDER SET CODE")
	}
	n, err := batch.ParseName(args[1])
	ts.Check(err)
	code, _ := strconv.Atoi(args[2])
	result := "<ResultCode>1</ResultCode>"
	if code != 0 {
		result = fmt.Sprintf("<ResultCode>0</ResultCode><ErrorID>ACRF-%03d</ErrorID>", code)
	}
	name := fmt.Sprintf("FO.ACRF.999999.%s.00001.%s", n.Date, n.Env)
	xml := `<?xml version="1.0" encoding="UTF-8"?>
<ACRF><Form><Identification>ACRF001</Identification><FormCreationDate>` + time.Now().Format("2006-01-02") + `</FormCreationDate>
<FileReference><FileName>` + args[1] + `</FileName></FileReference>
<ReceptionResult>` + result + `</ReceptionResult></Form></ACRF>
`
	dir := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(filepath.Join(dir, name), []byte(xml), 0o644))
	ts.Check(os.WriteFile(filepath.Join(dir, "GO"+strings.TrimPrefix(name, "FO")), nil, 0o644))
}

// hold-send FI URL claims the set of FI for the account of URL in the
// ledger, as a send in progress in another process does (this test
// process), until the script ends.
func cmdHoldSend(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: hold-send FI URL")
	}
	set, err := batch.SetOf(ts.MkAbs(args[0]))
	ts.Check(err)
	ep, err := url.Parse(args[1])
	ts.Check(err)
	l, err := workflow.OpenLedgerAt(filepath.Join(ts.Getenv("EXPEDITOR_HOME"), workflow.LedgerFile))
	ts.Check(err)
	release, err := l.Claim(workflow.AccountOf(ep.User.Username(), ep.Hostname()), set, nil, nil)
	ts.Check(err)
	ts.Defer(func() { release(); l.Close() })
}

// mkjournal SENDER ENV N writes the journal.json of an earlier version:
// today's sequence numbers 1 to N used for SENDER in ENV.
func cmdMkjournal(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: mkjournal SENDER ENV N")
	}
	n, _ := strconv.Atoi(args[2])
	var seqs []string
	for i := 1; i <= n; i++ {
		seqs = append(seqs, strconv.Itoa(i))
	}
	home := ts.Getenv("EXPEDITOR_HOME")
	ts.Check(os.MkdirAll(home, 0o700))
	data := fmt.Sprintf(`{"%s.%s.%s": [%s]}`, args[0], time.Now().Format(batch.DateLayout), args[1], strings.Join(seqs, ","))
	ts.Check(os.WriteFile(filepath.Join(home, "journal.json"), []byte(data), 0o600))
}
