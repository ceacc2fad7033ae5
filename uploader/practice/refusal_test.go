package practice

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

func fetchAck(t *testing.T, tr uploader.Transport, env batch.Environment, about string) *batch.Reply {
	t.Helper()
	acks, _ := fetchReplies(t, tr, env)
	a, ok := acks[about]
	if !ok {
		t.Fatalf("no acknowledgement for %s; got %v", about, acks)
	}
	return a
}

// practiceNow is the practice point's clock in these tests, fixed at the
// start (so no test straddles midnight); names carry its date.
var practiceNow = time.Now()

var today = practiceNow.Format(batch.DateLayout)

var (
	decl   = []byte("<DmfAOriginal>practice</DmfAOriginal>\r\n")
	noData = []byte{}
)

// name builds a name of sender 123456, today, sequence 00001, with the
// given prefix and tail (environment, parts, part).
func name(prefix, tail string) string {
	return fmt.Sprintf("%s.DMFA.123456.%s.00001.%s", prefix, today, tail)
}

// testSet is a valid test-environment set (no FS): FI then GO.
func testSet() []upload {
	return []upload{{"INTEST", name("FI", "T.1.1"), decl}, {"INTEST", name("GO", "T.1"), noData}}
}

// TestRefusals drops one faulty set per refusal code and reads the code
// back from the acknowledgement naming the file at fault.
func TestRefusals(t *testing.T) {
	tomorrow := practiceNow.AddDate(0, 0, 1).Format("20060102")
	old := practiceNow.AddDate(-2, 0, 0).Format("20060102")
	cases := []struct {
		code    int
		user    string // default: the shared account
		files   []upload
		answer  string // the FileName of the acknowledgement to read
		replyIn string // default OUTTEST
	}{
		{code: 107, files: []upload{{"IN", "GO.DMFA.123456." + today + ".00001.R", noData}}, answer: "GO.DMFA.123456." + today + ".00001.R", replyIn: "OUT"},
		{code: 131, files: []upload{{"INTEST", name("FI", "T.1"), decl}}, answer: name("FI", "T.1")},
		{code: 132, files: []upload{{"IN", "FS.DMFA.12345." + today + ".00001.R.1.1", decl}}, answer: "FS.DMFA.12345." + today + ".00001.R.1.1", replyIn: "OUT"},
		{code: 129, files: []upload{{"INTEST", "declaration.xml", decl}}, answer: "declaration.xml"},
		{code: 109, files: []upload{{"INTEST", "GO.DMFA.123456.2026112.00001.T.1", noData}}, answer: "GO.DMFA.123456.2026112.00001.T.1"},
		{code: 110, files: []upload{{"INTEST", "GO.DMFA.123456.20261131.00001.T.1", noData}}, answer: "GO.DMFA.123456.20261131.00001.T.1"},
		{code: 111, files: []upload{
			{"INTEST", "FI.DMFA.123456." + tomorrow + ".00001.T.1.1", decl},
			{"INTEST", "GO.DMFA.123456." + tomorrow + ".00001.T.1", noData}}, answer: "GO.DMFA.123456." + tomorrow + ".00001.T.1"},
		{code: 126, files: []upload{
			{"INTEST", "FI.DMFA.123456." + old + ".00001.T.1.1", decl},
			{"INTEST", "GO.DMFA.123456." + old + ".00001.T.1", noData}}, answer: "GO.DMFA.123456." + old + ".00001.T.1"},
		{code: 112, files: []upload{{"INTEST", "GO.DMFA.123456." + today + ".0001.T.1", noData}}, answer: "GO.DMFA.123456." + today + ".0001.T.1"},
		{code: 113, files: []upload{{"INTEST", "GO.DMFA.123456." + today + ".0000A.T.1", noData}}, answer: "GO.DMFA.123456." + today + ".0000A.T.1"},
		{code: 127, files: []upload{{"INTEST", "GO.DMFA.123456." + today + ".00000.T.1", noData}}, answer: "GO.DMFA.123456." + today + ".00000.T.1"},
		{code: 117, files: []upload{{"INTEST", name("GO", "X.1"), noData}}, answer: name("GO", "X.1")},
		{code: 144, files: []upload{{"INTEST", name("GO", ".1"), noData}}, answer: name("GO", ".1")},
		// 114: the number of parts is not one character; 115: not numeric.
		{code: 114, files: []upload{{"INTEST", name("GO", "T.12"), noData}}, answer: name("GO", "T.12")},
		{code: 115, files: []upload{{"INTEST", name("GO", "T.A"), noData}}, answer: name("GO", "T.A")},
		{code: 116, files: []upload{{"INTEST", name("GO", "T.0"), noData}}, answer: name("GO", "T.0")},
		{code: 123, files: []upload{{"INTEST", name("FI", "T.1.A"), decl}}, answer: name("FI", "T.1.A")},
		// The wrong-folder codes go by the environment letter of the name,
		// whatever the file: 118 an R file not in IN, 119 a T file not in
		// INTEST, 257 an S file not in INTEST-S.
		// A production set whose FS went to the test folder.
		{code: 118, files: []upload{{"IN", name("FI", "R.1.1"), decl}, {"INTEST", name("FS", "R.1.1"), nil}, {"IN", name("GO", "R.1"), noData}}, answer: name("GO", "R.1"), replyIn: "OUT"},
		// A production set whose GO went to the test folder: the answer
		// comes in the reply folder of the folder it was dropped in.
		{code: 118, files: []upload{{"IN", name("FI", "R.1.1"), decl}, {"IN", name("FS", "R.1.1"), nil}, {"INTEST", name("GO", "R.1"), noData}}, answer: name("GO", "R.1")},
		// A test set with its FI in the production folder.
		{code: 119, files: []upload{{"IN", name("FI", "T.1.1"), decl}, {"INTEST", name("GO", "T.1"), noData}}, answer: name("GO", "T.1")},
		// A test set whose GO went to the production folder.
		{code: 119, files: []upload{{"INTEST", name("FI", "T.1.1"), decl}, {"IN", name("GO", "T.1"), noData}}, answer: name("GO", "T.1"), replyIn: "OUT"},
		// A simulation set with its FI in the test folder.
		{code: 257, files: []upload{{"INTEST", name("FI", "S.1.1"), decl}, {"INTEST-S", name("GO", "S.1"), noData}}, answer: name("GO", "S.1"), replyIn: "OUTTEST-S"},
		// A simulation set whose GO went to the production folder.
		{code: 257, files: []upload{{"INTEST-S", name("FI", "S.1.1"), decl}, {"IN", name("GO", "S.1"), noData}}, answer: name("GO", "S.1"), replyIn: "OUT"},
		{code: 108, user: AccountFor("654321"), files: testSet(), answer: name("GO", "T.1")},
		{code: 120, files: []upload{{"INTEST", name("FI", "T.2.1"), decl}, {"INTEST", name("GO", "T.2"), noData}}, answer: name("GO", "T.2")},
		{code: 121, files: []upload{{"INTEST", name("FI", "T.1.1"), decl}, {"INTEST", name("FS", "T.1.1"), nil}, {"INTEST", name("GO", "T.1"), noData}}, answer: name("GO", "T.1")},
		{code: 122, files: []upload{{"IN", name("FI", "R.1.1"), decl}, {"IN", name("GO", "R.1"), noData}}, answer: name("GO", "R.1"), replyIn: "OUT"},
		// FI numbered for two parts, GO for one.
		{code: 123, files: []upload{{"INTEST", name("FI", "T.2.1"), decl}, {"INTEST", name("GO", "T.1"), noData}}, answer: name("GO", "T.1")},
		{code: 124, files: []upload{{"IN", name("FI", "R.1.1"), decl}, {"IN", name("FS", "R.2.1"), nil}, {"IN", name("GO", "R.1"), noData}}, answer: name("GO", "R.1"), replyIn: "OUT"},
		{code: 125, files: []upload{{"IN", name("FI", "R.1.1"), decl}, {"IN", name("FS", "R.1.1"), []byte("bm90IGEgc2lnbmF0dXJl")}, {"IN", name("GO", "R.1"), noData}}, answer: name("GO", "R.1"), replyIn: "OUT"},
		{code: 134, files: []upload{{"INTEST", name("FI", "T.1.1"), noData}, {"INTEST", name("GO", "T.1"), noData}}, answer: name("GO", "T.1")},
	}
	cred := demoCredential(t)
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			t.Parallel()
			srv := startPractice(t, Options{Now: func() time.Time { return practiceNow }})
			user := tc.user
			if user == "" {
				user = srv.User
			}
			// FS files left nil are signed for real with the demo
			// certificate, so only the fault under test remains.
			files := signNil(t, cred, tc.files)
			tr := dial(t, srv.Server, user, false)
			drop(t, tr, files)
			env := batch.Test
			switch tc.replyIn {
			case "OUT":
				env = batch.Production
			case "OUTTEST-S":
				env = batch.Simulation
			}
			acks, _ := fetchReplies(t, tr, env)
			a, ok := acks[tc.answer]
			if !ok {
				t.Fatalf("no acknowledgement for %s in %s; got %v", tc.answer, env.ReplyFolder(), acks)
			}
			if a.Accepted || !slices.Contains(codesOf(a), tc.code) {
				t.Errorf("acknowledgement of %s: %s, codes %v; want refused with %d", tc.answer, a.Outcome(), codesOf(a), tc.code)
			}
			// One meaning per code: a file in the wrong folder gets the
			// code of its environment only.
			wrongFolder := []int{batch.CodeProductionFileNotInIN, batch.CodeTestFileNotInINTEST, batch.CodeSimulationFileNotInINTESTS}
			if slices.Contains(wrongFolder, tc.code) {
				for _, c := range wrongFolder {
					if c != tc.code && slices.Contains(codesOf(a), c) {
						t.Errorf("acknowledgement of %s has codes %v: %d is not the code of its environment", tc.answer, codesOf(a), c)
					}
				}
			}
		})
	}
}

// TestNameAlreadyUsed sends a set, then the same names again: 133.
func TestNameAlreadyUsed(t *testing.T) {
	srv := startPractice(t, Options{Now: func() time.Time { return practiceNow }})
	tr := dial(t, srv.Server, srv.User, false)
	drop(t, tr, testSet())
	if a := fetchAck(t, tr, batch.Test, name("GO", "T.1")); !a.Accepted {
		t.Fatalf("first sending refused: %v", codesOf(a))
	}
	drop(t, tr, testSet())
	if a := fetchAck(t, tr, batch.Test, name("GO", "T.1")); a.Accepted || !slices.Equal(codesOf(a), []int{133}) {
		t.Errorf("second sending: %s, codes %v; want refused with 133 only", a.Outcome(), codesOf(a))
	}
}
