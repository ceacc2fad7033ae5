package batch

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

func TestJournalNextAndReserve(t *testing.T) {
	j := OpenJournalAt(filepath.Join(t.TempDir(), "journal.json"))
	for want := 1; want <= 3; want++ {
		got, err := j.Next("123456", "20261121", Production, nil)
		if err != nil || got != want {
			t.Fatalf("Next = %d, %v; want %d", got, err, want)
		}
	}
	// Another environment or date has its own numbers.
	if got, _ := j.Next("123456", "20261121", Test, nil); got != 1 {
		t.Fatalf("T: %d", got)
	}
	if got, _ := j.Next("123456", "20261120", Production, nil); got != 1 {
		t.Fatalf("other date: %d", got)
	}
	err := j.Reserve("123456", "20261121", Production, 2)
	var ne *NameError
	if !errors.As(err, &ne) || ne.Code != 133 {
		t.Fatalf("Reserve of a used number: %v", err)
	}
	if err := j.Reserve("123456", "20261121", Production, 10); err != nil {
		t.Fatal(err)
	}
	if got, _ := j.Next("123456", "20261121", Production, func(seq int) bool { return seq == 11 }); got != 12 {
		t.Fatalf("Next skipping a taken number: %d", got)
	}
	if used, _ := j.Used("123456", "20261121", Production, 11); used {
		t.Fatal("skipped number recorded as used")
	}
}

func TestJournalConcurrentNeverRepeats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.json")
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := OpenJournalAt(path)
			for k := 0; k < 10; k++ {
				seq, err := j.Next("123456", "20261121", Production, nil)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[seq] {
					t.Errorf("sequence %d handed out twice", seq)
				}
				seen[seq] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 80 {
		t.Fatalf("%d numbers", len(seen))
	}
}

func TestJournalDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.json")
	writeFile(t, path, "{not json")
	if _, err := OpenJournalAt(path).Next("123456", "20261121", Production, nil); err == nil {
		t.Fatal("damaged journal accepted")
	}
}
