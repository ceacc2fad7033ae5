package signer

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// ModuleSearch is where AutoModule looks for PKCS#11 modules.
type ModuleSearch struct {
	// EIDPaths are the places the Belgian eID middleware installs its
	// module.
	EIDPaths []string
	// P11KitConfigDirs hold p11-kit module registrations (*.module), the
	// user's first; P11KitModuleDirs resolve their relative module names.
	P11KitConfigDirs, P11KitModuleDirs []string
}

// SystemModuleSearch is where the eID middleware and p11-kit put modules
// on this system.
func SystemModuleSearch() ModuleSearch {
	return ModuleSearch{EIDPaths: eidModulePaths(), P11KitConfigDirs: p11kitConfigDirs(), P11KitModuleDirs: p11kitModuleDirs()}
}

// FindModules lists the PKCS#11 modules present on this computer, in the
// order AutoModule tries them: the Belgian eID middleware in its standard
// places first, then (on Linux) the modules registered with p11-kit. Only
// files that exist are listed; nothing is loaded.
func FindModules() []ModuleCandidate { return SystemModuleSearch().Find() }

// Find lists the modules present in the places of s (see FindModules).
func (s ModuleSearch) Find() []ModuleCandidate {
	var out []ModuleCandidate
	seen := map[string]bool{}
	add := func(c ModuleCandidate) {
		if checkModulePath(c.Path) != nil {
			return
		}
		key := c.Path
		if real, err := filepath.EvalSymlinks(c.Path); err == nil {
			key = real
		}
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, c)
	}
	for _, p := range s.EIDPaths {
		add(ModuleCandidate{Path: p, Name: eidModuleName, Source: "eID middleware", EID: true})
	}
	for _, c := range p11kitModules(s.P11KitConfigDirs, s.P11KitModuleDirs) {
		c.EID = isEIDModule(c.Path)
		if c.EID {
			c.Name = eidModuleName
		}
		add(c)
	}
	return out
}

const eidModuleName = "Belgian eID"

// isEIDModule recognises the eID middleware's module by its file name
// (libbeidpkcs11.so.0, libbeidpkcs11.dylib, beidpkcs11.dll), also when
// p11-kit registers it under another name.
func isEIDModule(path string) bool {
	return strings.Contains(strings.ToLower(filepath.Base(path)), "beidpkcs11")
}

// checkModulePath refuses anything but an absolute path to a regular file
// before it is handed to the dynamic loader: a bare name would be looked
// up in the library search path, and loading runs the module's code.
func checkModulePath(path string) error {
	if path == "" {
		return tokenErr(ErrNoModule, "give the full path of the PKCS#11 module, or \"auto\"", "no PKCS#11 module given")
	}
	if !filepath.IsAbs(path) {
		return tokenErr(ErrModuleLoad, "give the full path of the module, for example /usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0",
			"the PKCS#11 module path %q is not absolute", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return tokenErr(ErrNoModule, "check the path, or install the eID middleware (eid.belgium.be) and use \"auto\"",
			"the PKCS#11 module %s does not exist", path)
	}
	if !fi.Mode().IsRegular() {
		return tokenErr(ErrModuleLoad, "give the path of the module's library file itself",
			"the PKCS#11 module %s is not a regular file", path)
	}
	return nil
}

// p11kitModules reads the p11-kit module registrations (*.module files,
// "module: PATH" lines). Earlier directories take precedence for a module
// name, as in p11-kit (user configuration over system). The trust module
// only holds CA certificates and modules disabled for us are skipped.
func p11kitModules(configDirs, moduleDirs []string) []ModuleCandidate {
	var out []ModuleCandidate
	names := map[string]bool{}
	for _, dir := range configDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.module"))
		sort.Strings(files)
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".module")
			if names[name] {
				continue
			}
			names[name] = true
			conf, err := readP11kitConf(f)
			if err != nil || conf["module"] == "" || name == "p11-kit-trust" {
				continue
			}
			if !enabledFor(conf, "expeditor") {
				continue
			}
			path := conf["module"]
			if !filepath.IsAbs(path) {
				// p11-kit resolves relative names in its module directory.
				resolved := ""
				for _, md := range moduleDirs {
					if _, err := os.Stat(filepath.Join(md, path)); err == nil {
						resolved = filepath.Join(md, path)
						break
					}
				}
				if resolved == "" {
					continue
				}
				path = resolved
			}
			out = append(out, ModuleCandidate{Path: path, Name: name, Source: f})
		}
	}
	return out
}

func readP11kitConf(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	conf := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		conf[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return conf, sc.Err()
}

// enabledFor applies p11-kit's enable-in/disable-in lists of program names.
func enabledFor(conf map[string]string, prog string) bool {
	in := func(list string) bool {
		for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
			if p == prog {
				return true
			}
		}
		return false
	}
	if v, ok := conf["enable-in"]; ok && !in(v) {
		return false
	}
	if v, ok := conf["disable-in"]; ok && in(v) {
		return false
	}
	return true
}

// resolveModules turns TokenOptions.Module into the modules to try.
func resolveModules(opts TokenOptions) ([]ModuleCandidate, error) {
	module := opts.Module
	if module == "" || module == AutoModule {
		search := SystemModuleSearch()
		if opts.Search != nil {
			search = *opts.Search
		}
		found := search.Find()
		if len(found) == 0 {
			return nil, noModuleError()
		}
		return found, nil
	}
	if err := checkModulePath(module); err != nil {
		return nil, err
	}
	name := filepath.Base(module)
	if isEIDModule(module) {
		name = eidModuleName
	}
	return []ModuleCandidate{{Path: module, Name: name, Source: "given", EID: isEIDModule(module)}}, nil
}

// ModuleReport is what one PKCS#11 module found: its readers (slots) and
// the tokens in them, or why it could not be used.
type ModuleReport struct {
	ModuleCandidate
	// Err is set when the module could not be loaded or asked for its
	// slots; Slots is then empty.
	Err   error
	Slots []Slot
}

// Tokens counts the slots holding a token.
func (r ModuleReport) Tokens() int {
	n := 0
	for _, s := range r.Slots {
		if s.Token != nil {
			n++
		}
	}
	return n
}

// EmptyReaders lists the card readers without a card.
func (r ModuleReport) EmptyReaders() []string {
	var readers []string
	for _, s := range r.Slots {
		if s.Token == nil && !s.Free {
			readers = append(readers, s.Reader)
		}
	}
	return readers
}

// Status says in a few words what the module found: "2 tokens", "no card
// reader", "no card in the reader", "no token, only a free slot" or
// "cannot be loaded".
func (r ModuleReport) Status() string {
	switch n := r.Tokens(); {
	case r.Err != nil:
		return "cannot be loaded"
	case n == 1:
		return "1 token"
	case n > 1:
		return fmt.Sprintf("%d tokens", n)
	case len(r.Slots) == 0:
		return "no card reader"
	case len(r.EmptyReaders()) > 0:
		return "no card in the reader"
	}
	return "no token, only a free slot"
}

// preferred orders the modules the way a token is looked for in them: the
// eID middleware first, then the modules with a token present, then the
// others, each group in the order found.
func preferred(reports []ModuleReport) []int {
	var eid, withToken, rest []int
	for i, r := range reports {
		switch {
		case r.EID:
			eid = append(eid, i)
		case r.Tokens() > 0:
			withToken = append(withToken, i)
		default:
			rest = append(rest, i)
		}
	}
	return append(append(eid, withToken...), rest...)
}

// chooseToken picks the token to open among what the modules found: the
// one matching want (label or serial; any when empty) in the first module,
// in the order of preferred, that has one. Several matches in that module
// are ambiguous. When none matches, the error says why, module by module.
func chooseToken(reports []ModuleReport, want string) (module, slot int, err error) {
	var others []string
	for _, mi := range preferred(reports) {
		var match []int
		for si, s := range reports[mi].Slots {
			switch {
			case s.Token == nil:
			case tokenMatches(s.Token, want):
				match = append(match, si)
			default:
				others = append(others, describeToken(s.Token))
			}
		}
		switch len(match) {
		case 0:
			continue
		case 1:
			return mi, match[0], nil
		}
		var d []string
		for _, si := range match {
			d = append(d, describeToken(reports[mi].Slots[si].Token))
		}
		return -1, -1, tokenErr(ErrAmbiguousToken, "choose the token by its label or serial number, or remove the other cards",
			"several tokens are present: %s", strings.Join(d, ", "))
	}
	if len(others) > 0 {
		sort.Strings(others)
		others = slices.Compact(others) // the same card seen through two modules
		return -1, -1, tokenErr(ErrTokenNotFound, "choose one of the tokens present by its label or serial number",
			"no token %q found; present: %s", want, strings.Join(others, ", "))
	}
	return -1, -1, noTokenError(reports)
}

// NoTokenError is the error OpenToken gives when the modules reported
// have no token: see noTokenError. It is nil when a token is present.
func NoTokenError(reports []ModuleReport) error {
	for _, r := range reports {
		if r.Tokens() > 0 {
			return nil
		}
	}
	return noTokenError(reports)
}

// noTokenError says why no module has a token: no card reader, or no card
// in the reader, told apart per module. The eID module decides when it is
// there: a software token's free slot says nothing about the card reader.
func noTokenError(reports []ModuleReport) error {
	var loaded []ModuleReport
	for _, r := range reports {
		if r.Err == nil {
			loaded = append(loaded, r)
		}
	}
	if len(loaded) == 0 {
		if len(reports) > 0 && reports[0].Err != nil {
			return reports[0].Err
		}
		return noModuleError()
	}
	var details []string
	for _, r := range reports {
		d := r.Name + ": " + r.Status()
		if rs := r.EmptyReaders(); len(rs) > 0 && rs[0] != "" {
			d += " (" + strings.Join(rs, ", ") + ")"
		}
		details = append(details, d)
	}
	detail := " (" + strings.Join(details, "; ") + ")"
	decisive := loaded
	for _, r := range loaded {
		if r.EID {
			decisive = []ModuleReport{r}
			break
		}
	}
	slotsSeen := false
	for _, r := range decisive {
		if len(r.EmptyReaders()) > 0 {
			return tokenErr(ErrNoCard, "insert the eID card (chip first, facing up) into the reader and try again; if it is in, "+smartCardServiceHint,
				"no card in the reader%s", detail)
		}
		slotsSeen = slotsSeen || len(r.Slots) > 0
	}
	if !slotsSeen {
		return tokenErr(ErrNoReader, "connect the card reader, wait a few seconds, and try again; "+smartCardServiceHint,
			"no card reader found%s", detail)
	}
	return tokenErr(ErrNoToken, "insert the eID card into its reader, or initialise a token in the module (for SoftHSM: softhsm2-util --init-token)",
		"no token found: only free slots, with no token initialised%s", detail)
}

func noModuleError() error {
	return tokenErr(ErrNoModule, "install the Belgian eID middleware from eid.belgium.be, or give the path of your token's PKCS#11 module",
		"no PKCS#11 module found: the eID middleware does not seem to be installed")
}

func moduleLoadError(path string, detail error) error {
	msg := fmt.Sprintf("the PKCS#11 module %s cannot be loaded", path)
	if detail != nil {
		msg += fmt.Sprintf(" (%v)", detail)
	}
	return tokenErr(ErrModuleLoad, "check that it is a PKCS#11 library built for this computer, or reinstall the middleware", "%s", msg)
}
