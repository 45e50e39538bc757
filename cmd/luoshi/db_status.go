package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"luoshi"
	"luoshi/delivery"
)

func init() {
	commands["status"] = command{
		summary: "judge a region's plan and roll up the plans under it (序时进度, 滞后, 未报送)",
		run:     runStatus,
	}
	commands["alerts"] = command{
		summary: "scan a region's plan for alerts, store and print them",
		run:     runAlerts,
	}
}

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	cfg := configFlags(fs)
	region := fs.String("region", "510000", "GB/T 2260 code of the region")
	year := fs.Int("year", 2025, "plan year")
	asOf := fs.String("as-of", "", "judge as of this day (2006-01-02; default today)")
	asJSON := fs.Bool("json", false, "print the view as JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	at, err := parseDay(*asOf)
	if err != nil {
		return fmt.Errorf("--as-of: %w", err)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := delivery.RegionView(ctx, db, *region, *year, at, *cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	r := v.Report
	fmt.Fprintf(e.stdout, "%s（第%d版）截至 %s：应报期 %s，序时进度 %.1f%%\n", v.Plan.Title, v.Plan.Version, at.Format("2006-01-02"), r.DuePeriod, 100*r.Expected)
	fmt.Fprintf(e.stdout, "本级 %d 项任务：%s，加权完成 %.1f%%\n", r.Total.Counts.Total(), counts(r.Total.Counts), 100*r.Total.Completion)
	for _, s := range r.BySection {
		fmt.Fprintf(e.stdout, "  部分 %-5s %s\n", s.Key, counts(s.Counts))
	}
	for _, u := range r.ByUnit {
		fmt.Fprintf(e.stdout, "  单位 %-16s %s\n", strings.TrimPrefix(u.Key, "D:"), counts(u.Counts))
	}
	fmt.Fprintln(e.stdout, "地区汇总（含下级）：")
	for _, g := range v.Regions {
		fmt.Fprintf(e.stdout, "  %s %-10s %3d 份计划  %s  完成 %.1f%%\n", g.Code, g.Name, g.Plans, counts(g.Counts), 100*g.Completion)
	}
	return nil
}

func counts(c luoshi.Counts) string {
	var parts []string
	for i, s := range luoshi.Statuses {
		parts = append(parts, fmt.Sprintf("%s %d", s.Label(), c[i]))
	}
	return strings.Join(parts, " / ")
}

func runAlerts(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	cfg := configFlags(fs)
	region := fs.String("region", "510000", "GB/T 2260 code of the region whose plan is scanned")
	year := fs.Int("year", 2025, "plan year")
	asOf := fs.String("as-of", "", "scan as of this day (2006-01-02; default today)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	at, err := parseDay(*asOf)
	if err != nil {
		return fmt.Errorf("--as-of: %w", err)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	plans, err := db.Plans(ctx, luoshi.PlanFilter{Year: *year, Region: *region, Latest: true})
	if err != nil {
		return err
	}
	for _, p := range plans {
		if p.Region != *region {
			continue
		}
		as, err := delivery.ScanAlerts(ctx, db, p.ID, at, *cfg)
		if err != nil {
			return err
		}
		for _, a := range as {
			fmt.Fprintf(e.stdout, "%-13s %-6s %-8s %s\n", a.Kind, a.Item, a.Period, a.Message)
		}
		fmt.Fprintf(e.stdout, "%d alerts for plan %d\n", len(as), p.ID)
		return nil
	}
	return luoshi.Errorf(luoshi.ENotFound, "region %s has no plan for %d", *region, *year)
}
