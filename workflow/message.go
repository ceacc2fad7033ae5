package workflow

import (
	"sort"
	"strings"
)

// Code names a message of the workflow, stable and machine-readable, so
// that a front-end words it in its own language without parsing text.
type Code string

// The codes of Message.
const (
	// MsgAlreadySent: the ledger shows the set sent, accepted or
	// GO-uncertain for this account. Args: set, account, state, when.
	MsgAlreadySent Code = "already-sent"
	// MsgBusy: another process is sending the set to the account right
	// now. Args: set, account, pid, host, since.
	MsgBusy Code = "busy"
	// MsgGOUncertain: the connection broke, or Cancel came, while the GO
	// was leaving: the transfer point may have received it. Args: set,
	// account.
	MsgGOUncertain Code = "go-uncertain"
	// MsgAlreadyAccepted: a refusal 133 for a set the ledger shows as
	// accepted: nothing to do. Args: set, account, when.
	MsgAlreadyAccepted Code = "already-accepted"
	// MsgRecordFailed: the set was sent, but the ledger could not record
	// it. Args: set.
	MsgRecordFailed Code = "record-failed"
)

// Codes lists every code, for front-ends that translate them.
var Codes = []Code{MsgAlreadySent, MsgBusy, MsgGOUncertain, MsgAlreadyAccepted, MsgRecordFailed}

// Message is an error or a note of the workflow: a code with its
// arguments, and the cause when there is one. Error gives it in English.
type Message struct {
	Code Code
	Args map[string]string
	Err  error
}

var english = map[Code]string{
	MsgAlreadySent:     "{set} was already sent to {account}: the ledger shows it {state} since {when}",
	MsgBusy:            "{set} is being sent to {account} by another Expeditor right now (process {pid} on {host}, since {since})",
	MsgGOUncertain:     "the connection broke while the GO of {set} was leaving: the transfer point may have received it",
	MsgAlreadyAccepted: "{set} was already accepted on {when}; this refusal (133) is for a second copy: nothing to do",
	MsgRecordFailed:    "{set} was sent, but the ledger could not record it",
}

// Format replaces each {name} of template with its argument.
func (m *Message) Format(template string) string {
	keys := make([]string, 0, len(m.Args))
	for k := range m.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, "{"+k+"}", m.Args[k])
	}
	return strings.NewReplacer(pairs...).Replace(template)
}

func (m *Message) Error() string {
	s := m.Format(english[m.Code])
	if s == "" {
		s = string(m.Code)
	}
	if m.Err != nil {
		s += ": " + m.Err.Error()
	}
	return s
}

func (m *Message) Unwrap() error { return m.Err }

// Is matches a *Message of the same code, so that errors.Is(err,
// &Message{Code: MsgBusy}) works.
func (m *Message) Is(target error) bool {
	if s, ok := sentinels[m.Code]; ok && target == s {
		return true
	}
	t, ok := target.(*Message)
	return ok && t.Code == m.Code && t.Args == nil
}

// sentinels are the errors of other packages a code stands for, so that
// errors.Is(err, batch.ErrEmptyDeclaration) holds for its message
// without repeating that error's text as a cause.
var sentinels = map[Code]error{}

// Msg is a Message with no cause; args alternate name, value.
func Msg(code Code, args ...string) *Message {
	m := &Message{Code: code, Args: map[string]string{}}
	for i := 0; i+1 < len(args); i += 2 {
		m.Args[args[i]] = args[i+1]
	}
	return m
}

// StateWords is the English word of each state, for the CLI and logs.
var StateWords = map[State]string{
	StatePrepared:      "prepared",
	StateSending:       "being sent",
	StateSendFailed:    "send stopped (no GO)",
	StateSent:          "sent",
	StateGOUncertain:   "GO uncertain",
	StateAckAccepted:   "acknowledged: accepted",
	StateAckRefused:    "acknowledged: refused",
	StateNotiAccepted:  "notified: accepted",
	StateNotiAnomalies: "notified: accepted with anomalies",
	StateNotiRefused:   "notified: refused",
	StateCancelled:     "TD sent (cancel asked)",
}

// Word is the state in English.
func (s State) Word() string {
	if w, ok := StateWords[s]; ok {
		return w
	}
	return string(s)
}

// TimeLayout is how the ledger's times are shown.
const TimeLayout = "2006-01-02 15:04"
