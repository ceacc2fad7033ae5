package uploader

import (
	"crypto/rsa"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

// passwordSpecials are the non-alphanumeric characters Chaman accepts in
// an FTP password (transfer-point.md §6).
const passwordSpecials = ",;:=?./+*$%><&@#(!{})-_"

// CheckCredentials compares an account with the Chaman rules of the
// transfer point: user names of 8 to 17 letters and digits; FTP passwords
// of at most 15 characters with at least two of the allowed special
// characters; SFTP RSA keys of 2048 to 4096 bits. It returns one warning
// per broken rule. password may be nil when it is not known; it never
// appears in a warning.
func CheckCredentials(ep Endpoint, password []byte) []string {
	var w []string
	if n := len(ep.User); n < 8 || n > 17 || !alnum(ep.User) {
		w = append(w, fmt.Sprintf("the user name %q does not follow the Chaman rule (8 to 17 letters and digits, no space): the transfer point may refuse it", ep.User))
	}
	if ep.Scheme != "sftp" && password != nil {
		pw := string(password)
		specials, others := 0, 0
		for _, r := range pw {
			switch {
			case strings.ContainsRune(passwordSpecials, r):
				specials++
			case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			default:
				others++
			}
		}
		if len([]rune(pw)) > 15 {
			w = append(w, "the password is longer than the 15 characters Chaman allows")
		}
		if strings.ContainsAny(pw, " \t") {
			w = append(w, "the password contains a space, which Chaman does not allow")
		} else if others > 0 {
			w = append(w, "the password contains characters Chaman does not allow (only letters, digits and "+passwordSpecials+")")
		}
		if specials < 2 {
			w = append(w, "the password needs at least two of the characters "+passwordSpecials+" (Chaman rule)")
		}
	}
	if ep.Scheme == "sftp" && ep.IdentityFile != "" {
		if msg := checkKeyFile(ep.IdentityFile); msg != "" {
			w = append(w, msg)
		}
	}
	return w
}

// checkKeyFile reads the public half of an SFTP key: from KEY.pub when
// present (no passphrase needed), else from the key if it is not
// encrypted.
func checkKeyFile(path string) string {
	var pub ssh.PublicKey
	if b, err := os.ReadFile(path + ".pub"); err == nil {
		if k, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
			pub = k
		}
	}
	if pub == nil {
		s, err := LoadIdentity(path, nil, false)
		if err != nil {
			if _, statErr := os.Stat(path); statErr != nil {
				return fmt.Sprintf("the key file %s cannot be read: %v", path, statErr)
			}
			return "" // encrypted: checked when it is used
		}
		pub = s.PublicKey()
	}
	if pub.Type() != ssh.KeyAlgoRSA {
		return fmt.Sprintf("the key is %s; the transfer point expects an RSA key of 2048 to 4096 bits", pub.Type())
	}
	ck, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return ""
	}
	if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok {
		if bits := rk.N.BitLen(); bits < 2048 || bits > 4096 {
			return fmt.Sprintf("the RSA key has %d bits; Chaman accepts 2048 to 4096 bits", bits)
		}
	}
	return ""
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
