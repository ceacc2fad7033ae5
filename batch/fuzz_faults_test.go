package batch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCutPoints: the cut points of a split make parts of at most maxPart
// bytes that end with a line feed (but the last), cover the file in order,
// or the file is refused because a line is longer than a part.
func FuzzCutPoints(f *testing.F) {
	f.Add([]byte("a\r\nb\r\nc\r\n"), int64(4))
	f.Add([]byte("aaaaaaaa\nb\n"), int64(3))
	f.Add([]byte("\n\n\n\n\n\n\n\n\n\n\n\n\n"), int64(1))
	f.Add(bytes.Repeat([]byte("line\r\n"), 100), int64(60))
	f.Fuzz(func(t *testing.T, data []byte, maxPart int64) {
		if maxPart <= 0 || maxPart > 1<<20 {
			return
		}
		size := int64(len(data))
		cuts, err := cutPoints(bytes.NewReader(data), size, maxPart)
		if err != nil {
			var le *LineTooLongError
			if !errors.As(err, &le) {
				t.Fatalf("unexpected error %v", err)
			}
			if i := bytes.IndexByte(data[le.Offset:min(size, le.Offset+maxPart)], '\n'); i >= 0 && le.Offset+int64(i)+1 <= le.Offset+maxPart {
				t.Fatalf("refused at %d, but a line break is at %d within %d bytes", le.Offset, le.Offset+int64(i), maxPart)
			}
			return
		}
		if cuts[0] != 0 || cuts[len(cuts)-1] != size {
			t.Fatalf("cuts %v do not cover 0…%d", cuts, size)
		}
		if len(cuts) > MaxParts+2 {
			return // too many parts: the caller refuses
		}
		for i := 1; i < len(cuts); i++ {
			from, to := cuts[i-1], cuts[i]
			if to <= from && size > 0 || to-from > maxPart {
				t.Fatalf("part %d is %d…%d (max %d)", i, from, to, maxPart)
			}
			if i < len(cuts)-1 && data[to-1] != '\n' {
				t.Fatalf("part %d ends inside a line at %d", i, to)
			}
		}
	})
}

// FuzzJournal: a damaged or hand-edited journal file gives an error or a
// number, never a panic, and never a number already in it.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(`{"123456.20261121.R":[1,2,3]}`))
	f.Add([]byte(`{"123456.20261121.R":[99999]}`))
	f.Add([]byte(`{"123456.20261121.R":[-5, 0, 100000]}`))
	f.Add([]byte(`[]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "journal.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j := OpenJournalAt(p)
		seq, err := j.Peek("123456", "20261121", Production, func(int) bool { return false })
		if err != nil {
			return
		}
		if seq < 1 || seq > 99999 {
			t.Fatalf("Peek gave %d", seq)
		}
		if _, err := j.Next("123456", "20261121", Production, func(int) bool { return false }); err != nil {
			t.Fatalf("Peek worked but Next failed: %v", err)
		}
	})
}
