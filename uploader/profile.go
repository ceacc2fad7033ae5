package uploader

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/jsonfile"
	"github.com/zalando/go-keyring"
)

// Profile is a saved endpoint under a short name, so that the sender
// types "--profile office" instead of an address. Its password (if any)
// lives in the operating system's keychain, never in the profile file.
type Profile struct {
	Name     string   `json:"name"`
	Endpoint Endpoint `json:"endpoint"`
	// ReplyTrust is a file of CA certificates the signer of the transfer
	// point's replies must chain to; empty: the signer is pinned on first
	// sight instead.
	ReplyTrust string `json:"reply_trust,omitempty"`
}

// Errors callers branch on.
var (
	ErrNoProfile = errors.New("no such profile")
	// ErrNoKeychain: the operating system offers no keychain (a server
	// without a desktop session, for example).
	ErrNoKeychain = errors.New("no keychain is available to keep the password")
	// ErrNoPassword: the keychain has no password for the profile.
	ErrNoPassword = errors.New("no password is saved for this profile")
)

// keyringService names Expeditor's entries in the keychain.
const keyringService = "expeditor"

func profilesFile() (jsonfile.File, error) {
	home, err := batch.Home()
	if err != nil {
		return jsonfile.File{}, err
	}
	return jsonfile.File{Path: filepath.Join(home, "profiles.json"), What: "the profile file", IfDamaged: "move it aside and add the profiles again"}, nil
}

// LoadProfiles returns the saved profiles, sorted by name.
func LoadProfiles() ([]Profile, error) {
	f, err := profilesFile()
	if err != nil {
		return nil, err
	}
	var ps []Profile
	if err := f.Read(&ps); err != nil {
		return nil, err
	}
	slices.SortFunc(ps, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return ps, nil
}

// FindProfile returns the profile called name.
func FindProfile(name string) (Profile, error) {
	ps, err := LoadProfiles()
	if err != nil {
		return Profile{}, err
	}
	for _, p := range ps {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("%w %q; see the saved ones with \"expeditor profile list\"", ErrNoProfile, name)
}

// ProfileNameError is a profile name ValidProfileName refuses.
type ProfileNameError struct {
	Name string
	// Code is "length" (not 1 to 40 characters) or "chars" (a character
	// other than letters, digits, '-', '_' and '.'), so that a caller can
	// say it in another language.
	Code string
}

func (e *ProfileNameError) Error() string {
	if e.Code == "length" {
		return "a profile name has 1 to 40 characters"
	}
	return fmt.Sprintf("the profile name %q may only hold letters, digits, '-', '_' and '.'", e.Name)
}

// ValidProfileName checks a profile name: letters, digits, '-', '_' and
// '.', at most 40 characters. Its errors are *ProfileNameError.
func ValidProfileName(name string) error {
	if name == "" || len(name) > 40 {
		return &ProfileNameError{Name: name, Code: "length"}
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return &ProfileNameError{Name: name, Code: "chars"}
		}
	}
	return nil
}

func updateProfiles(change func([]Profile) ([]Profile, error)) error {
	f, err := profilesFile()
	if err != nil {
		return err
	}
	return jsonfile.Update(f, func(ps *[]Profile) (err error) {
		*ps, err = change(*ps)
		return err
	})
}

// SaveProfile adds p, or replaces the profile of the same name. The
// warnings say which Chaman rule the account seems to break; they do not
// stop the save (the rules may change, and a practice server differs).
func SaveProfile(p Profile) (warnings []Warning, err error) {
	if err := ValidProfileName(p.Name); err != nil {
		return nil, err
	}
	if err := p.Endpoint.Validate(); err != nil {
		return nil, err
	}
	if p.Endpoint.IdentityFile != "" {
		if abs, err := filepath.Abs(p.Endpoint.IdentityFile); err == nil {
			p.Endpoint.IdentityFile = abs
		}
	}
	if p.Endpoint.CAFile != "" {
		if abs, err := filepath.Abs(p.Endpoint.CAFile); err == nil {
			p.Endpoint.CAFile = abs
		}
	}
	err = updateProfiles(func(ps []Profile) ([]Profile, error) {
		ps = slices.DeleteFunc(ps, func(q Profile) bool { return q.Name == p.Name })
		return append(ps, p), nil
	})
	if err != nil {
		return nil, err
	}
	return CheckCredentials(p.Endpoint, nil), nil
}

// RemoveProfile deletes the profile and its saved password.
func RemoveProfile(name string) error {
	err := updateProfiles(func(ps []Profile) ([]Profile, error) {
		n := len(ps)
		ps = slices.DeleteFunc(ps, func(q Profile) bool { return q.Name == name })
		if len(ps) == n {
			return nil, fmt.Errorf("%w %q; see the saved ones with \"expeditor profile list\"", ErrNoProfile, name)
		}
		return ps, nil
	})
	if err != nil {
		return err
	}
	// The password goes with the profile; a missing one or keychain is fine.
	_ = keyring.Delete(keyringService, keyringUser(name))
	return nil
}

func keyringUser(profile string) string { return "profile:" + profile }

// StorePassword keeps the profile's password (or SFTP key passphrase)
// in the keychain.
func StorePassword(profile string, pw []byte) error {
	if err := keyring.Set(keyringService, keyringUser(profile), string(pw)); err != nil {
		return keychainError(err)
	}
	return nil
}

// LookupPassword returns the profile's password from the keychain. It
// fails with ErrNoPassword when none is saved and ErrNoKeychain when
// there is no keychain.
func LookupPassword(profile string) ([]byte, error) {
	pw, err := keyring.Get(keyringService, keyringUser(profile))
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("%w (%s)", ErrNoPassword, profile)
	}
	if err != nil {
		return nil, keychainError(err)
	}
	return []byte(pw), nil
}

// DeletePassword forgets the profile's saved password.
func DeletePassword(profile string) error {
	err := keyring.Delete(keyringService, keyringUser(profile))
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return keychainError(err)
	}
	return nil
}

func keychainError(err error) error {
	return fmt.Errorf("%w (%v); give the password through EXPEDITOR_PASSWORD or --password-file instead", ErrNoKeychain, err)
}
