package practice

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// DefaultListen is where the practice point listens unless told otherwise:
// loopback only, so nothing outside the computer can reach it.
const DefaultListen = "127.0.0.1:2121"

// DefaultUser is the shared practice account. It answers for any sender
// number, so a newcomer can practise with their own; the per-sender
// accounts (see AccountFor) behave like real accounts and refuse files of
// another sender (108). Both follow the Chaman rule: 8–17 letters or digits.
const DefaultUser = "practice"

// config is what the practice root keeps between runs (practice.json, 0600).
// The password is a practice secret: it opens nothing but this server, and
// is printed at every start.
type config struct {
	ID       string `json:"id"` // tells this root's server apart in its welcome line
	Password string `json:"password"`
	Listen   string `json:"listen"`
}

// DefaultRoot is the practice folder in Expeditor's configuration folder
// (EXPEDITOR_HOME overrides it, see batch.Home).
func DefaultRoot() (string, error) {
	home, err := batch.Home()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "practice"), nil
}

func loadConfig(root string) (*config, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the practice folder: %w", err)
	}
	path := filepath.Join(root, "practice.json")
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var c config
		if err := json.Unmarshal(b, &c); err != nil || c.ID == "" || c.Password == "" {
			return nil, fmt.Errorf("the practice settings %s are damaged; delete that file to start afresh", path)
		}
		if c.Listen == "" {
			c.Listen = DefaultListen
		}
		return &c, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("cannot read the practice settings: %w", err)
	}
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	c := &config{ID: hex.EncodeToString(id), Password: newPassword(), Listen: DefaultListen}
	b, _ = json.MarshalIndent(c, "", "  ")
	if err := atomicfile.WriteNew(path, b, 0o600); err != nil {
		if errors.Is(err, atomicfile.ErrExists) { // another process was first
			return loadConfig(root)
		}
		return nil, fmt.Errorf("cannot save the practice settings: %w", err)
	}
	return c, nil
}

// newPassword makes a password that passes the Chaman FTP rules (at most 15
// characters, at least two of the allowed non-alphanumeric characters), so
// that practising with it teaches the real format. The specials chosen need
// no quoting in a shell or a URL.
func newPassword() string {
	const alnum = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	const special = ".-_"
	b := make([]byte, 12)
	for i := range b {
		set := alnum
		if i == 4 || i == 8 {
			set = special
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		b[i] = set[n.Int64()]
	}
	return string(b)
}
