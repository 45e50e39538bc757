package xlsx

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/decimal"
)

const mianyang = "510700"

func buildInput(t *testing.T) *luoshi.StatusInput {
	t.Helper()
	ps, err := luoshi.Calendar(2025, luoshi.Monthly, 5, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	p := &luoshi.Plan{
		ID: 7, Title: "2025年四川省政府工作报告", Year: 2025,
		Sections: []luoshi.Section{{ID: "6.1", Title: "（一）保障和改善民生"}},
		Commitments: []luoshi.Commitment{
			{ID: "C1", Section: "6.1", Text: "改造城镇老旧小区3000个，地区生产总值增长6%左右。", Targets: []int{0, 1}},
			{ID: "C2", Section: "6.1", Text: "深化国资国企改革。"},
			{ID: "C3", Section: "6.1", Text: "新增城镇就业50万人。", Targets: []int{2}},
			{ID: "C4", Section: "6.1", Text: "别人的任务。"},
		},
		Targets: []luoshi.Target{
			{ID: "T1", Commitment: "C1", Value: decimal.Int(3000), Unit: "个", Comparator: luoshi.CmpAtLeast, Object: "城镇老旧小区改造", Text: "3000个"},
			{ID: "T2", Commitment: "C1", Value: decimal.Int(6), Unit: "%", Comparator: luoshi.CmpAbout, Object: "地区生产总值增长", Text: "6%左右"},
			{ID: "T3", Commitment: "C3", Value: decimal.Int(50), Unit: "万人", Comparator: luoshi.CmpAtLeast, Object: "新增城镇就业", Text: "50万人"},
		},
	}
	at := time.Date(2025, 4, 2, 10, 0, 0, 0, time.UTC)
	return &luoshi.StatusInput{
		Plan:    p,
		Periods: ps,
		Assignments: []luoshi.Assignment{
			{PlanID: 7, Commitment: "C1", Lead: mianyang},
			{PlanID: 7, Commitment: "C2", Lead: mianyang},
			{PlanID: 7, Commitment: "C3", Lead: "D:省人力资源社会保障厅", Co: []string{mianyang}},
			{PlanID: 7, Commitment: "C4", Lead: "510100"},
		},
		Quotas: map[string][]luoshi.Quota{"T3": {{Unit: mianyang, Value: decimal.Int(5)}, {Unit: "510100", Value: decimal.Int(45)}}},
		Progress: []luoshi.Progress{
			{PlanID: 7, Item: "T1", Unit: mianyang, Period: "2025-02", Value: decimal.Int(1200), State: luoshi.StateApproved},
			{PlanID: 7, Item: "T1", Unit: mianyang, Period: "2025-03", Value: decimal.Int(1500), Narrative: "草稿", State: luoshi.StateDraft},
			{PlanID: 7, Item: "C2", Unit: mianyang, Period: "2025-03", Value: decimal.Int(40), State: luoshi.StateSubmitted, UpdatedBy: "zhang", UpdatedAt: at},
			{PlanID: 7, Item: "T3", Unit: mianyang, Period: "2025-02", Value: decimal.Int(3), State: luoshi.StateReturned},
			{PlanID: 7, Item: "T3", Unit: "510100", Period: "2025-02", Value: decimal.Int(20), State: luoshi.StateApproved},
		},
	}
}

func describe(rows []TemplateRow) string {
	var s []string
	for _, r := range rows {
		d := func(x *decimal.Decimal) string {
			if x == nil {
				return "-"
			}
			return x.String()
		}
		line := fmt.Sprintf("%s %s %s goal=%s prev=%s cum=%v", r.Item, r.Kind, r.Measure, d(r.Goal), d(r.Previous), r.Cumulative)
		if r.Prefill != nil {
			line += " prefill=" + r.Prefill.Value.String() + " " + r.Prefill.Source
		}
		if r.Draft != nil {
			line += " draft=" + r.Draft.Value.String() + " " + r.Draft.Narrative
		}
		s = append(s, line)
	}
	return strings.Join(s, "\n")
}

func TestBuildTemplate(t *testing.T) {
	in := buildInput(t)
	unit := luoshi.Unit{Code: mianyang, Name: "绵阳市", Kind: luoshi.UnitCity}
	tpl, err := BuildTemplate(in, unit, "2025-03", map[string]string{"zhang": "张三"})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"T1 target 个 goal=3000 prev=1200 cum=true draft=1500 草稿",
		"T2 target % goal=6 prev=- cum=false",
		"C2 commitment % goal=- prev=- cum=true prefill=40 已由张三于2025年4月2日报送",
		"T3 target 万人 goal=5 prev=- cum=true",
	}, "\n")
	if got := describe(tpl.Rows); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if tpl.Binding.PlanID != 7 || tpl.Binding.Unit != mianyang || tpl.Binding.Period != "2025-03" || len(tpl.Binding.Version) != 16 {
		t.Errorf("binding = %+v", tpl.Binding)
	}
	if tpl.UnitName != "绵阳市" || tpl.Due.Format("2006-01-02") != "2025-04-05" || tpl.Rows[0].Target != "城镇老旧小区改造 3000个" || tpl.Rows[0].Section != "（一）保障和改善民生" {
		t.Errorf("template = %+v", tpl)
	}
	if tpl.Binding.Version != tpl.ContentVersion() {
		t.Error("version is not the content version")
	}

	// Round trip: the draft is in its fill-in cell, unlocked; the unit
	// fills in two more rows and uploads.
	src := writeSample(t, tpl)
	f := open(t, src)
	if v, _ := f.GetCellValue(FillSheet, "J3"); v != "1,500" && v != "1500" {
		t.Errorf("draft J3 = %q", v)
	}
	if locked(t, f, FillSheet, "J3") || !locked(t, f, FillSheet, "J5") {
		t.Error("draft row locked or pre-filled row unlocked")
	}
	filled := fill(t, src, set(map[string]any{"J4": 5.9, "J6": 2, "K6": "滞后"}))
	again, err := BuildTemplate(in, unit, "2025-03", map[string]string{"zhang": "张三"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := ReadUpload(bytes.NewReader(filled), again.Binding, testKey)
	if err != nil {
		t.Fatalf("ReadUpload: %v", err)
	}
	var got []string
	for _, in := range u.Inputs("李四", true) {
		got = append(got, in.Item+"="+in.Value.String()+in.ValueUnit+" "+in.Narrative)
	}
	if strings.Join(got, "; ") != "T1=1500个 草稿; T2=5.9% ; T3=2万人 " {
		t.Errorf("inputs = %v", got)
	}

	// Once T1 is submitted through the web form, the old workbook is stale.
	in.Progress[1].State = luoshi.StateSubmitted
	changed, err := BuildTemplate(in, unit, "2025-03", nil)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Binding.Version == tpl.Binding.Version {
		t.Fatal("version did not change with the content")
	}
	if changed.Rows[0].Prefill == nil || changed.Rows[0].Prefill.Source != "已由绵阳市报送" {
		t.Errorf("prefill = %+v", changed.Rows[0].Prefill)
	}
	_, err = ReadUpload(bytes.NewReader(filled), changed.Binding, testKey)
	if ps := Problems(err); len(ps) != 1 || !strings.Contains(ps[0].Message, "模板已过期") {
		t.Errorf("stale upload: %v", err)
	}

	// A unit with nothing assigned gets an empty template; an unknown
	// period is not found.
	other, err := BuildTemplate(in, luoshi.Unit{Code: "511000", Name: "内江市"}, "2025-03", nil)
	if err != nil || len(other.Rows) != 0 {
		t.Errorf("unassigned unit: %d rows, %v", len(other.Rows), err)
	}
	if _, err := BuildTemplate(in, unit, "2024-13", nil); luoshi.ErrorCode(err) != luoshi.ENotFound {
		t.Errorf("unknown period: %v", err)
	}
	if _, err := BuildTemplate(nil, unit, "2025-03", nil); luoshi.ErrorCode(err) != luoshi.EInvalid {
		t.Errorf("no input: %v", err)
	}
}
