package uploader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/expeditor-be/expeditor/internal/testservers"
)

func TestParseHostKeyPin(t *testing.T) {
	const fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
	good := []struct {
		in   string
		want HostKeyPin
	}{
		{fp, HostKeyPin{Fingerprint: fp}},
		{fp + "=", HostKeyPin{Fingerprint: fp}},
		{"ssh-rsa:" + fp, HostKeyPin{Type: "ssh-rsa", Fingerprint: fp}},
		{"ssh-rsa " + fp, HostKeyPin{Type: "ssh-rsa", Fingerprint: fp}},
		{"RSA:" + fp, HostKeyPin{Type: "ssh-rsa", Fingerprint: fp}},
		{"ssh-ed25519:" + fp, HostKeyPin{Type: "ssh-ed25519", Fingerprint: fp}},
		{"ecdsa-sha2-nistp256:" + fp, HostKeyPin{Type: "ecdsa-sha2-nistp256", Fingerprint: fp}},
		{"ecdsa " + fp, HostKeyPin{Type: "ecdsa", Fingerprint: fp}},
		// A line of ssh-keygen -l, as someone may paste it.
		{"3072 " + fp + " root@sftp (RSA)", HostKeyPin{Type: "ssh-rsa", Fingerprint: fp}},
		{"256 " + fp + " no comment (ED25519)", HostKeyPin{Type: "ssh-ed25519", Fingerprint: fp}},
	}
	for _, c := range good {
		p, err := ParseHostKeyPin(c.in)
		if err != nil || p != c.want {
			t.Errorf("ParseHostKeyPin(%q) = %+v, %v; want %+v", c.in, p, err, c.want)
		}
	}
	bad := map[string]string{
		"":                         "write it like",
		"47DEQpj8HBSa":             "write it like",
		"SHA256:tooshort":          "43 base64",
		"dsa-foo:" + fp:            "unknown key type",
		"MD5:16:27:ac:a5:76:28:2d": "MD5",
		"16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48": "MD5",
	}
	for in, want := range bad {
		_, err := ParseHostKeyPin(in)
		if !errors.Is(err, ErrHostKeyPin) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHostKeyPin(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

// A server with several host keys: the user pins the key of the type they
// were given (the RSA key, say, as Chaman shows it), with or without its
// type, and Expeditor asks the server for that key rather than refusing
// the one it shows first.
func TestSFTPAcceptHostKeyOfEachType(t *testing.T) {
	isolate(t)
	s := testservers.StartSSHD(t, testservers.SSHOptions{HostKeyTypes: []string{"ed25519", "ecdsa", "rsa"}})
	ep := sftpEndpoint(s, "")
	keyType := map[string]string{"ed25519": ssh.KeyAlgoED25519, "ecdsa": ssh.KeyAlgoECDSA256, "rsa": ssh.KeyAlgoRSA}
	for name, key := range s.HostKeys {
		fp := ssh.FingerprintSHA256(key)
		for _, given := range []string{fp, key.Type() + ":" + fp, strings.ToUpper(name) + ":" + fp} {
			t.Run(given, func(t *testing.T) {
				pin, err := ParseHostKeyPin(given)
				if err != nil {
					t.Fatal(err)
				}
				kh := &KnownHosts{Path: filepath.Join(t.TempDir(), "known_hosts")}
				tr, err := Dial(context.Background(), ep, Auth{HostKeys: kh, AcceptHostKey: pin})
				if err != nil {
					t.Fatalf("pinning %s: %v", given, err)
				}
				tr.Close()
				if got := kh.keyTypes(ep.Addr()); !slices.Equal(got, []string{keyType[name]}) {
					t.Errorf("known_hosts holds %v, want only %s", got, keyType[name])
				}
				// Later connections use the pinned key, without a pin
				// and without a question.
				tr, err = Dial(context.Background(), ep, Auth{HostKeys: kh})
				if err != nil {
					t.Fatalf("after pinning %s: %v", given, err)
				}
				tr.Close()
			})
		}
	}

	// A fingerprint that matches none of the keys: every key the server
	// shows is named with its type, and nothing is pinned.
	kh := &KnownHosts{Path: filepath.Join(t.TempDir(), "known_hosts")}
	wrong := HostKeyPin{Fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}
	_, err := Dial(context.Background(), ep, Auth{HostKeys: kh, AcceptHostKey: wrong})
	var hk *HostKeyError
	if !errors.As(err, &hk) || hk.Pin == "" || len(hk.Shown) != 3 || IsTransient(err) {
		t.Fatalf("wrong fingerprint: %v", err)
	}
	for _, key := range s.HostKeys {
		if want := key.Type() + " " + ssh.FingerprintSHA256(key); !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %s", err, want)
		}
	}
	if _, err := os.Stat(kh.Path); err == nil {
		t.Error("a key was pinned although none matched")
	}
	// The RSA type with the Ed25519 key's fingerprint: only the RSA key
	// is looked at.
	edFP := ssh.FingerprintSHA256(s.HostKeys["ed25519"])
	_, err = Dial(context.Background(), ep, Auth{HostKeys: kh, AcceptHostKey: HostKeyPin{Type: ssh.KeyAlgoRSA, Fingerprint: edFP}})
	if !errors.As(err, &hk) || len(hk.Shown) != 1 || !strings.HasPrefix(hk.Shown[0], "ssh-rsa SHA256:") {
		t.Fatalf("RSA type with the Ed25519 fingerprint: %v", err)
	}
}

// A pin of a type the server does not have says which types it offers.
func TestSFTPAcceptHostKeyTypeMissing(t *testing.T) {
	isolate(t)
	s := testservers.StartSSHD(t, testservers.SSHOptions{})
	ep := sftpEndpoint(s, "")
	pin := HostKeyPin{Type: ssh.KeyAlgoRSA, Fingerprint: s.HostKeyFingerprint}
	_, err := Dial(context.Background(), ep, Auth{AcceptHostKey: pin})
	var te *HostKeyTypeError
	if !errors.As(err, &te) || te.Want != ssh.KeyAlgoRSA || !slices.Contains(te.Offered, ssh.KeyAlgoED25519) || IsTransient(err) {
		t.Fatalf("err = %v, want a HostKeyTypeError offering ssh-ed25519", err)
	}
	if !strings.Contains(err.Error(), "no ssh-rsa host key") || !strings.Contains(err.Error(), "ssh-ed25519") {
		t.Errorf("message %q", err)
	}
}

// Messages and the question name the key type with the fingerprint.
func TestSFTPHostKeyMessagesNameTheType(t *testing.T) {
	home := isolate(t)
	s := testservers.StartSSHD(t, testservers.SSHOptions{})
	ep := sftpEndpoint(s, "")
	want := "ssh-ed25519 " + s.HostKeyFingerprint
	_, err := Dial(context.Background(), ep, Auth{})
	var hk *HostKeyError
	if !errors.As(err, &hk) || hk.KeyType != ssh.KeyAlgoED25519 || hk.Key() != want || !strings.Contains(err.Error(), want) {
		t.Fatalf("unknown server: %v", err)
	}
	var asked string
	tr, err := Dial(context.Background(), ep, Auth{ConfirmHostKeyType: func(host, keyType, fp string) (bool, error) {
		asked = keyType + " " + fp
		return true, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if asked != want {
		t.Errorf("asked about %q, want %q", asked, want)
	}
	// A pin given for a server already pinned is not needed: the pinned
	// key decides.
	tr, err = Dial(context.Background(), ep, Auth{AcceptHostKey: HostKeyPin{Fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}})
	if err != nil {
		t.Fatalf("pinned server with another pin: %v", err)
	}
	tr.Close()
	// A changed key names the new and the kept key with their types.
	other := testservers.StartSSHD(t, testservers.SSHOptions{HostKeyTypes: []string{"ed25519"}})
	kh := &KnownHosts{Path: filepath.Join(home, "known_hosts")}
	os.Remove(kh.Path)
	if err := kh.Add(ep.Addr(), other.HostKey); err != nil {
		t.Fatal(err)
	}
	_, err = Dial(context.Background(), ep, Auth{})
	if !errors.As(err, &hk) || !hk.Changed || !strings.Contains(err.Error(), "it now shows "+want) ||
		!strings.Contains(err.Error(), "ssh-ed25519 "+other.HostKeyFingerprint) {
		t.Fatalf("changed key: %v", err)
	}
}
