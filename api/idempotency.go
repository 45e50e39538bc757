package api

import (
	"context"
	"sync"
	"time"

	"luoshi"
)

// Answer is a recorded answer to a request.
type Answer struct {
	Status int
	Body   []byte
}

// Idempotency remembers answers by Idempotency-Key, so that a client that
// retries a POST (it timed out, the network dropped the answer) gets the
// first answer instead of a second write.
type Idempotency interface {
	// Begin claims key for a request whose body hashes to sum. If the key
	// was answered before for the same sum, it returns that answer and
	// true. The same key with another sum, or while an earlier request
	// with it is still running, is an EConflict error.
	Begin(ctx context.Context, key, sum string) (Answer, bool, error)
	// Finish records the answer to the request that claimed key.
	Finish(ctx context.Context, key string, a Answer)
	// Abandon releases key after a failure worth retrying.
	Abandon(ctx context.Context, key string)
}

// NewMemoryIdempotency keeps answers in memory for ttl, at most max of
// them (the oldest go first). Several instances behind one balancer each
// have their own: route a client's retries to the same instance, or give
// Config another implementation.
func NewMemoryIdempotency(ttl time.Duration, max int) Idempotency {
	return &memoryIdem{ttl: ttl, max: max, m: map[string]*idemEntry{}}
}

type memoryIdem struct {
	ttl   time.Duration
	max   int
	mu    sync.Mutex
	m     map[string]*idemEntry
	order []string // keys by first use
}

type idemEntry struct {
	sum  string
	done bool
	a    Answer
	at   time.Time
}

func (m *memoryIdem) Begin(_ context.Context, key, sum string) (Answer, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if e, ok := m.m[key]; ok && now.Sub(e.at) <= m.ttl {
		switch {
		case e.sum != sum:
			return Answer{}, false, luoshi.Errorf(luoshi.EConflict, "此 Idempotency-Key 已用于另一个不同的请求；新的请求请使用新的 Idempotency-Key")
		case !e.done:
			return Answer{}, false, luoshi.Errorf(luoshi.EConflict, "使用此 Idempotency-Key 的请求仍在处理中，请稍后重试")
		}
		return e.a, true, nil
	} else if ok {
		m.drop(key)
	}
	for len(m.order) > 0 && (len(m.m) >= m.max || now.Sub(m.m[m.order[0]].at) > m.ttl) {
		delete(m.m, m.order[0])
		m.order = m.order[1:]
	}
	m.order = append(m.order, key)
	m.m[key] = &idemEntry{sum: sum, at: now}
	return Answer{}, false, nil
}

func (m *memoryIdem) Finish(_ context.Context, key string, a Answer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.m[key]; ok {
		e.done, e.a = true, a
	}
}

func (m *memoryIdem) Abandon(_ context.Context, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drop(key)
}

// drop forgets key; m.mu is held.
func (m *memoryIdem) drop(key string) {
	delete(m.m, key)
	for i, k := range m.order {
		if k == key {
			m.order = append(m.order[:i], m.order[i+1:]...)
			break
		}
	}
}
