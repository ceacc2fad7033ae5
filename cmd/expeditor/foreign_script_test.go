package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/expeditor-be/expeditor/internal/testservers"
)

func init() {
	scriptCmds["proftpd"] = cmdForeignFTP(testservers.StartProFTPD)
	scriptCmds["pureftpd"] = cmdForeignFTP(testservers.StartPureFTPd)
}

// proftpd [-tls|-tls1.2|-tls1.3] and pureftpd [-tls] start ProFTPD or
// Pure-FTPd (unpacked by scripts/deps.sh test) and set FTP_URL (ftps://
// with the server's certificate as ?ca= when TLS, else ftp://),
// FTP_PLAIN_URL (ftp://), FTP_PASSWORD and FTP_ROOT.
func cmdForeignFTP(start func(testing.TB, testservers.FTPOptions) *testservers.FTPServer) func(*testscript.TestScript, bool, []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		var opts testservers.FTPOptions
		for _, a := range args {
			switch a {
			case "-tls":
				opts.TLS = true
			case "-tls1.2", "-tls1.3":
				opts.TLS, opts.TLSVersion = true, a[len("-tls"):]
			default:
				ts.Fatalf("unknown option %s", a)
			}
		}
		s := start(newScriptTB(ts), opts)
		plain := "ftp://" + s.User + "@" + s.Addr
		ts.Setenv("FTP_PLAIN_URL", plain)
		ts.Setenv("FTP_URL", plain)
		if opts.TLS {
			ts.Setenv("FTP_URL", "ftps://"+s.User+"@"+s.Addr+"?ca="+s.CAFile)
		}
		ts.Setenv("FTP_PASSWORD", s.Password)
		ts.Setenv("FTP_ROOT", s.Root)
	}
}
