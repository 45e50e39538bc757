package main

import (
	"bytes"
	"testing"

	"luoshi/auth"
)

// TestDerivedKey checks that the CSRF key is stable for one secret, differs
// between secrets and purposes, and is long enough for auth.NewCSRF.
func TestDerivedKey(t *testing.T) {
	a := derivedKey([]byte("0123456789abcdef0123"), "luoshi csrf v1")
	b := derivedKey([]byte("0123456789abcdef0123"), "luoshi csrf v1")
	c := derivedKey([]byte("another secret 0123456"), "luoshi csrf v1")
	d := derivedKey([]byte("0123456789abcdef0123"), "other purpose")
	if !bytes.Equal(a, b) || bytes.Equal(a, c) || bytes.Equal(a, d) || len(a) < auth.MinCSRFKey {
		t.Errorf("derived keys: stable %v, per secret %v, per purpose %v, length %d", bytes.Equal(a, b), !bytes.Equal(a, c), !bytes.Equal(a, d), len(a))
	}
}
