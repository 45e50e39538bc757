package main

import (
	"context"
	"flag"
	"fmt"

	"luoshi"
	"luoshi/delivery"
	"luoshi/extract"
)

func init() {
	commands["import"] = command{
		summary: "read a work report and store it as a plan (or a new version of it)",
		run:     runImport,
	}
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	region := fs.String("region", "", "GB/T 2260 code of the jurisdiction (default: looked up by the report's jurisdiction, else 510000)")
	year := fs.Int("year", 0, "the year the plan is for, when the text does not say")
	by := fs.String("by", "督查室", "who imports")
	catalogFile := fs.String("catalog", "", "department catalog (TSV) for lead-unit suggestions; default: Sichuan's, built in")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi import [--db DSN] [--region CODE] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("need one FILE: %w", errUsage)
	}
	cat, err := loadCatalog(*catalogFile)
	if err != nil {
		return err
	}
	p, err := readReport(fs.Arg(0), extract.Options{Year: *year, Units: cat})
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// Sichuan's regions and departments are the reference data every
	// store starts with; loading them again changes nothing.
	if err := delivery.LoadSichuan(ctx, db); err != nil {
		return err
	}
	reg := *region
	if reg == "" && p.Jurisdiction == "" {
		reg = "510000"
	}
	res, err := db.ImportPlan(ctx, p, luoshi.ImportOptions{Region: reg, By: *by})
	if err != nil {
		return err
	}
	info := res.Plan
	switch {
	case res.Unchanged:
		fmt.Fprintf(e.stdout, "unchanged: plan %d (%s %d, version %d) already has this text\n", info.ID, info.Jurisdiction, info.Year, info.Version)
	case res.Diff == nil:
		fmt.Fprintf(e.stdout, "imported plan %d: %s %d, version 1, %d commitments, %d targets\n", info.ID, info.Jurisdiction, info.Year, len(p.Commitments), len(p.Targets))
	default:
		d := res.Diff
		fmt.Fprintf(e.stdout, "imported plan %d: %s %d, version %d: %d added, %d removed, %d changed\n",
			info.ID, info.Jurisdiction, info.Year, info.Version, len(d.Added), len(d.Removed), len(d.Changed))
		for _, c := range d.Added {
			fmt.Fprintf(e.stdout, "  + %s %s %s\n", c.Kind, c.New, c.Text)
		}
		for _, c := range d.Removed {
			fmt.Fprintf(e.stdout, "  - %s %s %s\n", c.Kind, c.Old, c.Text)
		}
		for _, c := range d.Changed {
			fmt.Fprintf(e.stdout, "  ~ %s %s→%s %s (was: %s)\n", c.Kind, c.Old, c.New, c.Text, c.Was)
		}
	}
	return nil
}
