package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"luoshi"
	"luoshi/sqlite"
	"luoshi/store"
	"luoshi/synth"
	"luoshi/xlsx"
)

// tinyDB writes the tiny synthetic province (10 commitments a plan, January
// reported) to a SQLite file and returns its path and the plan of 锦江区.
func tinyDB(t *testing.T) (string, int64) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "luoshi.db")
	// The store's clock is pinned to mid-January, when the plans were
	// assigned, so that reminders count the year's periods.
	jan15 := func() time.Time { return time.Date(2025, 1, 15, 9, 0, 0, 0, synth.CST) }
	s, err := sqlite.Open(ctx, path, sqlite.Options{Options: store.Options{Now: jan15}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := synth.Generate(ctx, s, synth.Spec{Scale: "tiny", Commitments: 10, Periods: 1, Workers: 2}, nil); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Plans(ctx, luoshi.PlanFilter{Region: "510104"})
	if err != nil || len(ps) != 1 {
		t.Fatalf("plans: %v %v", ps, err)
	}
	return path, ps[0].ID
}

// fillFile fills every row of the template file plausibly; with bad, cell J5
// gets a word instead of a number.
func fillFile(t *testing.T, path string, bad bool) map[string]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(xlsx.FillSheet)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := 2; i < len(rows); i++ {
		item := rows[i][1]
		// Column I holds the previous period's cumulative value: report it
		// again, or 40+i where there is none.
		v := strconv.Itoa(40 + i)
		if len(rows[i]) > 8 && rows[i][8] != "" {
			v = rows[i][8]
		}
		want[item] = v
		num, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("previous value %q: %v", v, err)
		}
		if err := f.SetCellValue(xlsx.FillSheet, "J"+strconv.Itoa(i+1), num); err != nil {
			t.Fatal(err)
		}
	}
	if bad {
		if err := f.SetCellStr(xlsx.FillSheet, "J5", "约五成"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestTemplateUploadCommands(t *testing.T) {
	t.Setenv(templateKeyEnv, "")
	db, plan := tinyDB(t)
	dir := filepath.Dir(db)
	out := filepath.Join(dir, "锦江区.xlsx")
	code, stdout, stderr := runCmd(t, "template", "--db", db, "--plan", strconv.FormatInt(plan, 10), "--unit", "510104", "--period", "2025-02", "-o", out)
	if code != 0 || !strings.Contains(stdout, "2025-02 期填报模板，10 项") {
		t.Fatalf("template: %d %q %q", code, stdout, stderr)
	}
	if _, err := os.Stat(db + ".template-key"); err != nil {
		t.Fatalf("no key file created next to the database: %v", err)
	}

	// A bad cell: every problem listed, a marked copy, nothing stored.
	bad := filepath.Join(dir, "bad.xlsx")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fillFile(t, bad, true)
	code, stdout, stderr = runCmd(t, "upload", "--db", db, "--as-of", "2025-03-10", "--submit", bad)
	if code != 1 || !strings.Contains(stderr, "填报表!J5：") || !strings.Contains(stderr, "bad.错误标注.xlsx") {
		t.Fatalf("bad upload: %d %q %q", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.错误标注.xlsx")); err != nil {
		t.Fatalf("marked copy: %v", err)
	}
	if n := countReports(t, db, plan); n != 0 {
		t.Fatalf("%d reports stored from a rejected workbook", n)
	}

	// An old period: refused with the reason.
	code, _, stderr = runCmd(t, "upload", "--db", db, "--as-of", "2025-04-10", out)
	if code != 1 || !strings.Contains(stderr, "往期模板不能上传") {
		t.Fatalf("old period: %d %q", code, stderr)
	}

	// The good one.
	want := fillFile(t, out, false)
	code, stdout, stderr = runCmd(t, "upload", "--db", db, "--as-of", "2025-03-10", "--submit", out)
	if code != 0 || !strings.Contains(stdout, "已保存 10 项（已提交待审核）") {
		t.Fatalf("upload: %d %q %q", code, stdout, stderr)
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in, err := s.StatusInput(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range in.Progress {
		if p.Period == "2025-02" {
			n++
			if p.Value.String() != want[p.Item] || p.State != luoshi.StateSubmitted {
				t.Errorf("%s: %s %s, want %s submitted", p.Item, p.Value, p.State, want[p.Item])
			}
		}
	}
	if n != 10 {
		t.Fatalf("%d reports of 2025-02 in StatusInput, want 10", n)
	}
}

func countReports(t *testing.T, db string, plan int64) int {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ps, err := s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: plan, Period: "2025-02"})
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}
