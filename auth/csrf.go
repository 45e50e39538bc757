package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// CSRF makes and checks the tokens every form carries: an HMAC-SHA256 of
// the session's ID under a server key, so a token is worth nothing outside
// its session and needs no storage. For the login form, before there is a
// session, bind the token to a random pre-session cookie instead (its
// value's SessionID).
type CSRF struct {
	key []byte
}

// MinCSRFKey is the shortest key NewCSRF accepts, in bytes.
const MinCSRFKey = 32

// NewCSRF returns a CSRF with key, which must be secret, random and at
// least MinCSRFKey bytes; keep it across restarts (in the database or a
// file) so that open forms stay valid.
func NewCSRF(key []byte) (*CSRF, error) {
	if len(key) < MinCSRFKey {
		return nil, errors.New("auth: CSRF key shorter than 32 bytes")
	}
	return &CSRF{key: append([]byte(nil), key...)}, nil
}

func (c *CSRF) mac(sessionID string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("luoshi-csrf-v1\x00"))
	m.Write([]byte(sessionID))
	return m.Sum(nil)
}

// Token returns the CSRF token for the session with ID sessionID.
func (c *CSRF) Token(sessionID string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac(sessionID))
}

// Check reports whether token is the CSRF token of sessionID, in constant
// time. An empty sessionID never checks.
func (c *CSRF) Check(sessionID, token string) bool {
	if sessionID == "" || len(token) != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		return false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return false
	}
	return hmac.Equal(got, c.mac(sessionID))
}
