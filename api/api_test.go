package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/api"
	"luoshi/auth"
	"luoshi/auth/sqlauth"
	"luoshi/sqlite"
	"luoshi/synth"
)

const (
	officeToken = "office-token-0123456789"
	unitToken   = "jinjiang-token-0123456789"
	readToken   = "jinjiang-read-0123456789"
)

// tokens is an in-memory TokenLookup with one accounts-store token.
type tokens map[string]auth.APIToken

func (t tokens) APIToken(_ context.Context, hash string) (auth.APIToken, error) {
	if tok, ok := t[hash]; ok {
		return tok, nil
	}
	return auth.APIToken{}, luoshi.Errorf(luoshi.ENotFound, "no token")
}

type fixture struct {
	t      *testing.T
	store  luoshi.Store
	srv    *httptest.Server
	plan   int64
	dbTok  string
	target luoshi.Target
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := synth.Generate(ctx, s, synth.Spec{Scale: "tiny", Commitments: 10, Periods: 1, Workers: 2}, nil); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Plans(ctx, luoshi.PlanFilter{Region: "510104"})
	if err != nil || len(ps) != 1 {
		t.Fatalf("plans: %v %v", ps, err)
	}
	p, err := s.Plan(ctx, ps[0].ID)
	if err != nil || len(p.Targets) == 0 {
		t.Fatalf("plan: %v", err)
	}
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, synth.CST)
	plain, tok, err := auth.NewAPITokenFor("区统计局对接", "510104", auth.ScopeReport, "admin", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Config{Store: s, Now: func() time.Time { return now },
		Tokens: tokens{tok.Hash: tok},
		Static: []api.StaticToken{
			{Token: officeToken, Name: "督查室", Report: true},
			{Token: unitToken, Name: "锦江区", Unit: "510104", Report: true},
			{Token: readToken, Name: "锦江区只读", Unit: "510104"},
		},
		MaxBody: 8192, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{t: t, store: s, srv: srv, plan: ps[0].ID, dbTok: plain, target: p.Targets[0]}
}

// call sends a request and decodes the JSON answer.
func (f *fixture) call(method, path, token, body string, hdr ...string) (int, map[string]any, nethttp.Header) {
	f.t.Helper()
	req, err := nethttp.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		f.t.Fatalf("%s %s: not JSON (%d): %q", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, m, resp.Header
}

func errorOf(m map[string]any) (code, field string) {
	e, _ := m["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return
}

func (f *fixture) progressPath() string { return fmt.Sprintf("/api/v1/plans/%d/progress", f.plan) }

func (f *fixture) body(value string) string {
	return fmt.Sprintf(`{"item":%q,"period":"2025-02","value":%s,"value_unit":%q,"narrative":"按计划推进","submit":true}`, f.target.ID, value, f.target.Unit)
}

func TestReadEndpoints(t *testing.T) {
	f := newFixture(t)
	code, m, _ := f.call("GET", "/api/v1/plans", officeToken, "")
	if code != 200 || len(m["plans"].([]any)) != 7 {
		t.Fatalf("plans: %d %v", code, m)
	}
	code, m, _ = f.call("GET", fmt.Sprintf("/api/v1/plans/%d", f.plan), f.dbTok, "")
	if code != 200 || len(m["commitments"].([]any)) != 10 || len(m["targets"].([]any)) == 0 || len(m["periods"].([]any)) != 12 {
		t.Fatalf("plan: %d %v", code, m)
	}
	c0 := m["commitments"].([]any)[0].(map[string]any)
	if c0["lead_unit"] != "510104" {
		t.Fatalf("commitment without its lead unit: %v", c0)
	}
	// A unit token sees its own progress only; asking for another's is forbidden.
	code, m, _ = f.call("GET", f.progressPath(), unitToken, "")
	if code != 200 || len(m["progress"].([]any)) != 10 {
		t.Fatalf("progress: %d %v", code, len(m["progress"].([]any)))
	}
	code, m, _ = f.call("GET", f.progressPath()+"?unit=510105", unitToken, "")
	if c, _ := errorOf(m); code != 403 || c != luoshi.EForbidden {
		t.Fatalf("another unit's progress: %d %v", code, m)
	}
	code, m, _ = f.call("GET", fmt.Sprintf("/api/v1/plans/%d/alerts?open=true", f.plan), unitToken, "")
	if code != 200 || m["alerts"] == nil {
		t.Fatalf("alerts: %d %v", code, m)
	}
	code, m, _ = f.call("GET", "/api/v1/plans/999999", officeToken, "")
	if c, _ := errorOf(m); code != 404 || c != luoshi.ENotFound {
		t.Fatalf("missing plan: %d %v", code, m)
	}
	code, m, _ = f.call("GET", "/api/v1/plans/abc", officeToken, "")
	if c, fl := errorOf(m); code != 400 || c != luoshi.EInvalid || fl != "id" {
		t.Fatalf("bad plan id: %d %v", code, m)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	for _, tok := range []string{"", "wrong", "lst_" + strings.Repeat("A", 43)} {
		code, m, h := f.call("GET", "/api/v1/plans", tok, "")
		if c, _ := errorOf(m); code != 401 || c != "unauthorized" || h.Get("WWW-Authenticate") == "" {
			t.Errorf("token %q: %d %v", tok, code, m)
		}
	}
	code, m, _ := f.call("POST", f.progressPath(), readToken, f.body("1"))
	if c, _ := errorOf(m); code != 403 || c != luoshi.EForbidden {
		t.Fatalf("read-only token submits: %d %v", code, m)
	}
	code, m, _ = f.call("DELETE", f.progressPath(), officeToken, "")
	if c, _ := errorOf(m); code != 405 || c != "unsupported" {
		t.Fatalf("DELETE: %d %v", code, m)
	}
	code, m, _ = f.call("GET", "/api/v1/nothing", officeToken, "")
	if c, _ := errorOf(m); code != 404 || c != luoshi.ENotFound {
		t.Fatalf("unknown path: %d %v", code, m)
	}
}

func TestSubmitIdempotent(t *testing.T) {
	f := newFixture(t)
	code, first, _ := f.call("POST", f.progressPath(), f.dbTok, f.body(`"123.45"`), "Idempotency-Key", "k1")
	if code != 201 {
		t.Fatalf("submit: %d %v", code, first)
	}
	p := first["progress"].(map[string]any)
	if p["state"] != luoshi.StateSubmitted || p["unit"] != "510104" || fmt.Sprint(p["value"]) != "123.45" {
		t.Fatalf("stored %v", p)
	}
	code, again, h := f.call("POST", f.progressPath(), f.dbTok, f.body(`"123.45"`), "Idempotency-Key", "k1")
	if code != 201 || h.Get("Idempotent-Replayed") != "true" || fmt.Sprint(again) != fmt.Sprint(first) {
		t.Fatalf("replay: %d %v", code, again)
	}
	code, m, _ := f.call("POST", f.progressPath(), f.dbTok, f.body(`"124"`), "Idempotency-Key", "k1")
	if c, _ := errorOf(m); code != 409 || c != luoshi.EConflict {
		t.Fatalf("same key, other body: %d %v", code, m)
	}
	// Without a key, a second submission is the store's conflict.
	code, m, _ = f.call("POST", f.progressPath(), f.dbTok, f.body(`"123.45"`))
	if c, _ := errorOf(m); code != 409 || c != luoshi.EConflict {
		t.Fatalf("second submission: %d %v", code, m)
	}
	ps, err := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.plan, Period: "2025-02"})
	if err != nil || len(ps) != 1 || ps[0].Revision != 1 {
		t.Fatalf("stored %v %v", ps, err)
	}
}

func TestHostileInput(t *testing.T) {
	f := newFixture(t)
	item, vu := f.target.ID, f.target.Unit
	cases := []struct {
		name, body, field string
		code              int
	}{
		{"not JSON", `{"item":`, "", 400},
		{"array", `[1,2]`, "", 400},
		{"two objects", f.body("1") + f.body("1"), "", 400},
		{"item is a number", fmt.Sprintf(`{"item":7,"period":"2025-02","value":1,"value_unit":%q}`, vu), "item", 400},
		{"submit is a string", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":1,"value_unit":%q,"submit":"yes"}`, item, vu), "submit", 400},
		{"value is an object", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":{"a":1},"value_unit":%q}`, item, vu), "value", 400},
		{"value is words", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":"很多","value_unit":%q}`, item, vu), "value", 400},
		{"value negative", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":-1,"value_unit":%q}`, item, vu), "value", 400},
		{"value huge exponent", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":1e999999999,"value_unit":%q}`, item, vu), "value", 400},
		{"missing item", fmt.Sprintf(`{"period":"2025-02","value":1,"value_unit":%q}`, vu), "item", 400},
		{"missing value", fmt.Sprintf(`{"item":%q,"period":"2025-02","value_unit":%q}`, item, vu), "value", 400},
		{"missing period", fmt.Sprintf(`{"item":%q,"value":1,"value_unit":%q}`, item, vu), "period", 400},
		{"unknown field", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":1,"value_unit":%q,"admin":true}`, item, vu), "admin", 400},
		{"narrative too long", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":1,"value_unit":%q,"narrative":%q}`, item, vu, strings.Repeat("长", 2100)), "narrative", 400},
		{"wrong unit of measure", fmt.Sprintf(`{"item":%q,"period":"2025-02","value":1,"value_unit":"斤"}`, item), "", 400},
		{"unknown item", fmt.Sprintf(`{"item":"t9999","period":"2025-02","value":1,"value_unit":%q}`, vu), "", 0},
		{"another unit", fmt.Sprintf(`{"item":%q,"unit":"510105","period":"2025-02","value":1,"value_unit":%q}`, item, vu), "", 403},
		{"huge body", `{"narrative":"` + strings.Repeat("x", 10000) + `"}`, "", 413},
	}
	for _, c := range cases {
		code, m, _ := f.call("POST", f.progressPath(), unitToken, c.body)
		ec, field := errorOf(m)
		if ec == "" || code < 400 || (c.code != 0 && code != c.code) || field != c.field {
			t.Errorf("%s: %d %v, want status %d field %q", c.name, code, m, c.code, c.field)
		}
	}
	req, _ := nethttp.NewRequest("POST", f.srv.URL+f.progressPath(), strings.NewReader("item=x"))
	req.Header.Set("Authorization", "Bearer "+unitToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Fatalf("form body: %d", resp.StatusCode)
	}
	if ps, _ := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.plan, Period: "2025-02"}); len(ps) != 0 {
		t.Fatalf("hostile input stored %d reports", len(ps))
	}
}

// TestOpenAPI parses the document and checks that it lists exactly the
// operations the handler serves.
func TestOpenAPI(t *testing.T) {
	f := newFixture(t)
	resp, err := nethttp.Get(f.srv.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(documented)
	served := api.Routes()
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("documented:\n%s\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	// Every route answers as documented: a real request per route is not
	// 404 (found) nor 405 (method served).
	// An indicator exists, so that its routes find it.
	if err := f.store.PutIndicators(context.Background(), []luoshi.Indicator{{Code: "ZB001", Name: "常住人口", Unit: "万人",
		Kind: luoshi.IndicatorLevel, Aggregate: luoshi.AggSum}}, "督查室"); err != nil {
		t.Fatal(err)
	}
	id, ind := regexp.MustCompile(`\{id\}`), regexp.MustCompile(`\{code\}`)
	for _, r := range served {
		method, path, _ := strings.Cut(r, " ")
		body := ""
		if method == "POST" {
			body = f.body("1")
		}
		path = ind.ReplaceAllString(id.ReplaceAllString(path, fmt.Sprint(f.plan)), "ZB001")
		code, _, _ := f.call(method, path, officeToken, body)
		if code == 404 || code == 405 {
			t.Errorf("%s: %d", r, code)
		}
	}
}

// The accounts store's API tokens fit the API's lookup.
var _ api.TokenLookup = (*sqlauth.Store)(nil)
