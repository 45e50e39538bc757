package auth

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"luoshi"
)

// APITokenPrefix starts every API token, so that a token pasted somewhere
// it should not be is easy to recognize (and to scan for).
const APITokenPrefix = "lst_"

// apiTokenLen is the length of an API token: the prefix and 32 random
// bytes in unpadded URL-safe base64.
var apiTokenLen = len(APITokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// NewAPIToken returns a new API token: plain to show once to whoever
// created it, hash (hex SHA-256 of plain) to store.
func NewAPIToken() (plain, hash string) {
	var b [tokenBytes]byte
	rand.Read(b[:])
	plain = APITokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, hashToken(plain)
}

// APITokenHash returns the stored hash of the API token plain, or
// ErrBadToken if plain cannot be one (so no lookup is made for it).
func APITokenHash(plain string) (string, error) {
	if len(plain) != apiTokenLen || !strings.HasPrefix(plain, APITokenPrefix) {
		return "", ErrBadToken
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(plain[len(APITokenPrefix):]); err != nil {
		return "", ErrBadToken
	}
	return hashToken(plain), nil
}

// APITokenHint is what lists show of a token: its prefix and first 6
// characters (36 bits, not enough to guess the rest from).
func APITokenHint(plain string) string {
	if len(plain) < len(APITokenPrefix)+6 {
		return ""
	}
	return plain[:len(APITokenPrefix)+6] + "…"
}

// Scope is what an API token may do.
type Scope string

// The scopes.
const (
	ScopeRead   Scope = "read"   // read its unit's tasks and progress
	ScopeReport Scope = "report" // and submit its unit's progress reports
)

// ParseScope reads a scope.
func ParseScope(s string) (Scope, error) {
	switch Scope(s) {
	case ScopeRead, ScopeReport:
		return Scope(s), nil
	}
	return "", &luoshi.Error{Code: luoshi.EInvalid, Message: "令牌权限范围只能是 read 或 report"}
}

// APIToken is an API token as the store keeps it.
type APIToken struct {
	Hash      string    `json:"-"`
	Hint      string    `json:"hint"`
	Name      string    `json:"name"` // what it is for: "市统计局数据对接"
	Unit      string    `json:"unit"` // code of the unit it acts for
	Scope     Scope     `json:"scope"`
	CreatedBy string    `json:"created_by"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Revoked   time.Time `json:"revoked,omitzero"` // zero while not revoked
}

// MaxAPITokenLife is the longest an API token may live.
const MaxAPITokenLife = 366 * 24 * time.Hour

// NewAPITokenFor makes a token for unit with scope, living for life from
// now: the plain token to show once and the record to store.
func NewAPITokenFor(name, unit string, scope Scope, createdBy string, now time.Time, life time.Duration) (string, APIToken, error) {
	invalid := func(msg string) error { return &luoshi.Error{Code: luoshi.EInvalid, Message: msg} }
	if _, err := ParseScope(string(scope)); err != nil {
		return "", APIToken{}, err
	}
	if strings.TrimSpace(unit) == "" {
		return "", APIToken{}, invalid("令牌必须属于一个单位")
	}
	if err := ValidateLabel(name, 100); err != nil {
		return "", APIToken{}, err
	}
	if life <= 0 || life > MaxAPITokenLife {
		return "", APIToken{}, invalid("令牌有效期须在 1 秒到 366 天之间")
	}
	plain, hash := NewAPIToken()
	now = now.UTC()
	return plain, APIToken{Hash: hash, Hint: APITokenHint(plain), Name: name, Unit: unit, Scope: scope,
		CreatedBy: createdBy, Created: now, Expires: now.Add(life)}, nil
}

// Usable returns nil if t may be used at now, else a luoshi.Error
// (EForbidden) saying why not.
func (t APIToken) Usable(now time.Time) error {
	switch {
	case !t.Revoked.IsZero():
		return &luoshi.Error{Code: luoshi.EForbidden, Message: "令牌已被吊销"}
	case !now.Before(t.Expires):
		return &luoshi.Error{Code: luoshi.EForbidden, Message: "令牌已过期"}
	}
	return nil
}

// Principal is who a request made with t acts as: a reporter of its unit
// (ScopeReport) or a viewer of it (ScopeRead).
func (t APIToken) Principal() Principal {
	role := RoleViewer
	if t.Scope == ScopeReport {
		role = RoleReporter
	}
	return Principal{Account: "token:" + t.Hint, Role: role, Units: []string{t.Unit}}
}
