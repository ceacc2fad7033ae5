package testpki

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/smallstep/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The transfer point signs its replies. MakeReplyPKI and AddTimestamp make,
// with the real openssl, what such signatures are checked against: a CA, a
// reply signer it issued, and a time-stamping authority (TSA) whose
// certificate has the critical timeStamping extended key usage, so that
// "openssl ts" makes CAdES-T timestamps.

// ReplyPKI files, relative to the folder given to MakeReplyPKI.
const (
	ReplyCA         = "ca.pem"
	ReplySignerCert = "signer.pem"
	ReplySignerKey  = "signer.key"
	ReplyTSACert    = "tsa.pem"
	ReplyTSAConf    = "tsa.cnf"
	// ReplyOtherCert and ReplyOtherKey are a second signer from the same
	// CA, to check that a changed signer is noticed.
	ReplyOtherCert = "other.pem"
	ReplyOtherKey  = "other.key"
)

// MakeReplyPKI writes the reply PKI into dir. It returns errors instead of
// failing a test so transcript commands can use it too.
func MakeReplyPKI(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	ext := `[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
[tsa]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
`
	if err := os.WriteFile(p("ext.cnf"), []byte(ext), 0o600); err != nil {
		return err
	}
	steps := [][]string{
		{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p(ReplyCA), "-days", "3650",
			"-subj", "/C=BE/O=Test Social Security/CN=Test Transfer Point CA", "-config", p("ext.cnf"), "-extensions", "ca"},
	}
	for _, leaf := range []struct{ name, cn, ext string }{
		{"signer", "Test Transfer Point Replies", "leaf"},
		{"other", "Someone Else", "leaf"},
		{"tsa", "Test Time Stamping Authority", "tsa"},
	} {
		steps = append(steps,
			[]string{"req", "-newkey", "rsa:2048", "-nodes", "-keyout", p(leaf.name + ".key"), "-out", p(leaf.name + ".csr"), "-subj", "/C=BE/O=Test Social Security/CN=" + leaf.cn},
			[]string{"x509", "-req", "-in", p(leaf.name + ".csr"), "-CA", p(ReplyCA), "-CAkey", p("ca.key"), "-CAcreateserial", "-out", p(leaf.name + ".pem"),
				"-days", "825", "-sha256", "-extfile", p("ext.cnf"), "-extensions", leaf.ext})
	}
	for _, s := range steps {
		if err := openssl(s...); err != nil {
			return err
		}
	}
	conf := fmt.Sprintf(`[tsa]
default_tsa = tsa_config
[tsa_config]
dir = %[1]s
serial = %[1]s/tsaserial
crypto_device = builtin
signer_cert = %[1]s/tsa.pem
certs = %[1]s/ca.pem
signer_key = %[1]s/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`, dir)
	if err := os.WriteFile(p(ReplyTSAConf), []byte(conf), 0o600); err != nil {
		return err
	}
	return os.WriteFile(p("tsaserial"), []byte("01\n"), 0o600)
}

func openssl(args ...string) error {
	cmd := exec.Command("openssl", args...)
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, e.String())
	}
	return nil
}

// AddTimestamp makes a CAdES-T signature of a CMS signature (DER): it asks
// the TSA of the PKI in dir (with "openssl ts") for a timestamp token over
// the signature value and puts it in the signer's unsigned attributes as
// id-aa-signatureTimeStampToken.
func AddTimestamp(cmsDER []byte, dir string) ([]byte, error) {
	p7, err := pkcs7.Parse(cmsDER)
	if err != nil {
		return nil, err
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("%d signers", len(p7.Signers))
	}
	token, err := TimestampToken(p7.Signers[0].EncryptedDigest, dir)
	if err != nil {
		return nil, err
	}
	return WithTimestampToken(cmsDER, token)
}

// TimestampToken asks the TSA of the PKI in dir (with "openssl ts") for a
// timestamp token (DER) over data.
func TimestampToken(data []byte, dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp(dir, "ts")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	in := filepath.Join(tmp, "data.bin")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	tsq, tok := filepath.Join(tmp, "q.tsq"), filepath.Join(tmp, "token.der")
	if err := openssl("ts", "-query", "-data", in, "-sha256", "-cert", "-out", tsq); err != nil {
		return nil, err
	}
	if err := openssl("ts", "-reply", "-config", filepath.Join(dir, ReplyTSAConf), "-queryfile", tsq, "-token_out", "-out", tok); err != nil {
		return nil, err
	}
	return os.ReadFile(tok)
}

// WithTimestampToken puts token in the unsigned attributes of the only
// signer of a CMS signature (DER), as id-aa-signatureTimeStampToken.
func WithTimestampToken(cmsDER, token []byte) ([]byte, error) {
	return insertUnsignedAttribute(cmsDER, []int{1, 2, 840, 113549, 1, 9, 16, 2, 14}, token)
}

// insertUnsignedAttribute rebuilds a ContentInfo holding SignedData with
// one more unsigned attribute on its (only) SignerInfo.
func insertUnsignedAttribute(der []byte, oid []int, value []byte) ([]byte, error) {
	in := cryptobyte.String(der)
	var ci, ctype, explicit, sd cryptobyte.String
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1Element(&ctype, cbasn1.OBJECT_IDENTIFIER) ||
		!ci.ReadASN1(&explicit, cbasn1.Tag(0).Constructed().ContextSpecific()) || !explicit.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("not a ContentInfo with SignedData")
	}
	var before [][]byte // version, digestAlgorithms, encapContentInfo, certificates, crls
	var signerInfos cryptobyte.String
	for !sd.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !sd.ReadAnyASN1Element(&el, &tag) {
			return nil, fmt.Errorf("bad SignedData")
		}
		if tag == cbasn1.SET && sd.Empty() {
			signerInfos = el
			break
		}
		before = append(before, el)
	}
	var infos, si cryptobyte.String
	if !signerInfos.ReadASN1(&infos, cbasn1.SET) || !infos.ReadASN1(&si, cbasn1.SEQUENCE) || !infos.Empty() {
		return nil, fmt.Errorf("want exactly one SignerInfo")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(ctype)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, e := range before {
					b.AddBytes(e)
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						var unsigned cryptobyte.String
						for !si.Empty() {
							var el cryptobyte.String
							var tag cbasn1.Tag
							if !si.ReadAnyASN1Element(&el, &tag) {
								b.SetError(fmt.Errorf("bad SignerInfo"))
								return
							}
							if tag == cbasn1.Tag(1).Constructed().ContextSpecific() {
								unsigned = el
								continue
							}
							b.AddBytes(el)
						}
						b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							var old cryptobyte.String
							if len(unsigned) > 0 && unsigned.ReadASN1(&old, cbasn1.Tag(1).Constructed().ContextSpecific()) {
								b.AddBytes(old)
							}
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1ObjectIdentifier(oid)
								b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
							})
						})
					})
				})
			})
		})
	})
	return b.Bytes()
}
