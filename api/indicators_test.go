package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	nethttp "net/http"
	"strings"
	"testing"

	"luoshi"
	"luoshi/decimal"
)

// cityPlan returns the id of Chengdu's plan in the fixture: its t0002 is
// measured in 万人, as is t0002 of Jinjiang's plan (f.plan).
func (f *fixture) cityPlan() int64 {
	f.t.Helper()
	ps, err := f.store.Plans(context.Background(), luoshi.PlanFilter{Region: "510100"})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, p := range ps {
		if p.Region == "510100" {
			return p.ID
		}
	}
	f.t.Fatalf("no plan of Chengdu: %v", ps)
	return 0
}

func bindingsPath(plan int64) string { return fmt.Sprintf("/api/v1/plans/%d/indicator-bindings", plan) }

const popIndicator = `{"name":"常住人口","unit":"万人","kind":"level","aggregate":"sum","note":"年末数"}`

func TestIndicators(t *testing.T) {
	f := newFixture(t)
	city := f.cityPlan()

	code, m, _ := f.call("GET", "/api/v1/indicators", unitToken, "")
	if code != 200 || len(m["indicators"].([]any)) != 0 {
		t.Fatalf("no indicators yet: %d %v", code, m)
	}

	// Only an administrator's token maintains indicators.
	for _, tok := range []string{unitToken, readToken, f.dbTok} {
		code, m, _ = f.call("PUT", "/api/v1/indicators/ZB001", tok, popIndicator)
		if c, _ := errorOf(m); code != 403 || c != luoshi.EForbidden {
			t.Errorf("non-admin token puts an indicator: %d %v", code, m)
		}
		code, m, _ = f.call("PUT", bindingsPath(city), tok, `{"bindings":[{"target":"t0002","indicator":"ZB001"}]}`)
		if c, _ := errorOf(m); code != 403 || c != luoshi.EForbidden {
			t.Errorf("non-admin token binds: %d %v", code, m)
		}
	}
	if inds, _ := f.store.Indicators(context.Background()); len(inds) != 0 {
		t.Fatalf("forbidden puts stored %v", inds)
	}

	code, m, _ = f.call("PUT", "/api/v1/indicators/ZB001", officeToken, popIndicator)
	if code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	ind := m["indicator"].(map[string]any)
	if ind["code"] != "ZB001" || ind["name"] != "常住人口" || ind["unit"] != "万人" || ind["kind"] != "level" || ind["aggregate"] != "sum" ||
		ind["note"] != "年末数" || ind["target_count"] != 0.0 {
		t.Fatalf("created %v", ind)
	}
	code, m, _ = f.call("PUT", "/api/v1/indicators/ZB001", officeToken, strings.Replace(popIndicator, "年末数", "年末常住人口", 1))
	if code != 200 || m["indicator"].(map[string]any)["note"] != "年末常住人口" {
		t.Fatalf("update: %d %v", code, m)
	}

	// Validation errors name the field at fault; nothing is stored.
	cases := []struct{ name, path, body, field string }{
		{"kind", "ZB002", `{"name":"x","unit":"个","kind":"flow","aggregate":"sum"}`, "kind"},
		{"aggregate", "ZB002", `{"name":"x","unit":"个","kind":"level","aggregate":"total"}`, "aggregate"},
		{"missing name", "ZB002", `{"unit":"个","kind":"level","aggregate":"sum"}`, "name"},
		{"blank unit", "ZB002", `{"name":"x","unit":"  ","kind":"level","aggregate":"sum"}`, "unit"},
		{"kind is a number", "ZB002", `{"name":"x","unit":"个","kind":1,"aggregate":"sum"}`, "kind"},
		{"unknown field", "ZB002", `{"name":"x","unit":"个","kind":"level","aggregate":"sum","owner":"me"}`, "owner"},
		{"code differs", "ZB002", `{"code":"ZB003","name":"x","unit":"个","kind":"level","aggregate":"sum"}`, "code"},
		{"code with a space", "ZB%20002", `{"name":"x","unit":"个","kind":"level","aggregate":"sum"}`, "code"},
		{"code too long", strings.Repeat("Z", 65), `{"name":"x","unit":"个","kind":"level","aggregate":"sum"}`, "code"},
		{"note too long", "ZB002", fmt.Sprintf(`{"name":"x","unit":"个","kind":"level","aggregate":"sum","note":%q}`, strings.Repeat("长", 2001)), "note"},
		{"not JSON", "ZB002", `{"name":`, ""},
	}
	for _, c := range cases {
		code, m, _ := f.call("PUT", "/api/v1/indicators/"+c.path, officeToken, c.body)
		if ec, field := errorOf(m); code != 400 || ec != luoshi.EInvalid || field != c.field {
			t.Errorf("%s: %d %v, want 400 field %q", c.name, code, m, c.field)
		}
	}
	if inds, _ := f.store.Indicators(context.Background()); len(inds) != 1 {
		t.Fatalf("invalid puts stored %v", inds)
	}

	code, m, _ = f.call("GET", "/api/v1/indicators/ZB404", readToken, "")
	if c, _ := errorOf(m); code != 404 || c != luoshi.ENotFound {
		t.Fatalf("missing indicator: %d %v", code, m)
	}

	// Bindings: the units of measure must agree, and a request binds all
	// or nothing; the field names the binding at fault.
	code, m, _ = f.call("PUT", bindingsPath(f.plan), officeToken, `{"bindings":[{"target":"t0002","indicator":"ZB001"},{"target":"t0001","indicator":"ZB001"}]}`)
	if c, field := errorOf(m); code != 400 || c != luoshi.EInvalid || field != "bindings[1].indicator" || !strings.Contains(fmt.Sprint(m), "万人") {
		t.Fatalf("unit mismatch: %d %v", code, m)
	}
	bad := []struct{ name, body, field string }{
		{"unknown target", `{"bindings":[{"target":"t9999","indicator":"ZB001"}]}`, "bindings[0].target"},
		{"unknown indicator", `{"bindings":[{"target":"t0002","indicator":"ZB404"}]}`, "bindings[0].indicator"},
		{"target twice", `{"bindings":[{"target":"t0002","indicator":"ZB001"},{"target":"t0002","indicator":""}]}`, "bindings[1].target"},
		{"indicator missing", `{"bindings":[{"target":"t0002"}]}`, "bindings[0].indicator"},
		{"another plan", fmt.Sprintf(`{"bindings":[{"plan_id":%d,"target":"t0002","indicator":"ZB001"}]}`, city), "bindings[0].plan_id"},
		{"no list", `{}`, "bindings"},
		{"a bare list", `[{"target":"t0002","indicator":"ZB001"}]`, ""},
	}
	for _, c := range bad {
		code, m, _ := f.call("PUT", bindingsPath(f.plan), officeToken, c.body)
		if ec, field := errorOf(m); code != 400 || ec != luoshi.EInvalid || field != c.field {
			t.Errorf("%s: %d %v, want 400 field %q", c.name, code, m, c.field)
		}
	}
	code, m, _ = f.call("GET", bindingsPath(f.plan), unitToken, "")
	if code != 200 || len(m["bindings"].([]any)) != 0 {
		t.Fatalf("bindings after failed puts: %d %v", code, m)
	}
	code, m, _ = f.call("PUT", bindingsPath(999999), officeToken, `{"bindings":[]}`)
	if c, _ := errorOf(m); code != 404 || c != luoshi.ENotFound {
		t.Fatalf("bindings of a missing plan: %d %v", code, m)
	}

	for _, p := range []int64{city, f.plan} {
		code, m, _ = f.call("PUT", bindingsPath(p), officeToken, `{"bindings":[{"target":"t0002","indicator":"ZB001"}]}`)
		bs, _ := m["bindings"].([]any)
		if code != 200 || len(bs) != 1 || fmt.Sprint(bs[0]) != fmt.Sprintf("map[indicator:ZB001 plan_id:%d target:t0002]", p) {
			t.Fatalf("bind plan %d: %d %v", p, code, m)
		}
	}
	code, m, _ = f.call("GET", "/api/v1/indicators", readToken, "")
	if inds := m["indicators"].([]any); code != 200 || len(inds) != 1 || inds[0].(map[string]any)["target_count"] != 2.0 {
		t.Fatalf("list: %d %v", code, m)
	}
	code, m, _ = f.call("GET", "/api/v1/indicators/ZB001", f.dbTok, "")
	if code != 200 || m["indicator"].(map[string]any)["target_count"] != 2.0 ||
		fmt.Sprint(m["bindings"]) != fmt.Sprintf("[map[plan_id:%d target:t0002] map[plan_id:%d target:t0002]]", city, f.plan) {
		t.Fatalf("get: %d %v", code, m)
	}

	// A bound indicator keeps its unit of measure: the store's conflict.
	code, m, _ = f.call("PUT", "/api/v1/indicators/ZB001", officeToken, strings.Replace(popIndicator, "万人", "人", 1))
	if c, _ := errorOf(m); code != 409 || c != luoshi.EConflict {
		t.Fatalf("unit change of a bound indicator: %d %v", code, m)
	}

	// An empty indicator unbinds.
	code, m, _ = f.call("PUT", bindingsPath(f.plan), officeToken, `{"bindings":[{"target":"t0002","indicator":""}]}`)
	if code != 200 || len(m["bindings"].([]any)) != 0 {
		t.Fatalf("unbind: %d %v", code, m)
	}
	code, m, _ = f.call("GET", "/api/v1/indicators/ZB001", officeToken, "")
	if code != 200 || m["indicator"].(map[string]any)["target_count"] != 1.0 {
		t.Fatalf("after unbinding: %d %v", code, m)
	}
}

func TestIndicatorPutIdempotent(t *testing.T) {
	f := newFixture(t)
	code, first, _ := f.call("PUT", "/api/v1/indicators/ZB001", officeToken, popIndicator, "Idempotency-Key", "i1")
	if code != 201 {
		t.Fatalf("put: %d %v", code, first)
	}
	code, again, h := f.call("PUT", "/api/v1/indicators/ZB001", officeToken, popIndicator, "Idempotency-Key", "i1")
	if code != 201 || h.Get("Idempotent-Replayed") != "true" || fmt.Sprint(again) != fmt.Sprint(first) {
		t.Fatalf("replay: %d %v", code, again)
	}
	// The same key on another operation is a conflict.
	code, m, _ := f.call("PUT", "/api/v1/indicators/ZB002", officeToken, popIndicator, "Idempotency-Key", "i1")
	if c, _ := errorOf(m); code != 409 || c != luoshi.EConflict {
		t.Fatalf("same key, other indicator: %d %v", code, m)
	}
	if inds, _ := f.store.Indicators(context.Background()); len(inds) != 1 {
		t.Fatalf("stored %v", inds)
	}
}

// TestIndicatorValues follows a number typed once through the API: a
// county's quota report on the city's target is the county's value,
// copied (with its origin) into the county's own plan, where it cannot be
// submitted again; the city's figure is the sum of its counties.
func TestIndicatorValues(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	city := f.cityPlan()
	if code, m, _ := f.call("PUT", "/api/v1/indicators/ZB001", officeToken, popIndicator); code != 201 {
		t.Fatalf("put: %d %v", code, m)
	}
	for _, p := range []int64{city, f.plan} {
		if code, m, _ := f.call("PUT", bindingsPath(p), officeToken, `{"bindings":[{"target":"t0002","indicator":"ZB001"}]}`); code != 200 {
			t.Fatalf("bind plan %d: %d %v", p, code, m)
		}
	}
	if err := f.store.SetQuotas(ctx, city, "t0002", []luoshi.Quota{{Unit: "510104", Value: decimal.Int(3000)}, {Unit: "510105", Value: decimal.Int(3240)}}, "督查室"); err != nil {
		t.Fatal(err)
	}
	valuesPath := "/api/v1/indicators/ZB001/values"
	// The reports of January were there when the targets were bound:
	// they are values at once. February has none yet.
	code, m, _ := f.call("GET", valuesPath+"?period=2025-01&region=510104", officeToken, "")
	if vs := m["values"].([]any); code != 200 || len(vs) != 1 {
		t.Fatalf("January: %d %v", code, m)
	}
	code, m, _ = f.call("GET", valuesPath+"?period=2025-02", officeToken, "")
	if code != 200 || len(m["values"].([]any)) != 0 {
		t.Fatalf("no values yet: %d %v", code, m)
	}

	// Jinjiang reports its quota of Chengdu's target.
	quota := `{"item":"t0002","period":"2025-02","value":"1000","value_unit":"万人","narrative":"人口抽样调查","submit":true}`
	code, m, _ = f.call("POST", fmt.Sprintf("/api/v1/plans/%d/progress", city), unitToken, quota)
	if code != 201 {
		t.Fatalf("quota report: %d %v", code, m)
	}
	typed := m["progress"].(map[string]any)
	if _, ok := typed["origin"]; ok {
		t.Fatalf("typed report with an origin: %v", typed)
	}
	code, m, _ = f.call("GET", valuesPath+"?region=510104&period=2025-02", readToken, "")
	vs := m["values"].([]any)
	if code != 200 || len(vs) != 1 {
		t.Fatalf("Jinjiang's value: %d %v", code, m)
	}
	v := vs[0].(map[string]any)
	if v["indicator"] != "ZB001" || v["region"] != "510104" || v["period"] != "2025-02" || fmt.Sprint(v["value"]) != "1000" ||
		v["state"] != luoshi.StateSubmitted || v["source"] != typed["id"] || v["plan_id"] != float64(city) || v["unit"] != "510104" {
		t.Fatalf("Jinjiang's value %v (report %v)", v, typed)
	}

	// Jinjiang's own plan took the value, with its origin; a submission
	// on that report is the store's conflict.
	code, m, _ = f.call("GET", f.progressPath()+"?item=t0002&period=2025-02", unitToken, "")
	ps := m["progress"].([]any)
	if code != 200 || len(ps) != 1 {
		t.Fatalf("copied report: %d %v", code, m)
	}
	cp := ps[0].(map[string]any)
	if origin, _ := cp["origin"].(string); origin == "" || fmt.Sprint(cp["value"]) != "1000" || cp["unit"] != "510104" || cp["state"] != luoshi.StateSubmitted {
		t.Fatalf("copied report %v", cp)
	}
	own := `{"item":"t0002","period":"2025-02","value":"1200","value_unit":"万人","submit":true}`
	code, m, _ = f.call("POST", f.progressPath(), unitToken, own)
	_, storeErr := f.store.SaveProgress(ctx, luoshi.ProgressInput{PlanID: f.plan, Item: "t0002", Unit: "510104", Period: "2025-02",
		Value: decimal.Int(1200), ValueUnit: "万人", Submit: true, By: "锦江区"})
	var le *luoshi.Error
	if c, _ := errorOf(m); code != 409 || c != luoshi.EConflict || !errorsAs(storeErr, &le) ||
		m["error"].(map[string]any)["message"] != le.Message || !strings.Contains(le.Message, "无需填报") {
		t.Fatalf("submission on a copied report: %d %v (store: %v)", code, m, storeErr)
	}

	// Qingyang reports too (through the office's token): Chengdu's figure
	// is the sum (and the province's, of the one city that owes it). A
	// unit's token sees only its own region's values.
	code, m, _ = f.call("POST", fmt.Sprintf("/api/v1/plans/%d/progress", city), officeToken,
		strings.Replace(strings.Replace(quota, `"1000"`, `"2000"`, 1), `"item"`, `"unit":"510105","item"`, 1))
	if code != 201 {
		t.Fatalf("Qingyang's quota report: %d %v", code, m)
	}
	code, m, _ = f.call("GET", valuesPath+"?period=2025-02", officeToken, "")
	got := map[string]map[string]any{}
	for _, x := range m["values"].([]any) {
		got[x.(map[string]any)["region"].(string)] = x.(map[string]any)
	}
	if code != 200 || got["510104"] == nil || got["510105"] == nil ||
		fmt.Sprint(got["510100"]["value"]) != "3000" || got["510100"]["parts"] != 2.0 || got["510100"]["source"] != nil {
		t.Fatalf("values for the office: %d %v", code, m)
	}
	code, m, _ = f.call("GET", valuesPath+"?period=2025-02", unitToken, "")
	if vs := m["values"].([]any); code != 200 || len(vs) != 1 || vs[0].(map[string]any)["region"] != "510104" {
		t.Fatalf("values for Jinjiang's token: %d %v", code, m)
	}
	code, m, _ = f.call("GET", valuesPath+"?region=510105", unitToken, "")
	if code != 200 || len(m["values"].([]any)) != 0 {
		t.Fatalf("Qingyang's values for Jinjiang's token: %d %v", code, m)
	}
	// Chengdu's lead unit's report on its own target is the derived sum.
	code, m, _ = f.call("GET", fmt.Sprintf("/api/v1/plans/%d/progress?item=t0002&unit=510100&period=2025-02", city), officeToken, "")
	if ps := m["progress"].([]any); code != 200 || len(ps) != 1 || ps[0].(map[string]any)["origin"] == nil || fmt.Sprint(ps[0].(map[string]any)["value"]) != "3000" {
		t.Fatalf("Chengdu's lead report: %d %v", code, m)
	}

	code, m, _ = f.call("GET", "/api/v1/indicators/ZB404/values", officeToken, "")
	if c, _ := errorOf(m); code != 404 || c != luoshi.ENotFound {
		t.Fatalf("values of a missing indicator: %d %v", code, m)
	}
}

// TestOpenAPIRefs checks that every $ref of the document names a
// component it defines.
func TestOpenAPIRefs(t *testing.T) {
	f := newFixture(t)
	resp, err := nethttp.Get(f.srv.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	comps := doc["components"].(map[string]any)
	var walk func(v any)
	n := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					n++
					parts := strings.Split(strings.TrimPrefix(x.(string), "#/components/"), "/")
					if sec, ok := comps[parts[0]].(map[string]any); len(parts) != 2 || !ok || sec[parts[1]] == nil {
						t.Errorf("dangling $ref %v", x)
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	props := comps["schemas"].(map[string]any)["Progress"].(map[string]any)["properties"].(map[string]any)
	if n == 0 || props["origin"] == nil {
		t.Fatalf("%d refs; Progress properties %v", n, props)
	}
}

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }
