package reports

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/sqlite"
)

func TestBootstrapAndDemo(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat := catalog.Sichuan()
	id, imported, err := Bootstrap(ctx, db, cat, time.Now())
	if err != nil || !imported {
		t.Fatalf("first Bootstrap: %d, %v, %v", id, imported, err)
	}
	again, imported, err := Bootstrap(ctx, db, cat, time.Now())
	if err != nil || imported || again != id {
		t.Fatalf("second Bootstrap: %d, %v, %v; want %d, not imported", again, imported, err, id)
	}
	p, err := db.Plan(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Year != 2025 || len(p.Commitments) < 200 || len(p.Targets) < 20 {
		t.Errorf("plan %q year %d: %d commitments, %d targets", p.Title, p.Year, len(p.Commitments), len(p.Targets))
	}
	as, err := db.Assignments(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	suggested := 0
	for _, c := range p.Commitments {
		if len(c.SuggestedUnits) > 0 {
			suggested++
		}
	}
	if len(as) != suggested || suggested == 0 {
		t.Errorf("%d assignments for %d commitments with a suggestion", len(as), suggested)
	}
	ps, err := db.Periods(ctx, id)
	if err != nil || len(ps) != 12 || ps[2].Key != "2025-03" {
		t.Fatalf("periods %v, %v", ps, err)
	}
	// Every target naming what it measures has an indicator; 老旧小区 is
	// a cumulative count summed over regions.
	bs, err := db.IndicatorBindings(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, tg := range p.Targets {
		if tg.Object != "" {
			named++
		}
	}
	if len(bs) != named || named < 20 {
		t.Errorf("%d bindings for %d targets with an object", len(bs), named)
	}
	inds, err := db.Indicators(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ind := range inds {
		if ind.Name == "老旧小区" {
			found = ind.Unit == "个" && ind.Kind == luoshi.IndicatorCumulative && ind.Aggregate == luoshi.AggSum
		}
	}
	if !found {
		t.Errorf("no cumulative, summed 老旧小区 indicator in %+v", inds)
	}
	if ok, _ := HasDemo(ctx, db, id, 2025); ok {
		t.Fatal("demo data before Demo")
	}
	if err := Demo(ctx, db, id); err != nil {
		t.Fatal(err)
	}
	if ok, _ := HasDemo(ctx, db, id, 2025); !ok {
		t.Fatal("no demo data after Demo")
	}
	all, err := db.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})
	if err != nil {
		t.Fatal(err)
	}
	cities := map[string]bool{}
	for _, pr := range all {
		if pr.CreatedBy != DemoBy {
			t.Fatalf("report %d not marked as demo data", pr.ID)
		}
		if pr.Period > "2025-10" {
			t.Fatalf("demo report for %s, after October", pr.Period)
		}
		if len(pr.Unit) == 6 && pr.Unit != Province {
			cities[pr.Unit] = true
		}
	}
	if len(cities) != 21 {
		t.Errorf("demo reports from %d cities, want 21", len(cities))
	}
	if err := Demo(ctx, db, id); err != nil {
		t.Fatal(err)
	}
	again2, _ := db.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})
	if len(again2) != len(all) {
		t.Errorf("a second Demo added %d reports", len(again2)-len(all))
	}
}
