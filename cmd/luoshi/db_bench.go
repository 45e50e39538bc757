package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"luoshi/delivery"
	"luoshi/synth"
)

func init() {
	commands["bench"] = command{
		summary: "measure the region roll-up (rollup) or month-end submissions (burst) on a store",
		run:     runBench,
	}
}

func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "rollup" && args[0] != "burst") {
		fmt.Fprintln(e.stderr, "usage: luoshi bench rollup|burst [--db DSN] [flags]")
		return errUsage
	}
	what := args[0]
	fs := flag.NewFlagSet("bench "+what, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	cfg := configFlags(fs)
	region := fs.String("region", "510000", "rollup: region whose view is judged")
	year := fs.Int("year", 2025, "rollup: plan year")
	burstYear := fs.Int("burst-year", 2026, "burst: year of the burst plans (reports are owed on fresh plans)")
	asOf := fs.String("as-of", "2026-01-10", "rollup: judge as of this day")
	n := fs.Int("n", 200, "rollup: measured runs (after 5 warm-up runs)")
	plans := fs.Int("plans", 40, "burst: county plans to report on (1,800 report keys each)")
	workers := fs.Int("workers", 64, "burst: concurrent submitters")
	dur := fs.Duration("duration", 10*time.Second, "burst: how long to submit")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	switch what {
	case "rollup":
		at, err := parseDay(*asOf)
		if err != nil {
			return err
		}
		var ds []time.Duration
		var v *delivery.View
		for i := 0; i < *n+5; i++ {
			t0 := time.Now()
			v, err = delivery.RegionView(ctx, db, *region, *year, at, *cfg)
			if err != nil {
				return err
			}
			if i >= 5 {
				ds = append(ds, time.Since(t0))
			}
		}
		root := v.Regions[0]
		fmt.Fprintf(e.stdout, "roll-up of %s (%s): %d plans, %d commitments, counts %v, completion %.3f; detail: %d targets, %d commitments\n",
			root.Name, root.Code, root.Plans, root.Counts.Total(), root.Counts, root.Completion, len(v.Report.Targets), len(v.Report.Commitments))
		fmt.Fprintf(e.stdout, "%s, %d runs: p50 %s  p95 %s  p99 %s  max %s\n", db.Dialect().Name(), len(ds),
			synth.Percentile(ds, 50), synth.Percentile(ds, 95), synth.Percentile(ds, 99), synth.Percentile(ds, 100))
	case "burst":
		keys, err := synth.PrepareBurst(ctx, db, *burstYear, *plans)
		if err != nil {
			return err
		}
		st := synth.Burst(ctx, db, keys, *workers, *dur, nil)
		fmt.Fprintf(e.stdout, "%s burst: %d submissions acknowledged, %d failed, in %s: %.0f/s; latency p50 %s p99 %s\n",
			db.Dialect().Name(), st.Submitted, st.Failed, st.Elapsed.Round(time.Millisecond), st.Rate, st.P50, st.P99)
		if st.FirstError != nil {
			fmt.Fprintf(e.stdout, "first error: %v\n", st.FirstError)
		}
	}
	return nil
}
