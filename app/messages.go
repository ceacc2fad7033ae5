package app

// The signer, uploader and batch packages write their errors, notes and
// certificate findings in English for the CLI. This file shows them in the
// interface language: sentinel and typed errors are recognised with
// errors.Is/As, findings by their Code, Prepare's notes by their shape.
// Anything unknown keeps its English text rather than disappearing.

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// explain puts an error in the user's words and language, with the next
// step. Errors it does not know keep their own (English) text and the
// signer's hint.
func explain(err error) string {
	if err == nil {
		return ""
	}
	if s, ok := explainKnown(err); ok {
		return s
	}
	msg := err.Error()
	if h := signer.Hint(err); h != "" {
		msg += "\n" + h
	}
	return msg
}

// explainIn is explain for the errors it knows, which need no context;
// for any other error it returns wrapped, the error shown in a message
// that says what was being done ("Preparing failed: …").
func explainIn(err error, wrapped string) string {
	if s, ok := explainKnown(err); ok {
		return s
	}
	return wrapped
}

// explainKnown translates the errors Expeditor's packages return for the
// person at the screen. It reports false for any other error.
func explainKnown(err error) (string, bool) {
	var (
		se *uploader.SendError
		wm *workflow.Message
		ne *batch.NameError
		pe *fs.PathError
	)
	switch {
	// The workflow's coded messages carry their own words.
	case errors.As(err, &wm):
		return messageText(wm), true

	// The signature step.
	case errors.Is(err, signer.ErrWrongPassword):
		return lang.L("sig.file.wrongpassword"), true
	case errors.Is(err, signer.ErrNotP12):
		return lang.L("err.notp12"), true
	case errors.Is(err, signer.ErrNoPrivateKey):
		return lang.L("err.nokey"), true
	case errors.Is(err, signer.ErrP12TooMuchWork):
		return lang.L("err.p12work"), true

	// Cards and tokens.
	case errors.Is(err, signer.ErrNoPKCS11):
		return lang.L("sig.token.nopkcs11"), true
	case errors.Is(err, signer.ErrNoModule):
		return lang.L("sig.token.nomodule"), true
	case errors.Is(err, signer.ErrModuleLoad):
		return lang.L("sig.token.moduleload"), true
	case errors.Is(err, signer.ErrNoReader):
		return lang.L("sig.token.noreader"), true
	case errors.Is(err, signer.ErrNoCard):
		return lang.L("sig.token.nocard"), true
	case errors.Is(err, signer.ErrTokenNotFound):
		return lang.L("sig.token.notfound"), true
	case errors.Is(err, signer.ErrAmbiguousToken):
		return lang.L("sig.token.ambiguous"), true
	case errors.Is(err, signer.ErrPINRequired):
		return lang.L("sig.token.pinrequired"), true
	case errors.Is(err, signer.ErrPINIncorrect):
		return lang.L("sig.token.pinincorrect"), true
	case errors.Is(err, signer.ErrPINLocked):
		return lang.L("sig.token.pinlocked"), true
	case errors.Is(err, signer.ErrCancelled):
		return lang.L("sig.token.cancelled"), true
	case errors.Is(err, signer.ErrKeyNotFound):
		return lang.L("sig.token.keynotfound"), true
	case errors.Is(err, signer.ErrAmbiguousKey):
		return lang.L("sig.token.ambiguouskey"), true
	case errors.Is(err, signer.ErrCertNotFound):
		return lang.L("sig.token.certnotfound"), true
	case errors.Is(err, signer.ErrCertNotForSigning):
		return lang.L("sig.token.certnotforsigning"), true
	case errors.Is(err, signer.ErrTokenRemoved):
		return lang.L("sig.token.removed"), true
	case errors.Is(err, signer.ErrMechanismNotAllowed):
		return lang.L("sig.token.mechanism"), true

	// Preparing.
	case errors.Is(err, signer.ErrNeedsCRLF):
		return lang.L("err.needscrlf"), true
	case errors.Is(err, signer.ErrTooLarge):
		return lang.L("err.toolarge"), true
	case errors.Is(err, batch.ErrLineTooLong):
		return lang.L("err.linetoolong"), true
	case errors.Is(err, signer.ErrAlreadyPrepared):
		return lang.L("err.alreadyprepared", map[string]any{"Name": "FS/GO"}), true
	case errors.Is(err, signer.ErrChangedAfterSigning):
		return lang.L("err.changed"), true
	case errors.Is(err, signer.ErrNotTextModeSafe):
		return lang.L("err.notextmode"), true

	// Sending. The set already there is said as such even when a send
	// error carries it.
	case errors.Is(err, uploader.ErrAlreadyOnServer):
		return lang.L("send.already"), true
	case errors.As(err, &se):
		return sendErrorText(se), true
	case errors.Is(err, uploader.ErrIncomplete):
		return lang.L("err.incomplete.any"), true
	case errors.Is(err, uploader.ErrFileChanged):
		return lang.L("err.filechanged"), true
	case errors.Is(err, uploader.ErrBadSignature):
		return lang.L("err.badsignature", map[string]any{"Name": "FS"}), true
	case errors.Is(err, uploader.ErrNoKeychain):
		return lang.L("err.nokeychain"), true
	case errors.Is(err, uploader.ErrNoPassword):
		return lang.L("err.nopassword"), true
	case errors.Is(err, uploader.ErrNoProfile):
		return lang.L("err.noprofile"), true
	case errors.Is(err, workflow.ErrNoIdentity):
		return lang.L("err.noidentity"), true

	// Names and files.
	case errors.As(err, &ne):
		return lang.L("err.name", map[string]any{"Name": ne.Name, "Reason": explainNameError(ne)}), true
	case errors.Is(err, batch.ErrEmptyDeclaration):
		return lang.L("err.empty"), true
	case errors.Is(err, batch.ErrNameTaken):
		return lang.L("err.nametaken"), true
	}
	if s, ok := connectionFragment(err); ok {
		return sentence(s), true
	}
	switch {
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return lang.L("err.notexist", map[string]any{"Path": pe.Path}), true
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return lang.L("err.permission", map[string]any{"Path": pe.Path}), true
	}
	return "", false
}

// connectionFragment puts a connection error in the user's words, as a
// clause to put after "Sending stopped:".
func connectionFragment(err error) (string, bool) {
	var hk *uploader.HostKeyError
	switch {
	case errors.As(err, &hk) && hk.Changed:
		return lang.L("conn.hostkeychanged", map[string]any{"Host": hk.Host}), true
	case errors.As(err, &hk):
		return lang.L("conn.hostkeyrefused", map[string]any{"Host": hk.Host}), true
	case errors.Is(err, uploader.ErrLogin):
		return lang.L("conn.login"), true
	case errors.Is(err, uploader.ErrKeyPassphrase):
		return lang.L("conn.passphrase"), true
	case errors.Is(err, uploader.ErrFolderMissing):
		return lang.L("conn.folder"), true
	case errors.Is(err, uploader.ErrTLSRequired):
		return lang.L("conn.tlsrequired"), true
	case errors.Is(err, uploader.ErrTLS):
		return lang.L("conn.tls"), true
	case errors.Is(err, uploader.ErrRefused):
		reason := uploader.ServerReason(err)
		if reason == "" {
			reason = err.Error()
		}
		return lang.L("conn.refused", map[string]any{"Reason": reason}), true
	case errors.Is(err, uploader.ErrEndpoint):
		return lang.L("conn.endpoint"), true
	case errors.Is(err, uploader.ErrFetchIncomplete):
		return lang.L("conn.fetchincomplete"), true
	case errors.Is(err, uploader.ErrZipTooLarge):
		return lang.L("conn.ziptoolarge"), true
	case errors.Is(err, uploader.ErrReplyTooLarge):
		return lang.L("conn.replytoolarge"), true
	case errors.Is(err, context.Canceled):
		return lang.L("conn.cancelled"), true
	}
	return "", false
}

// connectionMessage is a connection error as a clause ("Sending stopped:
// …"); errors that are not about the connection are explained all the same.
func connectionMessage(err error) string {
	if s, ok := connectionFragment(err); ok {
		return s
	}
	return strings.TrimSuffix(explain(err), ".")
}

// ownWords are the workflow's codes the GUI words with keys of its own;
// every other code is "msg." followed by the code.
var ownWords = map[workflow.Code]bool{workflow.MsgIncomplete: true, workflow.MsgBadSignature: true, workflow.MsgAlreadyPrepared: true}

// messageText words a coded message of the workflow in the user's
// language, from its code and arguments (never from its English text).
func messageText(m *workflow.Message) string {
	switch m.Code {
	// Messages whose words the GUI already has (see ownWords).
	case workflow.MsgIncomplete:
		return lang.L("err.incomplete", map[string]any{"Missing": m.Args["missing"]})
	case workflow.MsgBadSignature:
		return lang.L("err.badsignature", map[string]any{"Name": m.Args["fs"]})
	case workflow.MsgAlreadyPrepared:
		return lang.L("err.alreadyprepared", map[string]any{"Name": m.Args["name"]})
	}
	args := map[string]any{}
	for k, v := range m.Args {
		args[k] = v
	}
	if st, ok := m.Args["state"]; ok {
		args["state"] = stateText(workflow.State(st))
	}
	return lang.L("msg."+string(m.Code), args)
}

// sendErrorText says what is on the server after a send that stopped.
func sendErrorText(se *uploader.SendError) string {
	if se.GOUncertain {
		return lang.L("send.failed.gouncertain", map[string]any{"Error": connectionMessage(se.Err)})
	}
	on := lang.L("send.failed.nothing")
	if len(se.OnServer) > 0 {
		on = strings.Join(se.OnServer, ", ")
	}
	if errors.Is(se.Err, context.Canceled) {
		return lang.L("send.cancelled", map[string]any{"OnServer": on, "Folder": se.Folder})
	}
	args := map[string]any{"Error": connectionMessage(se.Err), "OnServer": on, "Folder": se.Folder}
	if !se.ResendSafe() {
		// Sending again as it is would not help (a login, a key, a
		// permission to fix): do not call it safe.
		return lang.L("send.failed.notsafe", args)
	}
	return lang.L("send.failed", args)
}

// sentence makes a clause a sentence: capital first letter, final period.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// findingText is a certificate finding in the interface language, by its
// code; a finding of a code unknown here keeps its English message. Dates
// are written as elsewhere in the assistant (02/01/2006).
func findingText(f signer.Finding) string {
	data := map[string]any{}
	for k, v := range f.Args {
		if d, err := time.Parse("2006-01-02", v); err == nil {
			v = d.Format("02/01/2006")
		}
		data[k] = v
	}
	switch f.Code {
	case "subject":
		return lang.L("cert.subject", data)
	case "issuer":
		return lang.L("cert.issuer", data)
	case "validity":
		return lang.L("cert.validity", data)
	case "key":
		return lang.L("cert.key", data)
	case "key-weak":
		return lang.L("cert.key-weak", data)
	case "key-unsupported":
		return lang.L("cert.key-unsupported", data)
	case "sig-weak":
		return lang.L("cert.sig-weak", data)
	case "usage-no-signing":
		return lang.L("cert.usage-no-signing", data)
	case "not-yet-valid":
		return lang.L("cert.not-yet-valid", data)
	case "expired":
		return lang.L("cert.expired", data)
	case "expiring-soon":
		days, _ := strconv.Atoi(f.Args["Days"])
		return plural("cert.expiring-soon", days, data)
	case "self-signed":
		return lang.L("cert.self-signed", data)
	}
	return f.Message
}

// noteKinds are the kinds of signer.Note the interface translates, as
// "note.<code>" keys.
var noteKinds = []string{"date", "converted", "split", "unsigned", "partmissing", "fsignored", "partunsigned", "fsbad"}

// noteText is a note of signer.Prepare in the interface language; a note
// of a kind unknown here keeps its English text.
func noteText(n signer.Note) string {
	if !slices.Contains(noteKinds, n.Code) {
		return n.Message
	}
	args := map[string]any{}
	for k, v := range n.Args {
		args[k] = v
	}
	switch n.Code {
	case "date":
		if code, err := strconv.Atoi(n.Args["Code"]); err == nil {
			args["Reason"] = explainNameError(&batch.NameError{Name: n.Args["Name"], Code: code, Reason: n.Args["Reason"]})
		}
	case "split":
		if size, err := strconv.ParseInt(n.Args["Size"], 10, 64); err == nil {
			args["Size"] = humanSize(size)
		}
	case "unsigned", "fsignored":
		args["Env"] = envLabel(batch.Environment(n.Args["Env"]))
	}
	return lang.L("note."+n.Code, args)
}

// lineEndingsText explains, in the interface language, why a file's
// line endings would make its signature fail (signer.LineEndings.Problem
// in English).
func lineEndingsText(le signer.LineEndings) string {
	switch {
	case le.TextModeSafe:
		return ""
	case le.BareLF > 0 && le.CRLF == 0 && le.BareCR == 0:
		return lang.L("crlf.unix", map[string]any{"N": le.BareLF})
	case le.BareCR == 0:
		return lang.L("crlf.mixed", map[string]any{"CRLF": le.CRLF, "LF": le.BareLF, "Line": le.FirstBadLine})
	}
	return lang.L("crlf.cr", map[string]any{"CR": le.BareCR, "LF": le.BareLF, "Line": le.FirstBadLine})
}

// notifyText translates the messages a token sends while it works.
func notifyText(msg string) string {
	if strings.HasPrefix(msg, "type your PIN on the card reader's keypad") {
		return lang.L("sig.token.pinpad")
	}
	return msg
}

// chamanText is a Chaman rule warning of uploader.CheckCredentials in the
// interface language, by its code; a code unknown here keeps its English
// message.
func chamanText(w uploader.Warning) string {
	if !slices.Contains(uploader.WarningCodes, w.Code) {
		return w.Message
	}
	args := map[string]any{}
	for k, v := range w.Args {
		args[k] = v
	}
	return lang.L("chaman."+w.Code, args)
}

// profileErrorText says why the profile form cannot save: a refused
// profile name or address in the interface language, by its code; any
// other error (the profile file, for example) as explain says it.
func profileErrorText(err error) string {
	var (
		pe *uploader.ProfileNameError
		ee *uploader.EndpointError
	)
	switch {
	case errors.As(err, &pe) && pe.Code == "length":
		return lang.L("profile.err.namelength")
	case errors.As(err, &pe) && pe.Code == "chars":
		return lang.L("profile.err.namechars", map[string]any{"Name": pe.Name})
	case errors.As(err, &ee) && slices.Contains(uploader.EndpointErrorCodes, ee.Code):
		args := map[string]any{}
		for k, v := range ee.Args {
			args[k] = v
		}
		return lang.L("endpoint."+ee.Code, args)
	}
	return explain(err)
}
