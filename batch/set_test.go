package batch

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSetState(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FI.DMFA.123456.20261121.00001.R.2.1")
	s, err := SetOf(filepath.Join(dir, "FI.DMFA.123456.20261121.00001.R.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Key() != "GO.DMFA.123456.20261121.00001.R.2" || s.Folder() != "IN" {
		t.Fatalf("key %s folder %s", s.Key(), s.Folder())
	}
	st, _ := s.State(false)
	want := []string{"FS.DMFA.123456.20261121.00001.R.2.1", "FI.DMFA.123456.20261121.00001.R.2.2", "FS.DMFA.123456.20261121.00001.R.2.2"}
	if got := st.Missing(); !reflect.DeepEqual(got, want) {
		t.Fatalf("missing %v, want %v", got, want)
	}
	write("FS.DMFA.123456.20261121.00001.R.2.1")
	write("FI.DMFA.123456.20261121.00001.R.2.2")
	write("FS.DMFA.123456.20261121.00001.R.2.2")
	st, _ = s.State(false)
	if !st.Complete() {
		t.Fatalf("not complete: %v", st.Missing())
	}
	var names []string
	for _, f := range st.Files() {
		names = append(names, filepath.Base(f))
	}
	wantOrder := []string{
		"FI.DMFA.123456.20261121.00001.R.2.1", "FI.DMFA.123456.20261121.00001.R.2.2",
		"FS.DMFA.123456.20261121.00001.R.2.1", "FS.DMFA.123456.20261121.00001.R.2.2",
		"GO.DMFA.123456.20261121.00001.R.2",
	}
	if !reflect.DeepEqual(names, wantOrder) {
		t.Fatalf("upload order %v", names)
	}
}

func TestSetOfTestEnvironmentNeedsNoFS(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "FI.DIMN.123456.20261121.00001.T.1.1")
	os.WriteFile(p, []byte("x"), 0o644)
	s, _ := SetOf(p)
	st, _ := s.State(false)
	if !st.Complete() || len(st.Files()) != 2 {
		t.Fatalf("T set: complete=%v files=%v", st.Complete(), st.Files())
	}
	st, _ = s.State(true)
	if st.Complete() {
		t.Fatal("T set with signing on is complete without its FS")
	}
}

func TestSetOfRejectsReplies(t *testing.T) {
	if _, err := SetOf("FO.ACRF.999999.20140628.00001.R"); err == nil {
		t.Fatal("reply accepted as a set")
	}
	if _, err := SetOf("notes.txt"); err == nil {
		t.Fatal("bad name accepted")
	}
}
