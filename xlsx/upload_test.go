package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"luoshi"
	"luoshi/decimal"
)

var sampleBinding = Binding{PlanID: 7, Unit: "510700", Period: "2025-03", Version: "v3"}

// fill opens src, applies edit, and returns the saved workbook.
func fill(t testing.TB, src []byte, edit func(f *excelize.File) error) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer f.Close()
	if err := edit(f); err != nil {
		t.Fatalf("edit: %v", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	return buf.Bytes()
}

// set writes cell values of the fill-in sheet: strings as text, others as
// they are.
func set(cells map[string]any) func(f *excelize.File) error {
	return func(f *excelize.File) error {
		for c, v := range cells {
			if err := f.SetCellValue(FillSheet, c, v); err != nil {
				return err
			}
		}
		return nil
	}
}

// goodFill fills every fill-in row of the sample validly.
func goodFill() map[string]any {
	return map[string]any{
		"J3": 1500, "K3": "正常推进", "M3": "已开工1500个。",
		"J4": 5.8, "K4": "正常推进",
		"J5": 45.5, "K5": "滞后", "M5": "项目审批推迟。",
		"J7": 100, "K7": "已完成", "L7": time.Date(2025, 3, 28, 0, 0, 0, 0, time.UTC), "M7": "-完成改革方案",
	}
}

func TestRoundTrip(t *testing.T) {
	src := writeSample(t, sampleTemplate())
	filled := fill(t, src, set(goodFill()))
	u, err := ReadUpload(bytes.NewReader(filled), sampleBinding, testKey)
	if err != nil {
		t.Fatalf("ReadUpload: %v", err)
	}
	if u.Binding != sampleBinding || u.UnitName != "绵阳市" {
		t.Errorf("binding = %+v %q", u.Binding, u.UnitName)
	}
	var got []string
	for _, r := range u.Rows {
		done := ""
		if !r.Done.IsZero() {
			done = r.Done.Format("2006-01-02")
		}
		got = append(got, fmt.Sprintf("%d %s %s %s %s %s %s", r.Row, r.Item, r.Value, r.Measure, r.Status, done, r.Narrative))
	}
	want := []string{
		"3 T1 1500 个 正常推进  已开工1500个。",
		"4 T2 5.8 % 正常推进  ",
		"5 C1 45.5 % 滞后  项目审批推迟。",
		"7 C2 100 % 已完成 2025-03-28 -完成改革方案",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(u.Prefilled) != 1 || u.Prefilled[0] != "T3" || len(u.Blank) != 0 {
		t.Errorf("prefilled = %v, blank = %v", u.Prefilled, u.Blank)
	}
	ins := u.Inputs("张三", true)
	if len(ins) != 4 {
		t.Fatalf("inputs = %d", len(ins))
	}
	in := ins[0]
	if in.PlanID != 7 || in.Unit != "510700" || in.Period != "2025-03" || in.Item != "T1" ||
		in.Value.Cmp(decimal.Int(1500)) != 0 || in.ValueUnit != "个" || !in.Submit || in.By != "张三" {
		t.Errorf("input = %+v", in)
	}
	if ins[2].ValueUnit != luoshi.PercentUnit {
		t.Errorf("commitment value unit = %q", ins[2].ValueUnit)
	}
}

func TestRoundTripTextValues(t *testing.T) {
	// Numbers typed as text, with full-width digits, separators or their
	// own unit, are read; blank rows are listed as blank.
	src := writeSample(t, sampleTemplate())
	filled := fill(t, src, set(map[string]any{
		"J3": "１，６００ 个", "J4": " 6 ", "J5": "50%", "L5": "2025年3月1日",
	}))
	u, err := ReadUpload(bytes.NewReader(filled), sampleBinding, testKey)
	if err != nil {
		t.Fatalf("ReadUpload: %v", err)
	}
	got := map[string]string{}
	for _, r := range u.Rows {
		got[r.Item] = r.Value.String()
	}
	if got["T1"] != "1600" || got["T2"] != "6" || got["C1"] != "50" {
		t.Errorf("values = %v", got)
	}
	if u.Rows[2].Done.Format("2006-01-02") != "2025-03-01" {
		t.Errorf("done = %v", u.Rows[2].Done)
	}
	if len(u.Blank) != 1 || u.Blank[0] != "C2" {
		t.Errorf("blank = %v", u.Blank)
	}
}

func TestUploadProblems(t *testing.T) {
	src := writeSample(t, sampleTemplate())
	long := strings.Repeat("很", NarrativeMax+1)
	cases := []struct {
		name string
		edit func(f *excelize.File) error
		cell string // Column+Row of the expected problem, "" for the workbook
		msg  string
	}{
		{"locked goal edited", set(map[string]any{"H3": 2000}), "H3", "锁定"},
		{"locked text edited", set(map[string]any{"E4": "改了"}), "E4", "锁定"},
		{"measure edited", set(map[string]any{"G3": "万个"}), "G3", "锁定"},
		{"not a number", set(map[string]any{"J3": "一千五"}), "J3", "不是数字"},
		{"negative", set(map[string]any{"J4": -1}), "J4", "负数"},
		{"negative text", set(map[string]any{"J4": "-1"}), "J4", "负数"},
		{"below previous", set(map[string]any{"J3": 1000}), "J3", "小于上期累计 1200"},
		{"commitment below previous", set(map[string]any{"J5": 20}), "J5", "小于上期累计 30"},
		{"percent above 100", set(map[string]any{"J7": 120}), "J7", "0 到 100"},
		{"wrong unit", set(map[string]any{"J3": "15万个"}), "J3", "计量单位应为“个”"},
		{"boolean", set(map[string]any{"J3": true}), "J3", "逻辑值"},
		{"too long narrative", set(map[string]any{"J3": 1500, "M3": long}), "M3", "超过 500 字"},
		{"formula injection", set(map[string]any{"J3": 1500, "M3": "=cmd|' /C calc'!A0"}), "M3", "公式"},
		{"formula injection plus", set(map[string]any{"J3": 1500, "M3": "+SUM(1)"}), "M3", "公式"},
		{"formula injection minus", set(map[string]any{"J3": 1500, "M3": "-2+3+cmd|' /C calc'!A0"}), "M3", "公式"},
		{"formula injection at", set(map[string]any{"J3": 1500, "M3": "@SUM(A1)"}), "M3", "公式"},
		{"formula injection in value", set(map[string]any{"J3": "=cmd|' /C calc'!A0"}), "J3", "不是数字"},
		{"formula", func(f *excelize.File) error { return f.SetCellFormula(FillSheet, "J3", "1000+600") }, "J3", "公式"},
		{"formula in locked cell", func(f *excelize.File) error { return f.SetCellFormula(FillSheet, "I3", "1200") }, "I3", "公式"},
		{"bad status", set(map[string]any{"J3": 1500, "K3": "很好"}), "K3", "下拉列表"},
		{"bad date", set(map[string]any{"J3": 1500, "L3": "下个月"}), "L3", "不是日期"},
		{"date out of range", set(map[string]any{"J3": 1500, "L3": "1899-01-01"}), "L3", "超出合理范围"},
		{"narrative without value", set(map[string]any{"M4": "进展顺利"}), "J4", "未填写本期累计值"},
		{"completed below 100", set(map[string]any{"J5": 80, "K5": "已完成"}), "K5", "完成比例是 80"},
		{"not started above 0", set(map[string]any{"J7": 10, "K7": "未开展"}), "K7", "未开展"},
		{"prefilled edited", set(map[string]any{"J6": 13}), "J6", "系统已有数据"},
		{"prefilled narrative", set(map[string]any{"M6": "补充"}), "M6", "系统已有数据"},
		{"unknown item", set(map[string]any{"B4": "T99"}), "B4", "不在本单位本期的模板中"},
		{"row without item", set(map[string]any{"J9": 5}), "B9", "没有事项编号"},
		{"duplicated row", func(f *excelize.File) error {
			return f.DuplicateRowTo(FillSheet, 3, 9)
		}, "B9", "重复出现"},
		{"deleted row", func(f *excelize.File) error { return f.RemoveRow(FillSheet, 4) }, "B4", "缺少事项“T2”"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := fill(t, src, c.edit)
			u, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
			if err == nil {
				t.Fatalf("accepted: %+v", u)
			}
			if luoshi.ErrorCode(err) != luoshi.EInvalid {
				t.Errorf("code = %q, want invalid", luoshi.ErrorCode(err))
			}
			if len(u.Rows) != 0 {
				t.Errorf("rejected upload still returned %d rows", len(u.Rows))
			}
			ps := Problems(err)
			for _, p := range ps {
				if p.Cell() == c.cell && strings.Contains(p.Message, c.msg) {
					if p.Sheet != FillSheet {
						t.Errorf("sheet = %q", p.Sheet)
					}
					return
				}
			}
			t.Errorf("no problem at %s containing %q; got %v", c.cell, c.msg, ps)
		})
	}
}

func TestUploadListsEveryProblem(t *testing.T) {
	// One workbook with several errors and some valid rows: every problem
	// listed, nothing returned.
	src := writeSample(t, sampleTemplate())
	b := fill(t, src, set(map[string]any{"J3": "abc", "J4": 6, "J5": 10, "K7": "优秀", "J7": 10}))
	u, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
	var re *RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a rejection", err)
	}
	var cells []string
	for _, p := range re.Problems {
		cells = append(cells, p.Cell())
	}
	if strings.Join(cells, ",") != "J3,J5,K7" {
		t.Errorf("problem cells = %v, want J3,J5,K7", cells)
	}
	if len(u.Rows) != 0 {
		t.Errorf("rows = %v, want none (whole rejection)", u.Rows)
	}
	if !strings.Contains(err.Error(), "3 处问题") {
		t.Errorf("message = %q", err.Error())
	}
}

func TestUploadBinding(t *testing.T) {
	tpl := sampleTemplate()
	src := writeSample(t, tpl)
	other := tpl
	other.Binding.Unit, other.UnitName = "510100", "成都市"
	otherUnit := writeSample(t, other)
	old := tpl
	old.Binding.Period = "2025-02"
	oldPeriod := writeSample(t, old)

	cases := []struct {
		name   string
		b      []byte
		expect Binding
		key    []byte
		msg    string
	}{
		{"other unit", otherUnit, sampleBinding, testKey, "这是“成都市”的填报模板"},
		{"old period", oldPeriod, sampleBinding, testKey, "这是 2025-02 期的模板，当前填报的是 2025-03 期"},
		{"other plan", src, Binding{PlanID: 8, Unit: "510700", Period: "2025-03"}, testKey, "另一份计划"},
		{"new version", src, Binding{PlanID: 7, Unit: "510700", Period: "2025-03", Version: "v4"}, testKey, "模板已过期"},
		{"other key", src, sampleBinding, []byte("another key"), "模板校验失败"},
		{"tampered metadata", fill(t, src, func(f *excelize.File) error {
			v, err := f.GetCellValue(MetaSheet, "A12")
			if err != nil || !strings.Contains(v, `"3000"`) {
				return fmt.Errorf("metadata of T1 = %q, %v", v, err)
			}
			return f.SetCellStr(MetaSheet, "A12", strings.Replace(v, `"3000"`, `"100"`, 1)) // the goal of T1
		}), sampleBinding, testKey, "模板校验失败"},
		{"tampered binding", fill(t, src, func(f *excelize.File) error {
			return f.SetCellStr(MetaSheet, "B3", "510100")
		}), sampleBinding, testKey, "模板校验失败"},
		{"no metadata", fill(t, src, func(f *excelize.File) error { return f.DeleteSheet(MetaSheet) }),
			sampleBinding, testKey, "不是本系统生成的填报模板"},
		{"no fill sheet", fill(t, src, func(f *excelize.File) error { return f.SetSheetName(FillSheet, "Sheet1") }),
			sampleBinding, testKey, "找不到工作表"},
		{"not a workbook", []byte("PK\x03\x04 not really"), sampleBinding, testKey, "不是有效的 .xlsx"},
		{"empty", nil, sampleBinding, testKey, "不是有效的 .xlsx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadUpload(bytes.NewReader(c.b), c.expect, c.key)
			ps := Problems(err)
			if len(ps) != 1 || !strings.Contains(ps[0].Message, c.msg) {
				t.Errorf("problems = %v (err %v), want one containing %q", ps, err, c.msg)
			}
		})
	}
	// Without a version expected, any version of the right binding passes.
	if _, err := ReadUpload(bytes.NewReader(src), Binding{PlanID: 7, Unit: "510700", Period: "2025-03"}, testKey); err != nil {
		t.Errorf("unversioned expectation: %v", err)
	}
	if _, err := ReadUpload(bytes.NewReader(src), sampleBinding, nil); err == nil || Problems(err) != nil {
		t.Errorf("empty key: %v, want a plain error", err)
	}
}

func TestUploadTooLarge(t *testing.T) {
	big := make([]byte, MaxUploadBytes+10)
	_, err := ReadUpload(bytes.NewReader(big), sampleBinding, testKey)
	if ps := Problems(err); len(ps) != 1 || !strings.Contains(ps[0].Message, "超过") {
		t.Errorf("problems = %v", ps)
	}
}

func TestUploadHugeCells(t *testing.T) {
	// A 32,767-character value (Excel's cell limit) and narrative are
	// refused with a short message, not echoed back.
	src := writeSample(t, sampleTemplate())
	huge := strings.Repeat("9", 32767)
	b := fill(t, src, set(map[string]any{"J3": huge, "J4": 1, "M4": strings.Repeat("字", 32767)}))
	_, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
	ps := Problems(err)
	if len(ps) != 2 {
		t.Fatalf("problems = %v", ps)
	}
	for _, p := range ps {
		if len(p.Message) > 200 {
			t.Errorf("message of %d bytes for %s", len(p.Message), p.Cell())
		}
	}
}

func TestMarkErrors(t *testing.T) {
	src := writeSample(t, sampleTemplate())
	cells := goodFill()
	cells["J3"] = "一千五"
	cells["K5"] = "优秀"
	bad := fill(t, src, set(cells))
	_, err := ReadUpload(bytes.NewReader(bad), sampleBinding, testKey)
	ps := Problems(err)
	if len(ps) != 2 {
		t.Fatalf("problems = %v", ps)
	}
	marked, err := MarkErrors(bad, append(ps, Problem{Message: "整体问题示例"}))
	if err != nil {
		t.Fatalf("MarkErrors: %v", err)
	}
	f := open(t, marked)
	comments, err := f.GetComments(FillSheet)
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]string{}
	for _, c := range comments {
		text := c.Text
		for _, r := range c.Paragraph {
			text += r.Text
		}
		byCell[c.Cell] = text
	}
	for _, p := range ps {
		if !strings.Contains(byCell[p.Cell()], p.Message) {
			t.Errorf("comment on %s = %q, want %q", p.Cell(), byCell[p.Cell()], p.Message)
		}
		id, _ := f.GetCellStyle(FillSheet, p.Cell())
		st, _ := f.GetStyle(id)
		if len(st.Fill.Color) == 0 || !strings.EqualFold(strings.TrimPrefix(st.Fill.Color[0], "#"), strings.TrimPrefix(ErrorFill, "#")) {
			t.Errorf("%s fill = %+v, want %s", p.Cell(), st.Fill, ErrorFill)
		}
		if locked(t, f, FillSheet, p.Cell()) {
			t.Errorf("marked fill-in cell %s became locked", p.Cell())
		}
	}
	if len(byCell) != 2 {
		t.Errorf("comments on %v, want only the two bad cells", byCell)
	}
	// Good cells are untouched.
	id, _ := f.GetCellStyle(FillSheet, "J4")
	if st, _ := f.GetStyle(id); len(st.Fill.Color) > 0 && strings.Contains(strings.ToUpper(st.Fill.Color[0]), "FF8080") {
		t.Error("J4 marked")
	}
	list, _ := f.GetRows(ErrorSheet)
	if len(list) != 5 || list[2][1] != "J3" || list[4][2] != "整体问题示例" {
		t.Errorf("error sheet = %v", list)
	}

	// The unit fixes the marked cells in the marked copy and uploads it:
	// everything else it typed is still there.
	fixed := fill(t, marked, set(map[string]any{"J3": 1500, "K5": "滞后"}))
	u, err := ReadUpload(bytes.NewReader(fixed), sampleBinding, testKey)
	if err != nil {
		t.Fatalf("fixed upload: %v", err)
	}
	if len(u.Rows) != 4 || u.Rows[2].Narrative != "项目审批推迟。" {
		t.Errorf("rows = %+v", u.Rows)
	}

	// Marking a marked copy again replaces the comments and the list.
	again, err := MarkErrors(marked, ps[:1])
	if err != nil {
		t.Fatalf("MarkErrors again: %v", err)
	}
	f2 := open(t, again)
	cs, _ := f2.GetComments(FillSheet)
	n := 0
	for _, c := range cs {
		if c.Cell == "J3" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("J3 has %d comments after marking twice", n)
	}
	if rows, _ := f2.GetRows(ErrorSheet); len(rows) != 3 {
		t.Errorf("error sheet after second marking = %v", rows)
	}

	if _, err := MarkErrors([]byte("not a workbook"), ps); err == nil {
		t.Error("MarkErrors accepted garbage")
	}
}

func FuzzReadUpload(f *testing.F) {
	src := writeSample(f, sampleTemplate())
	f.Add(src)
	f.Add(fill(f, src, set(goodFill())))
	f.Add(fill(f, src, set(map[string]any{"J3": "=1+1", "M3": strings.Repeat("x", 600), "B4": ""})))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
		noPanic(t, err)
		if err == nil {
			// Accepted: every row is of the expected binding and valid.
			for _, r := range u.Rows {
				if r.Value.Sign() < 0 {
					t.Fatalf("accepted a negative value %s", r.Value)
				}
			}
			return
		}
		ps := Problems(err)
		if len(ps) == 0 {
			t.Fatalf("error without problems: %v", err)
		}
		if len(ps) > MaxProblems+1 {
			t.Fatalf("%d problems", len(ps))
		}
		if len(b) < 1<<16 {
			_, _ = MarkErrors(b, ps) // must not panic either
		}
	})
}

// benchTemplate returns a template of n rows, a mix of targets and
// commitments.
func benchTemplate(n int) Template {
	tpl := sampleTemplate()
	tpl.Rows = nil
	for i := 0; i < n; i++ {
		r := TemplateRow{Item: fmt.Sprintf("I%03d", i), Section: "（三）推进新型城镇化",
			Commitment: "实施城市更新行动，改造城镇老旧小区，推进地下管网建设，加快城中村改造。", Measure: "%", Cumulative: true}
		if i%3 != 2 {
			r.Kind, r.Target, r.Measure = KindTarget, "城镇老旧小区改造 3000个", "个"
			r.Goal, r.Previous = dec("3000"), dec(fmt.Sprint(i))
		} else {
			r.Kind = KindCommitment
		}
		tpl.Rows = append(tpl.Rows, r)
	}
	return tpl
}

func filledBench(b testing.TB, n int) []byte {
	src := writeSample(b, benchTemplate(n))
	cells := map[string]any{}
	for i := 0; i < n; i++ {
		row := fillFirstRow + i
		if i%3 != 2 {
			cells[fmt.Sprintf("J%d", row)] = 50 + i
		} else {
			cells[fmt.Sprintf("J%d", row)] = 50
		}
		cells[fmt.Sprintf("K%d", row)] = "正常推进"
		cells[fmt.Sprintf("M%d", row)] = "按计划推进，本月完成主体工程。"
	}
	return fill(b, src, set(cells))
}

// cpuTime returns the CPU time the process has used, which, unlike wall
// time, a busy shared machine does not inflate.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReadUpload150 reads a filled-in template of 150 rows. Besides
// ns/op it reports cpu-ms/op (CPU time, GC included) and uploads/s/core,
// 1000 / cpu-ms/op: how many uploads one core validates a second.
func BenchmarkReadUpload150(b *testing.B) {
	data := filledBench(b, 150)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		u, err := ReadUpload(bytes.NewReader(data), sampleBinding, testKey)
		if err != nil || len(u.Rows) != 150 {
			b.Fatalf("rows %d, err %v", len(u.Rows), err)
		}
	}
	perOp := float64(cpuTime(b)-start) / float64(b.N) / 1e6
	b.ReportMetric(perOp, "cpu-ms/op")
	b.ReportMetric(1000/perOp, "uploads/s/core")
}

func BenchmarkWriteTemplate150(b *testing.B) {
	tpl := benchTemplate(150)
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteTemplate(&buf, tpl, testKey); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHasSpecialCell(t *testing.T) {
	cases := map[string]bool{
		`<c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c>`: false,
		`<c r="A1" t="inlineStr"><is><t>f</t></is></c>`:      false,
		`<row><c r="A1"><f>1+1</f><v>2</v></c></row>`:        true,
		`<x:c r="A1"><x:f>SUM(B1)</x:f></x:c>`:               true,
		`<c r="A1"><f t="shared" si="0"/></c>`:               true,
		`<c r="A1" t="b"><v>1</v></c>`:                       true,
		`<c r='A1' t='e'><v>#DIV/0!</v></c>`:                 true,
		`<c r="A1" t="str"><v>x</v></c>`:                     true,
		`<font><b/></font><fill/>`:                           false,
		`<`:                                                  false,
	}
	for x, want := range cases {
		if got := hasSpecialCell([]byte(x)); got != want {
			t.Errorf("hasSpecialCell(%s) = %v", x, got)
		}
	}
}

func TestReadPaths(t *testing.T) {
	// A workbook with a formula anywhere is read cell by cell (formulas
	// and types looked up); one without is read from the values alone.
	// Both give the same result.
	src := writeSample(t, sampleTemplate())
	plain := fill(t, src, set(goodFill()))
	special := fill(t, plain, func(f *excelize.File) error {
		return f.SetCellFormula(GuideSheet, "B1", "1+1")
	})
	if !plainWorksheets(open(t, plain)) {
		t.Error("plain workbook not recognised as plain")
	}
	if plainWorksheets(open(t, special)) {
		t.Error("workbook with a formula recognised as plain")
	}
	var got []string
	for _, b := range [][]byte{plain, special} {
		u, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
		if err != nil {
			t.Fatalf("ReadUpload: %v", err)
		}
		got = append(got, fmt.Sprintf("%+v", u.Rows))
	}
	if got[0] != got[1] {
		t.Errorf("plain read %s\nspecial read %s", got[0], got[1])
	}
	// Text that looks like a number but is typed as text in a sheet read
	// cell by cell keeps every digit.
	b := fill(t, special, set(map[string]any{"J3": "12345678901234567890"}))
	u, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if u.Rows[0].Value.String() != "12345678901234567890" {
		t.Errorf("value = %s", u.Rows[0].Value)
	}
}

// BenchmarkReadUpload150Parallel reads the same workbook on every core at
// once: ns/op is the wall time per upload across the machine.
func BenchmarkReadUpload150Parallel(b *testing.B) {
	data := filledBench(b, 150)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u, err := ReadUpload(bytes.NewReader(data), sampleBinding, testKey)
			if err != nil || len(u.Rows) != 150 {
				b.Errorf("rows %d, err %v", len(u.Rows), err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "uploads/s")
}
