package batch

import "fmt"

// Environment is the environment letter of a name: where a declaration goes.
type Environment string

const (
	// Production ("R") is the real thing: declarations have legal effect.
	Production Environment = "R"
	// Test ("T") is the "circuit test": checks the channel, not the content.
	Test Environment = "T"
	// Simulation ("S") is the "declaration test": content is checked, not kept.
	Simulation Environment = "S"
)

// Environments lists every environment, production first.
var Environments = []Environment{Production, Test, Simulation}

// ParseEnvironment reads an environment letter (R, T or S, any case).
func ParseEnvironment(s string) (Environment, error) {
	switch s {
	case "R", "r":
		return Production, nil
	case "T", "t":
		return Test, nil
	case "S", "s":
		return Simulation, nil
	}
	return "", fmt.Errorf("unknown environment %q: use R (production), T (test) or S (simulation)", s)
}

// Valid reports whether e is one of R, T and S.
func (e Environment) Valid() bool {
	return e == Production || e == Test || e == Simulation
}

// UploadFolder is the server folder the files of e are dropped into.
func (e Environment) UploadFolder() string {
	switch e {
	case Production:
		return "IN"
	case Test:
		return "INTEST"
	case Simulation:
		return "INTEST-S"
	}
	return ""
}

// ReplyFolder is the server folder the replies for e appear in.
func (e Environment) ReplyFolder() string {
	switch e {
	case Production:
		return "OUT"
	case Test:
		return "OUTTEST"
	case Simulation:
		return "OUTTEST-S"
	}
	return ""
}

// Description says in plain words what the environment is for.
func (e Environment) Description() string {
	switch e {
	case Production:
		return "production: the real declaration, with legal effect"
	case Test:
		return "test: checks that the transfer works, the content is not processed"
	case Simulation:
		return "simulation: the content is checked as a real declaration but not kept"
	}
	return "unknown environment"
}

// SignatureRequired reports whether files of e need an FS signature file.
// Production always does; test and simulation files are unsigned unless the
// sender asks to sign them too (signTest), as some channels expect.
func (e Environment) SignatureRequired(signTest bool) bool {
	return e == Production || signTest
}

// EnvironmentOfFolder returns the environment whose upload or reply folder
// is folder, and whether there is one.
func EnvironmentOfFolder(folder string) (Environment, bool) {
	for _, e := range Environments {
		if folder == e.UploadFolder() || folder == e.ReplyFolder() {
			return e, true
		}
	}
	return "", false
}
