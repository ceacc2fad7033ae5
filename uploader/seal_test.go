package uploader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/expeditor-be/expeditor/batch"
)

// The files of a set are sealed (leased, hashed while the server logs
// in) where the system allows it; a file that cannot be is hashed as it
// leaves. Both keep the rule of the GO, and a file opened for writing in
// the middle of its upload never gets a GO.
func TestSendSealed(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("read leases are Linux's")
	}
	srv, send := vsftpdSender(t)

	t.Run("lease", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, []byte("declaration"), 0o644)
		f, _ := os.Open(p)
		defer f.Close()
		// No lease while someone has the file open for writing.
		w, _ := os.OpenFile(p, os.O_WRONLY, 0)
		if takeLease(f) {
			t.Fatal("leased a file open for writing")
		}
		w.Close()
		if !takeLease(f) || !leaseHeld(f) {
			t.Fatal("no lease on a file nobody writes")
		}
		releaseLease(f)
		if leaseHeld(f) {
			t.Fatal("lease still held after its release")
		}
	})

	t.Run("sealed", func(t *testing.T) {
		isolate(t)
		set := makeSet(t, batch.Production, 2, 300_000)
		plan, err := CheckSet(set, false)
		if err != nil {
			t.Fatal(err)
		}
		z := sealSet(context.Background(), plan, nil)
		for _, f := range plan.Files[:len(plan.Files)-1] {
			if z.file(f.Name) == nil {
				t.Errorf("%s not sealed", f.Name)
			}
		}
		z.stop()
		if len(leases.files) != 0 {
			t.Errorf("%d leases left after stop", len(leases.files))
		}
		res, err := send(set, SendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkSent(t, set, srv.Root, res)
	})

	t.Run("open-for-writing-elsewhere", func(t *testing.T) {
		// Another program has the FI open for writing (no lease): hashed
		// as it leaves, sent, and still checked.
		isolate(t)
		set := makeSet(t, batch.Production, 1, 300_000)
		fi := set.Path(set.FI(1))
		w, err := os.OpenFile(fi, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		res, err := send(set, SendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkSent(t, set, srv.Root, res)
		// The same program changes a byte: refused as it leaves.
		if _, err := w.WriteAt([]byte{'#'}, 100); err != nil {
			t.Fatal(err)
		}
		_, err = send(set, SendOptions{})
		expectCleanFailure(t, err, srv.Root, "IN", false)
		if !errors.Is(err, ErrBadSignature) || len(serverFiles(t, srv.Root, "IN")) != 0 {
			t.Errorf("err = %v, on the server %v", err, serverFiles(t, srv.Root, "IN"))
		}
	})

	t.Run("opened-for-writing-while-sent", func(t *testing.T) {
		// Another program opens the FI for writing in the middle of its
		// upload: it is not kept waiting (the lease is given up at once),
		// and what arrived can no longer be proved to be what was
		// signed, so the upload stops, the files go, and no GO is sent.
		isolate(t)
		set := makeSet(t, batch.Production, 1, 4<<20)
		fi := set.Path(set.FI(1))
		var opened atomic.Bool
		var w *os.File
		progress := func(name string, done, total int64) {
			if strings.HasPrefix(name, "FI.") && done > 0 && !opened.Swap(true) {
				var err error
				if w, err = os.OpenFile(fi, os.O_WRONLY, 0); err != nil {
					t.Error(err)
				}
			}
		}
		_, err := send(set, SendOptions{Progress: progress})
		if w != nil {
			w.Close()
		}
		if !opened.Load() {
			t.Fatal("the upload was never seen under way")
		}
		expectCleanFailure(t, err, srv.Root, "IN", false)
		if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), "opened for writing by another program while it was being sent") {
			t.Errorf("err = %v", err)
		}
		if names := serverFiles(t, srv.Root, "IN"); len(names) != 0 {
			t.Errorf("left on the server: %v", names)
		}
		// Unchanged in fact: sent again, it goes.
		res, err := send(set, SendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkSent(t, set, srv.Root, res)
	})
}
