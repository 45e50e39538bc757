package workbook_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"luoshi"
	"luoshi/sqlite"
	"luoshi/synth"
	"luoshi/workbook"
	"luoshi/xlsx"
)

var key = []byte("0123456789abcdef-test-key")

// march10 is in the reporting of 2025-02: January has approved reports.
var march10 = time.Date(2025, 3, 10, 12, 0, 0, 0, synth.CST)

// fixture returns a SQLite store with the tiny synthetic province (plans of
// a few regions, 10 commitments each, January reported) and the plan of
// 锦江区 (510104).
func fixture(t *testing.T) (luoshi.Store, int64) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "wb.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := synth.Generate(ctx, s, synth.Spec{Scale: "tiny", Commitments: 10, Periods: 1, Workers: 2}, nil); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Plans(ctx, luoshi.PlanFilter{Region: "510104"})
	if err != nil || len(ps) != 1 {
		t.Fatalf("plans of 510104: %v %v", ps, err)
	}
	return s, ps[0].ID
}

func service(t *testing.T, s luoshi.Store, now time.Time) *workbook.Service {
	t.Helper()
	svc, err := workbook.New(workbook.Config{Store: s, Key: key, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// download builds and writes a template, and fills every row plausibly.
func download(t *testing.T, svc *workbook.Service, plan int64, unit, period string) (xlsx.Template, []byte) {
	t.Helper()
	tpl, err := svc.Template(context.Background(), plan, unit, period)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := svc.WriteTemplate(&buf, tpl); err != nil {
		t.Fatal(err)
	}
	filled, err := workbook.Fill(buf.Bytes(), tpl, func(r xlsx.TemplateRow) (workbook.Entry, bool) {
		return workbook.Entry{Value: workbook.Plausible(r).String(), Narrative: "按计划推进" + r.Item}, true
	})
	if err != nil {
		t.Fatal(err)
	}
	return tpl, filled
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, plan := fixture(t)
	svc := service(t, s, march10)
	tpl, filled := download(t, svc, plan, "510104", "")
	if tpl.Binding.Period != "2025-02" || len(tpl.Rows) != 10 {
		t.Fatalf("template: period %s, %d rows", tpl.Binding.Period, len(tpl.Rows))
	}
	res, err := svc.Upload(ctx, filled, workbook.UploadOptions{Unit: "510104", By: "锦江区", Submit: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Saved) != 10 || res.Duplicate {
		t.Fatalf("saved %d, duplicate %v", len(res.Saved), res.Duplicate)
	}
	got, err := s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: plan, Unit: "510104", Period: "2025-02"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range tpl.Rows {
		want[r.Item] = workbook.Plausible(r).String()
	}
	if len(got) != len(want) {
		t.Fatalf("stored %d reports, want %d", len(got), len(want))
	}
	for _, p := range got {
		if p.Value.String() != want[p.Item] || p.State != luoshi.StateSubmitted || p.Narrative != "按计划推进"+p.Item {
			t.Errorf("%s: stored %s %s %q, want %s submitted", p.Item, p.Value, p.State, p.Narrative, want[p.Item])
		}
	}
	// The same workbook again: recognized, nothing written twice.
	again, err := svc.Upload(ctx, filled, workbook.UploadOptions{Unit: "510104", By: "锦江区", Submit: true})
	if err != nil || !again.Duplicate || len(again.Saved) != 0 {
		t.Fatalf("repeat upload: %+v %v", again, err)
	}
	// A new template shows the values pre-filled and locked.
	tpl2, err := svc.Template(ctx, plan, "510104", "2025-02")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tpl2.Rows {
		if r.Prefill == nil || r.Prefill.Value.String() != want[r.Item] {
			t.Fatalf("row %s not pre-filled with %s: %+v", r.Item, want[r.Item], r.Prefill)
		}
	}
	// Now the office uploads (no unit given): still the workbook's unit.
	_, other := download(t, svc, plan+0, "510104", "2025-02")
	if _, err := svc.Upload(ctx, other, workbook.UploadOptions{By: "督查室"}); err != nil {
		t.Fatalf("office upload of a template with nothing left to fill: %v", err)
	}
}

func problems(t *testing.T, err error) []xlsx.Problem {
	t.Helper()
	ps := xlsx.Problems(err)
	if len(ps) == 0 {
		t.Fatalf("want a rejection, got %v", err)
	}
	if luoshi.ErrorCode(err) != luoshi.EInvalid {
		t.Errorf("rejection code %q, want %q", luoshi.ErrorCode(err), luoshi.EInvalid)
	}
	return ps
}

func stored(t *testing.T, s luoshi.Store, plan int64, period string) int {
	t.Helper()
	ps, err := s.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: plan, Period: period})
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

func TestRefused(t *testing.T) {
	ctx := context.Background()
	s, plan := fixture(t)
	svc := service(t, s, march10)
	_, filled := download(t, svc, plan, "510104", "")

	// Another unit uploads 锦江区's workbook.
	ps := problems(t, func() error {
		_, err := svc.Upload(ctx, filled, workbook.UploadOptions{Unit: "510105", PlanID: plan, By: "青羊区"})
		return err
	}())
	if !strings.Contains(ps[0].Message, "不能作为本单位") {
		t.Errorf("wrong unit: %q", ps[0].Message)
	}
	// A month later the February template is an old period's.
	later := service(t, s, march10.AddDate(0, 1, 0))
	ps = problems(t, func() error {
		_, err := later.Upload(ctx, filled, workbook.UploadOptions{Unit: "510104", By: "锦江区"})
		return err
	}())
	if !strings.Contains(ps[0].Message, "往期模板不能上传") {
		t.Errorf("old period: %q", ps[0].Message)
	}
	// A workbook signed with another key.
	stranger, err := workbook.New(workbook.Config{Store: s, Key: []byte("another key, 16+ bytes"), Now: func() time.Time { return march10 }})
	if err != nil {
		t.Fatal(err)
	}
	ps = problems(t, func() error {
		_, err := stranger.Upload(ctx, filled, workbook.UploadOptions{By: "督查室"})
		return err
	}())
	if !strings.Contains(ps[0].Message, "模板校验失败") {
		t.Errorf("foreign key: %q", ps[0].Message)
	}
	if n := stored(t, s, plan, "2025-02"); n != 0 {
		t.Fatalf("%d reports stored after refusals", n)
	}
}

func TestBadCellStoresNothing(t *testing.T) {
	ctx := context.Background()
	s, plan := fixture(t)
	svc := service(t, s, march10)
	tpl, filled := download(t, svc, plan, "510104", "")
	f, err := excelize.OpenReader(bytes.NewReader(filled))
	if err != nil {
		t.Fatal(err)
	}
	// Row 5: a word where a number belongs. Every other row is fine.
	if err := f.SetCellStr(xlsx.FillSheet, "J5", "差不多一半"); err != nil {
		t.Fatal(err)
	}
	bad, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Upload(ctx, bad.Bytes(), workbook.UploadOptions{Unit: "510104", By: "锦江区", Submit: true})
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Sheet != xlsx.FillSheet || ps[0].Cell() != "J5" {
		t.Fatalf("problems %v, want one at 填报表!J5", ps)
	}
	if n := stored(t, s, plan, "2025-02"); n != 0 {
		t.Fatalf("%d of %d rows stored from a rejected workbook", n, len(tpl.Rows))
	}
	marked, err := xlsx.MarkErrors(bad.Bytes(), ps)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := excelize.OpenReader(bytes.NewReader(marked))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := mf.GetComments(xlsx.FillSheet); err != nil || len(c) != 1 || c[0].Cell != "J5" {
		t.Fatalf("marked copy comments %+v %v", c, err)
	}
}

func TestOutdatedTemplate(t *testing.T) {
	ctx := context.Background()
	s, plan := fixture(t)
	svc := service(t, s, march10)
	tpl, filled := download(t, svc, plan, "510104", "")
	// After the download, one row is submitted through another channel.
	r := tpl.Rows[0]
	vu := r.Measure
	if _, err := s.SaveProgress(ctx, luoshi.ProgressInput{PlanID: plan, Item: r.Item, Unit: "510104", Period: "2025-02",
		Value: workbook.Plausible(r), ValueUnit: vu, Narrative: "网页填报", Submit: true, By: "锦江区"}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Upload(ctx, filled, workbook.UploadOptions{Unit: "510104", By: "锦江区", Submit: true})
	ps := problems(t, err)
	if !strings.Contains(ps[0].Message, "模板已过期") {
		t.Fatalf("outdated: %v", ps)
	}
	if n := stored(t, s, plan, "2025-02"); n != 1 {
		t.Fatalf("%d reports stored, want the one from the web", n)
	}
	var se *workbook.SaveError
	if errors.As(err, &se) {
		t.Fatal("a rejection is not a save error")
	}
}

func TestClosedPeriod(t *testing.T) {
	ctx := context.Background()
	s, plan := fixture(t)
	svc := service(t, s, march10)
	_, filled := download(t, svc, plan, "510104", "")
	if err := s.ClosePeriod(ctx, plan, "2025-02", "督查室"); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Upload(ctx, filled, workbook.UploadOptions{Unit: "510104", By: "锦江区", Submit: true})
	if luoshi.ErrorCode(err) != luoshi.EConflict || !strings.Contains(err.Error(), "已关闭") {
		t.Fatalf("upload to a closed period: %v", err)
	}
	if n := stored(t, s, plan, "2025-02"); n != 0 {
		t.Fatalf("%d reports stored in a closed period", n)
	}
}

// batchStore is a store with SaveProgressBatch that fails every batch.
type batchStore struct {
	luoshi.Store
	calls int
}

func (b *batchStore) SaveProgressBatch(ctx context.Context, ins []luoshi.ProgressInput) ([]luoshi.Progress, error) {
	b.calls++
	return nil, luoshi.Errorf(luoshi.EConflict, "batch refused")
}

func TestBatchSaverUsed(t *testing.T) {
	ctx := context.Background()
	s, plan := fixture(t)
	bs := &batchStore{Store: s}
	svc := service(t, bs, march10)
	tpl, filled := download(t, svc, plan, "510104", "")
	_, err := svc.Upload(ctx, filled, workbook.UploadOptions{Unit: "510104", By: "锦江区", Submit: true})
	var se *workbook.SaveError
	if !errors.As(err, &se) || bs.calls != 1 || len(se.Failed) != len(tpl.Rows) || len(se.Saved) != 0 || luoshi.ErrorCode(err) != luoshi.EConflict {
		t.Fatalf("upload through a failing batch: %v (calls %d)", err, bs.calls)
	}
	if n := stored(t, s, plan, "2025-02"); n != 0 {
		t.Fatalf("%d reports stored", n)
	}
}
