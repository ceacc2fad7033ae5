package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// While the window is open, the sets waiting for an answer are checked
// every few minutes; a desktop notification says when the answer came.
// Certificates are watched too: from 60 days before the end of the last
// one used, the window says at start to register the new one in Chaman.

// watchEvery is how often the waiting sets are checked.
const watchEvery = 5 * time.Minute

// now is the clock of the certificate checks (tests set it).
var now = time.Now

// Preferences about the last certificate used: its end and subject, so
// that its end can be announced at start without opening it (a .p12 needs
// its password, a card its reader).
const (
	prefCertNotAfter = "certNotAfter"
	prefCertSubject  = "certSubject"
)

// rememberCertificate keeps the end of the chosen credential's certificate.
func (u *UI) rememberCertificate(c signer.Credential) {
	if c == nil || c.Certificate() == nil {
		return
	}
	cert := c.Certificate()
	u.app.Preferences().SetString(prefCertNotAfter, cert.NotAfter.UTC().Format(time.RFC3339))
	u.app.Preferences().SetString(prefCertSubject, cert.Subject.CommonName)
}

// certificateCare warns, at start, when the last certificate used ends
// within signer.ExpiryWarning: the date, and that the new one must be
// registered in Chaman before the old one expires. It returns the text
// shown ("" when nothing is to be said).
func (u *UI) certificateCare() string {
	s := u.app.Preferences().String(prefCertNotAfter)
	end, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return ""
	}
	left := end.Sub(now())
	var text string
	switch {
	case left <= 0:
		text = lang.L("cert.expired", map[string]any{"Date": end.Local().Format("2006-01-02")})
	case left < signer.ExpiryWarning:
		text = lang.L("cert.expiring-soon", map[string]any{"Date": end.Local().Format("2006-01-02"), "Days": int(left.Hours() / 24)})
	default:
		return ""
	}
	if subject := u.app.Preferences().String(prefCertSubject); subject != "" {
		text = subject + ": " + text
	}
	u.log.Infof("certificate care: %s", text)
	dialog.ShowInformation(lang.L("care.title"), text, u.window)
	return text
}

// watchAnswers checks the waiting sets every watchEvery until the window
// closes (its task is cancelled with the others).
func (u *UI) watchAnswers() {
	u.tasks.run(func(ctx context.Context) error {
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				u.checkAnswers(ctx)
			}
		}
	}, nil)
}

// waitingSets are the sets sent that have no final answer yet, as the
// ledger knows them: sent (or GO-uncertain) with no reply, or
// acknowledged as accepted with no notification.
func waitingSets() map[string]bool {
	l, err := workflow.OpenLedger()
	if err != nil {
		return nil
	}
	defer l.Close()
	recs, err := l.List(workflow.Query{})
	if err != nil {
		return nil
	}
	w := map[string]bool{}
	for _, r := range recs {
		switch r.State {
		case workflow.StateSent, workflow.StateGOUncertain, workflow.StateAckAccepted:
			w[r.Set] = true
		}
	}
	return w
}

// checkAnswers fetches the replies of the chosen profile when sets are
// waiting and it can connect without asking anything, then notifies.
func (u *UI) checkAnswers(ctx context.Context) {
	waiting := waitingSets()
	if len(waiting) == 0 {
		return
	}
	c, err := u.quietConnect(ctx)
	if err != nil {
		return // asked again at the next check; the Replies step says why
	}
	t, err := uploader.Dial(ctx, c.ep, c.auth)
	if err != nil {
		u.log.Infof("checking for answers: %v", err)
		return
	}
	defer t.Close()
	account := workflow.AccountOf(c.ep.User, c.ep.Host)
	dir, err := workflow.RepliesDir(account)
	if err != nil {
		return
	}
	l, err := workflow.OpenLedger()
	if err != nil {
		return
	}
	defer l.Close()
	matched, err := l.FetchReplies(ctx, t, account, uploader.FetchOptions{Dir: dir, SkipMissingFolders: true, Account: uploader.ReplyAccount(c.ep)})
	if err != nil {
		u.log.Infof("checking for answers: %v", err)
	}
	got := fetchedReplies(matched)
	uiDo(func() { u.notifyAnswers(got, waiting) })
}

// quietConnect is connect without any question: the practice point, or a
// profile whose password is in the keychain or whose key has no
// passphrase.
func (u *UI) quietConnect(ctx context.Context) (*connection, error) {
	name := u.state.profile
	if name == practiceProfile || name == "" {
		return u.connect(ctx)
	}
	p, err := uploader.FindProfile(name)
	if err != nil {
		return nil, err
	}
	auth, err := workflow.ResolveAuth(ctx, workflow.Target{Endpoint: p.Endpoint, Profile: name}, quietPrompter{})
	if err != nil {
		return nil, err
	}
	return &connection{ep: p.Endpoint, auth: auth, name: name}, nil
}

// quietPrompter answers the workflow's questions without asking anyone:
// a background check never opens a dialog.
type quietPrompter struct{}

func (quietPrompter) Secret(context.Context, workflow.SecretKind, string) ([]byte, error) {
	return nil, errors.New("a password or passphrase is needed")
}

func (quietPrompter) ConfirmHostKey(context.Context, string, string, string) (bool, error) {
	return false, errors.New("host key not yet trusted")
}

// fetchedReplies is what the uploader fetched, without the ledger's
// matching.
func fetchedReplies(got []workflow.Reply) []uploader.FetchedReply {
	out := make([]uploader.FetchedReply, len(got))
	for i, r := range got {
		out[i] = r.FetchedReply
	}
	return out
}

// notifyAnswers sends a desktop notification for each waiting set that
// got a newly fetched answer (one per set, saying the most important: an
// untrusted signature, a refusal, the notification's acceptance, or the
// acknowledgement), and returns how many it sent.
func (u *UI) notifyAnswers(got []uploader.FetchedReply, waiting map[string]bool) int {
	rank := map[string]int{}
	text := map[string]string{}
	var order []string
	for _, r := range got {
		if r.Reply == nil || !r.Downloaded || !waiting[r.Reply.SetKey()] {
			continue
		}
		set := r.Reply.SetKey()
		args := map[string]any{"Set": set}
		var msg string
		var n int
		switch {
		case r.Signature.Untrusted():
			msg, n = lang.L("notify.untrusted", args), 4
		case r.Reply.Outcome() == "refused":
			msg, n = lang.L("notify.refused", args), 3
		case r.Reply.Outcome() == "accepted" && r.Reply.Kind == batch.KindACRF:
			msg, n = lang.L("notify.received", args), 1
		case r.Reply.Outcome() == "accepted":
			msg, n = lang.L("notify.accepted", args), 2
		default:
			continue
		}
		if _, seen := rank[set]; !seen {
			order = append(order, set)
		}
		if n > rank[set] {
			rank[set], text[set] = n, msg
		}
	}
	for _, set := range order {
		u.app.SendNotification(fyne.NewNotification(lang.L("notify.title"), text[set]))
		u.log.Infof("notified: %s", text[set])
	}
	return len(order)
}

// signatureLines says, for each reply fetched, what its signature check
// found: valid and by whom (with the timestamp's time), none, or INVALID.
func signatureLines(got []uploader.FetchedReply) []string {
	var lines []string
	for _, r := range got {
		c := r.Signature
		if r.Reply == nil || c == nil {
			continue
		}
		var text string
		switch c.Status {
		case uploader.SignatureValid:
			text = lang.L("replies.sig.valid", map[string]any{"Signer": c.Signature.SignerName()})
			if ts := c.Signature.Timestamp; ts != nil {
				text += " " + lang.L("replies.sig.timestamp", map[string]any{"Time": ts.Time.Local().Format("02/01/2006 15:04:05")})
			}
		case uploader.SignatureUnsigned:
			text = lang.L("replies.sig.none")
		case uploader.SignatureChanged:
			text = lang.L("replies.sig.changed", map[string]any{"Signer": c.Signature.SignerName(), "Previous": c.Previous.Subject})
		default:
			text = lang.L("replies.sig.invalid")
		}
		lines = append(lines, r.Reply.FileName+": "+text)
	}
	return lines
}

// showReplySignatures adds the signature of each reply fetched to the
// Replies step's message (worded again after a change of language, like
// the rest of it), and warns about untrusted ones.
func (u *UI) showReplySignatures(got []uploader.FetchedReply) {
	if len(signatureLines(got)) > 0 {
		before := u.views.replies.message
		u.replies.setText(func() string {
			return before.show() + "\n" + strings.Join(signatureLines(got), "\n")
		})
	}
	u.warnUntrusted(got)
}

// warnUntrusted says plainly not to trust the replies whose signature is
// invalid or made by another signer than before. It returns the text.
func (u *UI) warnUntrusted(got []uploader.FetchedReply) string {
	var names []string
	for _, r := range got {
		if r.Reply != nil && r.Signature.Untrusted() {
			names = append(names, r.Reply.FileName)
		}
	}
	if len(names) == 0 {
		return ""
	}
	text := lang.L("replies.untrusted", map[string]any{"Files": strings.Join(names, "\n")})
	u.log.Errorf("untrusted reply signatures: %s", strings.Join(names, ", "))
	dialog.ShowInformation(lang.L("replies.untrusted.title"), text, u.window)
	return text
}
