package signer

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// maxP12Iterations bounds the rounds of password hashing a .p12 file may
// ask for, for its MAC and for each encrypted part. Exports use 1 to a few
// hundred thousand (OpenSSL 2048, Windows 2000, recent tools up to
// 600 000); a million takes about a second per part, a file asking for
// billions would keep Expeditor busy for hours (issue 11). Tests lower it.
var maxP12Iterations int64 = 1_000_000

// ErrP12TooMuchWork: the .p12 file asks for more rounds of password
// hashing than maxP12Iterations.
var ErrP12TooMuchWork = errors.New("the certificate file asks for far more password-hashing rounds than any export uses")

var (
	oidPBKDF2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPKCS12PBE   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1} // pbeWithSHAAnd…, one arc below
	maxP12Depth    = 32
	maxP12Elements = 100_000
)

// checkP12Work reads the unencrypted structure of a PFX (RFC 7292) and
// refuses it when its MAC or one of its password-based algorithms (PKCS#12
// PBE, PBKDF2 under PBES2 or PBMAC1) asks for more than maxP12Iterations
// rounds, before the library spends them. What it cannot read it leaves
// to the library to refuse.
func checkP12Work(der []byte) error {
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return nil
	}
	if len(pfx.MacData.FullBytes) > 0 {
		var mac struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations *big.Int `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(pfx.MacData.FullBytes, &mac); err == nil && mac.Iterations != nil {
			if err := checkIterations(mac.Iterations, "its MAC"); err != nil {
				return err
			}
		}
	}
	w := p12Walker{}
	return w.walk(der, 0)
}

func checkIterations(n *big.Int, what string) error {
	if n.Sign() < 0 || n.Cmp(big.NewInt(maxP12Iterations)) > 0 {
		return fmt.Errorf("%w (%s asks for %s rounds; at most %d are accepted)", ErrP12TooMuchWork, what, n.String(), maxP12Iterations)
	}
	return nil
}

type p12Walker struct{ elements int }

// walk visits the DER element at the start of b and everything inside it,
// including DER wrapped in OCTET STRINGs (the authenticated safe and its
// bags are).
func (w *p12Walker) walk(b []byte, depth int) error {
	if depth > maxP12Depth {
		return nil // not a real .p12; the library refuses it
	}
	var el asn1.RawValue
	if _, err := asn1.Unmarshal(b, &el); err != nil {
		return nil
	}
	if w.elements++; w.elements > maxP12Elements {
		return nil
	}
	if el.Class == asn1.ClassUniversal && el.Tag == asn1.TagOctetString && !el.IsCompound {
		var inner asn1.RawValue
		if rest, err := asn1.Unmarshal(el.Bytes, &inner); err == nil && len(rest) == 0 && inner.IsCompound {
			return w.walk(el.Bytes, depth+1)
		}
		return nil
	}
	if !el.IsCompound {
		return nil
	}
	children := splitDER(el.Bytes)
	if el.Tag == asn1.TagSequence && len(children) >= 2 {
		var oid asn1.ObjectIdentifier
		if rest, err := asn1.Unmarshal(children[0], &oid); err == nil && len(rest) == 0 {
			if err := checkAlgorithm(oid, children[1]); err != nil {
				return err
			}
		}
	}
	for _, c := range children {
		if err := w.walk(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// checkAlgorithm checks the iteration count in the parameters of a
// password-based algorithm: PKCS#12 PBE {salt, iterations} or PBKDF2
// {salt, iterationCount, …}.
func checkAlgorithm(oid asn1.ObjectIdentifier, params []byte) error {
	pkcs12PBE := len(oid) == len(oidPKCS12PBE)+1 && oid[:len(oidPKCS12PBE)].Equal(oidPKCS12PBE)
	if !pkcs12PBE && !oid.Equal(oidPBKDF2) {
		return nil
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(params, &seq); err != nil || !seq.IsCompound {
		return nil
	}
	fields := splitDER(seq.Bytes)
	if len(fields) < 2 {
		return nil
	}
	var n *big.Int
	if _, err := asn1.Unmarshal(fields[1], &n); err != nil || n == nil {
		return nil
	}
	what := "its encryption"
	if oid.Equal(oidPBKDF2) {
		what = "its key derivation (PBKDF2)"
	}
	return checkIterations(n, what)
}

// splitDER cuts b into its DER elements; it stops at the first that does
// not parse.
func splitDER(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		var el asn1.RawValue
		rest, err := asn1.Unmarshal(b, &el)
		if err != nil {
			break
		}
		out = append(out, el.FullBytes)
		b = rest
	}
	return out
}
