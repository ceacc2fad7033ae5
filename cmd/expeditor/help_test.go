package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// Every command answers --help and -h with its usage and every option
// with its meaning, on stdout, with exit status 0 (issue 10 item 7).
func TestEveryCommandHelp(t *testing.T) {
	optionLine := regexp.MustCompile(`^  --([a-z0-9-]+)(?: (\S+))?(?:\s+(.*))?$`)
	for name := range commands {
		for _, flag := range []string{"--help", "-h"} {
			var out, errOut bytes.Buffer
			env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
			if code := env.dispatch([]string{name, flag}); code != exitOK {
				t.Errorf("expeditor %s %s: exit %d, stderr %q", name, flag, code, errOut.String())
			}
			if errOut.Len() != 0 {
				t.Errorf("expeditor %s %s wrote on stderr: %q", name, flag, errOut.String())
			}
			if !strings.HasPrefix(out.String(), "usage: expeditor "+name) {
				t.Errorf("expeditor %s %s: %q does not start with the usage", name, flag, out.String())
			}
			lines := strings.Split(out.String(), "\n")
			for i, l := range lines {
				m := optionLine.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				desc := m[3]
				if desc == "" && i+1 < len(lines) {
					desc = strings.TrimSpace(lines[i+1]) // a long option name: the meaning is below
				}
				if len(strings.Fields(desc)) < 4 {
					t.Errorf("expeditor %s: --%s has no meaningful description: %q", name, m[1], desc)
				}
				if m[2] == "VALUE" {
					t.Errorf("expeditor %s: --%s does not name its value (write it `LIKE THIS` in the description)", name, m[1])
				}
			}
		}
	}
}
