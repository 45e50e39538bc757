// Package synth generates synthetic delivery data for benchmarks: plans for
// every region of Sichuan (or of a synthetic country), their assignments,
// a monthly calendar and a year of approved progress reports.
package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/decimal"
	"luoshi/delivery"
	"luoshi/monitor"
)

// Spec says what to generate.
type Spec struct {
	Scale       string // "sichuan" (205 plans), "national" (≈3,200) or "tiny" (7)
	Year        int    // 2025 by default
	Commitments int    // per plan; 150 by default
	TargetEvery int    // every n-th commitment carries a target; 5 by default
	Periods     int    // monthly periods with reports, 1..12; 12 by default
	Workers     int    // concurrent writers; 8 by default
	Seed        uint64
	// Indicators binds every target to an indicator after the plans are
	// stored (catalog.SuggestIndicators: targets of the same object and
	// unit in any plan share one), so that reports are taken once per
	// region and period and summed up the regions (报表通).
	Indicators bool
}

func (s *Spec) defaults() {
	if s.Year == 0 {
		s.Year = 2025
	}
	if s.Commitments == 0 {
		s.Commitments = 150
	}
	if s.TargetEvery == 0 {
		s.TargetEvery = 5
	}
	if s.Periods == 0 {
		s.Periods = 12
	}
	if s.Workers == 0 {
		s.Workers = 8
	}
}

// Stats reports what was generated and how long it took.
type Stats struct {
	Units, Plans, Commitments, Targets, Progress int
	Elapsed                                      time.Duration
}

// CST is the time zone of the calendar.
var CST = time.FixedZone("CST", 8*3600)

// provinces are the GB/T 2260 prefixes of the other 30 provinces; the
// national scale gives each a synthetic province, 10 cities and 90 counties.
var provinces = []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
	"41", "42", "43", "44", "45", "46", "50", "52", "53", "54", "61", "62", "63", "64", "65"}

// Units returns the units of a scale: regions (parents first) and the
// departments of the provincial government of Sichuan.
func Units(scale string) ([]luoshi.Unit, error) {
	sichuan := delivery.RegionUnits(catalog.SichuanRegions())
	depts := delivery.DepartmentUnits(catalog.Sichuan(), "510000")
	switch scale {
	case "tiny":
		keep := map[string]bool{"510000": true, "510100": true, "510700": true, "510104": true, "510105": true, "510703": true, "510704": true}
		var out []luoshi.Unit
		for _, u := range sichuan {
			if keep[u.Code] {
				out = append(out, u)
			}
		}
		return append(out, depts...), nil
	case "sichuan":
		return append(sichuan, depts...), nil
	case "national":
		out := append(sichuan, depts...)
		for _, p := range provinces {
			out = append(out, luoshi.Unit{Code: p + "0000", Name: "合成省" + p, Kind: luoshi.UnitProvince})
			for c := 1; c <= 10; c++ {
				cc := fmt.Sprintf("%s%02d00", p, c)
				out = append(out, luoshi.Unit{Code: cc, Name: fmt.Sprintf("合成省%s第%d市", p, c), Kind: luoshi.UnitCity, Parent: p + "0000"})
				for k := 1; k <= 9; k++ {
					out = append(out, luoshi.Unit{Code: fmt.Sprintf("%s%02d%02d", p, c, k), Name: fmt.Sprintf("合成省%s第%d市第%d县", p, c, k), Kind: luoshi.UnitCounty, Parent: cc})
				}
			}
		}
		return out, nil
	}
	return nil, luoshi.Errorf(luoshi.EInvalid, "unknown scale %q (want sichuan, national or tiny)", scale)
}

var valueUnits = []string{"亿元", "公里", "个", "万人", "万吨"}

// Plan returns the synthetic plan of a region.
func Plan(region luoshi.Unit, sp Spec) *luoshi.Plan {
	sp.defaults()
	p := &luoshi.Plan{Jurisdiction: region.Name, Year: sp.Year, Title: fmt.Sprintf("%d年%s政府工作报告（合成）", sp.Year, region.Name),
		Source: fmt.Sprintf("synthetic plan of %s (%s) for %d, %d commitments", region.Name, region.Code, sp.Year, sp.Commitments)}
	p.Sections = append(p.Sections, luoshi.Section{ID: "3", Level: 1, Number: "三", Title: "重点工作", Kind: luoshi.KindPlan})
	for i := 1; i <= 10; i++ {
		p.Sections = append(p.Sections, luoshi.Section{ID: fmt.Sprintf("3.%d", i), Level: 2, Number: fmt.Sprintf("（%d）", i), Title: fmt.Sprintf("第%d方面工作", i), Kind: luoshi.KindPlan})
	}
	r := rand.New(rand.NewPCG(sp.Seed, hash(region.Code)))
	for i := 1; i <= sp.Commitments; i++ {
		c := luoshi.Commitment{ID: fmt.Sprintf("c%04d", i), Section: fmt.Sprintf("3.%d", (i-1)*10/sp.Commitments+1), Text: fmt.Sprintf("%s第%d项重点任务。", region.Name, i), Targets: []int{}}
		if i%sp.TargetEvery == 1 || sp.TargetEvery == 1 {
			c.Targets = []int{len(p.Targets)}
			p.Targets = append(p.Targets, luoshi.Target{ID: fmt.Sprintf("t%04d", len(p.Targets)+1), Commitment: c.ID,
				Value: decimal.Int(int64(100 + r.IntN(9900))), Unit: valueUnits[r.IntN(len(valueUnits))], Comparator: luoshi.CmpAtLeast, Object: fmt.Sprintf("指标%d", i)})
		}
		p.Commitments = append(p.Commitments, c)
	}
	return p
}

func hash(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Generate fills s with the synthetic data of sp.Scale. logf, if not nil,
// is told about progress.
func Generate(ctx context.Context, s luoshi.Store, sp Spec, logf func(string, ...any)) (Stats, error) {
	sp.defaults()
	if logf == nil {
		logf = func(string, ...any) {}
	}
	start := time.Now()
	var st Stats
	units, err := Units(sp.Scale)
	if err != nil {
		return st, err
	}
	if err := s.PutUnits(ctx, units); err != nil {
		return st, err
	}
	st.Units = len(units)
	var regions, depts []luoshi.Unit
	for _, u := range units {
		if u.IsRegion() {
			regions = append(regions, u)
		} else {
			depts = append(depts, u)
		}
	}
	sort.Slice(regions, func(i, j int) bool { return regions[i].Code < regions[j].Code })
	logf("units: %d regions, %d departments (%s)", len(regions), len(depts), time.Since(start).Round(time.Millisecond))

	var mu sync.Mutex
	var firstErr error
	jobs := make(chan luoshi.Unit)
	var wg sync.WaitGroup
	for w := 0; w < sp.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reg := range jobs {
				n, err := onePlan(ctx, s, reg, depts, sp)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("plan of %s: %w", reg.Code, err)
				}
				st.Plans++
				st.Commitments += n.Commitments
				st.Targets += n.Targets
				st.Progress += n.Progress
				if st.Plans%200 == 0 {
					logf("%d plans, %d reports (%s)", st.Plans, st.Progress, time.Since(start).Round(time.Millisecond))
				}
				mu.Unlock()
			}
		}()
	}
	for _, reg := range regions {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		jobs <- reg
	}
	close(jobs)
	wg.Wait()
	if firstErr == nil && ctx.Err() == nil && sp.Indicators {
		t0 := time.Now()
		n, err := bindIndicators(ctx, s)
		if err != nil {
			firstErr = fmt.Errorf("indicators: %w", err)
		}
		logf("indicators: %d targets bound (%s)", n, time.Since(t0).Round(time.Millisecond))
	}
	st.Elapsed = time.Since(start)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return st, firstErr
}

// bindIndicators binds the targets of every latest plan of s to suggested
// indicators, in one call so that each indicator's values are computed
// once. It returns how many targets it bound.
func bindIndicators(ctx context.Context, s luoshi.Store) (int, error) {
	infos, err := s.Plans(ctx, luoshi.PlanFilter{Latest: true})
	if err != nil {
		return 0, err
	}
	have, err := s.Indicators(ctx)
	if err != nil {
		return 0, err
	}
	var adds []luoshi.Indicator
	var binds []luoshi.IndicatorBinding
	for _, info := range infos {
		p, err := s.Plan(ctx, info.ID)
		if err != nil {
			return 0, err
		}
		add, bind := catalog.SuggestIndicators(p, have)
		have = append(have, add...)
		adds = append(adds, add...)
		binds = append(binds, bind...)
	}
	if len(adds) > 0 {
		if err := s.PutIndicators(ctx, adds, "synth"); err != nil {
			return 0, err
		}
	}
	if err := s.BindIndicators(ctx, binds, "synth"); err != nil {
		return 0, err
	}
	return len(binds), nil
}

func onePlan(ctx context.Context, s luoshi.Store, reg luoshi.Unit, depts []luoshi.Unit, sp Spec) (Stats, error) {
	var st Stats
	p := Plan(reg, sp)
	res, err := s.ImportPlan(ctx, p, luoshi.ImportOptions{Region: reg.Code, By: "synth"})
	if err != nil {
		return st, err
	}
	id := res.Plan.ID
	st.Commitments, st.Targets = len(p.Commitments), len(p.Targets)
	if res.Unchanged {
		return st, nil // generated before
	}
	lead := func(i int) string {
		if reg.Kind == luoshi.UnitProvince && reg.Code == "510000" && len(depts) > 0 {
			return depts[i%len(depts)].Code
		}
		return reg.Code
	}
	as := make([]luoshi.Assignment, len(p.Commitments))
	leads := map[string]string{}
	for i, c := range p.Commitments {
		as[i] = luoshi.Assignment{PlanID: id, Commitment: c.ID, Lead: lead(i), ConfirmedBy: "synth"}
		leads[c.ID] = as[i].Lead
	}
	if err := s.Assign(ctx, as...); err != nil {
		return st, err
	}
	ps, err := luoshi.Calendar(sp.Year, luoshi.Monthly, 5, CST)
	if err != nil {
		return st, err
	}
	if err := s.SetPeriods(ctx, id, ps); err != nil {
		return st, err
	}
	rows := Reports(id, p, leads, ps[:sp.Periods], sp.Seed)
	st.Progress = len(rows)
	return st, s.BulkProgress(ctx, rows)
}

// Reports returns a year of approved cumulative reports for every item of
// a plan: each item keeps a pace (ahead, on track, behind, far behind) with
// noise, and a few stop reporting before the last period.
func Reports(planID int64, p *luoshi.Plan, leads map[string]string, ps []luoshi.Period, seed uint64) []luoshi.Progress {
	r := rand.New(rand.NewPCG(seed, uint64(planID)))
	paces := []float64{1.15, 1.0, 1.0, 0.95, 0.8, 0.55}
	hasTarget := map[string]bool{}
	type item struct {
		id, unit, vunit string
		goal            decimal.Decimal
		cmp             string
	}
	var items []item
	for _, t := range p.Targets {
		hasTarget[t.Commitment] = true
		items = append(items, item{t.ID, leads[t.Commitment], t.Unit, t.Value, t.Comparator})
	}
	for _, c := range p.Commitments {
		if !hasTarget[c.ID] {
			items = append(items, item{c.ID, leads[c.ID], luoshi.PercentUnit, decimal.Int(100), luoshi.CmpAtLeast})
		}
	}
	out := make([]luoshi.Progress, 0, len(items)*len(ps))
	for _, it := range items {
		pace := paces[r.IntN(len(paces))]
		stopAt := len(ps)
		if r.IntN(50) == 0 {
			stopAt = len(ps) - 1
		}
		goal := it.goal.Float64()
		cum := 0.0
		for k := 0; k < stopAt; k++ {
			share := pace * float64(k+1) / 12 * (0.9 + 0.2*r.Float64())
			v := max(cum, min(share, 1.25)*goal)
			if it.vunit == luoshi.PercentUnit {
				v = min(v, 100)
			}
			cum = v
			val := decimal.New(int64(v*100), 2)
			at := ps[k].End.Add(72 * time.Hour)
			out = append(out, luoshi.Progress{PlanID: planID, Item: it.id, Unit: it.unit, Period: ps[k].Key, Value: val, ValueUnit: it.vunit,
				Ratio: monitor.Completion(val, it.goal, it.cmp), Narrative: "按计划推进", State: luoshi.StateApproved, Revision: 2,
				CreatedBy: "synth", CreatedAt: at, UpdatedBy: "synth", UpdatedAt: at})
		}
	}
	return out
}
