package workflow

import (
	"errors"
	"os"
	"strings"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
)

// More codes of Message, for the checks before sending and signing.
const (
	// MsgIncomplete: the set lacks files. Args: set, missing (names,
	// comma-separated).
	MsgIncomplete Code = "incomplete"
	// MsgBadSignature: an FS does not verify against its FI. Args: set,
	// fs, fi.
	MsgBadSignature Code = "bad-signature"
	// MsgAlreadyPrepared: an FS or GO of the set exists, and signing does
	// not replace it unless asked. Args: name.
	MsgAlreadyPrepared Code = "already-prepared"
)

func init() {
	Codes = append(Codes, MsgIncomplete, MsgBadSignature, MsgAlreadyPrepared)
	english[MsgIncomplete] = "{set} is not complete: {missing} is missing"
	english[MsgBadSignature] = "{fs} does not verify against {fi}: sign the declaration again"
	english[MsgAlreadyPrepared] = "{name} already exists, and Expeditor does not replace a signature or GO file unless asked to"
}

// CheckSet is uploader.CheckSet, with the refusals a front-end shows as
// coded messages that carry the files concerned, so that no front-end
// reads them out of English text.
func CheckSet(set batch.Set, signTest bool) (*uploader.Plan, error) {
	plan, err := uploader.CheckSet(set, signTest)
	if err != nil {
		// Only on a failure path: an empty part is the empty-FI rule's.
		for i := 1; i <= set.Base.Parts; i++ {
			if e := CheckDeclaration(set.Path(set.FI(i))); errors.Is(e, batch.ErrEmptyDeclaration) {
				return nil, e
			}
		}
	}
	switch {
	case errors.Is(err, uploader.ErrIncomplete):
		if st, serr := set.State(signTest); serr == nil && len(st.Missing()) > 0 {
			return nil, &Message{Code: MsgIncomplete, Err: err,
				Args: map[string]string{"set": set.Key(), "missing": strings.Join(st.Missing(), ", ")}}
		}
	case errors.Is(err, uploader.ErrBadSignature):
		// Only on this failure path: which part's signature fails.
		for i := 1; i <= set.Base.Parts; i++ {
			fi, fs := set.Path(set.FI(i)), set.Path(set.FS(i))
			if _, verr := signer.VerifyFile(fi, fs); verr != nil {
				return nil, &Message{Code: MsgBadSignature, Err: err,
					Args: map[string]string{"set": set.Key(), "fs": set.FS(i).String(), "fi": set.FI(i).String()}}
			}
		}
	}
	return plan, err
}

// PrepareError gives a refusal of signer.Prepare on the FI files fis as a
// coded message naming the file concerned, when it is one.
func PrepareError(err error, fis []string) error {
	if !errors.Is(err, signer.ErrAlreadyPrepared) {
		return err
	}
	for _, fi := range fis {
		set, serr := batch.SetOf(fi)
		if serr != nil {
			continue
		}
		names := []batch.Name{}
		for i := 1; i <= set.Base.Parts; i++ {
			names = append(names, set.FS(i))
		}
		for _, n := range append(names, set.GO()) {
			if _, serr := os.Stat(set.Path(n)); serr == nil {
				return &Message{Code: MsgAlreadyPrepared, Err: err, Args: map[string]string{"name": n.String()}}
			}
		}
	}
	return err
}
