package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"luoshi/workbook"
	"luoshi/xlsx"
)

func init() {
	commands["upload"] = command{
		summary: "take a filled-in Excel reporting template back into the store",
		run:     runUpload,
	}
}

// markedName returns the name of the marked copy of an upload:
// NAME.错误标注.xlsx next to it.
func markedName(path string) string {
	return strings.TrimSuffix(path, ".xlsx") + ".错误标注.xlsx"
}

func runUpload(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	kf := addKeyFlags(fs)
	submit := fs.Bool("submit", false, "submit the reports for review (default: save them as drafts)")
	period := fs.String("period", "", "period being reported (default: the period being reported today); a template of another period is refused")
	asOf := fs.String("as-of", "", "take today as this day (2006-01-02, China Standard Time) to pick the period being reported")
	by := fs.String("by", "", "who uploads, for the reports' history (default: the unit's name)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi upload --db DSN [--submit] FILE.xlsx")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("one workbook file is required: %w", errUsage)
	}
	path := fs.Arg(0)
	day, err := parseDay(*asOf)
	if err != nil {
		return fmt.Errorf("--as-of %q is not a day like 2025-11-06: %w", *asOf, errUsage)
	}
	if *asOf != "" {
		day = day.Add(12 * time.Hour)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
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
	who := *by
	if who == "" {
		who = "命令行上传"
	}
	res, err := svc.Upload(ctx, data, workbook.UploadOptions{Period: *period, By: who, Submit: *submit})
	if ps := xlsx.Problems(err); ps != nil {
		fmt.Fprintf(e.stderr, "%s：整份未入库，共 %d 处问题：\n", path, len(ps))
		for _, p := range ps {
			fmt.Fprintf(e.stderr, "  %s\n", p)
		}
		marked, merr := xlsx.MarkErrors(data, ps)
		if merr != nil {
			return fmt.Errorf("workbook rejected; marking the copy failed: %w", merr)
		}
		out := markedName(path)
		if werr := os.WriteFile(out, marked, 0o644); werr != nil {
			return fmt.Errorf("workbook rejected; writing the marked copy: %w", werr)
		}
		fmt.Fprintf(e.stderr, "已将标注了错误单元格的副本写入 %s\n", out)
		return fmt.Errorf("workbook rejected: %d problems", len(ps))
	}
	var se *workbook.SaveError
	if errors.As(err, &se) {
		fmt.Fprintf(e.stderr, "%s\n未保存的事项：%s\n", se.Error(), strings.Join(se.Failed, "、"))
		return fmt.Errorf("upload partly saved: %w", se.Err)
	}
	if err != nil {
		return err
	}
	state := "草稿"
	if *submit {
		state = "已提交待审核"
	}
	if res.Duplicate {
		fmt.Fprintf(e.stdout, "%s：%s %s 期的这份填报此前已提交，未重复写入\n", path, res.UnitName, res.Binding.Period)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s：%s %s 期，已保存 %d 项（%s），空白 %d 项，系统已有 %d 项\n", path, res.UnitName, res.Binding.Period,
		len(res.Saved), state, len(res.Blank), len(res.Prefilled))
	if len(res.Taken) > 0 {
		fmt.Fprintf(e.stdout, "下载模板后，%v 的数值已由报表通取得（同一指标已由其他单位报送或由下级地区汇总），本次上传中这些项的填写未采用\n", res.Taken)
	}
	return nil
}
