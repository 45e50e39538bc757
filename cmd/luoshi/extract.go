package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

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
	catalogFile := fs.String("catalog", "", "department catalog (TSV) for lead-unit suggestions; default: Sichuan's, built in")
	xlsxOut := fs.String("xlsx", "", "also write the task table (任务分解表) to this .xlsx file")
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
	cat, err := loadCatalog(*catalogFile)
	if err != nil {
		return err
	}
	p, err := readReport(fs.Arg(0), extract.Options{Year: *year, Units: cat})
	if err != nil {
		return err
	}
	if *xlsxOut != "" {
		if err := writeTaskTable(*xlsxOut, p); err != nil {
			return err
		}
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

// printPlan prints the plan for a person: a block per commitment with its
// targets and the suggested lead unit.
func printPlan(e *env, p *luoshi.Plan) {
	w := e.stdout
	title := p.Title
	if title == "" {
		title = "（无标题）"
	}
	fmt.Fprintf(w, "%s\n", title)
	for _, s := range p.Sections {
		if s.Level == 1 {
			fmt.Fprintf(w, "  %s %s [%s]\n", s.ID, s.Title, kindLabel(s.Kind))
		}
	}
	sec := ""
	for _, c := range p.Commitments {
		if c.Section != sec {
			sec = c.Section
			fmt.Fprintf(w, "\n【%s %s】\n", c.Section, c.SectionTitle)
		}
		fmt.Fprintf(w, "%s  %s\n", c.ID, c.Text)
		for _, i := range c.Targets {
			t := p.Targets[i]
			extra := ""
			if t.Strive {
				extra += "，力争"
			}
			if t.Deadline > 0 {
				extra += fmt.Sprintf("，%d年", t.Deadline)
			}
			fmt.Fprintf(w, "       目标：%s %s（%s %s%s）\n", t.Object, t.Text, t.Comparator, t.Value, extra)
		}
		if len(c.SuggestedUnits) > 0 {
			var names []string
			for _, u := range c.SuggestedUnits {
				names = append(names, fmt.Sprintf("%s %.2f〔%s〕", u.Unit, u.Score, strings.Join(u.Matched, "、")))
			}
			fmt.Fprintf(w, "       建议牵头：%s\n", strings.Join(names, "；"))
		}
	}
	for _, x := range p.Warnings {
		fmt.Fprintf(w, "提示：%s（第%d–%d字）\n", x.Message, x.Span.Start, x.Span.End)
	}
	fmt.Fprintf(w, "\n%d 项任务，%d 个量化目标，%d 条提示\n", len(p.Commitments), len(p.Targets), len(p.Warnings))
}

// kindLabel names a section kind in Chinese.
func kindLabel(k string) string {
	switch k {
	case luoshi.KindReview:
		return "回顾"
	case luoshi.KindPlan:
		return "工作安排"
	case luoshi.KindGlossary:
		return "名词解释"
	case luoshi.KindLivelihood:
		return "民生实事"
	case luoshi.KindOther:
		return "政府自身建设"
	case luoshi.KindPreamble:
		return "开篇"
	}
	return k
}
