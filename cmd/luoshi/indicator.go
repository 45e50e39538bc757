package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"

	"luoshi"
	"luoshi/reports"
)

func init() {
	commands["indicator"] = command{
		summary: "indicators of 报表通 (每个数只报一次): list, put, bind, suggest, values",
		run:     runIndicator,
	}
}

const indicatorUsage = `usage: luoshi indicator list   [--db DSN]
       luoshi indicator put    [--db DSN] --code ZB001 --name 名称 --unit 计量单位 [--kind cumulative|level] [--aggregate sum|avg|max|min|none] [--note 说明]
       luoshi indicator bind   [--db DSN] --plan ID --target ID (--indicator CODE | --unbind)
       luoshi indicator suggest [--db DSN] --plan ID
       luoshi indicator values [--db DSN] [--indicator CODE] [--region CODE] [--period KEY] [--json]`

func runIndicator(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, indicatorUsage)
		return fmt.Errorf("need a subcommand: %w", errUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("indicator "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprintln(e.stderr, indicatorUsage); fs.PrintDefaults() }
	dsn := dbFlag(fs)
	var (
		code, name, unit, kind, agg, note *string
		plan                              *int64
		target, region, period            *string
		unbind, asJSON                    *bool
	)
	switch sub {
	case "list":
	case "put":
		code = fs.String("code", "", "indicator code, e.g. ZB001")
		name = fs.String("name", "", "name (指标名称), e.g. 城镇老旧小区改造")
		unit = fs.String("unit", "", "unit of measure (计量单位), e.g. 个")
		kind = fs.String("kind", luoshi.IndicatorCumulative, "cumulative (累计值) or level (时点值、比率)")
		agg = fs.String("aggregate", luoshi.AggSum, "how a region's value follows from the regions under it: sum, avg, max, min or none")
		note = fs.String("note", "", "definition (统计口径)")
	case "bind":
		plan = fs.Int64("plan", 0, "plan ID")
		target = fs.String("target", "", "target ID, e.g. t0014")
		code = fs.String("indicator", "", "indicator code")
		unbind = fs.Bool("unbind", false, "unbind the target from its indicator")
	case "suggest":
		plan = fs.Int64("plan", 0, "plan ID")
	case "values":
		code = fs.String("indicator", "", "indicator code (all when empty)")
		region = fs.String("region", "", "region code (all when empty)")
		period = fs.String("period", "", "period key, e.g. 2025-03 (all when empty)")
		asJSON = fs.Bool("json", false, "print JSON")
	default:
		fmt.Fprintln(e.stderr, indicatorUsage)
		return fmt.Errorf("unknown subcommand %q: %w", sub, errUsage)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %v: %w", fs.Args(), errUsage)
	}
	if plan != nil && *plan <= 0 {
		return fmt.Errorf("--plan is required: %w", errUsage)
	}
	by := "命令行"
	if u, err := user.Current(); err == nil {
		by = "命令行:" + u.Username
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "list":
		inds, err := db.Indicators(ctx)
		if err != nil {
			return err
		}
		bs, err := db.IndicatorBindings(ctx, 0)
		if err != nil {
			return err
		}
		n := map[string]int{}
		for _, b := range bs {
			n[b.Indicator]++
		}
		w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "编码\t名称\t单位\t类型\t汇总\t绑定目标")
		for _, ind := range inds {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", ind.Code, ind.Name, ind.Unit, ind.KindLabel(), ind.AggregateLabel(), n[ind.Code])
		}
		return w.Flush()
	case "put":
		ind := luoshi.Indicator{Code: strings.TrimSpace(*code), Name: strings.TrimSpace(*name), Unit: strings.TrimSpace(*unit),
			Kind: *kind, Aggregate: *agg, Note: strings.TrimSpace(*note)}
		if err := db.PutIndicators(ctx, []luoshi.Indicator{ind}, by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "stored indicator %s %s (%s, %s, %s)\n", ind.Code, ind.Name, ind.Unit, ind.KindLabel(), ind.AggregateLabel())
		return nil
	case "bind":
		if *target == "" || (*code == "") == !*unbind {
			return fmt.Errorf("need --target and either --indicator or --unbind: %w", errUsage)
		}
		if err := db.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: *plan, Target: *target, Indicator: *code}}, by); err != nil {
			return err
		}
		if *unbind {
			fmt.Fprintf(e.stdout, "unbound target %s of plan %d\n", *target, *plan)
		} else {
			fmt.Fprintf(e.stdout, "bound target %s of plan %d to indicator %s\n", *target, *plan, *code)
		}
		return nil
	case "suggest":
		added, bound, err := reports.BindIndicators(ctx, db, *plan, by)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "plan %d: %d targets bound, %d new indicators\n", *plan, bound, added)
		return nil
	}
	vs, err := db.IndicatorValues(ctx, luoshi.IndicatorValueFilter{Indicator: *code, Region: *region, Period: *period})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(vs)
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "指标\t地区\t周期\t数值\t状态\t来源")
	for _, v := range vs {
		src := fmt.Sprintf("%s 报告 %d（计划 %d %s）", v.Unit, v.Source, v.PlanID, v.Item)
		if v.Derived() {
			src = fmt.Sprintf("%d 个下级地区汇总", v.Parts)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Indicator, v.Region, v.Period, v.Value, v.State, src)
	}
	return w.Flush()
}
