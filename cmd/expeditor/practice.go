package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/uploader/practice"
)

func init() {
	register(&command{
		name:    "practice",
		summary: "run the practice transfer point, or make a demo certificate",
		usage: "practice [--listen HOST:PORT] [--root DIR] [--sign-test]\n" +
			"       expeditor practice demo-cert [--out FILE]",
		run: runPractice,
	})
	// "send --profile practice": the practice point of the configuration
	// folder, started in this process when none listens. It ends with the
	// process; files it answered are moved out of IN at its next start.
	builtinProfiles["practice"] = func(env *cliEnv) (uploader.Endpoint, uploader.Auth, error) {
		url, password, _, err := practiceProfile(context.Background())
		if err != nil {
			return uploader.Endpoint{}, uploader.Auth{}, err
		}
		ep, err := uploader.ParseEndpoint(url)
		return ep, uploader.Auth{Password: password}, err
	}
}

func runPractice(env *cliEnv, args []string) error {
	if len(args) > 0 && args[0] == "demo-cert" {
		return runDemoCert(env, args[1:])
	}
	fset := newFlags("practice")
	var opts practice.Options
	fset.StringVar(&opts.Listen, "listen", "", "listen on `HOST:PORT` (default "+practice.DefaultListen+"; port 0 picks a free one)")
	fset.StringVar(&opts.Root, "root", "", "keep the practice accounts in `DIR` (default: the practice folder of the configuration folder)")
	fset.BoolVar(&opts.SignTest, "sign-test", false, "expect an FS in test (T) and simulation (S) sets too, as when sending with --sign-test")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unknown argument %q", pos[0])
	}
	ctx, stop := commandContext()
	defer stop()
	var mu sync.Mutex // answers come from the FTP sessions' goroutines
	opts.OnAnswer = func(a practice.Answer) {
		mu.Lock()
		defer mu.Unlock()
		printAnswer(env, a)
	}
	srv, err := practice.Start(ctx, opts)
	if errors.Is(err, practice.ErrAddressInUse) {
		return withHint(err, "a practice point may already be running there: use it, or choose another address with --listen 127.0.0.1:0")
	}
	if err != nil {
		return err
	}
	defer srv.Close()
	mu.Lock()
	fmt.Fprintln(env.stdout, "practice transfer point ready: practice only, nothing reaches the social security")
	fmt.Fprintf(env.stdout, "address:     %s\n", srv.URL())
	if srv.TLS {
		fmt.Fprintf(env.stdout, "with TLS:    %s\n", srv.TLSURL())
	}
	fmt.Fprintf(env.stdout, "user:        %s (takes any sender number; %s takes sender 123456 only)\n", srv.User, practice.AccountFor("123456"))
	fmt.Fprintf(env.stdout, "password:    %s\n", srv.Password)
	fmt.Fprintf(env.stdout, "folders:     %s\n", srv.Accounts)
	if srv.TLS {
		fmt.Fprintf(env.stdout, "certificate: SHA-256 %s\n", srv.CertFingerprint)
	}
	fmt.Fprintln(env.stdout, "send with --profile practice; stop with Ctrl+C")
	mu.Unlock()
	<-ctx.Done()
	err = srv.Close()
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintln(env.stdout, "practice transfer point stopped")
	return err
}

// printAnswer tells what the practice point answered to one set.
func printAnswer(env *cliEnv, a practice.Answer) {
	if a.Accepted {
		fmt.Fprintf(env.stdout, "accepted %s (%s, %s): %s and %s in %s\n", a.File, a.Account, a.Folder, a.Reply, a.Notification, a.ReplyFolder)
		return
	}
	fmt.Fprintf(env.stdout, "refused  %s (%s, %s): %s in %s\n", a.File, a.Account, a.Folder, a.Reply, a.ReplyFolder)
	for _, p := range a.Problems {
		fmt.Fprintf(env.stdout, "  ACRF-%03d %s: %s\n", p.Code, p.File, p.Reason)
	}
}

func runDemoCert(env *cliEnv, args []string) error {
	fset := newFlags("practice demo-cert")
	out := fset.String("out", "expeditor-practice.p12", "write the demo certificate (a .p12) to `FILE`; an existing file is never replaced")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unknown argument %q", pos[0])
	}
	pw, err := practice.DemoCert(*out)
	if errors.Is(err, practice.ErrDemoCertExists) {
		return withHint(err, "choose another file with --out; an existing file is never replaced")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "wrote %s: a practice-only certificate (%q)\n", *out, practice.DemoSubject)
	fmt.Fprintf(env.stdout, "password: %s\n", pw)
	fmt.Fprintf(env.stdout, "sign with: expeditor sign --p12 %s FI... (the practice point accepts it, the real transfer point does not)\n", *out)
	return nil
}

// practiceProfile is the "practice" profile of send and replies: the
// practice point of the configuration folder, started in this process for
// the duration of the command when none is listening. stop is never nil;
// call it when the command is done.
func practiceProfile(ctx context.Context) (endpoint string, password []byte, stop func(), err error) {
	endpoint, _, password, stop, err = practice.Ensure(ctx)
	if err != nil {
		return "", nil, stop, fmt.Errorf("cannot start the practice transfer point: %w", err)
	}
	return endpoint, password, stop, nil
}
