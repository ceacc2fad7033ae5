package signer

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FindModules lists the PKCS#11 modules present on this computer, in the
// order AutoModule tries them: the Belgian eID middleware in its standard
// places first, then (on Linux) the modules registered with p11-kit. Only
// files that exist are listed; nothing is loaded.
func FindModules() []ModuleCandidate {
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
	for _, p := range eidModulePaths() {
		add(ModuleCandidate{Path: p, Name: "Belgian eID", Source: "eID middleware"})
	}
	for _, c := range p11kitModules(p11kitConfigDirs(), p11kitModuleDirs()) {
		add(c)
	}
	return out
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
func resolveModules(module string) ([]ModuleCandidate, error) {
	if module == "" || module == AutoModule {
		found := FindModules()
		if len(found) == 0 {
			return nil, noModuleError()
		}
		return found, nil
	}
	if err := checkModulePath(module); err != nil {
		return nil, err
	}
	return []ModuleCandidate{{Path: module, Name: filepath.Base(module), Source: "given"}}, nil
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
