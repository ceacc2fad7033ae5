package batch

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	_ "time/tzdata" // replies carry Belgian times; Windows has no zone database
	"unicode/utf8"
)

// Reply kinds.
const (
	KindACRF = "ACRF" // acknowledgement of receipt: the files arrived and are well formed, or not
	KindNOTI = "NOTI" // notification: the declaration was processed, accepted or refused
)

// Limits that keep a damaged or hostile reply from exhausting memory.
const (
	MaxReplySize   = 256 << 20 // bytes of XML read from one reply (unpacked from a CO file at most 256 MB)
	MaxReplyErrors = 10000     // errors and anomalies kept; more are only counted
	maxReplyDepth  = 64        // nesting of elements
	maxFieldLen    = 4096      // characters kept of one text field
	maxDetails     = 16        // extra fields kept of one anomaly
)

// replySizeLimit is MaxReplySize; tests lower it.
var replySizeLimit int64 = MaxReplySize

// Errors a caller may branch on.
var (
	// ErrNotReply: the data are not an XML reply Expeditor can read.
	ErrNotReply = errors.New("not a readable reply")
	// ErrReplyTooLarge: the reply is larger than MaxReplySize.
	ErrReplyTooLarge = errors.New("reply too large")
)

// Reply is what one reply file from the transfer point says about a
// submitted set.
type Reply struct {
	Kind        string       // KindACRF, KindNOTI, or the root element of another XML reply
	FileName    string       // the reply file's name, e.g. FO.ACRF.999999.20261121.00001.R
	Form        string       // the reply's Identification, e.g. ACRF001, NOTI001
	About       string       // FileReference/FileName: the submitted GO or FI name
	Accepted    bool         // ResultCode 1
	ResultCode  string       // as written in the reply; empty when it has none
	Diagnosis   string       // HandlingResult/Diagnosis of a notification
	Errors      []ReplyError // refusal codes (ACRF) or anomalies (NOTI), in order
	MoreErrors  int          // errors beyond MaxReplyErrors, counted but not kept
	Reference   string       // the reference number the transfer point gave the submission
	Declaration string       // NOTI: HandledOriginalForm/Identification, e.g. DMFA
	Employer    string       // NOTI: NOSSRegistrationNbr or CompanyID of the employer
	Created     time.Time    // FormCreationDate and FormCreationHour, Belgian time; zero when absent
}

// ReplyError is one refusal code of an acknowledgement or one anomaly of a
// notification.
type ReplyError struct {
	ID      string   // as written: "ACRF-125", or "00012-035" in a notification
	Code    int      // the refusal code of an ACRF-nnn ErrorID (125); 0 otherwise
	Class   string   // anomaly class of a notification: B, P, NP, D, W or I
	Details []string // other fields of the anomaly, as "Name: value"
}

// Blocking reports whether the error stops the processing: every refusal
// code of an acknowledgement, and anomalies of class B.
func (e ReplyError) Blocking() bool {
	return e.Class == "" || BlockingClass(e.Class)
}

// Explain says in lang what the error means and what to do next.
func (e ReplyError) Explain(lang string) Explanation {
	if e.Code != 0 || e.Class == "" {
		code := e.Code
		if code == 0 {
			code, _ = ParseErrorID(e.ID)
		}
		return Explain(code, lang)
	}
	// The text is the class in plain words; the caller shows the ID.
	class := []rune(ExplainAnomalyClass(e.Class, lang))
	text := strings.ToUpper(string(class[:1])) + string(class[1:]) + "."
	_, known := anomalyClasses[strings.ToUpper(e.Class)]
	var next string
	switch NormalizeLang(lang) {
	case French:
		next = "Cherchez l'anomalie %s dans la liste des anomalies du glossaire de la déclaration sur socialsecurity.be"
		if e.Blocking() {
			next += ", corrigez la déclaration et renvoyez-la sous un nouveau numéro de séquence."
		} else {
			next += " ; rien ne doit être renvoyé."
		}
	case Dutch:
		next = "Zoek de anomalie %s op in de lijst van anomalieën van het glossarium van de aangifte op socialsecurity.be"
		if e.Blocking() {
			next += ", verbeter de aangifte en verstuur ze opnieuw met een nieuw volgnummer."
		} else {
			next += "; er moet niets opnieuw verstuurd worden."
		}
	case German:
		next = "Schlagen Sie die Anomalie %s in der Liste der Anomalien im Glossar der Meldung auf socialsecurity.be nach"
		if e.Blocking() {
			next += ", korrigieren Sie die Meldung und senden Sie sie unter einer neuen Sequenznummer erneut."
		} else {
			next += "; es muss nichts erneut gesendet werden."
		}
	default:
		next = "Look anomaly %s up in the list of anomalies of the declaration's glossary on socialsecurity.be"
		if e.Blocking() {
			next += ", correct the declaration and send it again under a new sequence number."
		} else {
			next += "; nothing has to be sent again."
		}
	}
	return Explanation{Text: text, Next: fmt.Sprintf(next, e.ID), Known: known}
}

// Outcome is "accepted", "refused", or "unknown" when the reply has no
// result code.
func (r *Reply) Outcome() string {
	switch {
	case r.Accepted:
		return "accepted"
	case r.ResultCode == "":
		return "unknown"
	}
	return "refused"
}

// SetKey returns the GO name of the set the reply answers (see Set.Key):
// the submitted name itself when it is a GO name, the GO name of its set
// when it is an FI or FS name, and the name as written when it is not a
// valid name (a refused name is often not). Empty when the reply names no
// file.
func (r *Reply) SetKey() string {
	about := strings.TrimSpace(r.About)
	if i := strings.LastIndexAny(about, `/\`); i >= 0 {
		about = about[i+1:]
	}
	n, err := ParseName(about)
	if err != nil || n.IsReply() || n.Parts == 0 {
		return about
	}
	return n.With(GO).String()
}

// Env returns the environment of the reply: that of the submitted name, or
// else the last field of the reply's own name; empty when neither says.
func (r *Reply) Env() Environment {
	if n, err := ParseName(r.SetKey()); err == nil {
		return n.Env
	}
	f := strings.Split(r.FileName, ".")
	if len(f) >= 6 {
		if e := Environment(f[5]); e.Valid() {
			return e
		}
	}
	return ""
}

// ParseReply reads a reply file: name is the reply file's name, data its
// content (already unzipped for a CO file). Elements it does not know are
// ignored; a UTF-8 BOM and the encodings UTF-8, ISO-8859-1, ISO-8859-15 and
// windows-1252 are understood.
func ParseReply(name string, data []byte) (*Reply, error) {
	if int64(len(data)) > replySizeLimit {
		return nil, fmt.Errorf("%s: %w (%d bytes, the limit is %d)", name, ErrReplyTooLarge, len(data), replySizeLimit)
	}
	return ReadReply(name, bytes.NewReader(data))
}

// ReadReply is ParseReply reading from r, for replies too large to hold
// in memory twice.
func ReadReply(name string, r io.Reader) (*Reply, error) {
	lr := &io.LimitedReader{R: r, N: replySizeLimit + 1}
	rep, err := readReply(name, lr)
	if lr.N <= 0 {
		return nil, fmt.Errorf("%s: %w (the limit is %d bytes)", name, ErrReplyTooLarge, replySizeLimit)
	}
	return rep, err
}

func readReply(name string, r io.Reader) (*Reply, error) {
	fail := func(format string, args ...any) (*Reply, error) {
		return nil, fmt.Errorf("%s: %w: %s", name, ErrNotReply, fmt.Sprintf(format, args...))
	}
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(1024)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		head = head[3:]
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return fail("it is encoded in UTF-16, which Expeditor does not read")
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return fail("the file is empty")
	}
	conv, ok := charsetConverter(declaredEncoding(head))
	if !ok {
		return fail("its encoding %q is not one Expeditor reads (UTF-8, ISO-8859-1, ISO-8859-15, windows-1252)", declaredEncoding(head))
	}
	budget := newTokenBudget(&transcoder{src: br, conv: conv})
	d := xml.NewDecoder(budget)
	// The input is already UTF-8 by now: accept the declared label as is.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if _, ok := charsetConverter(label); !ok {
			return nil, fmt.Errorf("encoding %q is not supported", label)
		}
		return in, nil
	}
	p := replyParser{rep: &Reply{FileName: SafeText(name)}, budget: budget}
	if err := p.run(d); err != nil {
		if errors.Is(err, errTokenTooLarge) {
			return nil, fmt.Errorf("%s: %w: %v", name, ErrReplyTooLarge, err)
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return fail("its XML is damaged or cut off at line %d (%s)", se.Line, se.Msg)
		}
		return fail("%v", err)
	}
	return p.rep, nil
}

// replyParser walks the XML tokens. Fields are recognised by their parent
// element, not their full path, so a reply whose schema version moved a
// block still reads.
type replyParser struct {
	rep     *Reply
	budget  *tokenBudget // the decoder's input, refilled after each token
	kept    int          // bytes of text kept in rep.Errors
	stack   []string
	text    strings.Builder
	anomaly *ReplyError // the AnomalyReport being read
	date    string
	hour    string
}

func (p *replyParser) run(d *xml.Decoder) error {
	root := ""
	for {
		tok, err := d.Token()
		p.budget.refill()
		if err == io.EOF {
			if root == "" {
				return errors.New("it holds no XML element")
			}
			return errors.New("it ends before its last element is closed")
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(p.stack) >= maxReplyDepth {
				return errors.New("its elements are nested too deeply")
			}
			local := t.Name.Local
			if root == "" {
				root = local
				p.rep.Kind = kindOf(local)
			}
			p.stack = append(p.stack, local)
			p.text.Reset()
			if local == "AnomalyReport" && p.anomaly == nil {
				p.anomaly = &ReplyError{}
			}
		case xml.CharData:
			p.keepText(t)
		case xml.EndElement:
			p.end(SafeText(strings.TrimSpace(p.text.String())))
			p.text.Reset()
			p.stack = p.stack[:len(p.stack)-1]
			if len(p.stack) == 0 {
				p.finish()
				return nil
			}
		}
	}
}

func kindOf(root string) string {
	switch root {
	case "ACRF":
		return KindACRF
	case "NOTIFICATION":
		return KindNOTI
	}
	return root
}

// end records the text of the element that closes.
func (p *replyParser) end(text string) {
	n := len(p.stack)
	el := p.stack[n-1]
	parent := ""
	if n >= 2 {
		parent = p.stack[n-2]
	}
	rep := p.rep
	if p.anomaly != nil {
		switch {
		case el == "AnomalyReport":
			p.addError(*p.anomaly)
			p.anomaly = nil
		case el == "ErrorID" && p.anomaly.ID == "":
			p.anomaly.ID = text
			if c, ok := ParseErrorID(text); ok && strings.Contains(strings.ToUpper(text), "ACRF") {
				p.anomaly.Code = c
			}
		case el == "AnomalyClass" && p.anomaly.Class == "":
			p.anomaly.Class = strings.ToUpper(text)
		case text != "" && len(p.anomaly.Details) < maxDetails:
			p.anomaly.Details = append(p.anomaly.Details, el+": "+text)
		}
		return
	}
	switch parent + "/" + el {
	case "Form/Identification":
		setOnce(&rep.Form, text)
	case "Form/FormCreationDate":
		setOnce(&p.date, text)
	case "Form/FormCreationHour":
		setOnce(&p.hour, text)
	case "FileReference/FileName":
		setOnce(&rep.About, text)
	case "FileReference/ReferenceNbr":
		rep.Reference = text // the file's own reference wins over Reference/ReferenceNbr
	case "Reference/ReferenceNbr":
		setOnce(&rep.Reference, text)
	case "ReceptionResult/ResultCode", "HandlingResult/ResultCode":
		setOnce(&rep.ResultCode, text)
	case "HandlingResult/Diagnosis":
		setOnce(&rep.Diagnosis, text)
	case "HandledOriginalForm/Identification":
		setOnce(&rep.Declaration, text)
	case "EmployerId/NOSSRegistrationNbr", "EmployerId/CompanyID":
		setOnce(&rep.Employer, text)
	case "ReceptionResult/ErrorID", "HandlingResult/ErrorID":
		if text != "" {
			e := ReplyError{ID: text}
			e.Code, _ = ParseErrorID(text)
			p.addError(e)
		}
	}
}

func (p *replyParser) addError(e ReplyError) {
	if e.ID == "" && e.Class == "" && len(e.Details) == 0 {
		return
	}
	size := len(e.ID) + len(e.Class)
	for _, d := range e.Details {
		size += len(d)
	}
	if len(p.rep.Errors) >= MaxReplyErrors || p.kept+size > maxKeptText {
		p.rep.MoreErrors++
		return
	}
	p.kept += size
	p.rep.Errors = append(p.rep.Errors, e)
}

func (p *replyParser) finish() {
	rep := p.rep
	if rep.Kind != KindACRF && rep.Kind != KindNOTI {
		switch {
		case strings.HasPrefix(rep.Form, "ACRF"):
			rep.Kind = KindACRF
		case strings.HasPrefix(rep.Form, "NOTI"):
			rep.Kind = KindNOTI
		}
	}
	rep.Accepted = rep.ResultCode == "1"
	rep.Created = creationTime(p.date, p.hour)
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

var brussels = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Brussels"); err == nil {
		return l
	}
	return time.UTC
}()

// creationTime joins FormCreationDate (2026-11-21) and FormCreationHour
// (10:15:02.123, fraction optional); a date alone gives midnight.
func creationTime(date, hour string) time.Time {
	d, err := time.ParseInLocation("2006-01-02", date, brussels)
	if err != nil {
		return time.Time{}
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04:05", "15:04"} {
		if h, err := time.Parse(layout, hour); err == nil {
			return time.Date(d.Year(), d.Month(), d.Day(), h.Hour(), h.Minute(), h.Second(), h.Nanosecond(), brussels)
		}
	}
	return d
}

// declaredEncoding returns the encoding of the XML declaration at the start
// of head, or "" when there is none.
func declaredEncoding(head []byte) string {
	s := bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(s, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(s, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(s[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	j := strings.IndexByte(rest, q)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// charsetConverter returns the converter to UTF-8 for an encoding label.
func charsetConverter(label string) (convertFunc, bool) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		// Invalid UTF-8 is read as windows-1252: a producer that declared
		// UTF-8 and wrote Latin-1 still gives readable text, not an error.
		return convertLenientUTF8, true
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1",
		"windows-1252", "cp1252", "x-cp1252":
		// As browsers do, ISO-8859-1 is read as its superset windows-1252.
		return convertSingleByte(&cp1252High), true
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin-9", "latin9", "l9":
		return convertSingleByte(&latin9High), true
	}
	return nil, false
}

// convertFunc appends to dst the UTF-8 of a prefix of src and returns how
// many bytes of src it used; at eof it must use all of them.
type convertFunc func(dst, src []byte, eof bool) ([]byte, int)

func convertLenientUTF8(dst, src []byte, eof bool) ([]byte, int) {
	i := 0
	for i < len(src) {
		c := src[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if !eof && !utf8.FullRune(src[i:]) {
			break // the rest of this character comes with the next read
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			dst = utf8.AppendRune(dst, cp1252High[c-0x80])
			i++
			continue
		}
		dst = append(dst, src[i:i+size]...)
		i += size
	}
	return dst, i
}

func convertSingleByte(high *[128]rune) convertFunc {
	return func(dst, src []byte, _ bool) ([]byte, int) {
		for _, c := range src {
			if c < utf8.RuneSelf {
				dst = append(dst, c)
			} else {
				dst = utf8.AppendRune(dst, high[c-0x80])
			}
		}
		return dst, len(src)
	}
}

// cp1252High maps the bytes 0x80–0xFF of windows-1252 to runes; the five
// bytes it leaves undefined keep their ISO-8859-1 meaning.
var cp1252High = func() (t [128]rune) {
	for i := range t {
		t[i] = rune(0x80 + i)
	}
	for b, r := range map[byte]rune{
		0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡',
		0x88: 'ˆ', 0x89: '‰', 0x8A: 'Š', 0x8B: '‹', 0x8C: 'Œ', 0x8E: 'Ž',
		0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—',
		0x98: '˜', 0x99: '™', 0x9A: 'š', 0x9B: '›', 0x9C: 'œ', 0x9E: 'ž', 0x9F: 'Ÿ',
	} {
		t[b-0x80] = r
	}
	return t
}()

// latin9High is ISO-8859-15: ISO-8859-1 with eight letters changed.
var latin9High = func() (t [128]rune) {
	for i := range t {
		t[i] = rune(0x80 + i)
	}
	for b, r := range map[byte]rune{
		0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ',
	} {
		t[b-0x80] = r
	}
	return t
}()

// transcoder is an io.Reader that converts src to UTF-8 as it reads.
type transcoder struct {
	src  io.Reader
	conv convertFunc
	in   []byte // read from src, not yet converted
	out  []byte // converted, not yet returned
	obuf []byte // the array behind out, reused between reads
	err  error  // src's error, returned once in and out are used up
	buf  [4096]byte
}

func (t *transcoder) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		if t.err != nil && len(t.in) == 0 {
			return 0, t.err
		}
		if t.err == nil {
			n, err := t.src.Read(t.buf[:])
			t.in = append(t.in, t.buf[:n]...)
			t.err = err
		}
		var used int
		t.obuf, used = t.conv(t.obuf[:0], t.in, t.err != nil)
		t.out = t.obuf
		t.in = append(t.in[:0], t.in[used:]...)
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
}
