package reports

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/decimal"
	"luoshi/sqlite"
)

// BenchmarkQuotaReport measures a city's submission of its quota of a
// province target on SQLite, with the target bound to an indicator (the
// city's value is stored, and the province figure derived and copied to
// the lead department once all 21 cities are in) and unbound.
func BenchmarkQuotaReport(b *testing.B) {
	for _, bound := range []bool{true, false} {
		name := map[bool]string{true: "bound", false: "unbound"}[bound]
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "b.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			plan, _, err := Bootstrap(ctx, s, catalog.Sichuan(), time.Now())
			if err != nil {
				b.Fatal(err)
			}
			p, err := s.Plan(ctx, plan)
			if err != nil {
				b.Fatal(err)
			}
			var cities []string
			for _, r := range catalog.SichuanRegions() {
				if r.Level == catalog.LevelCity {
					cities = append(cities, r.Code)
				}
			}
			var targets []luoshi.Target
			var unbind []luoshi.IndicatorBinding
			for _, t := range p.Targets {
				if catalog.IsRate(t) || t.Value.Cmp(decimal.Int(1000)) < 0 {
					continue
				}
				qs := make([]luoshi.Quota, len(cities))
				rest := t.Value
				share := t.Value.Quo(decimal.Int(int64(len(cities))), 0)
				for i, c := range cities {
					v := share
					if i == len(cities)-1 {
						v = rest
					}
					rest = rest.Sub(v)
					qs[i] = luoshi.Quota{Unit: c, Value: v}
				}
				if err := s.SetQuotas(ctx, plan, t.ID, qs, "bench"); err != nil {
					b.Fatal(err)
				}
				targets = append(targets, t)
				unbind = append(unbind, luoshi.IndicatorBinding{PlanID: plan, Target: t.ID})
			}
			if !bound {
				if err := s.BindIndicators(ctx, unbind, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			ps, err := s.Periods(ctx, plan)
			if err != nil {
				b.Fatal(err)
			}
			max := len(targets) * len(ps) * len(cities)
			if b.N > max {
				b.Skipf("%d submissions asked, the plan has room for %d", b.N, max)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := cities[i%len(cities)]
				t := targets[(i/len(cities))%len(targets)]
				per := ps[i/(len(cities)*len(targets))].Key
				if _, err := s.SaveProgress(ctx, luoshi.ProgressInput{PlanID: plan, Item: t.ID, Unit: c, Period: per,
					Value: decimal.Int(int64(10 + i%7)), ValueUnit: t.Unit, Submit: true, By: "bench"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
