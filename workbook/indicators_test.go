package workbook_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/decimal"
	"luoshi/monitor"
	"luoshi/reports"
	"luoshi/sqlite"
	"luoshi/workbook"
	"luoshi/xlsx"
)

// TestIndicatorRoundTrip follows 报表通 through the workbooks of the
// Sichuan plan: the 21 cities each upload their quota of 老旧小区 for
// March; the lead department's template then shows the province figure
// (their sum) pre-filled and locked with where it came from, its upload
// does not ask for it, and the judgement and the burden figure use it.
func TestIndicatorRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, plan, target, ind, lead, cities := sichuanOldCommunities(t)
	april := time.Date(2025, 4, 2, 10, 0, 0, 0, reports.CST)
	svc := service(t, s, april)
	// Each city types its own figure once; the last city's upload makes
	// the province figure whole.
	want := decimal.Int(0)
	var early []byte
	earlyRows := 0
	for i, c := range cities {
		tpl, err := svc.Template(ctx, plan, c, "")
		if err != nil {
			t.Fatal(err)
		}
		if tpl.Binding.Period != "2025-03" || len(tpl.Rows) != 1 || tpl.Rows[0].Item != target.ID || tpl.Rows[0].Prefill != nil {
			t.Fatalf("template of %s: period %s rows %+v", c, tpl.Binding.Period, tpl.Rows)
		}
		v := decimal.Int(int64(40 + i))
		want = want.Add(v)
		data := writeFill(t, svc, tpl, func(r xlsx.TemplateRow) (workbook.Entry, bool) {
			return workbook.Entry{Value: v.String(), Narrative: "已开工"}, true
		})
		if i == len(cities)-1 {
			// Before the last city: no province figure, the lead is asked,
			// and fills in its workbook now.
			lt, err := svc.Template(ctx, plan, lead, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range lt.Rows {
				if r.Item == target.ID && r.Prefill != nil {
					t.Fatalf("province figure pre-filled with %d of %d cities: %+v", i, len(cities), r.Prefill)
				}
			}
			early, earlyRows = writeFill(t, svc, lt, func(r xlsx.TemplateRow) (workbook.Entry, bool) {
				return workbook.Entry{Value: workbook.Plausible(r).String()}, true
			}), len(lt.Rows)
		}
		if _, err := svc.Upload(ctx, data, workbook.UploadOptions{Unit: c, By: "填报员" + c, Submit: true}); err != nil {
			t.Fatalf("upload of %s: %v", c, err)
		}
	}
	vs, err := s.IndicatorValues(ctx, luoshi.IndicatorValueFilter{Indicator: ind.Code, Region: reports.Province, Period: "2025-03"})
	if err != nil || len(vs) != 1 || vs[0].Value.Cmp(want) != 0 || vs[0].Parts != len(cities) {
		t.Fatalf("province value %+v %v, want %s from %d cities", vs, err, want, len(cities))
	}

	// The lead department is shown the sum, locked, with its origin; its
	// upload leaves it alone and saves the rest.
	lt, err := svc.Template(ctx, plan, lead, "")
	if err != nil {
		t.Fatal(err)
	}
	var row *xlsx.TemplateRow
	for i := range lt.Rows {
		if lt.Rows[i].Item == target.ID {
			row = &lt.Rows[i]
		}
	}
	if row == nil || row.Prefill == nil || row.Prefill.Value.Cmp(want) != 0 || !strings.Contains(row.Prefill.Source, "21 个下级地区") {
		t.Fatalf("lead's row %+v", row)
	}
	if len(lt.Rows) != earlyRows {
		t.Fatalf("the lead's template has %d rows, had %d", len(lt.Rows), earlyRows)
	}
	// The workbook the lead filled in before the last city reported is
	// not outdated for that: the figure it typed is not used, the rest is
	// saved.
	res, err := svc.Upload(ctx, early, workbook.UploadOptions{Unit: lead, By: "厅填报员", Submit: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Saved {
		if p.Item == target.ID {
			t.Fatalf("the locked province figure was saved from the upload: %+v", p)
		}
	}
	if len(res.Saved) != earlyRows-1 || len(res.Taken) != 1 || res.Taken[0] != target.ID {
		t.Errorf("saved %d of %d rows, taken %v", len(res.Saved), earlyRows, res.Taken)
	}

	// The judgement reads the province figure; the burden counts it as
	// used but not typed.
	in, err := s.StatusInput(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var got luoshi.Progress
	for _, p := range in.Progress {
		if p.Item == target.ID && p.Unit == lead && p.Period == "2025-03" {
			got = p
		}
	}
	wantRatio := monitor.Completion(want, target.Value, target.Comparator)
	if got.Origin == "" || got.Value.Cmp(want) != 0 || got.Ratio != wantRatio {
		t.Fatalf("province report %+v, want %s (ratio %v) with an origin", got, want, wantRatio)
	}
	for _, b := range workbook.Burdens(in) {
		if b.Period == "2025-03" && b.Copied != 1 {
			t.Errorf("March burden %+v: want 1 copied value", b)
		}
	}
}

// writeFill writes a template and fills it in.
func writeFill(t *testing.T, svc *workbook.Service, tpl xlsx.Template, entry func(xlsx.TemplateRow) (workbook.Entry, bool)) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := svc.WriteTemplate(&buf, tpl); err != nil {
		t.Fatal(err)
	}
	out, err := workbook.Fill(buf.Bytes(), tpl, entry)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sichuanOldCommunities stores the Sichuan plan with its indicators and
// splits its 老旧小区 target across the 21 cities; it returns the store,
// the plan, the target, its indicator, its lead unit and the cities.
func sichuanOldCommunities(t *testing.T) (luoshi.Store, int64, luoshi.Target, luoshi.Indicator, string, []string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sc.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cat := catalog.Sichuan()
	plan, _, err := reports.Bootstrap(ctx, s, cat, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.StatusInput(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var target luoshi.Target
	for _, tg := range in.Plan.Targets {
		if tg.Object == "老旧小区" {
			target = tg
		}
	}
	ind, ok := in.Indicators[target.ID]
	if target.ID == "" || !ok || ind.Aggregate != luoshi.AggSum {
		t.Fatalf("老旧小区 target %+v bound to %+v", target, ind)
	}
	lead := ""
	for _, a := range in.Assignments {
		if a.Commitment == target.Commitment {
			lead = a.Lead
		}
	}
	if lead == "" {
		t.Fatalf("no lead unit for %s", target.ID)
	}
	var cities []string
	for _, r := range catalog.SichuanRegions() {
		if r.Level == catalog.LevelCity {
			cities = append(cities, r.Code)
		}
	}
	qs := make([]luoshi.Quota, len(cities))
	rest := target.Value
	for i, c := range cities {
		v := decimal.Int(190)
		if i == len(cities)-1 {
			v = rest
		}
		rest = rest.Sub(v)
		qs[i] = luoshi.Quota{Unit: c, Value: v}
	}
	if err := s.SetQuotas(ctx, plan, target.ID, qs, "督查室"); err != nil {
		t.Fatal(err)
	}

	return s, plan, target, ind, lead, cities
}

// racingStore is a store on which, just before the first batch of reports
// is written, another unit's report lands.
type racingStore struct {
	luoshi.Store
	before func() error
	calls  int
}

func (r *racingStore) SaveProgressBatch(ctx context.Context, ins []luoshi.ProgressInput) ([]luoshi.Progress, error) {
	r.calls++
	if r.calls == 1 {
		if err := r.before(); err != nil {
			return nil, err
		}
	}
	return r.Store.(workbook.BatchSaver).SaveProgressBatch(ctx, ins)
}

// TestUploadRacesACopy checks an upload during which the last city's
// report completes the province figure the workbook asks the lead for:
// the write is refused as a conflict, checked again, and accepted without
// that row.
func TestUploadRacesACopy(t *testing.T) {
	ctx := context.Background()
	s, plan, target, _, lead, cities := sichuanOldCommunities(t)
	april := time.Date(2025, 4, 2, 10, 0, 0, 0, reports.CST)
	report := func(c string) error {
		_, err := s.SaveProgress(ctx, luoshi.ProgressInput{PlanID: plan, Item: target.ID, Unit: c, Period: "2025-03",
			Value: decimal.Int(50), ValueUnit: target.Unit, Submit: true, By: "填报员" + c})
		return err
	}
	for _, c := range cities[:len(cities)-1] {
		if err := report(c); err != nil {
			t.Fatal(err)
		}
	}
	rs := &racingStore{Store: s, before: func() error { return report(cities[len(cities)-1]) }}
	svc, err := workbook.New(workbook.Config{Store: rs, Key: key, Now: func() time.Time { return april }})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := svc.Template(ctx, plan, lead, "")
	if err != nil {
		t.Fatal(err)
	}
	data := writeFill(t, svc, tpl, func(r xlsx.TemplateRow) (workbook.Entry, bool) {
		return workbook.Entry{Value: workbook.Plausible(r).String()}, true
	})
	res, err := svc.Upload(ctx, data, workbook.UploadOptions{Unit: lead, By: "厅填报员", Submit: true})
	if err != nil {
		t.Fatal(err)
	}
	if rs.calls != 2 || len(res.Taken) != 1 || res.Taken[0] != target.ID || len(res.Saved) != len(tpl.Rows)-1 {
		t.Fatalf("%d writes, taken %v, saved %d of %d", rs.calls, res.Taken, len(res.Saved), len(tpl.Rows))
	}
	ps, err := s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: plan, Item: target.ID, Unit: lead, Period: "2025-03"})
	if err != nil || len(ps) != 1 || ps[0].Origin == "" || ps[0].Value.Cmp(decimal.Int(int64(50*len(cities)))) != 0 {
		t.Fatalf("province report %+v %v", ps, err)
	}
}
