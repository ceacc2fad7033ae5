package app

import (
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
	"github.com/expeditor-be/expeditor/workflow"
)

// prefDeleteReplies remembers the "delete from the server" choice.
const prefDeleteReplies = "deleteReplies"

// maxRepliesShown is how many kept replies the step lists.
const maxRepliesShown = 50

// repliesView is what the replies step shows, kept across a change of
// language: its message and the outcome of the current declaration.
type repliesView struct {
	message text
	outcome *finishOutcome
	all     bool // the replies about other declarations are listed too
}

// repliesStep is step 5: fetch the replies, keep them, optionally delete
// them from the server, and explain each one.
type repliesStep struct {
	u       *UI
	content fyne.CanvasObject

	profileLabel *widget.Label
	deleteCheck  *widget.Check
	fetchButton  *widget.Button
	busy         *widget.ProgressBarInfinite
	message      *widget.Label
	list         *fyne.Container
	// The finish: the outcome of the current declaration, and the way
	// to the next one.
	finish     *fyne.Container
	intro      *widget.Label
	nextButton *widget.Button
	// allCheck shows the replies about other declarations too (only
	// the current declaration's are listed while there is one).
	allCheck *widget.Check
	kept     []keptReply
	// cards are the replies shown, newest first (tests read them).
	cards []replyCard
}

// replyCard is one reply as shown.
type replyCard struct {
	reply    *batch.Reply
	local    string
	title    *widget.Label
	accepted bool
	details  []string
}

func newRepliesStep(u *UI) *repliesStep {
	r := &repliesStep{u: u}
	r.profileLabel = widget.NewLabel("")
	r.profileLabel.Wrapping = fyne.TextWrapWord
	r.deleteCheck = widget.NewCheck(lang.L("replies.delete"), func(on bool) { u.app.Preferences().SetBool(prefDeleteReplies, on) })
	r.deleteCheck.SetChecked(u.app.Preferences().Bool(prefDeleteReplies))
	r.fetchButton = widget.NewButtonWithIcon(lang.L("replies.fetch"), theme.DownloadIcon(), r.fetch)
	r.fetchButton.Importance = widget.HighImportance
	r.busy = widget.NewProgressBarInfinite()
	r.busy.Stop()
	r.busy.Hide()
	r.message = widget.NewLabel("")
	r.message.Wrapping = fyne.TextWrapWord
	r.list = container.NewVBox()
	r.intro = widget.NewLabel(lang.L("replies.intro"))
	r.intro.Wrapping = fyne.TextWrapWord
	r.finish = container.NewVBox()
	r.allCheck = widget.NewCheck(lang.L("replies.all"), func(on bool) {
		u.views.replies.all = on
		r.showKept(r.kept)
	})
	r.allCheck.SetChecked(u.views.replies.all)
	r.nextButton = widget.NewButtonWithIcon(lang.L("finish.next"), theme.ContentAddIcon(), u.nextDeclaration)
	r.nextButton.Importance = widget.HighImportance
	r.content = page(container.NewVBox(
		heading(lang.L("step.replies")),
		r.finish,
		r.intro,
		r.profileLabel,
		r.deleteCheck,
		r.busy,
		r.message,
		r.allCheck,
		r.list,
	), r.fetchButton, r.nextButton)
	r.message.SetText(u.views.replies.message.show())
	r.showOutcome()
	return r
}

// showOutcome shows the finish when the current declaration has its
// answer: the outcome first, the way to the next declaration as the main
// button; the replies in detail stay below.
func (r *repliesStep) showOutcome() {
	o := r.u.views.replies.outcome
	if o != nil && (r.u.state.set == nil || o.set != r.u.state.set.Key()) {
		o = nil
	}
	r.finish.Objects = nil
	if o == nil {
		r.finish.Hide()
		r.intro.Show()
		r.nextButton.Hide()
		r.fetchButton.Importance = widget.HighImportance
	} else {
		r.finish.Add(finishPage(o))
		r.finish.Show()
		r.intro.Hide()
		r.nextButton.Show()
		r.fetchButton.Importance = widget.MediumImportance
	}
	r.fetchButton.Refresh()
	relayout(r.content)
}

// setText shows a message, worded when shown.
func (r *repliesStep) setText(t text) {
	r.u.views.replies.message = t
	r.message.SetText(t.show())
}

// loadProfiles follows a change of profile made in the send step.
func (r *repliesStep) loadProfiles() { r.refresh() }

// refresh shows the profile and the replies kept so far.
func (r *repliesStep) refresh() {
	name := r.u.state.profile
	if name == practiceProfile || name == "" {
		name = lang.L("send.practice")
	}
	r.profileLabel.SetText(lang.L("replies.profile", map[string]any{"Profile": name}))
	r.reloadKept()
}

// fetch brings the replies back.
func (r *repliesStep) fetch() {
	u := r.u
	del := r.deleteCheck.Checked
	r.fetchButton.Disable()
	r.busy.Show()
	r.busy.Start()
	r.setText(func() string { return lang.L("replies.fetching") })
	var got []workflow.Reply
	var kept []keptReply
	var dir, account string
	var outcome *finishOutcome
	profile := u.state.profile
	set := u.state.set
	practicing := u.practicing()
	u.tasks.run(func(ctx context.Context) error {
		// Each account's replies are kept in its own folder (each account
		// numbers its replies itself, so two accounts' replies share names).
		account = accountOf(profile)
		var err error
		if dir, err = workflow.RepliesDir(account); err != nil {
			return err
		}
		defer func() { // what is kept, even after a failure
			kept, outcome, _ = keptAndOutcome(dir, account, set, practicing)
		}()
		c, err := u.connect(ctx)
		if err != nil {
			return err
		}
		// The account as connected (the practice point may listen
		// elsewhere than usual): its own replies folder.
		account = workflow.AccountOf(c.ep.User, c.ep.Host)
		if dir, err = workflow.RepliesDir(account); err != nil {
			return err
		}
		t, err := uploader.Dial(ctx, c.ep, c.auth)
		if err != nil {
			return err
		}
		defer t.Close()
		l, err := workflow.OpenLedger()
		if err != nil {
			return err
		}
		defer l.Close()
		got, err = l.FetchReplies(ctx, t, account, uploader.FetchOptions{Dir: dir, Delete: del, SkipMissingFolders: true, Account: uploader.ReplyAccount(c.ep)})
		return err
	}, func(err error) {
		r := u.replies // the step as shown now (the language may have changed)
		r.busy.Stop()
		r.busy.Hide()
		r.fetchButton.Enable()
		n := 0
		for _, f := range got {
			if f.Reply != nil && f.Downloaded {
				n++
			}
		}
		if err != nil {
			u.log.Errorf("fetching replies: %v", err)
			r.setText(func() string {
				return plural("replies.failed", n, map[string]any{"Error": connectionMessage(err), "N": n})
			})
		} else {
			u.log.Infof("fetched %d new replies into %s", n, dir)
			if n == 0 {
				r.setText(func() string { return lang.L("replies.none") })
			} else {
				r.setText(func() string { return plural("replies.fetched", n, map[string]any{"N": n, "Folder": shortPath(dir)}) })
			}
		}
		r.setOutcome(set, outcome)
		r.showKept(kept)
		u.showReplySignatures(fetchedReplies(got)) // watch.go
		relayout(r.content)                        // the message may have grown
		u.refreshStatus()
	})
}

// keptReply is a reply kept in the replies folder.
type keptReply struct {
	path  string
	reply *batch.Reply
	// note, for a refusal 133 of a set the ledger shows accepted for the
	// account, says there is nothing to do.
	note *workflow.Message
}

// keptAndOutcome reads the replies of account kept in dir (loadKept) and,
// when set is given, the set's outcome (outcomeOf), with one opening of
// the ledger for both. The outcome is looked for even when the folder
// cannot be read; the first error is returned. It reads files: call it
// from a task.
func keptAndOutcome(dir, account string, set *batch.Set, practice bool) ([]keptReply, *finishOutcome, error) {
	kept, err := loadKept(dir)
	l, lerr := workflow.OpenLedger()
	if lerr != nil {
		if set == nil {
			return kept, nil, err // the replies are shown without notes
		}
		return kept, nil, cmp.Or(err, lerr)
	}
	defer l.Close()
	for i := range kept {
		kept[i].note, _ = l.AlreadyAccepted(account, kept[i].reply)
	}
	if set == nil {
		return kept, nil, err
	}
	o, oerr := outcomeOf(l, account, *set, kept, practice)
	return kept, o, cmp.Or(err, oerr)
}

// loadKept reads and parses the replies kept in dir, newest first, at
// most maxRepliesShown. It reads files: call it from a task.
func loadKept(dir string) ([]keptReply, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var all []keptReply
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasPrefix(name, "FO.") || strings.HasPrefix(name, "CO.")) || strings.HasSuffix(strings.ToLower(name), ".zip") {
			continue
		}
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		rep, err := batch.ReadReply(name, f)
		f.Close()
		if err != nil {
			continue // a CO archive, or a reply's own FS/GO
		}
		all = append(all, keptReply{path: path, reply: rep})
	}
	slices.SortFunc(all, func(a, b keptReply) int {
		if c := b.reply.Created.Compare(a.reply.Created); c != 0 {
			return c
		}
		return strings.Compare(b.reply.FileName, a.reply.FileName)
	})
	if len(all) > maxRepliesShown {
		all = all[:maxRepliesShown]
	}
	return all, nil
}

// reloadKept reads the kept replies off the UI goroutine and shows them.
func (r *repliesStep) reloadKept() {
	var all []keptReply
	var outcome *finishOutcome
	u := r.u
	profile := u.state.profile
	set := u.state.set
	practicing := u.practicing()
	u.tasks.run(func(context.Context) error {
		account := accountOf(profile)
		dir, err := workflow.RepliesDir(account)
		if err != nil {
			return err
		}
		all, outcome, err = keptAndOutcome(dir, account, set, practicing)
		return err
	}, func(err error) {
		r := u.replies
		if err != nil {
			r.setText(func() string { return explain(err) })
			return
		}
		r.setOutcome(set, outcome)
		r.showKept(all)
	})
}

// setOutcome keeps the outcome found for set, if set is still the
// current declaration, and shows it.
func (r *repliesStep) setOutcome(set *batch.Set, o *finishOutcome) {
	cur := r.u.state.set
	if set == nil || cur == nil || cur.Key() != set.Key() {
		return
	}
	r.u.views.replies.outcome = o
	if o != nil {
		r.u.state.answered = true
	}
	r.showOutcome()
	r.u.refreshStatus()
}

// showKept lists the kept replies: those about the current declaration
// while there is one (all of them on request).
func (r *repliesStep) showKept(all []keptReply) {
	r.kept = all
	r.list.Objects = nil
	r.cards = nil
	set := r.u.state.set
	others := 0
	for _, k := range all {
		mine := set != nil && k.reply.SetKey() == set.Key()
		if mine {
			r.u.state.answered = true
		}
		if set != nil && !mine && !r.u.views.replies.all {
			others++
			continue
		}
		card := newReplyCard(k.reply, k.path, k.note, r.u.practicing())
		r.cards = append(r.cards, card)
		r.list.Add(card.object())
	}
	if set == nil || (others == 0 && !r.u.views.replies.all) {
		r.allCheck.Hide()
	} else {
		r.allCheck.Show()
	}
	r.list.Refresh()
	relayout(r.content)
}

// newReplyCard explains one reply: accepted or refused, and every code in
// plain words with the next step. A practice point's reply (practice:
// the replies are the practice account's) shows the assistant's own words
// for its free text, which is in English; a real reply's text is shown as
// the social security wrote it.
func newReplyCard(rep *batch.Reply, local string, note *workflow.Message, practice bool) replyCard {
	c := replyCard{reply: rep, local: local, accepted: rep.Accepted}
	kind := lang.L("replies.kind.other")
	switch rep.Kind {
	case batch.KindACRF:
		kind = lang.L("replies.kind.acrf")
	case batch.KindNOTI:
		kind = lang.L("replies.kind.noti")
	}
	outcome := lang.L("replies.unknown")
	switch rep.Outcome() {
	case "accepted":
		outcome = lang.L("replies.accepted")
	case "refused":
		outcome = lang.L("replies.refused")
	}
	about := rep.SetKey()
	if about == "" {
		about = rep.FileName
	}
	c.title = widget.NewLabelWithStyle(outcome+" — "+about, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	switch rep.Outcome() {
	case "accepted":
		c.title.Importance = widget.SuccessImportance
	case "refused":
		c.title.Importance = widget.DangerImportance
	}
	c.details = append(c.details, kind+" · "+rep.FileName)
	if !rep.Created.IsZero() {
		c.details[0] += " · " + rep.Created.Format("02/01/2006 15:04")
	}
	if rep.Reference != "" {
		c.details = append(c.details, lang.L("replies.reference", map[string]any{"Ref": rep.Reference}))
	}
	switch {
	case rep.Diagnosis != "" && practice:
		c.details = append(c.details, lang.L("replies.practice.diagnosis"))
	case rep.Diagnosis != "":
		c.details = append(c.details, rep.Diagnosis)
	}
	l := batchLang()
	for _, e := range rep.Errors {
		ex := e.Explain(l)
		if note != nil && e.Code == batch.CodeNameAlreadySent {
			// Never "send it again under a new number": the first copy
			// was accepted.
			ex.Next = messageText(note)
		}
		line := e.ID + ": " + ex.Text
		if ex.Next != "" {
			line += " " + lang.L("replies.next", map[string]any{"Next": ex.Next})
		}
		c.details = append(c.details, line)
	}
	if rep.MoreErrors > 0 {
		c.details = append(c.details, lang.L("replies.more", map[string]any{"N": rep.MoreErrors}))
	}
	return c
}

func (c replyCard) object() fyne.CanvasObject {
	icon := theme.QuestionIcon()
	switch c.reply.Outcome() {
	case "accepted":
		icon = theme.ConfirmIcon()
	case "refused":
		icon = theme.ErrorIcon()
	}
	box := container.NewVBox(c.title)
	for _, d := range c.details {
		l := widget.NewLabel(d)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	return container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(icon)), nil, box))
}

// batchLang is the language replies are explained in: the interface's when
// the glossary has it (en, fr, nl, de), English otherwise.
func batchLang() string { return batch.NormalizeLang(language()) }
