package main

import (
	"context"
	"flag"
	"fmt"

	"luoshi/synth"
)

func init() {
	commands["gen"] = command{
		summary: "generate synthetic plans and a year of progress (benchmark data)",
		run:     runGen,
	}
}

func runGen(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	var sp synth.Spec
	fs.StringVar(&sp.Scale, "scale", "sichuan", "sichuan (205 plans, ≈370,000 reports), national (≈3,200 plans, ≈5.8 million) or tiny")
	fs.IntVar(&sp.Commitments, "commitments", 150, "commitments per plan")
	fs.IntVar(&sp.Periods, "periods", 12, "monthly periods with reports (1–12)")
	fs.IntVar(&sp.Workers, "workers", 8, "plans generated at once")
	fs.IntVar(&sp.Year, "year", 2025, "plan year")
	fs.BoolVar(&sp.Indicators, "indicators", false, "bind every target to an indicator (报表通) after the plans are stored")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := synth.Generate(ctx, db, sp, func(f string, a ...any) { fmt.Fprintf(e.stderr, "gen: "+f+"\n", a...) })
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "generated %s: %d units, %d plans, %d commitments, %d targets, %d progress reports in %s (%.0f reports/s)\n",
		sp.Scale, st.Units, st.Plans, st.Commitments, st.Targets, st.Progress, st.Elapsed.Round(1e6), float64(st.Progress)/st.Elapsed.Seconds())
	return nil
}
