package http

import (
	"context"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
	"luoshi/auth/sqlauth"
	"luoshi/catalog"
	"luoshi/reports"
	"luoshi/sqlite"
)

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	t   *testing.T
	c   *nethttp.Client
	url string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, url: base, c: &nethttp.Client{Jar: jar, CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (int, string, nethttp.Header) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := nethttp.NewRequest(method, b.url+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data), res.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the CSRF token of the first posting form of the page at path.
func (b *browser) token(path string) string {
	b.t.Helper()
	code, body, _ := b.do("GET", path, nil)
	m := csrfField.FindStringSubmatch(body)
	if code != 200 || m == nil {
		b.t.Fatalf("GET %s: %d, no CSRF field in %.300s", path, code, body)
	}
	return m[1]
}

func (b *browser) login(name, password string) {
	b.t.Helper()
	tok := b.token("/login")
	code, body, h := b.do("POST", "/login", url.Values{"csrf": {tok}, "name": {name}, "password": {password}, "next": {"/tasks"}})
	if code != nethttp.StatusSeeOther || h.Get("Location") != "/tasks" {
		b.t.Fatalf("login %s: %d %s %.300s", name, code, h.Get("Location"), body)
	}
}

// TestSignIn walks the accounts' pages: the first-run page while no
// account exists, sign-in with CSRF and throttling, the forbidden paths of
// a reporter of 绵阳市 and a viewer, the administrators' audit log, and
// sign-out.
func TestSignIn(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2025, 4, 10, 9, 0, 0, 0, reports.CST)
	cat := catalog.Sichuan()
	planID, _, err := reports.Bootstrap(ctx, db, cat, now)
	if err != nil {
		t.Fatal(err)
	}
	w, r := db.Pools()
	accts := sqlauth.New(w, r, audit.SQLite, nil)
	log := db.AuditLog()
	srv, err := New(Config{Store: db, Catalog: cat, Now: func() time.Time { return now }, Accounts: accts, Audit: &log,
		CSRFKey: []byte(strings.Repeat("k", 32)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	admin := newBrowser(t, ts.URL)
	if code, _, h := admin.do("GET", "/tasks", nil); code != nethttp.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Fatalf("a page without an account: %d %s", code, h.Get("Location"))
	}
	if code, _, h := admin.do("GET", "/login", nil); code != nethttp.StatusSeeOther || h.Get("Location") != "/setup" {
		t.Fatalf("login with no account: %d %s", code, h.Get("Location"))
	}
	tok := admin.token("/setup")
	const pw = "督查室-落实-2025-春"
	if code, _, _ := admin.do("POST", "/setup", url.Values{"name": {"dcs"}, "password": {pw}, "password2": {pw}}); code != nethttp.StatusForbidden {
		t.Errorf("setup without the CSRF token: %d", code)
	}
	if code, body, _ := admin.do("POST", "/setup", url.Values{"csrf": {tok}, "name": {"dcs"}, "password": {"123456"}, "password2": {"123456"}}); code != nethttp.StatusBadRequest || !strings.Contains(body, "setup-error") {
		t.Errorf("setup with a weak password: %d", code)
	}
	if code, _, h := admin.do("POST", "/setup", url.Values{"csrf": {tok}, "name": {"dcs"}, "display": {"王督查"}, "password": {pw}, "password2": {pw}}); code != nethttp.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("setup: %d", code)
	}
	if code, _, _ := admin.do("GET", "/setup", nil); code != nethttp.StatusNotFound {
		t.Errorf("the first-run page after the first account: %d", code)
	}
	if code, body, _ := admin.do("GET", "/tasks", nil); code != 200 || !strings.Contains(body, "王督查") || !strings.Contains(body, `action="/logout"`) {
		t.Fatalf("the administrator's task list: %d", code)
	}
	if code, _, _ := admin.do("GET", "/as", nil); code != nethttp.StatusNotFound {
		t.Errorf("/as with accounts: %d", code)
	}

	h, _ := auth.NewHasher(auth.DefaultParams(), 1)
	add := func(name string, role auth.Role, units ...string) {
		hash, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := accts.CreateAccount(ctx, auth.Account{Name: name, Role: role, Units: units, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
	add("mianyang", auth.RoleReporter, "510700")
	add("viewer", auth.RoleViewer)

	rep := newBrowser(t, ts.URL)
	ltok := rep.token("/login")
	if code, body, _ := rep.do("POST", "/login", url.Values{"csrf": {ltok}, "name": {"mianyang"}, "password": {"wrong-password-1"}}); code != nethttp.StatusUnauthorized || !strings.Contains(body, "账号或密码错误") {
		t.Errorf("wrong password: %d", code)
	}
	rep.login("mianyang", pw)
	if code, _, _ := rep.do("GET", "/audit", nil); code != nethttp.StatusForbidden {
		t.Errorf("a reporter's audit log: %d", code)
	}
	if code, _, _ := rep.do("GET", "/units/510600", nil); code != nethttp.StatusForbidden && code != nethttp.StatusNotFound {
		t.Errorf("绵阳市's reporter on 德阳市's page: %d", code)
	}
	before, _ := db.ListProgress(ctx, luoshi.ProgressFilter{})
	rtok := rep.token("/report")
	code, _, _ := rep.do("POST", "/report", url.Values{"csrf": {rtok}, "unit": {"510600"}, "period": {"2025-03"}, "item": {"c0001"}, "value": {"10"}, "narrative": {"代德阳填报"}, "action": {"submit"}})
	if code != nethttp.StatusForbidden {
		t.Errorf("绵阳市's reporter writing 德阳市's report: %d", code)
	}
	if after, _ := db.ListProgress(ctx, luoshi.ProgressFilter{}); len(after) != len(before) {
		t.Errorf("a forbidden report was stored")
	}
	if code, _, _ := rep.do("POST", "/report", url.Values{"unit": {"510700"}, "period": {"2025-03"}, "item": {"c0001"}, "value": {"10"}, "action": {"save"}}); code != nethttp.StatusForbidden {
		t.Errorf("a post without the CSRF token: %d", code)
	}

	view := newBrowser(t, ts.URL)
	view.login("viewer", pw)
	vtok := view.token("/tasks")
	if code, _, _ := view.do("POST", "/alerts/1/ack", url.Values{"csrf": {vtok}, "note": {"看过"}}); code != nethttp.StatusForbidden {
		t.Errorf("a viewer's write: %d", code)
	}

	// The audit log: administrators only, filtered by person and time.
	code, body, _ := admin.do("GET", "/audit?actor=dcs", nil)
	if code != 200 || !strings.Contains(body, "account.create") || !strings.Contains(body, "audit-head") {
		t.Fatalf("audit log: %d %.500s", code, body)
	}
	if strings.Contains(body, "plan.import") {
		t.Error("the actor filter let the system's import through")
	}
	if _, body, _ := admin.do("GET", "/audit?action=plan.", nil); !strings.Contains(body, "plan.import") {
		t.Error("no import in the audit log")
	}
	if _, body, _ := admin.do("GET", "/audit?to=2000-01-01", nil); !strings.Contains(body, "没有符合条件的记录") {
		t.Error("the time filter kept later events")
	}

	// The public page: closed until the administrator opens it, then open
	// to anyone without an account; nobody else may open or close it.
	pub := "/public/" + itoa(int(planID))
	anon := newBrowser(t, ts.URL)
	if code, _, _ := anon.do("GET", pub, nil); code != nethttp.StatusNotFound {
		t.Errorf("a closed public page for a visitor: %d", code)
	}
	vtok = view.token("/tasks")
	if code, _, _ := view.do("POST", pub, url.Values{"csrf": {vtok}, "open": {"1"}}); code != nethttp.StatusForbidden {
		t.Errorf("a viewer opening the public page: %d", code)
	}
	if code, _, _ := anon.do("POST", pub, url.Values{"open": {"1"}}); code != nethttp.StatusForbidden {
		t.Errorf("a visitor opening the public page: %d", code)
	}
	atok := admin.token(pub)
	if code, _, _ := admin.do("POST", pub, url.Values{"csrf": {atok}, "open": {"1"}}); code != nethttp.StatusSeeOther {
		t.Fatalf("opening the public page: %d", code)
	}
	code, body, _ = anon.do("GET", pub, nil)
	if code != 200 || !strings.Contains(body, "进展公开") || !strings.Contains(body, "public-commitments") || strings.Contains(body, "public-toggle") {
		t.Fatalf("the open public page for a visitor: %d %.300s", code, body)
	}
	if on, _ := db.Public(ctx, planID); !on {
		t.Error("the store does not record the page as open")
	}
	if code, _, _ := anon.do("GET", "/tasks", nil); code != nethttp.StatusSeeOther {
		t.Errorf("the public page opened other pages: %d", code)
	}

	// Sign-out ends the session.
	otok := rep.token("/tasks")
	if code, _, h := rep.do("POST", "/logout", url.Values{"csrf": {otok}}); code != nethttp.StatusSeeOther || h.Get("Location") != "/login" {
		t.Fatalf("logout: %d", code)
	}
	if code, _, _ := rep.do("GET", "/tasks", nil); code != nethttp.StatusSeeOther {
		t.Errorf("after logout: %d", code)
	}

	// Throttling: repeated wrong passwords lock the account for a while.
	thief := newBrowser(t, ts.URL)
	ttok := thief.token("/login")
	last := 0
	for i := 0; i < 12 && last != nethttp.StatusTooManyRequests; i++ {
		last, _, _ = thief.do("POST", "/login", url.Values{"csrf": {ttok}, "name": {"viewer"}, "password": {"guess-number-" + itoa(i)}})
	}
	if last != nethttp.StatusTooManyRequests {
		t.Errorf("no throttling after 12 wrong passwords: %d", last)
	}
}
