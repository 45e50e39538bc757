package delivery_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/delivery"
	"luoshi/monitor"
	"luoshi/sqlite"
)

func TestSuggestedAndView(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := delivery.LoadSichuan(ctx, s); err != nil {
		t.Fatal(err)
	}
	counties, err := s.Units(ctx, luoshi.UnitFilter{Kind: luoshi.UnitCounty})
	if err != nil || len(counties) != 183 {
		t.Fatalf("Sichuan has 183 counties, stored %d (%v)", len(counties), err)
	}
	cities, _ := s.Units(ctx, luoshi.UnitFilter{Kind: luoshi.UnitCity})
	if len(cities) != 21 {
		t.Fatalf("Sichuan has 21 市州, stored %d", len(cities))
	}
	cat := catalog.Sichuan()
	name := cat.Units()[0].Name
	p := &luoshi.Plan{Jurisdiction: "四川省", Year: 2025, Title: "t", Source: "x",
		Commitments: []luoshi.Commitment{
			{ID: "c0001", Section: "1", Text: "a", SuggestedUnits: []luoshi.Suggestion{{Unit: name, Score: 2}, {Unit: "不存在的局", Score: 1.5}, {Unit: cat.Units()[1].Name, Score: 1.2}, {Unit: cat.Units()[2].Name, Score: 0.5}}},
			{ID: "c0002", Section: "1", Text: "b", SuggestedUnits: []luoshi.Suggestion{{Unit: "不存在的局", Score: 1}}},
		}}
	res, err := s.ImportPlan(ctx, p, luoshi.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.ID = res.Plan.ID
	as := delivery.Suggested(p, cat)
	if len(as) != 1 || as[0].Lead != luoshi.DepartmentCode(name) || len(as[0].Co) != 1 {
		t.Fatalf("suggested %+v", as)
	}
	as[0].ConfirmedBy = "督查室"
	if err := s.Assign(ctx, as...); err != nil {
		t.Fatal(err)
	}
	ps, _ := luoshi.Calendar(2025, luoshi.Quarterly, 10, time.UTC)
	if err := s.SetPeriods(ctx, p.ID, ps); err != nil {
		t.Fatal(err)
	}
	v, err := delivery.RegionView(ctx, s, "510000", 2025, time.Date(2025, 4, 20, 0, 0, 0, 0, time.UTC), monitor.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if v.Report.DuePeriod != "2025Q1" || v.Regions[0].Counts[luoshi.StatusNotReported.Index()] != 2 {
		t.Errorf("view: due %s, regions %+v", v.Report.DuePeriod, v.Regions)
	}
	alerts, err := delivery.ScanAlerts(ctx, s, p.ID, time.Date(2025, 4, 20, 0, 0, 0, 0, time.UTC), monitor.DefaultConfig())
	if err != nil || len(alerts) != 1 || alerts[0].Kind != luoshi.AlertOverdue || alerts[0].Unit != as[0].Lead {
		t.Errorf("alerts %+v %v", alerts, err)
	}
	if _, err := delivery.RegionView(ctx, s, "510700", 2025, time.Now(), monitor.DefaultConfig()); luoshi.ErrorCode(err) != luoshi.ENotFound {
		t.Errorf("view of a region without a plan: %v", err)
	}
}
