package app

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The UI goroutine of the tests.
//
// In the app, Fyne runs what the tasks hand to uiDo and uiDoAndWait on
// its main loop, between the user's events. Fyne's test driver runs it at
// once on the task's own goroutine instead, so a task finishing while the
// test taps a button touched the same widgets at the same time (a crash
// in CI: a task's result refreshed the step list while the test ticked a
// box). Here the test goroutine is the UI goroutine: what tasks hand over
// waits in a queue, and the test runs it in tasks.wait and waitFor, as the
// main loop would between two events.

// uiLoop is the queue of functions waiting for the UI goroutine.
type uiLoop struct {
	mu    sync.Mutex
	queue []func()
	wake  chan struct{} // a signal that the queue is not empty
	owner atomic.Int64  // the UI goroutine (0: none, run at once)
}

var testLoop = &uiLoop{wake: make(chan struct{}, 1)}

func init() {
	uiDo = func(f func()) { testLoop.post(f, false) }
	uiDoAndWait = func(f func()) { testLoop.post(f, true) }
}

// own makes the calling goroutine (a test's) the UI goroutine until the
// returned function is called.
func (l *uiLoop) own() (release func()) {
	prev := l.owner.Swap(goroutineID())
	return func() { l.owner.Store(prev) }
}

// post hands f to the UI goroutine, and waits until it has run if wait.
// On the UI goroutine itself, or when no test owns the loop, f runs at once.
func (l *uiLoop) post(f func(), wait bool) {
	owner := l.owner.Load()
	if owner == 0 || owner == goroutineID() {
		f()
		return
	}
	var done chan struct{}
	if wait {
		done = make(chan struct{})
		g := f
		f = func() { defer close(done); g() }
	}
	l.mu.Lock()
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	if wait {
		<-done
	}
}

// runQueued runs what is queued, including what the functions run queue
// in turn, and says whether it ran anything.
func (l *uiLoop) runQueued() bool {
	ran := false
	for {
		l.mu.Lock()
		q := l.queue
		l.queue = nil
		l.mu.Unlock()
		if len(q) == 0 {
			return ran
		}
		for _, f := range q {
			f()
		}
		ran = true
	}
}

// runUntil runs the loop until stop is closed, then what is left queued.
func (l *uiLoop) runUntil(stop <-chan struct{}) bool {
	ran := false
	for {
		select {
		case <-l.wake:
			ran = l.runQueued() || ran
		case <-stop:
			return l.runQueued() || ran
		}
	}
}

// runFor runs the loop for d.
func (l *uiLoop) runFor(d time.Duration) {
	stop := make(chan struct{})
	t := time.AfterFunc(d, func() { close(stop) })
	defer t.Stop()
	l.runUntil(stop)
}

// wait runs the UI loop until every task has finished and nothing is left
// queued: what a task hands over when it ends may start another task.
func (t *tasks) wait() {
	for {
		stop := make(chan struct{})
		go func() {
			t.wg.Wait()
			close(stop)
		}()
		if !testLoop.runUntil(stop) {
			return
		}
	}
}

// goroutineID is the number of the calling goroutine, read from the first
// line of its stack ("goroutine 42 [running]:").
func goroutineID() int64 {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	var id int64
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
