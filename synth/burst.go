package synth

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"luoshi"
	"luoshi/decimal"
)

// Key is one report a burst submits.
type Key struct {
	PlanID       int64
	Item, Unit   string
	Period       string
	ValueUnit    string
	Goal         decimal.Decimal
	PeriodNumber int
}

// PrepareBurst stores n county plans for year (no reports yet), assigned to
// the counties themselves, with a monthly calendar, and returns every report
// key they owe. Units must be stored (Generate's or LoadSichuan's).
func PrepareBurst(ctx context.Context, s luoshi.Store, year, n int) ([]Key, error) {
	counties, err := s.Units(ctx, luoshi.UnitFilter{Kind: luoshi.UnitCounty})
	if err != nil {
		return nil, err
	}
	if len(counties) < n {
		return nil, luoshi.Errorf(luoshi.EInvalid, "only %d counties stored, %d burst plans asked", len(counties), n)
	}
	sp := Spec{Year: year}
	sp.defaults()
	ps, err := luoshi.Calendar(year, luoshi.Monthly, 5, CST)
	if err != nil {
		return nil, err
	}
	var keys []Key
	for _, reg := range counties[:n] {
		p := Plan(reg, sp)
		res, err := s.ImportPlan(ctx, p, luoshi.ImportOptions{Region: reg.Code, By: "burst"})
		if err != nil {
			return nil, err
		}
		id := res.Plan.ID
		if !res.Unchanged {
			as := make([]luoshi.Assignment, len(p.Commitments))
			for i, c := range p.Commitments {
				as[i] = luoshi.Assignment{PlanID: id, Commitment: c.ID, Lead: reg.Code, ConfirmedBy: "burst"}
			}
			if err := s.Assign(ctx, as...); err != nil {
				return nil, err
			}
			if err := s.SetPeriods(ctx, id, ps); err != nil {
				return nil, err
			}
		}
		hasTarget := map[string]bool{}
		for _, per := range ps {
			for _, t := range p.Targets {
				hasTarget[t.Commitment] = true
				keys = append(keys, Key{id, t.ID, reg.Code, per.Key, t.Unit, t.Value, per.Seq})
			}
			for _, c := range p.Commitments {
				if !hasTarget[c.ID] {
					keys = append(keys, Key{id, c.ID, reg.Code, per.Key, luoshi.PercentUnit, decimal.Int(100), per.Seq})
				}
			}
		}
	}
	return keys, nil
}

// BurstStats describe a burst.
type BurstStats struct {
	Submitted, Failed int
	Elapsed           time.Duration
	Rate              float64 // acknowledged submissions per second
	P50, P99          time.Duration
	FirstError        error
}

// Burst submits reports for keys from workers goroutines until the keys run
// out, the duration passes or ctx ends. ack, if not nil, is called with
// every acknowledged report (from the worker goroutines, after the store
// returned).
func Burst(ctx context.Context, s luoshi.Store, keys []Key, workers int, d time.Duration, ack func(luoshi.Progress)) BurstStats {
	var next atomic.Int64
	var st BurstStats
	var mu sync.Mutex
	lat := make([][]time.Duration, workers)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= len(keys) {
					return
				}
				k := keys[i]
				v := k.Goal.Mul(decimal.New(int64(k.PeriodNumber), 0)).Quo(decimal.Int(12), 2)
				t0 := time.Now()
				p, err := s.SaveProgress(ctx, luoshi.ProgressInput{PlanID: k.PlanID, Item: k.Item, Unit: k.Unit, Period: k.Period,
					Value: v, ValueUnit: k.ValueUnit, Narrative: fmt.Sprintf("第%d期进展", k.PeriodNumber), Submit: true, By: "burst"})
				el := time.Since(t0)
				mu.Lock()
				if err != nil {
					st.Failed++
					if st.FirstError == nil {
						st.FirstError = err
					}
				} else {
					st.Submitted++
				}
				mu.Unlock()
				if err == nil {
					lat[w] = append(lat[w], el)
					if ack != nil {
						ack(p)
					}
				}
			}
		}(w)
	}
	wg.Wait()
	st.Elapsed = time.Since(start)
	st.Rate = float64(st.Submitted) / st.Elapsed.Seconds()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if n := len(all); n > 0 {
		st.P50, st.P99 = all[n/2], all[min(n-1, n*99/100)]
	}
	return st
}

// Percentile returns the p-th percentile (0..100) of ds, which it sorts.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[max(0, min(len(ds)-1, i))]
}
