package auth

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"luoshi"
)

// ThrottleConfig sets how many failed logins lock an account or an address
// out, and for how long.
type ThrottleConfig struct {
	// AccountFailures failed logins to one account within Window lock it.
	AccountFailures int
	// AddressFailures failed logins from one address (an IPv4 address, an
	// IPv6 /64) within Window lock it; higher than AccountFailures, since
	// a whole office may sit behind one address.
	AddressFailures int
	Window          time.Duration
	// MaxKeys bounds the accounts and addresses tracked (memory); the ones
	// with no failure left in the window go first.
	MaxKeys int
	// Location is the time zone of the retry time in messages; China
	// Standard Time when nil.
	Location *time.Location
}

// DefaultThrottleConfig locks an account after 5 failures in 15 minutes
// and an address after 50.
func DefaultThrottleConfig() ThrottleConfig {
	return ThrottleConfig{AccountFailures: 5, AddressFailures: 50, Window: 15 * time.Minute, MaxKeys: 100000}
}

// Throttle counts failed logins in a sliding window, in memory (a restart
// forgets them; several instances count apart, each with its own limit).
// It is safe for concurrent use.
type Throttle struct {
	cfg ThrottleConfig
	now func() time.Time
	mu  sync.Mutex
	m   map[string][]time.Time // key → failure times, oldest first
}

// NewThrottle returns a Throttle reading the time from now (time.Now when
// nil).
func NewThrottle(cfg ThrottleConfig, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("CST", 8*3600)
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100000
	}
	return &Throttle{cfg: cfg, now: now, m: map[string][]time.Time{}}
}

// ThrottledError says a login is refused without checking the password
// until Until. It unwraps to a luoshi.Error with code EForbidden; the web
// layer answers 429 with Retry-After.
type ThrottledError struct {
	Until time.Time
	err   *luoshi.Error
}

func (e *ThrottledError) Error() string { return e.err.Message }

// Unwrap returns the luoshi.Error.
func (e *ThrottledError) Unwrap() error { return e.err }

// AccountKey is how an account name is counted: trimmed, lower case, at
// most 256 bytes.
func AccountKey(account string) string {
	a := strings.ToLower(strings.TrimSpace(account))
	if len(a) > 256 {
		a = a[:256]
	}
	return "a:" + a
}

// AddressKey is how a client address is counted: the IP without port, an
// IPv4-mapped address as IPv4, an IPv6 address as its /64 (one host's
// share), anything unreadable as at most 64 bytes of itself.
func AddressKey(addr string) string {
	host := strings.TrimSpace(addr)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		if len(host) > 64 {
			host = host[:64]
		}
		return "r:" + host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "n:" + p.String()
	}
	return "n:" + ip.String()
}

// Allow returns nil when a login to account from addr may be tried, else
// a *ThrottledError saying until when it may not.
func (t *Throttle) Allow(account, addr string) error {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if until, ok := t.lockedUntil(AccountKey(account), t.cfg.AccountFailures, now); ok {
		return t.throttled(until, now, "该账号")
	}
	if until, ok := t.lockedUntil(AddressKey(addr), t.cfg.AddressFailures, now); ok {
		return t.throttled(until, now, "您所在的网络地址")
	}
	return nil
}

func (t *Throttle) throttled(until, now time.Time, who string) error {
	mins := int((until.Sub(now) + time.Minute - 1) / time.Minute)
	msg := fmt.Sprintf("%s登录失败次数过多，已暂时锁定，请于 %s（约 %d 分钟后）再试",
		who, until.In(t.cfg.Location).Format("15:04"), mins)
	return &ThrottledError{Until: until, err: &luoshi.Error{Code: luoshi.EForbidden, Message: msg}}
}

// lockedUntil reports whether key has limit failures in the window ending
// at now, and if so when the oldest of them leaves it.
func (t *Throttle) lockedUntil(key string, limit int, now time.Time) (time.Time, bool) {
	f := t.recent(key, now)
	if limit <= 0 || len(f) < limit {
		return time.Time{}, false
	}
	return f[len(f)-limit].Add(t.cfg.Window), true
}

// recent drops key's failures older than the window and returns the rest.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	f := t.m[key]
	i := 0
	for i < len(f) && !f[i].Add(t.cfg.Window).After(now) {
		i++
	}
	if i == len(f) {
		delete(t.m, key)
		return nil
	}
	if i > 0 {
		f = append(f[:0], f[i:]...)
		t.m[key] = f
	}
	return f
}

// Failure records a failed login to account from addr.
func (t *Throttle) Failure(account, addr string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.add(AccountKey(account), t.cfg.AccountFailures, now)
	t.add(AddressKey(addr), t.cfg.AddressFailures, now)
}

func (t *Throttle) add(key string, limit int, now time.Time) {
	f := t.recent(key, now)
	if f == nil && len(t.m) >= t.cfg.MaxKeys {
		t.evict(now)
	}
	f = append(f, now)
	if len(f) > limit && limit > 0 {
		f = f[len(f)-limit:] // only the newest limit count
	}
	t.m[key] = f
}

// evict makes room: first keys with no failure left in the window, then,
// if that is not enough, a tenth of the others.
func (t *Throttle) evict(now time.Time) {
	for k := range t.m {
		t.recent(k, now)
	}
	for k := range t.m {
		if len(t.m) < t.cfg.MaxKeys*9/10 {
			break
		}
		delete(t.m, k)
	}
}

// Success records a successful login: the account's failures are
// forgotten. The address's are not, or one valid account would let its
// holder guess the passwords of others.
func (t *Throttle) Success(account, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, AccountKey(account))
}

// Len returns how many accounts and addresses have failures in the
// window, forgetting the others.
func (t *Throttle) Len() int {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.m {
		t.recent(k, now)
	}
	return len(t.m)
}
