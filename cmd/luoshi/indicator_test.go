package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/decimal"
	"luoshi/reports"
	"luoshi/store"
)

// TestIndicatorCommands lists, puts, binds, unbinds and suggests
// indicators on the Sichuan plan, and prints a value a report gave.
func TestIndicatorCommands(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "luoshi.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plan, _, err := reports.Bootstrap(ctx, db, catalog.Sichuan(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Plan(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var old luoshi.Target
	for _, tg := range p.Targets {
		if tg.Object == "老旧小区" {
			old = tg
		}
	}
	as, err := db.Assignments(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	lead := ""
	for _, a := range as {
		if a.Commitment == old.Commitment {
			lead = a.Lead
		}
	}
	db.Close()
	pid := strconv.FormatInt(plan, 10)

	code, out, errs := runIn(t, "", "indicator", "list", "--db", path)
	if code != 0 || !strings.Contains(out, "老旧小区") || !strings.Contains(out, "累计值") {
		t.Fatalf("list: %d %s %s", code, out, errs)
	}
	if code, _, errs := runIn(t, "", "indicator", "put", "--db", path, "--code", "ZB900", "--name", "改造老旧小区", "--unit", "个", "--aggregate", "median"); code != 1 || !strings.Contains(errs, "median") {
		t.Errorf("bad aggregate: %d %s", code, errs)
	}
	if code, out, errs := runIn(t, "", "indicator", "put", "--db", path, "--code", "ZB900", "--name", "城镇老旧小区改造", "--unit", "个"); code != 0 || !strings.Contains(out, "ZB900") {
		t.Fatalf("put: %d %s %s", code, out, errs)
	}
	if code, _, errs := runIn(t, "", "indicator", "put", "--db", path, "--code", "ZB901", "--name", "管网", "--unit", "公里"); code != 0 {
		t.Fatalf("put: %d %s", code, errs)
	}
	if code, _, errs := runIn(t, "", "indicator", "bind", "--db", path, "--plan", pid, "--target", old.ID, "--indicator", "ZB901"); code != 1 || !strings.Contains(errs, "公里") {
		t.Errorf("unit mismatch: %d %s", code, errs)
	}
	if code, _, errs := runIn(t, "", "indicator", "bind", "--db", path, "--plan", pid, "--target", old.ID); code != 2 {
		t.Errorf("bind without an indicator: %d %s", code, errs)
	}
	if code, out, errs := runIn(t, "", "indicator", "bind", "--db", path, "--plan", pid, "--target", old.ID, "--indicator", "ZB900"); code != 0 || !strings.Contains(out, "ZB900") {
		t.Fatalf("bind: %d %s %s", code, out, errs)
	}
	if code, _, errs := runIn(t, "", "indicator", "bind", "--db", path, "--plan", pid, "--target", old.ID, "--unbind"); code != 0 {
		t.Fatalf("unbind: %d %s", code, errs)
	}
	// suggest binds it again, to the indicator of the same name.
	if code, out, errs := runIn(t, "", "indicator", "suggest", "--db", path, "--plan", pid); code != 0 || !strings.Contains(out, "1 targets bound, 0 new") {
		t.Fatalf("suggest: %d %s %s", code, out, errs)
	}

	db, err = store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveProgress(ctx, luoshi.ProgressInput{PlanID: plan, Item: old.ID, Unit: lead, Period: "2025-03", Value: decimal.Int(1200),
		ValueUnit: "个", Submit: true, By: "厅填报员"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, errs = runIn(t, "", "indicator", "values", "--db", path, "--region", reports.Province, "--json")
	var vs []luoshi.IndicatorValue
	if code != 0 || json.Unmarshal([]byte(out), &vs) != nil || len(vs) != 1 || vs[0].Value.String() != "1200" || vs[0].Unit != lead {
		t.Fatalf("values: %d %s %s", code, out, errs)
	}
}
