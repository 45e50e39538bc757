package reports

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/decimal"
	"luoshi/monitor"
)

// DemoBy is the author of every simulated report: pages that show such a
// report mark it 演示数据.
const DemoBy = "演示数据"

// DemoMonths is how many months of the year Demo simulates: January to
// October.
const DemoMonths = 10

// DemoAsOf is the moment the demo reads as "now": after October's reports
// fell due (5 November) in the plan's year.
func DemoAsOf(year int) time.Time { return time.Date(year, 11, 6, 10, 0, 0, 0, CST) }

// HasDemo reports whether a plan holds simulated reports.
func HasDemo(ctx context.Context, s luoshi.Store, planID int64, year int) (bool, error) {
	ps, err := s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: planID, Period: fmt.Sprintf("%04d-01", year)})
	if err != nil {
		return false, err
	}
	for _, p := range ps {
		if p.CreatedBy == DemoBy {
			return true, nil
		}
	}
	return false, nil
}

// noise returns a deterministic number in [0, 1) for the key.
func noise(key string) float64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return float64(h.Sum64()%1_000_003) / 1_000_003
}

// Demo fills a plan with simulated delivery, January to October: numeric
// targets in absolute units are split across the 21 cities (市州) as quotas,
// and every lead unit and every city with a quota reports each month, at a
// pace of its own, so that some are ahead, some behind, and a few miss
// October. Reports are approved, except some of October's, which wait for
// review. It does nothing when the plan already has simulated reports.
func Demo(ctx context.Context, s luoshi.Store, planID int64) error {
	in, err := s.StatusInput(ctx, planID)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	p := in.Plan
	if ok, err := HasDemo(ctx, s, planID, p.Year); err != nil || ok {
		return err
	}
	var cities []string
	for _, r := range catalog.SichuanRegions() {
		if r.Level == catalog.LevelCity {
			cities = append(cities, r.Code)
		}
	}
	lead := map[string]string{}
	for _, a := range in.Assignments {
		lead[a.Commitment] = a.Lead
	}
	hasTarget := map[string]bool{}
	type duty struct {
		item, unit string
		goal       decimal.Decimal
		valueUnit  string
		cmp        string
		rate       bool // a rate or level, not a cumulative amount
	}
	var duties []duty
	for _, t := range p.Targets {
		hasTarget[t.Commitment] = true
		u := lead[t.Commitment]
		if u == "" || t.Value.Sign() <= 0 {
			continue
		}
		rate := t.Unit == luoshi.PercentUnit || t.Comparator == luoshi.CmpAtMost || t.Comparator == luoshi.CmpAbout
		duties = append(duties, duty{t.ID, u, t.Value, t.Unit, t.Comparator, rate})
		if rate || t.Value.Cmp(decimal.Int(1000)) < 0 {
			continue
		}
		// Split the target across the cities by deterministic weights.
		ws := make([]int64, len(cities))
		var sum int64
		for i, c := range cities {
			ws[i] = 20 + int64(100*noise(t.ID+c))
			sum += ws[i]
		}
		qs := make([]luoshi.Quota, len(cities))
		rest := t.Value
		for i, c := range cities {
			v := rest
			if i < len(cities)-1 {
				v = t.Value.Mul(decimal.Int(ws[i])).Quo(decimal.Int(sum), 0)
				rest = rest.Sub(v)
			}
			qs[i] = luoshi.Quota{Unit: c, Value: v}
			duties = append(duties, duty{t.ID, c, v, t.Unit, t.Comparator, false})
		}
		if err := s.SetQuotas(ctx, planID, t.ID, qs, DemoBy); err != nil {
			return fmt.Errorf("demo: quotas of %s: %w", t.ID, err)
		}
	}
	for _, c := range p.Commitments {
		if u := lead[c.ID]; u != "" && !hasTarget[c.ID] {
			duties = append(duties, duty{c.ID, u, decimal.Int(100), luoshi.PercentUnit, luoshi.CmpAtLeast, false})
		}
	}
	periods := in.Periods
	if len(periods) < DemoMonths {
		return fmt.Errorf("demo: plan %d has %d periods, want monthly periods", planID, len(periods))
	}
	var out []luoshi.Progress
	for _, d := range duties {
		pace := 0.55 + 0.6*noise("pace"+d.unit) + 0.15*noise("item"+d.item+d.unit)
		for m := 1; m <= DemoMonths; m++ {
			per := periods[m-1]
			if m == DemoMonths && noise("miss"+d.item+d.unit) < 0.08 {
				break
			}
			var share float64
			if d.rate {
				share = 0.85 + 0.25*noise(fmt.Sprint(d.item, d.unit, m))
			} else {
				share = min(1, pace*float64(m)/12*(0.95+0.1*noise(fmt.Sprint(d.item, d.unit, m))))
			}
			v := d.goal.Mul(decimal.New(int64(share*10000), 4))
			if d.valueUnit == luoshi.PercentUnit && !d.rate {
				v = decimal.New(int64(share*1000), 1)
			}
			prec := 2
			if d.goal.Quo(decimal.Int(1), 0).Cmp(d.goal) == 0 && d.valueUnit != luoshi.PercentUnit {
				prec = 0 // counts of things: whole numbers
			}
			v = v.Quo(decimal.Int(1), prec)
			ratio := monitor.Completion(v, d.goal, d.cmp)
			state := luoshi.StateApproved
			if m == DemoMonths && noise("pending"+d.item+d.unit) < 0.15 {
				state = luoshi.StateSubmitted
			}
			at := per.Due.Add(-36 * time.Hour)
			out = append(out, luoshi.Progress{PlanID: planID, Item: d.item, Unit: d.unit, Period: per.Key, Value: v, ValueUnit: d.valueUnit,
				Ratio: ratio, Narrative: "【演示数据】" + per.Key + " 模拟进展", State: state, Revision: 1,
				CreatedBy: DemoBy, CreatedAt: at, UpdatedBy: DemoBy, UpdatedAt: at})
		}
	}
	if err := s.BulkProgress(ctx, out); err != nil {
		return fmt.Errorf("demo: load reports: %w", err)
	}
	return nil
}
