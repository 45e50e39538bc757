package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"luoshi"
	"luoshi/extract"
)

func init() {
	commands["extract"] = command{
		summary: "read a work report and print its commitments and targets",
		run:     runExtract,
	}
}

func runExtract(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print the plan as JSON (schema in README)")
	year := fs.Int("year", 0, "the year the plan is for, when the text does not say")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi extract [--json] [--year N] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("need one FILE: %w", errUsage)
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	text := string(data)
	p, err := extract.Extract(text, extract.Options{Year: *year})
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	printPlan(e, p)
	return nil
}

func printPlan(e *env, p *luoshi.Plan) {
	fmt.Fprintf(e.stdout, "%s\n", p.Title)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "编号\t章节\t量化目标\t工作任务")
	for _, c := range p.Commitments {
		var ts []string
		for _, i := range c.Targets {
			t := p.Targets[i]
			ts = append(ts, t.Object+" "+t.Text)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Section, strings.Join(ts, "；"), clipText(c.Text, 60))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\n%d 项任务，%d 个量化目标，%d 条提示\n", len(p.Commitments), len(p.Targets), len(p.Warnings))
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
