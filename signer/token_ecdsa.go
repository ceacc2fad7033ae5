package signer

import (
	"encoding/asn1"
	"errors"
	"math/big"
)

// ecdsaRawToDER converts the signature CKM_ECDSA returns, r and s as two
// big-endian integers of equal length, into the DER ECDSA-Sig-Value
// (RFC 5480) that CMS carries. For P-384 the raw form is 96 bytes.
func ecdsaRawToDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 || len(raw) > 2*66 {
		return nil, errors.New("the token returned an ECDSA signature of unexpected length")
	}
	n := len(raw) / 2
	r := new(big.Int).SetBytes(raw[:n])
	s := new(big.Int).SetBytes(raw[n:])
	if r.Sign() == 0 || s.Sign() == 0 {
		return nil, errors.New("the token returned an invalid ECDSA signature")
	}
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}
