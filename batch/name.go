package batch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Prefix is the first field of a name: which kind of file it is.
type Prefix string

const (
	FI Prefix = "FI" // the declaration itself
	FS Prefix = "FS" // the detached signature of one FI part
	GO Prefix = "GO" // empty: every part is there, start processing
	TD Prefix = "TD" // empty: cancel the processing
	FO Prefix = "FO" // a reply from the transfer point
	CO Prefix = "CO" // a zipped reply from the transfer point
)

// DateLayout is the layout of the date field.
const DateLayout = "20060102"

// MaxAge is how old a creation date may be before Expeditor warns that the
// transfer point will find it too old (refusal 126). The transfer point does
// not publish its limit; a year is a conservative reading.
const MaxAge = 365 * 24 * time.Hour

// ReplySender is the sender number of the transfer point itself.
const ReplySender = "999999"

// Name is a parsed transfer-point file name, for example
// FI.DMFA.123456.20261121.00001.R.1.1.
type Name struct {
	Prefix Prefix
	App    string      // four capitals, e.g. DMFA
	Sender string      // six digits, leading zeros kept
	Date   string      // YYYYMMDD
	Seq    string      // five digits, not 00000
	Env    Environment // R, T or S
	Parts  int         // 1–9; 0 on replies that carry no part fields
	Part   int         // 1…Parts on FI and FS; 0 otherwise
}

// NameError says why a name is not valid, with the refusal code the
// transfer point would put in its acknowledgement.
type NameError struct {
	Name   string
	Field  string // the field at fault, e.g. "sequence number"
	Code   int    // the transfer point's refusal code
	Reason string // plain explanation
}

func (e *NameError) Error() string {
	return fmt.Sprintf("%q is not a valid name: %s (refusal code %d)", e.Name, e.Reason, e.Code)
}

// structuralCode is the refusal code for a name whose overall shape is wrong.
func structuralCode(p Prefix) int {
	switch p {
	case FI:
		return CodeFINameStructure
	case FS:
		return CodeFSNameStructure
	default:
		return CodeGONameStructure
	}
}

// ParseName parses and checks a name. It checks the shape and every field,
// including that the date is a real calendar date; CheckDate adds the checks
// that depend on today's date.
func ParseName(s string) (Name, error) {
	var n Name
	fail := func(field string, code int, format string, args ...any) (Name, error) {
		return Name{}, &NameError{Name: s, Field: field, Code: code, Reason: fmt.Sprintf(format, args...)}
	}
	fields := strings.Split(s, ".")
	if len(fields) < 2 {
		return fail("prefix", CodeWrongPrefix, "a name starts with FI, FS, GO or TD followed by dot-separated fields, like FI.DMFA.123456.20261121.00001.R.1.1")
	}
	n.Prefix = Prefix(fields[0])
	var want []int // allowed field counts
	switch n.Prefix {
	case FI, FS:
		want = []int{8}
	case GO, TD:
		want = []int{7}
	case FO, CO:
		want = []int{6, 7, 8}
	default:
		return fail("prefix", CodeWrongPrefix, "the prefix %q is not FI, FS, GO or TD (capitals)", fields[0])
	}
	code := structuralCode(n.Prefix)
	ok := false
	for _, w := range want {
		ok = ok || len(fields) == w
	}
	if !ok {
		extra := ""
		if len(fields) > want[len(want)-1] {
			extra = "; transfer point names have no extension such as .xml or .txt"
		}
		return fail("shape", code, "%s %s name has %d dot-separated fields, this one has %d%s", article(n.Prefix), n.Prefix, want[len(want)-1], len(fields), extra)
	}
	n.App = fields[1]
	if len(n.App) != 4 || !allIn(n.App, 'A', 'Z') {
		return fail("application", code, "the application code %q must be 4 capital letters, like DMFA or DIMN", n.App)
	}
	n.Sender = fields[2]
	if len(n.Sender) != 6 || !allIn(n.Sender, '0', '9') {
		return fail("sender", code, "the sender number %q must be 6 digits (keep the leading zeros), as given by Chaman", n.Sender)
	}
	n.Date = fields[3]
	if len(n.Date) != 8 || !allIn(n.Date, '0', '9') {
		return fail("date", CodeDateNotEightDigits, "the date %q must be 8 digits, year month day, like 20261121", n.Date)
	}
	if _, err := time.Parse(DateLayout, n.Date); err != nil {
		return fail("date", CodeDateNotReal, "the date %q is not a real calendar date", n.Date)
	}
	n.Seq = fields[4]
	if len(n.Seq) != 5 {
		return fail("sequence number", CodeSeqNotFiveCharacters, "the sequence number %q must be exactly 5 characters, like 00001", n.Seq)
	}
	if !allIn(n.Seq, '0', '9') {
		return fail("sequence number", CodeSeqNotNumeric, "the sequence number %q must contain digits only", n.Seq)
	}
	if n.Seq == "00000" {
		return fail("sequence number", CodeSeqZero, "the sequence number cannot be 00000; the first one of a day is 00001")
	}
	n.Env = Environment(fields[5])
	if n.Env == "" {
		return fail("environment", CodeEnvironmentMissing, "the environment letter is missing: after the sequence number comes R (production), T (test) or S (simulation)")
	}
	if !n.Env.Valid() {
		return fail("environment", CodeEnvironmentNotRTS, "the environment %q must be R (production), T (test) or S (simulation)", fields[5])
	}
	if len(fields) == 6 { // reply without part fields
		return n, nil
	}
	parts := fields[6]
	switch {
	case len(parts) != 1:
		return fail("number of parts", CodePartsNotOneCharacter, "the number of parts %q must be a single character, one digit from 1 to 9", parts)
	case !allIn(parts, '0', '9'):
		return fail("number of parts", CodePartsNotNumeric, "the number of parts %q must be a digit from 1 to 9", parts)
	case parts == "0":
		return fail("number of parts", CodePartsZero, "the number of parts cannot be 0")
	}
	n.Parts = int(parts[0] - '0')
	if len(fields) == 7 { // GO, TD, or a reply with the number of parts only
		return n, nil
	}
	part := fields[7]
	partCode := CodeFIPartNumbering
	if n.Prefix == FS {
		partCode = CodeFSPartNumbering
	}
	if len(part) != 1 || !allIn(part, '0', '9') {
		return fail("part", partCode, "the part number %q must be one digit from 1 to %d", part, n.Parts)
	}
	n.Part = int(part[0] - '0')
	if n.Part < 1 || n.Part > n.Parts {
		return fail("part", partCode, "the part number %d is not between 1 and the number of parts (%d)", n.Part, n.Parts)
	}
	return n, nil
}

// CheckDate checks the date against today: not in the future (111) and not
// older than MaxAge (126). Replies are not checked.
func (n Name) CheckDate(now time.Time) error {
	if n.Prefix == FO || n.Prefix == CO {
		return nil
	}
	d, err := time.ParseInLocation(DateLayout, n.Date, now.Location())
	if err != nil {
		return &NameError{Name: n.String(), Field: "date", Code: CodeDateNotReal, Reason: fmt.Sprintf("the date %q is not a real calendar date", n.Date)}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	if d.After(today) {
		return &NameError{Name: n.String(), Field: "date", Code: CodeDateInFuture, Reason: fmt.Sprintf("the date %s is in the future; use the day the file is created", n.Date)}
	}
	if today.Sub(d) > MaxAge {
		return &NameError{Name: n.String(), Field: "date", Code: CodeDateTooOld, Reason: fmt.Sprintf("the date %s is more than a year old; give the file a new name with today's date", n.Date)}
	}
	return nil
}

// String formats the name. Replies without parts, and GO and TD, have no
// part field.
func (n Name) String() string {
	var b strings.Builder
	b.WriteString(string(n.Prefix))
	for _, f := range []string{n.App, n.Sender, n.Date, n.Seq, string(n.Env)} {
		b.WriteByte('.')
		b.WriteString(f)
	}
	if n.Parts > 0 {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(n.Parts))
		if n.Part > 0 && n.Prefix != GO && n.Prefix != TD {
			b.WriteByte('.')
			b.WriteString(strconv.Itoa(n.Part))
		}
	}
	return b.String()
}

// With returns the name with another prefix. GO and TD names lose the part.
func (n Name) With(p Prefix) Name {
	n.Prefix = p
	if p == GO || p == TD {
		n.Part = 0
	}
	return n
}

// WithPart returns the FI or FS name of part i.
func (n Name) WithPart(i int) Name {
	n.Part = i
	return n
}

// Time returns the date field as a time at midnight UTC.
func (n Name) Time() time.Time {
	t, _ := time.Parse(DateLayout, n.Date)
	return t
}

// IsReply reports whether the name is a reply from the transfer point.
func (n Name) IsReply() bool { return n.Prefix == FO || n.Prefix == CO }

// NewFI builds and checks an FI name for part part of parts.
func NewFI(app, sender string, date time.Time, seq int, env Environment, parts, part int) (Name, error) {
	s := fmt.Sprintf("FI.%s.%s.%s.%05d.%s.%d.%d", app, sender, date.Format(DateLayout), seq, env, parts, part)
	return ParseName(s)
}

// article is the indefinite article spoken before a prefix ("an FI", "a GO").
func article(p Prefix) string {
	if strings.HasPrefix(string(p), "F") {
		return "an"
	}
	return "a"
}

func allIn(s string, lo, hi byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < lo || s[i] > hi {
			return false
		}
	}
	return true
}
