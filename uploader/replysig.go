package uploader

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/jsonfile"
	"github.com/expeditor-be/expeditor/signer"
)

// What the check of a reply's signature (its FS) found.
const (
	// SignatureValid: the FS is a valid signature of the reply, by the
	// pinned signer or one that chains to the trusted CAs.
	SignatureValid = "valid"
	// SignatureUnsigned: the reply came without an FS.
	SignatureUnsigned = "unsigned"
	// SignatureInvalid: the FS does not hold (Err says why): do not trust
	// the reply.
	SignatureInvalid = "invalid"
	// SignatureChanged: a valid signature, but by another certificate
	// than the one pinned for this account on first sight.
	SignatureChanged = "signer-changed"
)

// maxReplyFS bounds what is read of a reply's FS.
const maxReplyFS = 1 << 20

// SignatureCheck is the result of checking one reply's signature.
type SignatureCheck struct {
	Status string // SignatureValid, SignatureUnsigned, SignatureInvalid or SignatureChanged
	// FS is the kept signature file (empty when unsigned).
	FS string
	// Signature is what the valid signature says: signer, time,
	// timestamp. Nil unless Status is valid or signer-changed.
	Signature *signer.ReplySignature
	// Err says why the signature is invalid (a *signer.ReplySignatureError
	// or a read error).
	Err error
	// Pinned: the signer was seen for the first time on this account and
	// is now pinned.
	Pinned bool
	// Previous is the pinned signer when Status is signer-changed.
	Previous *PinnedSigner
}

// Untrusted reports whether the reply must not be trusted: an invalid
// signature, or a signer other than the pinned one.
func (c *SignatureCheck) Untrusted() bool {
	return c != nil && (c.Status == SignatureInvalid || c.Status == SignatureChanged)
}

// Summary is the check in a few English words, for records.
func (c *SignatureCheck) Summary() string {
	if c == nil {
		return ""
	}
	switch c.Status {
	case SignatureInvalid:
		return "invalid: " + c.Err.Error()
	case SignatureValid, SignatureChanged:
		s := c.Status + ": " + c.Signature.Signer.Subject.String()
		if c.Signature.Timestamp != nil {
			s += ", timestamped " + c.Signature.Timestamp.Time.UTC().Format(time.RFC3339)
		}
		return s
	}
	return c.Status
}

// PinnedSigner is the certificate that signed an account's replies when
// they were first seen.
type PinnedSigner struct {
	Fingerprint string    `json:"fingerprint"` // SHA-256 of the certificate, hex
	Subject     string    `json:"subject"`
	Since       time.Time `json:"since"`
}

func replySignersFile() (jsonfile.File, error) {
	home, err := batch.Home()
	if err != nil {
		return jsonfile.File{}, err
	}
	return jsonfile.File{Path: filepath.Join(home, "reply-signers.json"), What: "the pinned reply signers",
		IfDamaged: "move it aside: the signers are pinned again on the next replies"}, nil
}

// PinnedSigners returns the pinned reply signer of each account.
func PinnedSigners() (map[string]PinnedSigner, error) {
	f, err := replySignersFile()
	if err != nil {
		return nil, err
	}
	m := map[string]PinnedSigner{}
	return m, f.Read(&m)
}

// PinReplySigner pins (or, after a renewal the user accepted, re-pins) the
// signer whose certificate has fingerprint fp for account.
func PinReplySigner(account string, cert *x509.Certificate, fp string) error {
	f, err := replySignersFile()
	if err != nil {
		return err
	}
	return jsonfile.Update(f, func(m *map[string]PinnedSigner) error {
		if *m == nil {
			*m = map[string]PinnedSigner{}
		}
		(*m)[account] = PinnedSigner{Fingerprint: fp, Subject: cert.Subject.String(), Since: time.Now().UTC()}
		return nil
	})
}

// ReplyAccount names an account for pinning its replies' signer:
// USER@HOST (the FTP and SFTP accounts of a sender get the same replies).
func ReplyAccount(ep Endpoint) string { return ep.User + "@" + ep.Host }

// checkSignatures checks the signature of every reply in got that was kept
// (FO, or the replies unpacked from a CO) against the FS of the same reply
// set kept with it, and sets FetchedReply.Signature.
func (f *fetcher) checkSignatures(got []FetchedReply) {
	fsKept := map[string]string{}  // reply name without prefix → kept FS
	fsFailed := map[string]error{} // an FS is there but could not be kept
	for _, r := range got {
		name := path.Base(r.Remote)
		if !strings.HasPrefix(name, "FS.") || r.Pending {
			continue
		}
		if r.Local != "" { // kept (an error may be about deleting it)
			fsKept[strings.TrimPrefix(name, "FS.")] = r.Local
		} else if r.Err != nil {
			fsFailed[strings.TrimPrefix(name, "FS.")] = r.Err
		}
	}
	for i := range got {
		r := &got[i]
		if r.Reply == nil || r.Local == "" {
			continue
		}
		name := path.Base(r.Remote)
		_, rest, _ := strings.Cut(name, ".")
		signed := r.Local
		if r.Archive != "" {
			signed = r.Archive // a CO's FS signs the zip as it came
		}
		if err, ok := fsFailed[rest]; ok {
			// Signed, but the signature could not be brought back: the
			// reply cannot be trusted yet.
			r.Signature = &SignatureCheck{Status: SignatureInvalid, Err: err}
			continue
		}
		r.Signature = f.checkSignature(signed, fsKept[rest])
	}
}

func (f *fetcher) checkSignature(reply, fsPath string) *SignatureCheck {
	if fsPath == "" {
		return &SignatureCheck{Status: SignatureUnsigned}
	}
	c := &SignatureCheck{FS: fsPath}
	res, err := verifyReplyFile(reply, fsPath, f.opts.Trust)
	if err != nil {
		c.Status, c.Err = SignatureInvalid, err
		return c
	}
	c.Status, c.Signature = SignatureValid, res
	if f.opts.Trust != nil || f.opts.Account == "" {
		return c // the chain was checked, or there is nowhere to pin
	}
	pins, err := PinnedSigners()
	if err != nil {
		c.Status, c.Err = SignatureInvalid, fmt.Errorf("the pinned signers cannot be read: %w", err)
		return c
	}
	pin, ok := pins[f.opts.Account]
	switch {
	case !ok:
		if err := PinReplySigner(f.opts.Account, res.Signer, res.Fingerprint); err == nil {
			c.Pinned = true
		}
	case pin.Fingerprint != res.Fingerprint && strings.EqualFold(strings.TrimPrefix(f.opts.AcceptSigner, "SHA256:"), res.Fingerprint):
		// The user checked the new certificate (a renewal) and accepts it.
		if err := PinReplySigner(f.opts.Account, res.Signer, res.Fingerprint); err == nil {
			c.Pinned, c.Previous = true, &pin
		}
	case pin.Fingerprint != res.Fingerprint:
		c.Status, c.Previous = SignatureChanged, &pin
	}
	return c
}

func verifyReplyFile(reply, fsPath string, roots *x509.CertPool) (*signer.ReplySignature, error) {
	fsFile, err := os.Open(fsPath)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(fsFile, maxReplyFS+1))
	fsFile.Close()
	if err != nil {
		return nil, err
	}
	if len(data) > maxReplyFS {
		return nil, &signer.ReplySignatureError{Code: "format", Detail: "the FS is too large to be a signature"}
	}
	fh, err := os.Open(reply)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return signer.VerifyReply(fh, data, roots)
}

// LoadTrust reads the CA certificates (PEM, or one DER certificate) that
// reply signers must chain to.
func LoadTrust(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read the trusted certificates: %w", err)
	}
	p := x509.NewCertPool()
	if p.AppendCertsFromPEM(b) {
		return p, nil
	}
	if c, err := x509.ParseCertificate(b); err == nil {
		p.AddCert(c)
		return p, nil
	}
	return nil, errors.New(file + " holds no certificate (PEM or DER)")
}
