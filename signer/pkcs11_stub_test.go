//go:build !cgo

package signer

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestStubSaysBuiltWithoutPKCS11(t *testing.T) {
	_, err := OpenToken(context.Background(), TokenOptions{Module: AutoModule})
	if !errors.Is(err, ErrNoPKCS11) || !strings.Contains(err.Error(), "built without PKCS#11 support") || Hint(err) == "" {
		t.Errorf("OpenToken: %v", err)
	}
	if _, err := ListTokens(context.Background(), TokenOptions{}); !errors.Is(err, ErrNoPKCS11) {
		t.Errorf("ListTokens: %v", err)
	}
}
