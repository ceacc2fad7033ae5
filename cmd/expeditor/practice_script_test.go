package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/uploader/practice"
)

func init() {
	// TODAY is today's date as names carry it: the practice point checks
	// dates against the real clock, as the transfer point does.
	scriptSetups = append(scriptSetups, func(env *testscript.Env) error {
		env.Setenv("TODAY", time.Now().Format(batch.DateLayout))
		return nil
	})
	// practice-ready waits until the practice point of the transcript's
	// configuration folder (started in the background) answers.
	scriptCmds["practice-ready"] = func(ts *testscript.TestScript, neg bool, args []string) {
		root := filepath.Join(ts.Getenv("EXPEDITOR_HOME"), "practice")
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, ok := practice.Running(context.Background(), root)
			if ok != neg {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("practice point still %s after 20 s", map[bool]string{true: "running", false: "not running"}[neg])
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// practice-drop FOLDER NAME FILE uploads FILE as NAME into FOLDER of
	// the practice point of the transcript's configuration folder, the
	// way another transfer program could, wrong folder included (expeditor
	// send always picks the folder from the name). An empty FILE argument
	// ("-") uploads an empty file, as for a GO.
	scriptCmds["practice-drop"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 3 {
			ts.Fatalf("usage: practice-drop FOLDER NAME FILE|-")
		}
		var data []byte
		if args[2] != "-" {
			data = []byte(ts.ReadFile(args[2]))
		}
		ctx := context.Background()
		url, _, password, stop, err := practice.EnsureAt(ctx, filepath.Join(ts.Getenv("EXPEDITOR_HOME"), "practice"))
		ts.Check(err)
		defer stop()
		ep, err := uploader.ParseEndpoint(url)
		ts.Check(err)
		tr, err := uploader.Dial(ctx, ep, uploader.Auth{Password: password})
		ts.Check(err)
		defer tr.Close()
		ts.Check(tr.Put(ctx, args[0], args[1], bytes.NewReader(data), int64(len(data))))
	}
	// save-password FILE writes the password printed on the last command's
	// stdout ("password: …") to FILE, as a user would copy it.
	scriptCmds["save-password"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: save-password FILE")
		}
		m := regexp.MustCompile(`(?m)^password: +(\S+)$`).FindStringSubmatch(ts.ReadFile("stdout"))
		if m == nil {
			ts.Fatalf("no password on stdout")
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(m[1]), 0o600))
	}
}
