package practice

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/batch"
)

// Answer is one acknowledgement the practice point wrote: for a set when
// its GO arrived, or for a single file whose name it could not accept.
type Answer struct {
	Account  string    // the FTP account the files were dropped into
	Folder   string    // the upload folder (IN, INTEST, INTEST-S)
	File     string    // the GO name, or the refused file's name
	Accepted bool      // ResultCode 1
	Codes    []int     // the refusal codes (ErrorID ACRF-nnn), sorted
	Problems []Problem // each code with the file at fault and why
	// ReplyFolder holds Reply (the FO.ACRF file) and, when the set was
	// accepted, Notification (the FO.NOTI file); each has its GO.
	ReplyFolder  string
	Reply        string
	Notification string
	Time         time.Time
}

// Problem is one reason for a refusal.
type Problem struct {
	Code   int
	File   string
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("%d %s: %s", p.Code, p.File, p.Reason) }

// verifySignature checks one FS against its FI. The practice point takes
// any valid signature, self-signed certificates included: it is practice.
var verifySignature = verifyFS

// received looks at a file that has just arrived in an upload folder. A GO
// starts the checks of its set; a file whose name can never belong to a set
// is refused at once, since no GO could ever name it. FI and FS files wait
// for their GO.
func (s *Server) received(user, folder, name string) {
	if strings.HasPrefix(name, ".") || hasTempSuffix(name) {
		return // an uploader's temporary name: the final name will follow
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, _ := parseUser(user)
	env, _ := batch.EnvironmentOfFolder(folder)
	n, err := batch.ParseName(name)
	switch {
	case err != nil:
		code, reason := batch.CodeWrongPrefix, err.Error()
		var ne *batch.NameError
		if errors.As(err, &ne) {
			code, reason = ne.Code, ne.Reason
		}
		s.answer(acct, folder, env, name, nil, []Problem{{code, name, reason}})
	case n.IsReply():
		s.answer(acct, folder, env, name, nil, []Problem{{batch.CodeWrongPrefix, name, "FO and CO files come from the transfer point; a sender drops FI, FS and GO files"}})
	case n.Prefix == batch.TD:
		s.cancel(acct, folder, n)
	case n.Prefix == batch.GO:
		s.checkSet(acct, folder, env, n)
	}
}

func hasTempSuffix(name string) bool {
	for _, suf := range []string{".part", ".tmp", ".filepart", ".partial"} {
		if strings.HasSuffix(strings.ToLower(name), suf) {
			return true
		}
	}
	return false
}

// member is one file of the account's upload folders that carries the
// declaration's identity (application, sender, date, sequence number,
// environment).
type member struct {
	name   batch.Name
	folder string
	path   string
	size   int64
}

// members lists the FI and FS files of the declaration n in every upload
// folder of the account.
func (s *Server) members(user string, n batch.Name) []member {
	var ms []member
	for _, folder := range uploadFolders {
		entries, _ := os.ReadDir(filepath.Join(s.home(user), folder))
		for _, e := range entries {
			m, err := batch.ParseName(e.Name())
			if err != nil || (m.Prefix != batch.FI && m.Prefix != batch.FS) {
				continue
			}
			if m.App != n.App || m.Sender != n.Sender || m.Date != n.Date || m.Seq != n.Seq || m.Env != n.Env {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue
			}
			p := filepath.Join(s.home(user), folder, e.Name())
			if s.isPending(p) {
				continue // already answered with an earlier GO
			}
			ms = append(ms, member{name: m, folder: folder, path: p, size: info.Size()})
		}
	}
	return ms
}

// checkSet runs the transfer point's checks on the set of a GO that has
// just arrived, answers, and puts the set's files aside.
func (s *Server) checkSet(acct account, folder string, env batch.Environment, goName batch.Name) {
	gn := goName.String()
	var probs []Problem
	add := func(code int, file, format string, args ...any) {
		probs = append(probs, Problem{code, file, fmt.Sprintf(format, args...)})
	}
	if err := goName.CheckDate(s.now()); err != nil {
		var ne *batch.NameError
		if errors.As(err, &ne) {
			add(ne.Code, gn, "%s", ne.Reason)
		}
	}
	if folder != goName.Env.UploadFolder() {
		add(batch.WrongFolderCode(goName.Env), gn, "a GO of environment %s belongs in %s, not in %s", goName.Env, goName.Env.UploadFolder(), folder)
	}
	if acct.sender != "" && goName.Sender != acct.sender {
		add(batch.CodeSenderNotFolderOwner, gn, "sender %s cannot drop files in the account of sender %s", goName.Sender, acct.sender)
	}
	key := usedKey(goName)
	if prev, ok := s.st.Used[key]; ok {
		add(batch.CodeNameAlreadySent, gn, "the sequence number %s of %s in environment %s was already used (by %s); give the declaration a new name", goName.Seq, goName.Date, goName.Env, prev)
	}

	ms := s.members(acct.user, goName)
	fis := map[int][]member{}
	fss := map[int][]member{}
	for _, m := range ms {
		mn := m.name.String()
		if m.name.Parts != goName.Parts {
			code := batch.CodeFIPartNumbering
			if m.name.Prefix == batch.FS {
				code = batch.CodeFSPartNumbering
			}
			add(code, mn, "its number of parts (%d) is not the GO's (%d)", m.name.Parts, goName.Parts)
			continue
		}
		// The wrong-folder code goes by the environment of the name,
		// whatever the kind of file: 118 for R, 119 for T, 257 for S.
		if m.folder != goName.Env.UploadFolder() {
			add(batch.WrongFolderCode(goName.Env), mn, "a file of environment %s belongs in %s, not in %s", goName.Env, goName.Env.UploadFolder(), m.folder)
		}
		if m.name.Prefix == batch.FI {
			fis[m.name.Part] = append(fis[m.name.Part], m)
		} else {
			fss[m.name.Part] = append(fss[m.name.Part], m)
		}
	}
	var missingFI, missingFS, extraFS []string
	for i := 1; i <= goName.Parts; i++ {
		if len(fis[i]) != 1 {
			missingFI = append(missingFI, goName.With(batch.FI).WithPart(i).String())
		}
		if len(fss[i]) > 1 {
			missingFS = append(missingFS, goName.With(batch.FS).WithPart(i).String())
		}
	}
	signRequired := goName.Env.SignatureRequired(s.opts.SignTest)
	for i := 1; i <= goName.Parts; i++ {
		switch {
		case signRequired && len(fss[i]) == 0:
			missingFS = append(missingFS, goName.With(batch.FS).WithPart(i).String())
		case !signRequired && len(fss[i]) > 0:
			extraFS = append(extraFS, fss[i][0].name.String())
		}
	}
	if len(missingFI) > 0 {
		add(batch.CodeFICount, gn, "the set needs exactly one FI for each of its %d parts; missing or doubled: %s", goName.Parts, strings.Join(missingFI, ", "))
	}
	if len(missingFS) > 0 {
		add(batch.CodeFSCount, gn, "the set needs exactly one FS for each of its %d parts; missing or doubled: %s", goName.Parts, strings.Join(missingFS, ", "))
	}
	if len(extraFS) > 0 {
		add(batch.CodeFSNotAllowed, extraFS[0], "an FS is not allowed in environment %s (%s); send the set without signature files", goName.Env, strings.Join(extraFS, ", "))
	}
	for i := 1; i <= goName.Parts; i++ {
		if len(fis[i]) != 1 {
			continue
		}
		fi := fis[i][0]
		if fi.size == 0 {
			add(batch.CodeNoData, fi.name.String(), "the declaration file is empty")
			continue
		}
		if !signRequired || len(fss[i]) != 1 {
			continue
		}
		if err := verifySignature(fi.path, fss[i][0].path); err != nil {
			add(batch.CodeInvalidSignature, fss[i][0].name.String(), "the signature does not match %s: %v", fi.name, err)
		}
	}
	moves := map[string]string{}
	for _, m := range ms {
		moves[m.path] = s.archivePath(acct.user, m.folder, m.name.String())
	}
	moves[filepath.Join(s.home(acct.user), folder, gn)] = s.archivePath(acct.user, folder, gn)
	if len(probs) == 0 {
		s.st.Used[key] = gn
	}
	s.answer(acct, folder, env, gn, &goName, probs)
	s.hold(moves)
}

func usedKey(n batch.Name) string { return n.Sender + "." + n.Date + "." + n.Seq + "." + string(n.Env) }

// cancel handles a TD: the files of the declaration waiting for their GO
// are put aside, and nothing is answered.
func (s *Server) cancel(acct account, folder string, td batch.Name) {
	moves := map[string]string{}
	for _, m := range s.members(acct.user, td) {
		moves[m.path] = s.archivePath(acct.user, m.folder, m.name.String())
	}
	tn := td.String()
	moves[filepath.Join(s.home(acct.user), folder, tn)] = s.archivePath(acct.user, folder, tn)
	s.logf("%s: %s cancelled, %d file(s) put aside", acct.user, tn, len(moves)-1)
	s.hold(moves)
}

// answer writes the acknowledgement (and, for an accepted set, the
// notification) in the reply folder matching the upload folder.
func (s *Server) answer(acct account, folder string, env batch.Environment, file string, goName *batch.Name, probs []Problem) {
	now := s.now()
	slices.SortStableFunc(probs, func(a, b Problem) int { return a.Code - b.Code })
	a := Answer{Account: acct.user, Folder: folder, File: file, Accepted: len(probs) == 0, Problems: probs,
		ReplyFolder: env.ReplyFolder(), Time: now}
	for _, p := range probs {
		if !slices.Contains(a.Codes, p.Code) {
			a.Codes = append(a.Codes, p.Code)
		}
	}
	dir := filepath.Join(s.home(acct.user), a.ReplyFolder)
	var err error
	a.Reply, err = s.writeReply(acct.user, dir, env, "ACRF", acrf(now, file, a.Codes))
	if err == nil && a.Accepted && goName != nil {
		a.Notification, err = s.writeReply(acct.user, dir, env, "NOTI", noti(now, file, goName.App))
	}
	if err != nil {
		s.logf("%s: cannot write the answer to %s: %v", acct.user, file, err)
	}
	if err := s.st.save(); err != nil {
		s.logf("cannot save the practice point's memory: %v", err)
	}
	if !a.Accepted && len(probs) > 0 {
		// A refused file that can never belong to a set is put aside at once.
		if goName == nil {
			p := filepath.Join(s.home(acct.user), folder, file)
			s.hold(map[string]string{p: s.archivePath(acct.user, folder, file)})
		}
	}
	if a.Accepted {
		s.logf("%s: %s in %s accepted; answer %s in %s", acct.user, file, folder, a.Reply, a.ReplyFolder)
	} else {
		s.logf("%s: %s in %s refused (%s); answer %s in %s", acct.user, file, folder, codeList(a.Codes), a.Reply, a.ReplyFolder)
	}
	if s.opts.OnAnswer != nil {
		s.opts.OnAnswer(a)
	}
}

func codeList(codes []int) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = fmt.Sprintf("ACRF-%03d", c)
	}
	return strings.Join(s, ", ")
}
