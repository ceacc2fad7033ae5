package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are extra commands for the transcript tests; files of other
// features add theirs from init.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){}

// scriptSetups prepare the environment of every transcript.
var scriptSetups []func(env *testscript.Env) error

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"expeditor": func() { os.Exit(run(os.Args[1:])) },
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  filepath.Join("testdata", "script"),
		Cmds: scriptCmds,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".expeditor")
			env.Setenv("EXPEDITOR_HOME", home)
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("EXPEDITOR_P12_PASSWORD", "")
			for _, s := range scriptSetups {
				if err := s(env); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
