//go:build cgo

package softhsm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"
)

// SOPIN is the security officer PIN of every test token.
const SOPIN = "87654321"

// modulePaths are where distributions and Homebrew install SoftHSM2.
var modulePaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
}

// Module returns the path of the SoftHSM2 module (SOFTHSM2_MODULE
// overrides the search) after checking that softhsm2-util is installed.
func Module() (string, error) {
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		return "", fmt.Errorf("softhsm2-util not found (install the softhsm2 package): %w", err)
	}
	if p := os.Getenv("SOFTHSM2_MODULE"); p != "" {
		return p, nil
	}
	for _, p := range modulePaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("libsofthsm2.so not found (install the softhsm2 package or set SOFTHSM2_MODULE)")
}

// Require returns the module path, skipping the test when SoftHSM2 is
// missing, except under CI where it must be installed and the test fails.
func Require(t testing.TB) string {
	t.Helper()
	m, err := Module()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("SoftHSM2 is required under CI: %v", err)
		}
		t.Skipf("SoftHSM2 not installed: %v", err)
	}
	return m
}

// HSM is a SoftHSM2 configuration of its own: a configuration file and a
// token folder under Dir.
type HSM struct {
	Dir    string
	Conf   string // the SOFTHSM2_CONF file
	Module string
}

// New makes an empty SoftHSM2 configuration in dir.
func New(dir string) (*HSM, error) {
	mod, err := Module()
	if err != nil {
		return nil, err
	}
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return nil, err
	}
	h := &HSM{Dir: dir, Conf: filepath.Join(dir, "softhsm2.conf"), Module: mod}
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(h.Conf, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	return h, nil
}

// Env is the environment entry that points SoftHSM2 at this configuration.
func (h *HSM) Env() string { return "SOFTHSM2_CONF=" + h.Conf }

func (h *HSM) util(args ...string) error {
	cmd := exec.Command("softhsm2-util", args...)
	cmd.Env = append(os.Environ(), h.Env())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("softhsm2-util %s: %v\n%s", args[0], err, out)
	}
	return nil
}

// InitToken initializes a new token with a label and user PIN.
func (h *HSM) InitToken(label, pin string) error {
	return h.util("--init-token", "--free", "--label", label, "--so-pin", SOPIN, "--pin", pin)
}

// ImportKey imports a PKCS#8 PEM private key with softhsm2-util, as a
// user would. SoftHSM marks it CKA_PRIVATE: it is only visible after login.
func (h *HSM) ImportKey(token, pin, label string, id []byte, keyPEM string) error {
	return h.util("--import", keyPEM, "--token", token, "--label", label, "--id", hex.EncodeToString(id), "--pin", pin, "--no-public-key")
}

// KeyOptions are the attributes CreateKey sets beyond the key itself.
type KeyOptions struct {
	Label string
	ID    []byte
	// Private hides the key until login (CKA_PRIVATE). The eID card
	// shows its keys without login, like Private false.
	Private bool
	// AlwaysAuthenticate sets CKA_ALWAYS_AUTHENTICATE: a PIN for every
	// signature (softhsm2-util cannot set it).
	AlwaysAuthenticate bool
}

// CreateKey stores a private key (from a PKCS#8 PEM file) with
// C_CreateObject, so attributes softhsm2-util cannot set are possible.
func (h *HSM) CreateKey(token, pin, keyPEM string, o KeyOptions) error {
	der, err := readPEM(keyPEM)
	if err != nil {
		return err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return err
	}
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, o.Private),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, o.Label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, o.ID),
		pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_AUTHENTICATE, o.AlwaysAuthenticate),
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		k.Precompute()
		tmpl = append(tmpl,
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, intBytes(k.E)),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PRIME_1, k.Primes[0].Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PRIME_2, k.Primes[1].Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
		)
	case *ecdsa.PrivateKey:
		oid, ok := curveOID[k.Curve.Params().Name]
		if !ok {
			return fmt.Errorf("curve %s not supported", k.Curve.Params().Name)
		}
		params, _ := asn1.Marshal(oid)
		scalar, err := k.Bytes()
		if err != nil {
			return err
		}
		tmpl = append(tmpl,
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, scalar),
		)
	default:
		return fmt.Errorf("key type %T not supported", key)
	}
	return h.withSession(token, pin, func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
		_, err := c.CreateObject(sh, tmpl)
		return err
	})
}

var curveOID = map[string]asn1.ObjectIdentifier{
	"P-256": {1, 2, 840, 10045, 3, 1, 7},
	"P-384": {1, 3, 132, 0, 34},
	"P-521": {1, 3, 132, 0, 35},
}

func intBytes(e int) []byte {
	var b []byte
	for ; e > 0; e >>= 8 {
		b = append([]byte{byte(e)}, b...)
	}
	return b
}

// AddCertificate stores an X.509 certificate (PEM file) as a public
// certificate object with C_CreateObject: softhsm2-util cannot import
// certificates, and this avoids needing OpenSC's pkcs11-tool.
func (h *HSM) AddCertificate(token, pin, label string, id []byte, certPEM string) error {
	der, err := readPEM(certPEM)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	serial, err := asn1.Marshal(cert.SerialNumber)
	if err != nil {
		return err
	}
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_ISSUER, cert.RawIssuer),
		pkcs11.NewAttribute(pkcs11.CKA_SERIAL_NUMBER, serial),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, cert.Raw),
	}
	if len(id) > 0 {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, id))
	}
	return h.withSession(token, pin, func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
		_, err := c.CreateObject(sh, tmpl)
		return err
	})
}

// loadMu serializes this package's use of the module: SoftHSM reads
// SOFTHSM2_CONF from the process environment when it is initialized, so
// the variable is set for the duration of one operation only.
var loadMu sync.Mutex

func (h *HSM) withSession(token, pin string, f func(*pkcs11.Ctx, pkcs11.SessionHandle) error) error {
	loadMu.Lock()
	defer loadMu.Unlock()
	old, had := os.LookupEnv("SOFTHSM2_CONF")
	os.Setenv("SOFTHSM2_CONF", h.Conf)
	defer func() {
		if had {
			os.Setenv("SOFTHSM2_CONF", old)
		} else {
			os.Unsetenv("SOFTHSM2_CONF")
		}
	}()
	c := pkcs11.New(h.Module)
	if c == nil {
		return fmt.Errorf("cannot load %s", h.Module)
	}
	defer c.Destroy()
	if err := c.Initialize(); err != nil {
		return fmt.Errorf("initialize SoftHSM (another user of the module in this process?): %w", err)
	}
	defer c.Finalize()
	slots, err := c.GetSlotList(true)
	if err != nil {
		return err
	}
	for _, s := range slots {
		ti, err := c.GetTokenInfo(s)
		if err != nil || ti.Label != token {
			continue
		}
		sh, err := c.OpenSession(s, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
		if err != nil {
			return err
		}
		defer c.CloseSession(sh)
		if err := c.Login(sh, pkcs11.CKU_USER, pin); err != nil {
			return fmt.Errorf("login to %s: %w", token, err)
		}
		defer c.Logout(sh)
		return f(c, sh)
	}
	return fmt.Errorf("token %q not found", token)
}

func readPEM(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	return block.Bytes, nil
}

// openssl runs the real openssl binary.
func openssl(args ...string) error {
	cmd := exec.Command("openssl", args...)
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("openssl %s: %v\n%s", args[0], err, e.String())
	}
	return nil
}
