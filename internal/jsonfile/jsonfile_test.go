package jsonfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestUpdateConcurrent(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "n.json"), What: "the counter"}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				if err := Update(f, func(n *int) error { *n++; return nil }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var n int
	if err := f.Read(&n); err != nil || n != 80 {
		t.Fatalf("n = %d, %v", n, err)
	}
	if _, err := os.Stat(f.Path + ".lock"); !os.IsNotExist(err) {
		t.Fatal("lock left behind")
	}
}

func TestUpdateErrorWritesNothing(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "n.json"), What: "the counter"}
	boom := errors.New("boom")
	if err := Update(f, func(n *int) error { *n = 5; return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.Path); !os.IsNotExist(err) {
		t.Fatal("file written after an error")
	}
}

func TestDamaged(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "n.json"), What: "the counter", IfDamaged: "move it aside"}
	os.WriteFile(f.Path, []byte("{"), 0o600)
	var n int
	err := f.Read(&n)
	if err == nil || !strings.Contains(err.Error(), "the counter") || !strings.Contains(err.Error(), "move it aside") {
		t.Fatalf("err = %v", err)
	}
}
