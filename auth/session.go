package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"luoshi"
)

// Session is a login as the store keeps it. The token the browser holds is
// never stored: ID is the hex SHA-256 of it, so a copy of the database does
// not let anyone log in.
type Session struct {
	ID       string    `json:"id"`
	Account  string    `json:"account"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`   // absolute end
	LastSeen time.Time `json:"last_seen"` // for the idle limit
}

// SessionPolicy bounds how long a session lasts.
type SessionPolicy struct {
	TTL  time.Duration // from login to the end, whatever the activity
	Idle time.Duration // without a request; 0 for no idle limit
	// TouchEvery is how stale LastSeen may get before a request refreshes
	// it (a write to the store); a minute when 0.
	TouchEvery time.Duration
}

// DefaultSessionPolicy is a working day and a half, ended by 2 hours idle.
func DefaultSessionPolicy() SessionPolicy {
	return SessionPolicy{TTL: 36 * time.Hour, Idle: 2 * time.Hour, TouchEvery: time.Minute}
}

// tokenBytes is the entropy of session and API tokens.
const tokenBytes = 32

// sessionTokenLen is the length of a session token: 32 bytes in unpadded
// URL-safe base64.
var sessionTokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// NewSession starts a session for account at now: the token to hand to the
// browser (once) and the session to store.
func NewSession(account string, now time.Time, p SessionPolicy) (token string, s Session) {
	token = randomToken()
	now = now.UTC()
	s = Session{ID: hashToken(token), Account: account, Created: now, Expires: now.Add(p.TTL), LastSeen: now}
	return token, s
}

// randomToken is 32 random bytes in unpadded URL-safe base64.
func randomToken() string {
	var b [tokenBytes]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// ErrBadToken is matched by the errors of SessionID and APITokenHash for a
// token that is not of the right form.
var ErrBadToken = errors.New("auth: malformed token")

// SessionID returns the ID of the session token belongs to, or ErrBadToken
// if token cannot be a session token (so that no lookup is made for it).
func SessionID(token string) (string, error) {
	if len(token) != sessionTokenLen {
		return "", ErrBadToken
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil {
		return "", ErrBadToken
	}
	return hashToken(token), nil
}

// Live reports whether s is still valid at now.
func (p SessionPolicy) Live(s Session, now time.Time) bool {
	if !now.Before(s.Expires) {
		return false
	}
	if p.Idle > 0 && !now.Before(s.LastSeen.Add(p.Idle)) {
		return false
	}
	return true
}

// Touch returns s seen at now, and whether LastSeen moved enough to be
// worth writing.
func (p SessionPolicy) Touch(s Session, now time.Time) (Session, bool) {
	every := p.TouchEvery
	if every <= 0 {
		every = time.Minute
	}
	if now.Sub(s.LastSeen) < every {
		return s, false
	}
	s.LastSeen = now.UTC()
	return s, true
}

// SessionStore is what the store provides for sessions: a table keyed by
// ID, so that sessions survive a restart of the server and are shared by
// all its instances.
type SessionStore interface {
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with id, or a luoshi.Error ENotFound.
	Session(ctx context.Context, id string) (Session, error)
	TouchSession(ctx context.Context, id string, seen time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteAccountSessions ends every session of account except the one
	// with ID keep ("" to end them all).
	DeleteAccountSessions(ctx context.Context, account, keep string) error
}

// Sessions runs sessions over a SessionStore.
type Sessions struct {
	Store  SessionStore
	Policy SessionPolicy
	Now    func() time.Time // time.Now when nil
}

func (m Sessions) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

// errNoSession is a luoshi.Error (EForbidden) for a request without a
// live session.
var errNoSession = &luoshi.Error{Code: luoshi.EForbidden, Message: "登录已失效，请重新登录"}

// IsNoSession reports whether err says there is no live session.
func IsNoSession(err error) bool { return errors.Is(err, errNoSession) }

// Begin starts a session for account and stores it; the token goes to the
// browser in a cookie (SessionCookie).
func (m Sessions) Begin(ctx context.Context, account string) (string, Session, error) {
	token, s := NewSession(account, m.now(), m.Policy)
	if err := m.Store.CreateSession(ctx, s); err != nil {
		return "", Session{}, fmt.Errorf("auth: create session: %w", err)
	}
	return token, s, nil
}

// Resolve returns the live session of token, refreshing its LastSeen now
// and then. A missing, malformed, expired or idle session is an error for
// which IsNoSession is true; an expired one is deleted.
func (m Sessions) Resolve(ctx context.Context, token string) (Session, error) {
	id, err := SessionID(token)
	if err != nil {
		return Session{}, errNoSession
	}
	s, err := m.Store.Session(ctx, id)
	if err != nil {
		if luoshi.ErrorCode(err) == luoshi.ENotFound {
			return Session{}, errNoSession
		}
		return Session{}, fmt.Errorf("auth: read session: %w", err)
	}
	now := m.now()
	if !m.Policy.Live(s, now) {
		if err := m.Store.DeleteSession(ctx, id); err != nil {
			return Session{}, fmt.Errorf("auth: end session: %w", err)
		}
		return Session{}, errNoSession
	}
	if t, ok := m.Policy.Touch(s, now); ok {
		if err := m.Store.TouchSession(ctx, id, t.LastSeen); err != nil {
			return Session{}, fmt.Errorf("auth: touch session: %w", err)
		}
		s = t
	}
	return s, nil
}

// End ends the session of token (logout). Ending a session that is not
// there is not an error.
func (m Sessions) End(ctx context.Context, token string) error {
	id, err := SessionID(token)
	if err != nil {
		return nil
	}
	if err := m.Store.DeleteSession(ctx, id); err != nil && luoshi.ErrorCode(err) != luoshi.ENotFound {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}

// PasswordChanged ends every other session of account after its password
// changed through the session current ("" when an administrator reset it:
// every session ends).
func (m Sessions) PasswordChanged(ctx context.Context, account, current string) error {
	if err := m.Store.DeleteAccountSessions(ctx, account, current); err != nil {
		return fmt.Errorf("auth: end sessions of %s: %w", account, err)
	}
	return nil
}
