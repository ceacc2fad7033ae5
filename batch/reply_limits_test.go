package batch

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// repeatReader gives n bytes of pattern, repeated, without holding them.
type repeatReader struct {
	pattern []byte
	n, off  int64
}

func repeat(pattern string, n int64) io.Reader { return &repeatReader{pattern: []byte(pattern), n: n} }

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.pattern[(r.off+int64(i))%int64(len(r.pattern))]
	}
	r.off += int64(len(p))
	r.n -= int64(len(p))
	return len(p), nil
}

func notiAround(body io.Reader, after string) io.Reader {
	return io.MultiReader(strings.NewReader(`<?xml version="1.0" encoding="UTF-8"?>
<NOTIFICATION><Form><Identification>NOTI001</Identification>
<FileReference><FileName>GO.DMFA.123456.20261122.00003.R.1</FileName></FileReference>
<HandlingResult><ResultCode>0</ResultCode><Diagnosis>`), body, strings.NewReader(after))
}

// issue 11: a 400 MB text element took 1 GB of memory. One token is now
// at most maxTokenSize: the decoder stops there, whatever the element
// holds (text, CDATA with '<' in it, a comment, attributes).
func TestReplyHugeToken(t *testing.T) {
	const size = 400 << 20
	for name, body := range map[string]io.Reader{
		"text":    repeat("x", size),
		"cdata":   io.MultiReader(strings.NewReader("<![CDATA["), repeat("<a>", size)),
		"comment": io.MultiReader(strings.NewReader("<!--"), repeat("<-", size)),
		"attrs":   io.MultiReader(strings.NewReader("<X "), repeat(`a="1" `, size)),
	} {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadReply("FO.NOTI.999999.20261123.00001.R", notiAround(body, "</Diagnosis></HandlingResult></Form></NOTIFICATION>"))
		if !errors.Is(err, ErrReplyTooLarge) || !strings.Contains(err.Error(), "larger than 1024 KB") {
			t.Errorf("%s: %v, want ErrReplyTooLarge", name, err)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		t.Logf("%s: %v; %d MB allocated", name, err, (after.TotalAlloc-before.TotalAlloc)>>20)
	}
}

// Many large anomalies: the text kept of them is bounded; the rest are
// counted.
func TestReplyKeptTextBounded(t *testing.T) {
	detail := strings.Repeat("d", maxFieldLen)
	var b strings.Builder
	b.WriteString("x</Diagnosis></HandlingResult>")
	for i := 0; i < 400; i++ {
		b.WriteString("<AnomalyReport><ErrorID>00013-011</ErrorID><AnomalyClass>B</AnomalyClass>")
		for j := 0; j < maxDetails; j++ {
			fmt.Fprintf(&b, "<F%d>%s</F%d>", j, detail, j)
		}
		b.WriteString("</AnomalyReport>")
	}
	b.WriteString("</Form></NOTIFICATION>")
	rep, err := ReadReply("FO.NOTI.999999.20261123.00001.R", notiAround(strings.NewReader(""), b.String()))
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, e := range rep.Errors {
		for _, d := range e.Details {
			kept += len(d)
		}
	}
	if kept > maxKeptText || rep.MoreErrors == 0 || len(rep.Errors)+rep.MoreErrors != 400 {
		t.Errorf("kept %d bytes of %d errors, %d more; want at most %d bytes and the rest counted", kept, len(rep.Errors), rep.MoreErrors, maxKeptText)
	}
}

// A long field is cut at a character boundary, never inside one.
func TestReplyFieldCutAtCharacter(t *testing.T) {
	rep, err := ReadReply("FO.NOTI.999999.20261123.00001.R", notiAround(repeat("é", 3*maxFieldLen), "</Diagnosis></HandlingResult></Form></NOTIFICATION>"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Diagnosis) > maxFieldLen || len(rep.Diagnosis) < maxFieldLen-1 || strings.Contains(rep.Diagnosis, `\x`) {
		t.Errorf("diagnosis of %d bytes: %q…", len(rep.Diagnosis), rep.Diagnosis[:20])
	}
}

// issue 11: a Diagnosis with a newline, a C1 control or a bidi override
// could print a fake "ACCEPTED set: …" line and drive the terminal. Every
// field taken from the file is made safe when it is read.
func TestReplyTextIsSafe(t *testing.T) {
	body := "refused&#10;ACCEPTED set: GO.DMFA.123456.20261122.00003.R.1\u009b2J \u202eDETPECCA"
	rep, err := ReadReply("FO.NOTI.999999.20261123.00001.R", notiAround(strings.NewReader(body),
		"</Diagnosis></HandlingResult><AnomalyReport><ErrorID>\u202e00013-011</ErrorID><AnomalyClass>B</AnomalyClass><Path>a\r\nb\u2066</Path></AnomalyReport></Form></NOTIFICATION>"))
	if err != nil {
		t.Fatal(err)
	}
	want := `refused ACCEPTED set: GO.DMFA.123456.20261122.00003.R.1\u009b2J \u202eDETPECCA`
	if rep.Diagnosis != want {
		t.Errorf("Diagnosis = %q, want %q", rep.Diagnosis, want)
	}
	if e := rep.Errors[0]; e.ID != `\u202e00013-011` || e.Details[0] != `Path: a b\u2066` {
		t.Errorf("anomaly = %+v", e)
	}
}
