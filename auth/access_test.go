package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"luoshi"
)

func key(b byte) []byte { return []byte(strings.Repeat(string(rune('a'+b%26)), 32)) }

func TestCSRF(t *testing.T) {
	if _, err := NewCSRF(make([]byte, 31)); err == nil {
		t.Fatal("31-byte key accepted")
	}
	k := key(1)
	c, err := NewCSRF(k)
	if err != nil {
		t.Fatal(err)
	}
	k[0] = 'z' // the CSRF keeps its own copy
	_, s := NewSession("a", time.Now(), DefaultSessionPolicy())
	_, s2 := NewSession("a", time.Now(), DefaultSessionPolicy())
	tok := c.Token(s.ID)
	tok2 := c.Token(s.ID)
	if tok == tok2 || len(tok) != 86 {
		t.Fatalf("tokens %q, %q: want a fresh mask each time, 86 characters", tok, tok2)
	}
	if !c.Check(s.ID, tok) || !c.Check(s.ID, tok2) {
		t.Fatal("own token refused")
	}
	other, _ := NewCSRF(key(2))
	flip := []byte(tok)
	flip[10] ^= 1
	for name, bad := range map[string]struct{ id, tok string }{
		"other session": {s2.ID, tok},
		"other key":     {s.ID, other.Token(s.ID)},
		"empty token":   {s.ID, ""},
		"empty session": {"", c.Token("")},
		"flipped":       {s.ID, string(flip)},
		"padded":        {s.ID, tok + "="},
		"truncated":     {s.ID, tok[:85]},
		"mask only":     {s.ID, tok[:43] + strings.Repeat("A", 43)},
		"unmasked mac":  {s.ID, strings.Repeat("A", 43) + tok[43:]},
		"std base64":    {s.ID, strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+"},
		"NUL":           {s.ID, tok[:85] + "\x00"},
		"huge":          {s.ID, strings.Repeat(tok, 30000)},
		"chinese":       {s.ID, strings.Repeat("令", 28) + "aa"},
	} {
		if c.Check(bad.id, bad.tok) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzCSRFCheck(f *testing.F) {
	c, _ := NewCSRF(key(3))
	f.Add("sid", c.Token("sid"))
	f.Add("", "")
	f.Fuzz(func(t *testing.T, sid, tok string) {
		if !c.Check(sid, tok) {
			return
		}
		// Only a token made for sid may check: unmask it and compare.
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(b) != 64 {
			t.Fatalf("Check(%q, %q) accepted a malformed token", sid, tok)
		}
		for i := range 32 {
			b[32+i] ^= b[i]
		}
		if !hmac.Equal(b[32:], c.mac(sid)) {
			t.Fatalf("Check(%q, %q) accepted another session's token", sid, tok)
		}
	})
}

func TestThrottleAccount(t *testing.T) {
	c := newClock()
	th := NewThrottle(DefaultThrottleConfig(), c.Now)
	for i := range 4 {
		if err := th.Allow("ZhangSan", "10.0.0.1"); err != nil {
			t.Fatalf("locked after %d failures: %v", i, err)
		}
		th.Failure("zhangsan ", "10.0.0.1")
		c.Add(time.Minute)
	}
	th.Failure("zhangsan", "10.0.0.2") // the fifth, at 09:04, from elsewhere
	err := th.Allow("zhangsan", "10.9.9.9")
	var te *ThrottledError
	if !errors.As(err, &te) || luoshi.ErrorCode(err) != luoshi.EForbidden {
		t.Fatalf("after 5 failures: %v", err)
	}
	// Unlocked when the first failure (09:00) leaves the 15-minute window:
	// 09:15 UTC, 17:15 in Beijing.
	if want := time.Date(2025, 3, 3, 9, 15, 0, 0, time.UTC); !te.Until.Equal(want) {
		t.Fatalf("until %v, want %v", te.Until, want)
	}
	if !strings.Contains(err.Error(), "该账号登录失败次数过多") || !strings.Contains(err.Error(), "17:15") || !strings.Contains(err.Error(), "约 11 分钟后") {
		t.Fatalf("message %q", err)
	}
	if err := th.Allow("lisi", "10.0.0.1"); err != nil {
		t.Fatalf("another account locked: %v", err)
	}
	c.Add(11 * time.Minute) // 09:15
	if err := th.Allow("zhangsan", "10.0.0.1"); err != nil {
		t.Fatalf("still locked at 09:15: %v", err)
	}
	// Sliding: one more failure locks again until the second one leaves.
	th.Failure("zhangsan", "10.0.0.1")
	if err := th.Allow("zhangsan", "10.0.0.1"); !errors.As(err, &te) || !te.Until.Equal(time.Date(2025, 3, 3, 9, 16, 0, 0, time.UTC)) {
		t.Fatalf("sliding window: %v", err)
	}
	// A success forgets the account's failures.
	th.Success("zhangsan", "10.0.0.1")
	if err := th.Allow("zhangsan", "10.0.0.1"); err != nil {
		t.Fatalf("after success: %v", err)
	}
}

func TestThrottleAddress(t *testing.T) {
	c := newClock()
	cfg := DefaultThrottleConfig()
	cfg.AddressFailures = 10
	th := NewThrottle(cfg, c.Now)
	// Ten names guessed from one IPv6 /64, through different hosts and ports.
	for i := range 10 {
		th.Failure(fmt.Sprintf("user%d", i), fmt.Sprintf("[2001:db8:1:2::%x]:%d", i+1, 5000+i))
	}
	err := th.Allow("newuser", "2001:db8:1:2:ffff::1")
	if err == nil || !strings.Contains(err.Error(), "网络地址") {
		t.Fatalf("the /64 is not locked: %v", err)
	}
	if err := th.Allow("newuser", "2001:db8:1:3::1"); err != nil {
		t.Fatalf("the next /64 is locked: %v", err)
	}
	// A success does not reset the address.
	th.Success("newuser", "2001:db8:1:2::1")
	if err := th.Allow("newuser", "2001:db8:1:2::1"); err == nil {
		t.Fatal("a success unlocked the address")
	}
	c.Add(15 * time.Minute)
	if err := th.Allow("newuser", "2001:db8:1:2::1"); err != nil {
		t.Fatalf("still locked after the window: %v", err)
	}
	if th.Len() != 0 {
		t.Fatalf("%d keys left after everything expired", th.Len())
	}
}

func TestAddressKey(t *testing.T) {
	cases := map[string]string{
		"10.1.2.3":                 "n:10.1.2.3",
		"10.1.2.3:443":             "n:10.1.2.3",
		" 10.1.2.3 ":               "n:10.1.2.3",
		"::ffff:10.1.2.3":          "n:10.1.2.3",
		"[::ffff:10.1.2.3]:80":     "n:10.1.2.3",
		"2001:db8::1":              "n:2001:db8::/64",
		"[2001:db8::1%eth0]:8080":  "n:2001:db8::/64",
		"2001:db8:0:0:1234::9":     "n:2001:db8::/64",
		"":                         "r:",
		"not an address":           "r:not an address",
		strings.Repeat("x", 1<<20): "r:" + strings.Repeat("x", 64),
	}
	for in, want := range cases {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%.40q) = %.80q, want %.80q", in, got, want)
		}
	}
	if got := AccountKey(strings.Repeat("A", 1<<20)); len(got) != 258 {
		t.Errorf("AccountKey of 1 MB is %d bytes", len(got))
	}
	if AccountKey(" ZhangSan ") != AccountKey("zhangsan") {
		t.Error("account key depends on case or spaces")
	}
}

func TestThrottleBounded(t *testing.T) {
	c := newClock()
	cfg := DefaultThrottleConfig()
	cfg.MaxKeys = 100
	th := NewThrottle(cfg, c.Now)
	for i := range 10000 {
		th.Failure(strings.Repeat("u", i%50)+string(rune(i)), "10.0."+string(rune('0'+i%10))+"."+string(rune(i)))
	}
	if n := th.Len(); n > 100 {
		t.Fatalf("%d keys tracked, limit 100", n)
	}
}

func TestAPIToken(t *testing.T) {
	plain, hash := NewAPIToken()
	if !strings.HasPrefix(plain, "lst_") || len(plain) != 47 {
		t.Fatalf("token %q", plain)
	}
	sum := sha256.Sum256([]byte(plain))
	if hash != hex.EncodeToString(sum[:]) {
		t.Fatal("hash is not the SHA-256 of the token")
	}
	if h, err := APITokenHash(plain); err != nil || h != hash {
		t.Fatalf("APITokenHash = %q, %v", h, err)
	}
	if p2, _ := NewAPIToken(); p2 == plain {
		t.Fatal("two tokens alike")
	}
	for _, bad := range []string{"", "lst_", plain[4:], "LST_" + plain[4:], "lsx_" + plain[4:], plain + "A", plain[:46],
		plain[:46] + "=", plain[:46] + "\x00", "Bearer " + plain, strings.Repeat("a", 1<<20), "lst_" + strings.Repeat("长", 14) + "a"} {
		if _, err := APITokenHash(bad); err != ErrBadToken {
			t.Errorf("APITokenHash(%.60q) = %v", bad, err)
		}
	}
	if h := APITokenHint(plain); h != plain[:10]+"…" || APITokenHint("lst") != "" {
		t.Fatalf("hint %q", h)
	}
}

func TestNewAPITokenFor(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	plain, tok, err := NewAPITokenFor("统计数据对接", "510700", ScopeReport, "admin", now, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := APITokenHash(plain); h != tok.Hash || tok.Unit != "510700" || !tok.Expires.Equal(now.Add(90*24*time.Hour)) {
		t.Fatalf("token %+v", tok)
	}
	if err := tok.Usable(now); err != nil {
		t.Fatal(err)
	}
	if err := tok.Usable(tok.Expires); err == nil || !strings.Contains(err.Error(), "过期") {
		t.Fatalf("expired: %v", err)
	}
	rev := tok
	rev.Revoked = now
	if err := rev.Usable(now); luoshi.ErrorCode(err) != luoshi.EForbidden || !strings.Contains(err.Error(), "吊销") {
		t.Fatalf("revoked: %v", err)
	}
	p := tok.Principal()
	if p.Role != RoleReporter || !p.CanWrite("510700") || p.CanWrite("510100") || p.CanApprove("510700") || p.IsAdmin() {
		t.Fatalf("report principal %+v", p)
	}
	tok.Scope = ScopeRead
	if p := tok.Principal(); p.CanWrite("510700") || !p.CanRead("510700") || p.CanRead("510100") {
		t.Fatalf("read principal %+v", p)
	}
	bad := []struct {
		name, unit string
		scope      Scope
		life       time.Duration
	}{
		{"x", "510700", "admin", time.Hour},
		{"x", "510700", "", time.Hour},
		{"x", "", ScopeRead, time.Hour},
		{"x", " ", ScopeRead, time.Hour},
		{"", "510700", ScopeRead, time.Hour},
		{"a\x00b", "510700", ScopeRead, time.Hour},
		{strings.Repeat("名", 101), "510700", ScopeRead, time.Hour},
		{"x", "510700", ScopeRead, 0},
		{"x", "510700", ScopeRead, -time.Hour},
		{"x", "510700", ScopeRead, 400 * 24 * time.Hour},
	}
	for _, b := range bad {
		if _, _, err := NewAPITokenFor(b.name, b.unit, b.scope, "admin", now, b.life); luoshi.ErrorCode(err) != luoshi.EInvalid {
			t.Errorf("NewAPITokenFor(%q, %q, %q, %v) = %v", b.name, b.unit, b.scope, b.life, err)
		}
	}
}

func TestPrincipal(t *testing.T) {
	type can struct{ read, write, approve bool }
	own, other, none := "510700", "510100", ""
	cases := []struct {
		name string
		p    Principal
		want map[string]can
	}{
		{"admin", Principal{Account: "a", Role: RoleAdmin}, map[string]can{own: {true, true, true}, other: {true, true, true}, none: {true, true, true}}},
		{"reporter", Principal{Account: "r", Role: RoleReporter, Units: []string{own}}, map[string]can{own: {true, true, false}, other: {}, none: {}}},
		{"leader", Principal{Account: "l", Role: RoleLeader, Units: []string{own}}, map[string]can{own: {true, false, true}, other: {}, none: {}}},
		{"viewer of all", Principal{Account: "v", Role: RoleViewer}, map[string]can{own: {true, false, false}, other: {true, false, false}, none: {true, false, false}}},
		{"viewer of one", Principal{Account: "v", Role: RoleViewer, Units: []string{own}}, map[string]can{own: {true, false, false}, other: {}, none: {}}},
		{"reporter of none", Principal{Account: "r", Role: RoleReporter}, map[string]can{own: {}, other: {}, none: {}}},
		{"reporter listing empty", Principal{Account: "r", Role: RoleReporter, Units: []string{""}}, map[string]can{own: {}, none: {}}},
		{"anonymous", Principal{}, map[string]can{own: {}, other: {}, none: {}}},
		{"unknown role", Principal{Account: "x", Role: "superuser", Units: []string{own}}, map[string]can{own: {}, other: {}}},
		{"role in other case", Principal{Account: "x", Role: "ADMIN"}, map[string]can{own: {}}},
	}
	for _, tc := range cases {
		for unit, w := range tc.want {
			got := can{tc.p.CanRead(unit), tc.p.CanWrite(unit), tc.p.CanApprove(unit)}
			if got != w {
				t.Errorf("%s on %q: read/write/approve = %v, want %v", tc.name, unit, got, w)
			}
		}
	}
	scopes := []struct {
		p     Principal
		all   bool
		units []string
	}{
		{Principal{Role: RoleAdmin, Units: []string{own}}, true, nil},
		{Principal{Role: RoleViewer}, true, nil},
		{Principal{Role: RoleViewer, Units: []string{own, other}}, false, []string{own, other}},
		{Principal{Role: RoleReporter, Units: []string{own}}, false, []string{own}},
		{Principal{Role: RoleReporter}, false, []string{}},
		{Principal{}, false, []string{}},
	}
	for _, s := range scopes {
		all, units := s.p.ReadScope()
		if all != s.all || (!all && (units == nil || strings.Join(units, ",") != strings.Join(s.units, ","))) {
			t.Errorf("ReadScope(%+v) = %v, %#v", s.p, all, units)
		}
	}
	// The scope is a copy.
	p := Principal{Account: "v", Role: RoleViewer, Units: []string{own}}
	_, u := p.ReadScope()
	u[0] = other
	if p.Units[0] != own {
		t.Error("ReadScope shares the principal's slice")
	}
	if err := (Principal{}).Forbidden("填报", ""); !strings.Contains(err.Error(), "请先登录") || luoshi.ErrorCode(err) != luoshi.EForbidden {
		t.Errorf("anonymous: %v", err)
	}
	if err := p.Forbidden("审核", "绵阳市"); err.Error() != "您没有权限审核（绵阳市）" {
		t.Errorf("forbidden: %v", err)
	}
	for _, r := range Roles() {
		if got, err := ParseRole(string(r)); err != nil || got != r || r.Label() == "未知角色" {
			t.Errorf("role %q: %v", r, err)
		}
	}
	for _, bad := range []string{"", "Admin", "root", "admin ", "管理员"} {
		if _, err := ParseRole(bad); luoshi.ErrorCode(err) != luoshi.EInvalid {
			t.Errorf("ParseRole(%q) = %v", bad, err)
		}
	}
}

func TestCookies(t *testing.T) {
	exp := time.Date(2025, 3, 4, 21, 0, 0, 0, time.UTC)
	for _, secure := range []bool{false, true} {
		c := SessionCookie("tok", exp, secure)
		s := c.String()
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Expires="} {
			if !strings.Contains(s, want) {
				t.Errorf("secure=%v: %q lacks %s", secure, s, want)
			}
		}
		if strings.Contains(s, "Secure") != secure || strings.HasPrefix(s, "__Host-") != secure || strings.Contains(s, "Domain") {
			t.Errorf("secure=%v: %q", secure, s)
		}
		if cl := ClearSessionCookie(secure); cl.MaxAge >= 0 || cl.Name != c.Name || !cl.HttpOnly {
			t.Errorf("clear: %+v", cl)
		}
		pre, id := NewPreSession(secure)
		if ps := pre.String(); !strings.Contains(ps, "SameSite=Strict") || !strings.Contains(ps, "HttpOnly") || strings.Contains(ps, "Secure") != secure {
			t.Errorf("pre-session cookie %q", ps)
		}
		r := httptest.NewRequest("GET", "/", nil)
		if secure {
			r.TLS = &tls.ConnectionState{}
		}
		r.AddCookie(c)
		r.AddCookie(pre)
		if SessionToken(r) != "tok" || PreSessionID(r) != id || id == "" {
			t.Errorf("secure=%v: read back %q, %q", secure, SessionToken(r), PreSessionID(r))
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "luoshi_pre", Value: "not a token"})
	r.AddCookie(&http.Cookie{Name: "__Host-luoshi_session", Value: "from TLS"})
	if PreSessionID(r) != "" || SessionToken(r) != "" {
		t.Error("a malformed pre-session or a secure cookie over plain HTTP was taken")
	}
}
