package app

import (
	"context"
	"fmt"
	"sync"
)

// tasks runs the long work of the assistant (signing, uploading, fetching)
// off the UI goroutine, so that nothing freezes; results and progress come
// back to the widgets only through uiDo and uiDoAndWait (fyne.Do).
type tasks struct {
	wg     sync.WaitGroup // the running tasks (the tests wait for them)
	mu     sync.Mutex
	cancel map[int]context.CancelFunc
	next   int
}

// task is one piece of long work, cancellable before and while it runs.
type task struct {
	t      *tasks
	id     int
	ctx    context.Context
	cancel context.CancelFunc
}

// newTask makes a task whose cancel function can be kept (by a Cancel
// button) before the work starts, so no goroutine ever races to set it.
func (t *tasks) newTask() *task {
	ctx, cancel := context.WithCancel(context.Background())
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cancel == nil {
		t.cancel = map[int]context.CancelFunc{}
	}
	k := &task{t: t, id: t.next, ctx: ctx, cancel: cancel}
	t.next++
	t.cancel[k.id] = cancel
	return k
}

// start runs work in a goroutine. done, when not nil, is called through
// uiDoAndWait with work's error.
func (k *task) start(work func(ctx context.Context) error, done func(error)) {
	t := k.t
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() {
			t.mu.Lock()
			delete(t.cancel, k.id)
			t.mu.Unlock()
			k.cancel()
		}()
		err := safely(func() error { return work(k.ctx) })
		if done != nil {
			uiDoAndWait(func() { done(err) })
		}
	}()
}

// run starts work in a goroutine (see task.start) and returns the
// function that cancels it.
func (t *tasks) run(work func(ctx context.Context) error, done func(error)) (cancel func()) {
	k := t.newTask()
	k.start(work, done)
	return k.cancel
}

// cancelAll cancels every running task.
func (t *tasks) cancelAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.cancel {
		c()
	}
}

// safely turns a panic in work into an error, so a bug in one step shows
// as a message instead of closing the window with the user's work.
func safely(work func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return work()
}

// progress returns a func(done, total) that updates a progress display at
// most every 1/200th of the way, through uiDo, so a fast loop does not
// flood the UI goroutine.
func progress(set func(fraction float64)) func(done, total int64) {
	var mu sync.Mutex
	last := -1.0
	return func(done, total int64) {
		f := 1.0
		if total > 0 {
			f = float64(done) / float64(total)
		}
		mu.Lock()
		if f-last < 0.005 && f < 1 {
			mu.Unlock()
			return
		}
		last = f
		mu.Unlock()
		uiDo(func() { set(f) })
	}
}
