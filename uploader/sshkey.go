package uploader

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"

	"golang.org/x/crypto/ssh"

	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// KeySizes are the RSA key sizes Chaman accepts for an SFTP account.
var KeySizes = []int{2048, 3072, 4096}

// DefaultKeyBits is the size of a new SFTP key.
const DefaultKeyBits = 4096

// MinPassphrase is the shortest passphrase a new key may have (as
// ssh-keygen asks).
const MinPassphrase = 5

// Errors of GenerateSSHKey that callers branch on.
var (
	// ErrKeySize: a size Chaman does not accept (see KeySizes).
	ErrKeySize = errors.New("Chaman accepts RSA keys of 2048, 3072 or 4096 bits only")
	// ErrShortPassphrase: the passphrase is shorter than MinPassphrase.
	ErrShortPassphrase = errors.New("the passphrase is too short (at least 5 characters)")
	// ErrKeyExists (wrapping fs.ErrExist): a file GenerateSSHKey would
	// write is already there; nothing was written.
	ErrKeyExists = fmt.Errorf("the key file is already there and is never replaced: %w", fs.ErrExist)
)

// SSHKey is a key pair made by GenerateSSHKey: where each form was
// written, and the forms of the public key themselves.
type SSHKey struct {
	Bits int
	// Private is the OpenSSH private key file (encrypted, mode 0600).
	Private string
	// Public (FILE.pub) holds the OpenSSH public key line; PublicPEM
	// (FILE.pub.pem) the PEM "PUBLIC KEY" form; PublicRFC4716
	// (FILE.pub.rfc4716) the SSH2 form of RFC 4716. Registration forms ask
	// for one or the other.
	Public, PublicPEM, PublicRFC4716 string
	// AuthorizedKey, PEM and RFC4716 are the contents of those files.
	AuthorizedKey, PEM, RFC4716 []byte
	// Fingerprint is the SHA-256 fingerprint as ssh-keygen -l shows it
	// ("SHA256:…").
	Fingerprint string
}

// SSHKeyFiles are the files GenerateSSHKey writes for the private key
// file path, in the order it writes them.
func SSHKeyFiles(path string) []string {
	return []string{path, path + ".pub", path + ".pub.pem", path + ".pub.rfc4716"}
}

// GenerateSSHKey makes an RSA key pair for an SFTP account of the
// transfer point and writes it: the private key at path in OpenSSH format,
// encrypted with passphrase (mode 0600), and the public key in its three
// common forms next to it (see SSHKey). It never replaces a file: when any
// of them exists it fails with ErrKeyExists and writes nothing, and a
// failure half-way removes what it wrote.
func GenerateSSHKey(path string, bits int, passphrase []byte, comment string) (*SSHKey, error) {
	if !slices.Contains(KeySizes, bits) {
		return nil, ErrKeySize
	}
	if len([]rune(string(passphrase))) < MinPassphrase {
		return nil, ErrShortPassphrase
	}
	files := SSHKeyFiles(path)
	for _, f := range files {
		if _, err := os.Lstat(f); err == nil {
			return nil, fmt.Errorf("%s: %w", f, ErrKeyExists)
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("cannot make the key: %w", err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(key, comment, passphrase)
	if err != nil {
		return nil, fmt.Errorf("cannot encrypt the key: %w", err)
	}
	k, err := PublicKeyForms(&key.PublicKey, comment)
	if err != nil {
		return nil, err
	}
	k.Private, k.Public, k.PublicPEM, k.PublicRFC4716 = files[0], files[1], files[2], files[3]
	contents := []struct {
		data []byte
		perm os.FileMode
	}{{pem.EncodeToMemory(block), 0o600}, {k.AuthorizedKey, 0o644}, {k.PEM, 0o644}, {k.RFC4716, 0o644}}
	for i, c := range contents {
		if err := atomicfile.WriteNew(files[i], c.data, c.perm); err != nil {
			for _, done := range files[:i] {
				os.Remove(done)
			}
			if errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("%s: %w", files[i], ErrKeyExists)
			}
			return nil, fmt.Errorf("cannot write %s: %w", files[i], err)
		}
	}
	return k, nil
}

// PublicKeyForms gives the OpenSSH, PEM and RFC 4716 forms of an RSA
// public key and its fingerprint (no file is written).
func PublicKeyForms(pub *rsa.PublicKey, comment string) (*SSHKey, error) {
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	k := &SSHKey{Bits: pub.N.BitLen(), Fingerprint: ssh.FingerprintSHA256(sshPub)}
	line := bytes.TrimRight(ssh.MarshalAuthorizedKey(sshPub), "\n")
	if comment != "" {
		line = append(append(line, ' '), comment...)
	}
	k.AuthorizedKey = append(line, '\n')
	k.PEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	k.RFC4716 = rfc4716(sshPub.Marshal(), strconv.Itoa(k.Bits)+"-bit RSA, "+comment)
	return k, nil
}

// rfc4716 is the SSH2 public key file format: a header, the base64 of the
// key in lines of at most 70 characters (as ssh-keygen -e writes them).
func rfc4716(wire []byte, comment string) []byte {
	var b bytes.Buffer
	b.WriteString("---- BEGIN SSH2 PUBLIC KEY ----\n")
	if comment != "" {
		// A header value is at most 1024 bytes; quotes keep spaces.
		fmt.Fprintf(&b, "Comment: %q\n", comment)
	}
	s := base64.StdEncoding.EncodeToString(wire)
	for len(s) > 70 {
		b.WriteString(s[:70] + "\n")
		s = s[70:]
	}
	b.WriteString(s + "\n")
	b.WriteString("---- END SSH2 PUBLIC KEY ----\n")
	return b.Bytes()
}
