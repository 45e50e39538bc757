package http

import (
	"context"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
	"luoshi/auth/sqlauth"
	"luoshi/catalog"
	"luoshi/decimal"
	"luoshi/reports"
	"luoshi/sqlite"
)

// TestViewCacheKeepsUnitsApart: with a long view TTL, the page of 绵阳市's
// reporter never shows what 德阳市 reported, though 德阳市's reporter had
// the same plan judged (and cached) just before; the administrator still
// sees both; the open /as pages keep reading as the office.
func TestViewCacheKeepsUnitsApart(t *testing.T) {
	const (
		deyang, mianyang = "510600", "510700"
		dyText, myText   = "德阳独有的进展说明", "绵阳自己的进展说明"
	)
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
	plan, err := db.Plan(ctx, planID)
	if err != nil {
		t.Fatal(err)
	}
	var item string
	for _, c := range plan.Commitments {
		if len(c.Targets) == 0 {
			item = c.ID
			break
		}
	}
	if item == "" {
		t.Fatal("no commitment without targets in the plan")
	}
	if err := db.Assign(ctx, luoshi.Assignment{PlanID: planID, Commitment: item, Lead: mianyang, Co: []string{deyang}, ConfirmedBy: "督查室"}); err != nil {
		t.Fatal(err)
	}
	for unit, text := range map[string]string{deyang: dyText, mianyang: myText} {
		_, err := db.SaveProgress(ctx, luoshi.ProgressInput{PlanID: planID, Item: item, Unit: unit, Period: "2025-03",
			Value: decimal.MustParse("30"), ValueUnit: luoshi.PercentUnit, Narrative: text, Submit: true, By: "填报员"})
		if err != nil {
			t.Fatal(err)
		}
	}

	w, r := db.Pools()
	accts := sqlauth.New(w, r, audit.SQLite, nil)
	log := db.AuditLog()
	srv, err := New(Config{Store: db, Catalog: cat, Now: func() time.Time { return now }, Accounts: accts, Audit: &log,
		ViewTTL: time.Hour, CSRFKey: []byte(strings.Repeat("k", 32)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	const pw = "督查室-落实-2025-春"
	h, _ := auth.NewHasher(auth.DefaultParams(), 1)
	for name, a := range map[string]auth.Account{
		"dcs":      {Role: auth.RoleAdmin},
		"deyang":   {Role: auth.RoleReporter, Units: []string{deyang}},
		"mianyang": {Role: auth.RoleReporter, Units: []string{mianyang}},
	} {
		hash, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		a.Name, a.PasswordHash = name, hash
		if err := accts.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	page := "/tasks/" + item

	dy := newBrowser(t, ts.URL)
	dy.login("deyang", pw)
	code, body, _ := dy.do("GET", page, nil)
	if code != nethttp.StatusOK || !strings.Contains(body, dyText) {
		t.Fatalf("德阳市's task page: %d, own report shown: %v", code, strings.Contains(body, dyText))
	}
	if strings.Contains(body, myText) {
		t.Errorf("德阳市's task page shows 绵阳市's report")
	}

	my := newBrowser(t, ts.URL)
	my.login("mianyang", pw)
	for _, path := range []string{page, "/units/" + mianyang, "/report"} {
		code, body, _ := my.do("GET", path, nil)
		if code != nethttp.StatusOK {
			t.Fatalf("绵阳市's %s: %d", path, code)
		}
		if strings.Contains(body, dyText) {
			t.Errorf("绵阳市's %s shows 德阳市's report after 德阳市's page was cached", path)
		}
		if path == page && !strings.Contains(body, myText) {
			t.Errorf("绵阳市's %s lacks its own report", path)
		}
	}

	admin := newBrowser(t, ts.URL)
	admin.login("dcs", pw)
	if code, body, _ := admin.do("GET", page, nil); code != nethttp.StatusOK || !strings.Contains(body, dyText) || !strings.Contains(body, myText) {
		t.Errorf("the administrator's task page: %d, 德阳市 %v, 绵阳市 %v", code, strings.Contains(body, dyText), strings.Contains(body, myText))
	}

	// Without accounts the pages are open and every /as identity reads as
	// the office: the unscoped view.
	open, err := New(Config{Store: db, Catalog: cat, Now: func() time.Time { return now }, ViewTTL: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, as := range []string{"", mianyang, leaderPrefix + deyang} {
		req := httptest.NewRequest("GET", page, nil)
		if as != "" {
			req.AddCookie(&nethttp.Cookie{Name: actorCookie, Value: url.QueryEscape(as)})
		}
		rec := httptest.NewRecorder()
		open.ServeHTTP(rec, req)
		if rec.Code != nethttp.StatusOK || !strings.Contains(rec.Body.String(), dyText) || !strings.Contains(rec.Body.String(), myText) {
			t.Errorf("open task page as %q: %d, 德阳市 %v, 绵阳市 %v", as, rec.Code, strings.Contains(rec.Body.String(), dyText), strings.Contains(rec.Body.String(), myText))
		}
	}
}
