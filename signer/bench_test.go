package signer

import (
	"crypto/sha256"
	"io"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/internal/testpki"
)

// crlfReader produces size bytes of CRLF text without holding them in
// memory, so the benchmark measures signing, not the test's own buffers.
type crlfReader struct {
	line []byte
	pos  int
	left int64
}

func newCRLFReader(size int64) *crlfReader {
	return &crlfReader{line: []byte("  <Worker><INSS>85073003328</INSS><Name>Emile Dupont</Name><Wage>2345.67</Wage></Worker>\r\n"), left: size}
}

func (r *crlfReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.left)]
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.line[r.pos:])
		n += c
		r.pos = (r.pos + c) % len(r.line)
	}
	r.left -= int64(n)
	return n, nil
}

// BenchmarkSignDetached signs 64 MiB with an RSA-2048 key from an
// openssl-made .p12. The bytes allocated per operation stay a few MiB
// whatever the size: the content is streamed (compare -benchmem with
// SIZE changed). scripts/bench-sign.sh compares a 200 MiB file with
// `openssl dgst -sha256` and reports the peak RSS.
func BenchmarkSignDetached(b *testing.B) {
	const size = 64 << 20
	id := testpki.New(b, testpki.Options{Key: "rsa2048"})
	cred := loadP12(b, id)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignDetached(newCRLFReader(size), cred, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLineCounter measures the line-ending check alone over 256 KiB
// buffers of CRLF text (it runs beside the hash, on the reading
// goroutine, and must stay well ahead of it).
func BenchmarkLineCounter(b *testing.B) {
	buf := make([]byte, readBufferSize)
	io.ReadFull(newCRLFReader(int64(len(buf))), buf)
	b.SetBytes(int64(len(buf)))
	var c LineCounter
	for b.Loop() {
		c.Write(buf)
	}
	if !c.Result().TextModeSafe {
		b.Fatal("not CRLF")
	}
}

// BenchmarkSHA256 is the floor: SHA-256 over 256 KiB buffers.
func BenchmarkSHA256(b *testing.B) {
	buf := make([]byte, readBufferSize)
	b.SetBytes(int64(len(buf)))
	h := sha256.New()
	for b.Loop() {
		h.Write(buf)
	}
}
