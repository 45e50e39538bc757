package synth_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"luoshi"
	"luoshi/delivery"
	"luoshi/monitor"
	"luoshi/sqlite"
	"luoshi/store"
	"luoshi/synth"
)

// benchStore opens the store to measure: $LUOSHI_BENCH_DB if set (a
// database `luoshi gen` filled), else a fresh SQLite file generated at the
// Sichuan scale (≈15 s).
func benchStore(b *testing.B) luoshi.Store {
	b.Helper()
	ctx := context.Background()
	if dsn := os.Getenv("LUOSHI_BENCH_DB"); dsn != "" {
		s, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "sichuan.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	st, err := synth.Generate(ctx, s, synth.Spec{Scale: "sichuan"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d plans, %d reports in %s", st.Plans, st.Progress, st.Elapsed.Round(time.Millisecond))
	return s
}

// BenchmarkProvinceView measures the province view of Sichuan: the detail
// of the province's plan and the roll-up of all 205 plans by region. It
// reports the 95th percentile latency.
func BenchmarkProvinceView(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	asOf := time.Date(2026, 1, 10, 0, 0, 0, 0, synth.CST)
	cfg := monitor.DefaultConfig()
	if _, err := delivery.RegionView(ctx, s, "510000", 2025, asOf, cfg); err != nil { // judges once
		b.Fatal(err)
	}
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		v, err := delivery.RegionView(ctx, s, "510000", 2025, asOf, cfg)
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
		if v.Regions[0].Plans < 205 {
			b.Fatalf("roll-up covers %d plans", v.Regions[0].Plans)
		}
	}
	b.ReportMetric(float64(synth.Percentile(ds, 95).Microseconds())/1000, "p95-ms")
}

// BenchmarkBurst measures month-end submissions on SQLite: 64 submitters,
// every submission durable before it is acknowledged.
func BenchmarkBurst(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "burst.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	units, _ := synth.Units("sichuan")
	if err := s.PutUnits(ctx, units); err != nil {
		b.Fatal(err)
	}
	keys, err := synth.PrepareBurst(ctx, s, 2026, 30)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var st synth.BurstStats
	for b.Loop() {
		st = synth.Burst(ctx, s, keys, 64, 5*time.Second, nil)
		if st.Failed > 0 {
			b.Fatalf("%d submissions failed: %v", st.Failed, st.FirstError)
		}
		keys = keys[min(len(keys), st.Submitted):]
		if len(keys) < 20000 {
			break
		}
	}
	b.ReportMetric(st.Rate, "submissions/s")
	b.ReportMetric(float64(st.P99.Microseconds())/1000, "p99-ms")
}
