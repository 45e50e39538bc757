package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"luoshi/workbook"
)

func init() {
	commands["template"] = command{
		summary: "write a unit's Excel reporting template (填报模板) for a period",
		run:     runTemplate,
	}
}

func runTemplate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	kf := addKeyFlags(fs)
	plan := fs.Int64("plan", 0, "plan ID (see `luoshi status`)")
	unit := fs.String("unit", "", "unit code of the reporting unit (see `luoshi units`)")
	period := fs.String("period", "", "period key such as 2025-03 (default: the period being reported today)")
	out := fs.String("o", "", "output .xlsx file")
	asOf := fs.String("as-of", "", "take today as this day (2006-01-02, China Standard Time) to pick the period being reported")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi template --db DSN --plan ID --unit CODE [--period KEY] -o OUT.xlsx")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *plan <= 0 || *unit == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("--plan, --unit and -o are required: %w", errUsage)
	}
	day, err := parseDay(*asOf)
	if err != nil {
		return fmt.Errorf("--as-of %q is not a day like 2025-11-06: %w", *asOf, errUsage)
	}
	if *asOf != "" {
		day = day.Add(12 * time.Hour)
	}
	key, err := templateKey(*dsn, kf, os.Getenv)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := workbook.New(workbook.Config{Store: db, Key: key, Now: func() time.Time { return day }})
	if err != nil {
		return err
	}
	t, err := svc.Template(ctx, *plan, *unit, *period)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := svc.WriteTemplate(&buf, t); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s: %s %s 期填报模板，%d 项（截止 %s）\n", *out, t.UnitName, t.Binding.Period, len(t.Rows), t.Due.Format("2006-01-02"))
	return nil
}
