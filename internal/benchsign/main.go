//go:build linux

// Command benchsign signs one file the way Expeditor does and reports the
// time taken and the peak memory, for scripts/bench-sign.sh. The .p12
// password is read from the file named by -password-file, never from a
// flag value.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/expeditor-be/expeditor/signer"
)

func main() {
	p12 := flag.String("p12", "", "the .p12 file to sign with")
	pwFile := flag.String("password-file", "", "file holding the .p12 password")
	prepare := flag.Bool("prepare", false, "run the whole Prepare step (line-ending check, sign, write and verify the FS, GO) instead of SignDetached alone")
	flag.Parse()
	if flag.NArg() != 1 || *p12 == "" || *pwFile == "" {
		fmt.Fprintln(os.Stderr, "usage: benchsign -p12 FILE -password-file FILE [-prepare] FI")
		os.Exit(2)
	}
	pw, err := os.ReadFile(*pwFile)
	check(err)
	cred, err := signer.LoadP12(*p12, []byte(strings.TrimRight(string(pw), "\r\n")))
	check(err)
	defer cred.Close()
	path := flag.Arg(0)

	start := time.Now()
	if *prepare {
		info, err := os.Stat(path)
		check(err)
		// 200 MiB is a little over the 200 MB part limit: lift it, the
		// point is to measure, not to split.
		_, err = signer.Prepare(context.Background(), []string{path}, cred, signer.PrepareOptions{Force: true, MaxPart: info.Size()})
		check(err)
	} else {
		f, err := os.Open(path)
		check(err)
		der, err := signer.SignDetached(f, cred, time.Now())
		check(err)
		f.Close()
		out := filepath.Join(filepath.Dir(path), "bench.fs")
		check(os.WriteFile(out, signer.EncodeFS(der, false), 0o644))
	}
	elapsed := time.Since(start)

	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	fmt.Printf("seconds=%.3f peak_rss_mb=%.1f\n", elapsed.Seconds(), float64(ru.Maxrss)/1024) // Maxrss is in KiB on Linux
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsign:", err)
		os.Exit(1)
	}
}
