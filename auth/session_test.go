package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"luoshi"
)

// clock is a settable time source for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// memSessions is a SessionStore in memory, standing for the store's table.
type memSessions struct {
	mu      sync.Mutex
	m       map[string]Session
	touches int
}

func newMemSessions() *memSessions { return &memSessions{m: map[string]Session{}} }

func (s *memSessions) CreateSession(_ context.Context, x Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[x.ID]; ok {
		return luoshi.Errorf(luoshi.EConflict, "duplicate session")
	}
	s.m[x.ID] = x
	return nil
}

func (s *memSessions) Session(_ context.Context, id string) (Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[id]
	if !ok {
		return Session{}, luoshi.Errorf(luoshi.ENotFound, "no session")
	}
	return x, nil
}

func (s *memSessions) TouchSession(_ context.Context, id string, seen time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[id]
	if !ok {
		return luoshi.Errorf(luoshi.ENotFound, "no session")
	}
	x.LastSeen = seen
	s.m[id] = x
	s.touches++
	return nil
}

func (s *memSessions) DeleteSession(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

func (s *memSessions) DeleteAccountSessions(_ context.Context, account, keep string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, x := range s.m {
		if x.Account == account && id != keep {
			delete(s.m, id)
		}
	}
	return nil
}

func TestNewSession(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	tok, s := NewSession("zhangsan", now, DefaultSessionPolicy())
	if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
		t.Fatalf("token %q: want 43 URL-safe characters", tok)
	}
	sum := sha256.Sum256([]byte(tok))
	if s.ID != hex.EncodeToString(sum[:]) || strings.Contains(s.ID, tok) {
		t.Fatalf("ID %q is not the SHA-256 of the token", s.ID)
	}
	if s.Account != "zhangsan" || !s.Created.Equal(now) || !s.Expires.Equal(now.Add(36*time.Hour)) || s.Created.Location() != time.UTC {
		t.Fatalf("session %+v", s)
	}
	if id, err := SessionID(tok); err != nil || id != s.ID {
		t.Fatalf("SessionID = %q, %v", id, err)
	}
	tok2, _ := NewSession("zhangsan", now, DefaultSessionPolicy())
	if tok2 == tok {
		t.Fatal("two sessions share a token")
	}
}

func TestSessionIDHostile(t *testing.T) {
	tok, _ := NewSession("a", time.Now(), DefaultSessionPolicy())
	for _, bad := range []string{
		"", tok[:42], tok + "A", tok[:42] + "=", tok[:42] + "+", tok[:42] + "/", tok[:42] + "\x00",
		strings.Repeat("A", 1<<20), strings.Repeat("长", 15), " " + tok[1:],
	} {
		if _, err := SessionID(bad); err != ErrBadToken {
			t.Errorf("SessionID(%q) = %v, want ErrBadToken", bad, err)
		}
	}
}

func TestSessionPolicy(t *testing.T) {
	p := SessionPolicy{TTL: 10 * time.Hour, Idle: time.Hour, TouchEvery: time.Minute}
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	_, s := NewSession("a", t0, p)
	cases := []struct {
		at   time.Duration
		seen time.Duration
		live bool
	}{
		{0, 0, true},
		{59 * time.Minute, 0, true},
		{time.Hour, 0, false}, // idle
		{9*time.Hour + 59*time.Minute, 9 * time.Hour, true},
		{10 * time.Hour, 9*time.Hour + 59*time.Minute, false}, // absolute end
		{-time.Minute, 0, true},                               // a clock behind
	}
	for _, tc := range cases {
		x := s
		x.LastSeen = t0.Add(tc.seen)
		if got := p.Live(x, t0.Add(tc.at)); got != tc.live {
			t.Errorf("at +%v seen +%v: live %v, want %v", tc.at, tc.seen, got, tc.live)
		}
	}
	if _, moved := p.Touch(s, t0.Add(30*time.Second)); moved {
		t.Error("touched within a minute")
	}
	if x, moved := p.Touch(s, t0.Add(2*time.Minute)); !moved || !x.LastSeen.Equal(t0.Add(2*time.Minute)) {
		t.Error("not touched after two minutes")
	}
	if !(SessionPolicy{TTL: time.Hour}).Live(s, t0.Add(50*time.Minute)) {
		t.Error("no idle limit should mean none")
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	store := newMemSessions()
	m := Sessions{Store: store, Policy: SessionPolicy{TTL: 8 * time.Hour, Idle: time.Hour}, Now: c.Now}

	tokA, a, err := m.Begin(ctx, "zhangsan")
	if err != nil {
		t.Fatal(err)
	}
	tokB, b, err := m.Begin(ctx, "zhangsan")
	if err != nil {
		t.Fatal(err)
	}
	tokC, _, err := m.Begin(ctx, "lisi")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Resolve(ctx, tokA); err != nil || s.ID != a.ID || s.Account != "zhangsan" {
		t.Fatalf("Resolve = %+v, %v", s, err)
	}

	// A restart: a new Sessions over the same store knows the session.
	restarted := Sessions{Store: store, Policy: m.Policy, Now: c.Now}
	if s, err := restarted.Resolve(ctx, tokB); err != nil || s.ID != b.ID {
		t.Fatalf("after restart: %+v, %v", s, err)
	}

	// Activity keeps a session alive past the idle limit, writing LastSeen
	// only now and then.
	for range 5 {
		c.Add(30 * time.Minute)
		if _, err := m.Resolve(ctx, tokA); err != nil {
			t.Fatalf("active session ended: %v", err)
		}
	}
	if store.touches != 5 {
		t.Fatalf("%d touches, want 5", store.touches)
	}
	// B was idle for 2.5 hours: gone, and deleted.
	if _, err := m.Resolve(ctx, tokB); !IsNoSession(err) || luoshi.ErrorCode(err) != luoshi.EForbidden {
		t.Fatalf("idle session: %v", err)
	}
	if _, ok := store.m[b.ID]; ok {
		t.Fatal("idle session not deleted")
	}

	// A password change through A ends zhangsan's other sessions only.
	tokD, _, _ := m.Begin(ctx, "zhangsan")
	tokC2, _, _ := m.Begin(ctx, "lisi")
	if err := m.PasswordChanged(ctx, "zhangsan", a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Resolve(ctx, tokD); !IsNoSession(err) {
		t.Fatalf("other session survived a password change: %v", err)
	}
	if _, err := m.Resolve(ctx, tokA); err != nil {
		t.Fatalf("the changing session ended: %v", err)
	}
	if _, err := m.Resolve(ctx, tokC2); err != nil {
		t.Fatalf("another account's session ended: %v", err)
	}
	// An administrator's reset ends them all.
	if err := m.PasswordChanged(ctx, "zhangsan", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Resolve(ctx, tokA); !IsNoSession(err) {
		t.Fatalf("session survived a reset: %v", err)
	}

	// Logout; twice is fine; garbage is fine.
	if err := m.End(ctx, tokC2); err != nil {
		t.Fatal(err)
	}
	if err := m.End(ctx, tokC2); err != nil {
		t.Fatal(err)
	}
	if err := m.End(ctx, "garbage"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Resolve(ctx, tokC2); !IsNoSession(err) {
		t.Fatalf("logged-out session: %v", err)
	}

	// The absolute limit, whatever the activity.
	c.Add(8 * time.Hour)
	if _, err := m.Resolve(ctx, tokC); !IsNoSession(err) {
		t.Fatalf("expired session: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), tokA + "x"} {
		if _, err := m.Resolve(ctx, bad); !IsNoSession(err) {
			t.Errorf("Resolve(%q) = %v", bad, err)
		}
	}
}

func FuzzSessionID(f *testing.F) {
	tok, _ := NewSession("a", time.Now(), DefaultSessionPolicy())
	f.Add(tok)
	f.Add("")
	f.Add("lst_" + tok)
	f.Fuzz(func(t *testing.T, s string) {
		id, err := SessionID(s)
		if err == nil && (len(id) != 64 || len(s) != 43) {
			t.Fatalf("SessionID(%q) = %q", s, id)
		}
		if _, err := APITokenHash(s); err == nil && !strings.HasPrefix(s, APITokenPrefix) {
			t.Fatalf("APITokenHash(%q) accepted", s)
		}
	})
}
