package auth

import (
	"crypto/hmac"
	"crypto/rand"
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

// csrfTokenLen is the length of a token: a 32-byte mask and the MAC
// masked with it, in unpadded URL-safe base64.
var csrfTokenLen = base64.RawURLEncoding.EncodedLen(2 * sha256.Size)

// Token returns a CSRF token for the session with ID sessionID. Each call
// masks the MAC with fresh random bytes, so the token differs on every page
// (no secret repeats in compressed responses: BREACH) while each checks.
func (c *CSRF) Token(sessionID string) string {
	var b [2 * sha256.Size]byte
	rand.Read(b[:sha256.Size])
	mac := c.mac(sessionID)
	for i := range mac {
		b[sha256.Size+i] = b[i] ^ mac[i]
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Check reports whether token is a CSRF token of sessionID, in constant
// time. An empty sessionID never checks.
func (c *CSRF) Check(sessionID, token string) bool {
	if sessionID == "" || len(token) != csrfTokenLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != 2*sha256.Size {
		return false
	}
	mac := make([]byte, sha256.Size)
	for i := range mac {
		mac[i] = b[i] ^ b[sha256.Size+i]
	}
	return hmac.Equal(mac, c.mac(sessionID))
}
