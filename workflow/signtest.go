package workflow

import "github.com/expeditor-be/expeditor/batch"

// SignatureNeeded is the "sign test files" rule, for both front-ends: a
// production (R) set always takes an FS per part; a test (T) or
// simulation (S) set only when the person chose to sign test files too
// (signTest: the assistant's setting, the command line's --sign-test),
// since some channels refuse an FS there (code 121) and others expect it.
// The same choice must hold when the set is prepared and when it is sent.
func SignatureNeeded(env batch.Environment, signTest bool) bool {
	return env.SignatureRequired(signTest)
}
