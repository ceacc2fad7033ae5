package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals stop a command the way Ctrl+C does: SIGTERM is what
// `timeout`, service managers and shutdowns send, SIGHUP what a closed
// terminal sends (issue 11: sign --split killed by SIGTERM left two parts
// and the original moved away).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// commandContext is the context of a command's work: it is cancelled by
// any of stopSignals, so the work stops and undoes what it had begun,
// all or nothing. Call stop when the work is done; until then a further
// signal does not cut the undoing short.
func commandContext() (ctx context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(context.Background(), stopSignals...)
}
