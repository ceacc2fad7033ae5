package uploader

import (
	"crypto/rsa"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// passwordSpecials are the non-alphanumeric characters Chaman accepts in
// an FTP password (transfer-point.md §6).
const passwordSpecials = ",;:=?./+*$%><&@#(!{})-_"

// Warning is a Chaman rule an account seems to break. The CLI prints
// Message; the GUI shows the warning in its own language by Code, with the
// values of Args.
type Warning struct {
	// Code names the rule, stable and machine-readable: see WarningCodes.
	Code string
	// Args are the values Message holds, by name: User (user), Allowed
	// (password-chars, password-specials), File and Error (key-unreadable),
	// Type (key-type), Bits (key-size). Never a password.
	Args map[string]string
	// Message is the warning in English, as the CLI prints it.
	Message string
	// Fix says in English what to change so the rule holds (empty when
	// Message says it already).
	Fix string
}

// String is the English message.
func (w Warning) String() string { return w.Message }

// WarningCodes are the codes CheckCredentials may give, for callers that
// translate them.
var WarningCodes = []string{"user", "password-long", "password-space", "password-chars", "password-specials", "key-unreadable", "key-type", "key-size"}

// CheckCredentials compares an account with the Chaman rules of the
// transfer point: user names of 8 to 17 letters and digits; FTP passwords
// of at most 15 characters with at least two of the allowed special
// characters; SFTP RSA keys of 2048 to 4096 bits. It returns one warning
// per broken rule. password may be nil when it is not known; it never
// appears in a warning.
func CheckCredentials(ep Endpoint, password []byte) []Warning {
	var w []Warning
	if ep.Scheme == "sftp" {
		password = nil // SFTP logs in with a key; its passphrase is no Chaman matter
	}
	w = append(w, CheckAccount(ep.User, password)...)
	if ep.Scheme == "sftp" && ep.IdentityFile != "" {
		if kw, ok := checkKeyFile(ep.IdentityFile); ok {
			w = append(w, kw)
		}
	}
	return w
}

// CheckAccount checks a user name and, when password is not nil, an FTP
// password against the Chaman rules (transfer-point.md §6): one warning
// per broken rule, with what to change in Fix; none when every rule holds.
// It is the one implementation of these rules: saving a profile and
// "expeditor setup check-account" both use it.
func CheckAccount(user string, password []byte) []Warning {
	var w []Warning
	if n := len(user); n < 8 || n > 17 || !alnum(user) {
		w = append(w, Warning{Code: "user", Args: map[string]string{"User": user},
			Message: fmt.Sprintf("the user name %q does not follow the Chaman rule (8 to 17 letters and digits, no space): the transfer point may refuse it", user),
			Fix:     fmt.Sprintf("choose a user name of 8 to 17 letters (a-z, A-Z) and digits, without spaces or other characters (it has %d characters now)", len([]rune(user)))})
	}
	if password == nil {
		return w
	}
	pw := string(password)
	specials, others := 0, 0
	for _, r := range pw {
		switch {
		case strings.ContainsRune(passwordSpecials, r):
			specials++
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		case r == ' ' || r == '\t':
		default:
			others++
		}
	}
	if n := len([]rune(pw)); n > 15 {
		w = append(w, Warning{Code: "password-long", Message: "the password is longer than the 15 characters Chaman allows",
			Fix: fmt.Sprintf("shorten the password to 15 characters at most (it has %d)", n)})
	}
	if strings.ContainsAny(pw, " \t") {
		w = append(w, Warning{Code: "password-space", Message: "the password contains a space, which Chaman does not allow",
			Fix: "remove the spaces from the password"})
	}
	if others > 0 {
		w = append(w, Warning{Code: "password-chars", Args: map[string]string{"Allowed": passwordSpecials},
			Message: "the password contains characters Chaman does not allow (only letters, digits and " + passwordSpecials + ")",
			Fix:     "use only letters, digits and the characters " + passwordSpecials})
	}
	if specials < 2 {
		w = append(w, Warning{Code: "password-specials", Args: map[string]string{"Allowed": passwordSpecials},
			Message: "the password needs at least two of the characters " + passwordSpecials + " (Chaman rule)",
			Fix:     fmt.Sprintf("put at least two of the characters %s in the password (it has %d)", passwordSpecials, specials)})
	}
	return w
}

// checkKeyFile reads the public half of an SFTP key: from KEY.pub when
// present (no passphrase needed), else from the key if it is not
// encrypted. It reports false when the key breaks no rule (or cannot be
// checked yet).
func checkKeyFile(path string) (Warning, bool) {
	var pub ssh.PublicKey
	if b, err := readBounded(path+".pub", maxKeyFile); err == nil {
		if k, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
			pub = k
		}
	}
	if pub == nil {
		s, err := LoadIdentity(path, nil, false)
		if err != nil {
			if _, statErr := os.Stat(path); statErr != nil {
				return Warning{Code: "key-unreadable", Args: map[string]string{"File": path, "Error": statErr.Error()},
					Message: fmt.Sprintf("the key file %s cannot be read: %v", path, statErr)}, true
			}
			return Warning{}, false // encrypted: checked when it is used
		}
		pub = s.PublicKey()
	}
	if pub.Type() != ssh.KeyAlgoRSA {
		return Warning{Code: "key-type", Args: map[string]string{"Type": pub.Type()},
			Message: fmt.Sprintf("the key is %s; the transfer point expects an RSA key of 2048 to 4096 bits", pub.Type())}, true
	}
	ck, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return Warning{}, false
	}
	if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok {
		if bits := rk.N.BitLen(); bits < 2048 || bits > 4096 {
			return Warning{Code: "key-size", Args: map[string]string{"Bits": strconv.Itoa(bits)},
				Message: fmt.Sprintf("the RSA key has %d bits; Chaman accepts 2048 to 4096 bits", bits)}, true
		}
	}
	return Warning{}, false
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
