package batch

import (
	"bufio"
	"fmt"
	"io"
	"unicode/utf8"
)

// Bounds of the streamed reply parser. Together they keep the memory a
// reply takes small and fixed, whatever the file holds (issue 11: a 400 MB
// text element took 1 GB): the XML decoder never holds more than one token,
// and one token is never larger than maxTokenSize.
const (
	// maxTokenSize bounds one XML token: a text, a tag with its
	// attributes, a comment, a CDATA section. Real replies have tokens of
	// a few hundred bytes.
	maxTokenSize = 1 << 20
	// maxKeptText bounds the text kept of all a reply's errors and
	// anomalies (a real one with 10 000 anomalies keeps about 1 MB);
	// beyond it they are counted in MoreErrors.
	maxKeptText = 1 << 20
)

// errTokenTooLarge: one XML token of the reply is over maxTokenSize.
var errTokenTooLarge = fmt.Errorf("one of its XML elements is larger than %d KB, which no reply has", maxTokenSize>>10)

// tokenBudget is the reader under the XML decoder. encoding/xml reads byte
// by byte from an io.ByteReader and buffers a whole token before
// returning it, so a reader that gives no more than max bytes between two
// tokens bounds the decoder's buffer.
type tokenBudget struct {
	r    *bufio.Reader
	left int
}

func newTokenBudget(r io.Reader) *tokenBudget {
	return &tokenBudget{r: bufio.NewReaderSize(r, 32<<10), left: maxTokenSize}
}

// refill starts the budget of the next token.
func (b *tokenBudget) refill() { b.left = maxTokenSize }

func (b *tokenBudget) ReadByte() (byte, error) {
	if b.left <= 0 {
		return 0, errTokenTooLarge
	}
	b.left--
	return b.r.ReadByte()
}

func (b *tokenBudget) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errTokenTooLarge
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

// keepText adds t to the text of the element being read, up to
// maxFieldLen bytes, cutting at a character boundary.
func (p *replyParser) keepText(t []byte) {
	room := maxFieldLen - p.text.Len()
	if room <= 0 {
		return
	}
	if len(t) > room {
		t = t[:room]
		i := len(t) - 1
		for i > 0 && !utf8.RuneStart(t[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(t[i:]) {
			t = t[:i]
		}
	}
	p.text.Write(t)
}
