package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"luoshi/decimal"
)

var testKey = []byte("test-signing-key")

func dec(s string) *decimal.Decimal {
	d := decimal.MustParse(s)
	return &d
}

// sampleTemplate returns a template of five rows: a cumulative target with
// a previous value, a rate target, a commitment with a previous share, a
// target the system already has, and a commitment without history.
func sampleTemplate() Template {
	return Template{
		Binding:   Binding{PlanID: 7, Unit: "510700", Period: "2025-03", Version: "v3"},
		PlanTitle: "2025年四川省政府工作报告",
		UnitName:  "绵阳市",
		Due:       time.Date(2025, 4, 5, 0, 0, 0, 0, time.UTC),
		Rows: []TemplateRow{
			{Item: "T1", Kind: KindTarget, Section: "（六）保障和改善民生", Commitment: "改造城镇老旧小区3000个。",
				Target: "城镇老旧小区改造 3000个", Measure: "个", Goal: dec("3000"), Previous: dec("1200"), Cumulative: true},
			{Item: "T2", Kind: KindTarget, Section: "主要预期目标", Commitment: "地区生产总值增长6%左右。",
				Target: "地区生产总值增长 6%左右", Measure: "%", Goal: dec("6")},
			{Item: "C1", Kind: KindCommitment, Section: "（一）产业", Commitment: "=加快推动重点产业建圈强链。",
				Measure: "%", Previous: dec("30"), Cumulative: true},
			{Item: "T3", Kind: KindTarget, Section: "（六）保障和改善民生", Commitment: "新增城镇就业50万人。",
				Target: "新增城镇就业 50万人", Measure: "万人", Goal: dec("50"), Previous: dec("8.5"), Cumulative: true,
				Prefill: &Prefill{Value: decimal.MustParse("12.25"), Source: SourceText("省人力资源社会保障厅", time.Date(2025, 4, 3, 0, 0, 0, 0, time.UTC))}},
			{Item: "C2", Kind: KindCommitment, Section: "（二）改革", Commitment: "深化国资国企改革。", Measure: "%", Cumulative: true},
		},
	}
}

func writeSample(t testing.TB, tpl Template) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, tpl, testKey); err != nil {
		t.Fatalf("WriteTemplate: %v", err)
	}
	return buf.Bytes()
}

func open(t testing.TB, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// zipPart returns one part of an .xlsx package.
func zipPart(t *testing.T, b []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == name {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			data, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
	}
	t.Fatalf("no part %s", name)
	return ""
}

func locked(t *testing.T, f *excelize.File, sheet, cell string) bool {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Protection == nil || st.Protection.Locked
}

func TestWriteTemplateLayout(t *testing.T) {
	tpl := sampleTemplate()
	b := writeSample(t, tpl)
	f := open(t, b)

	if got, want := strings.Join(f.GetSheetList(), ","), FillSheet+","+GuideSheet+","+MetaSheet; got != want {
		t.Errorf("sheets = %s, want %s", got, want)
	}
	if v, err := f.GetSheetVisible(MetaSheet); err != nil || v {
		t.Errorf("metadata sheet visible = %v (%v), want hidden", v, err)
	}
	if wb := zipPart(t, b, "xl/workbook.xml"); !strings.Contains(wb, `state="veryHidden"`) || !strings.Contains(wb, `lockStructure="true"`) && !strings.Contains(wb, `lockStructure="1"`) {
		t.Errorf("workbook.xml lacks a very hidden sheet or structure protection: %s", wb)
	}
	for _, part := range []string{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"} {
		if !strings.Contains(zipPart(t, b, part), "<sheetProtection") {
			t.Errorf("%s is not protected", part)
		}
	}

	// Header, frozen below it.
	if v, _ := f.GetCellValue(FillSheet, "J2"); v != "本期累计值（填）" {
		t.Errorf("J2 = %q", v)
	}
	panes, err := f.GetPanes(FillSheet)
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("panes = %+v, %v; want frozen below row 2", panes, err)
	}
	// Values: numbers where they are numbers, text kept as text.
	if v, _ := f.GetCellValue(FillSheet, "H3", excelize.Options{RawCellValue: true}); v != "3000" {
		t.Errorf("goal H3 = %q", v)
	}
	if typ, _ := f.GetCellType(FillSheet, "H3"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("goal H3 is text, want a number")
	}
	if fm, _ := f.GetCellFormula(FillSheet, "E5"); fm != "" {
		t.Errorf("E5 starting with = became a formula %q", fm)
	}
	if v, _ := f.GetCellValue(FillSheet, "E5"); v != "=加快推动重点产业建圈强链。" {
		t.Errorf("E5 = %q", v)
	}
	// Fill-in cells unlocked, the rest locked; the pre-filled row locked with its source.
	for _, c := range []string{"J3", "K3", "L3", "M3", "J5", "M7"} {
		if locked(t, f, FillSheet, c) {
			t.Errorf("fill-in cell %s is locked", c)
		}
	}
	for _, c := range []string{"A3", "B3", "E3", "H3", "I3", "N3", "J6", "K6", "M6"} {
		if !locked(t, f, FillSheet, c) {
			t.Errorf("cell %s is unlocked", c)
		}
	}
	if v, _ := f.GetCellValue(FillSheet, "J6", excelize.Options{RawCellValue: true}); v != "12.25" {
		t.Errorf("pre-filled J6 = %q", v)
	}
	if v, _ := f.GetCellValue(FillSheet, "N6"); v != "已由省人力资源社会保障厅于2025年4月3日报送" {
		t.Errorf("source N6 = %q", v)
	}
	id, _ := f.GetCellStyle(FillSheet, "J6")
	if st, _ := f.GetStyle(id); len(st.Fill.Color) == 0 || st.Fill.Color[0] != "E7E6E6" && st.Fill.Color[0] != "#E7E6E6" {
		t.Errorf("pre-filled J6 fill = %+v, want grey", st.Fill)
	}

	// Data validation.
	dvs, err := f.GetDataValidations(FillSheet)
	if err != nil {
		t.Fatal(err)
	}
	bySqref := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		bySqref[dv.Sqref] = dv
	}
	checks := []struct{ sqref, typ, has string }{
		{"J3 J4", "decimal", "0"},
		{"J5 J7", "decimal", "100"},
		{"K3 K4 K5 K7", "list", "正常推进"},
		{"L3 L4 L5 L7", "date", ""},
		{"M3 M4 M5 M7", "textLength", fmt.Sprint(NarrativeMax)},
	}
	for _, c := range checks {
		dv := bySqref[c.sqref]
		if dv == nil {
			t.Errorf("no data validation on %s; have %v", c.sqref, keys(bySqref))
			continue
		}
		if dv.Type != c.typ || !strings.Contains(dv.Formula1+","+dv.Formula2, c.has) {
			t.Errorf("validation on %s = %s %q %q, want %s with %s", c.sqref, dv.Type, dv.Formula1, dv.Formula2, c.typ, c.has)
		}
		if !dv.ShowErrorMessage || dv.Error == nil || *dv.Error == "" {
			t.Errorf("validation on %s shows no error message", c.sqref)
		}
	}

	// Instructions in Chinese.
	guide, _ := f.GetCellValue(GuideSheet, "A2")
	if !strings.Contains(guide, "绵阳市") || !strings.Contains(guide, "2025年4月5日") {
		t.Errorf("guide A2 = %q", guide)
	}
}

func keys(m map[string]*excelize.DataValidation) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestWriteTemplateRefuses(t *testing.T) {
	good := sampleTemplate()
	cases := map[string]func(*Template, *[]byte){
		"no key":     func(_ *Template, k *[]byte) { *k = nil },
		"no unit":    func(t *Template, _ *[]byte) { t.Binding.Unit = "" },
		"no period":  func(t *Template, _ *[]byte) { t.Binding.Period = "" },
		"duplicate":  func(t *Template, _ *[]byte) { t.Rows = append(t.Rows, t.Rows[0]) },
		"bad kind":   func(t *Template, _ *[]byte) { t.Rows[1].Kind = "x" },
		"empty item": func(t *Template, _ *[]byte) { t.Rows[2].Item = "" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			tpl := good
			tpl.Rows = append([]TemplateRow(nil), good.Rows...)
			key := testKey
			mutate(&tpl, &key)
			if err := WriteTemplate(io.Discard, tpl, key); err == nil {
				t.Error("WriteTemplate accepted it")
			}
		})
	}
}

func TestExcelNumber(t *testing.T) {
	cases := map[string]string{
		"3000": "3000", "2.2999999999999998": "2.3", "0.30000000000000004": "0.3",
		"1.4E+12": "1400000000000", "1E-3": "0.001", "-5": "-5", "0": "0", "12.25": "12.25",
	}
	for raw, want := range cases {
		got, ok := excelNumber(raw)
		if !ok || got.String() != want {
			t.Errorf("excelNumber(%q) = %s, %v; want %s", raw, got, ok, want)
		}
	}
	for _, raw := range []string{"", "abc", "NaN", "1e400", "Inf"} {
		if _, ok := excelNumber(raw); ok {
			t.Errorf("excelNumber(%q) accepted", raw)
		}
	}
	if _, ok := exactFloat(decimal.MustParse("12345678901234567890.5")); ok {
		t.Error("exactFloat accepted a value with more digits than a float keeps")
	}
}

// TestExcelNumberNormal checks that excelNumber's trimming of trailing
// zeros gives exactly what decimal.New gives for the untrimmed
// coefficient.
func TestExcelNumberNormal(t *testing.T) {
	for _, raw := range []string{"1500", "5.8", "0.1", "100", "1e20", "1.5e-7", "123456789012345", "-2500", "0.30000000000000004", "99.99", "7"} {
		got, ok := excelNumber(raw)
		if !ok {
			t.Fatalf("excelNumber(%q) refused", raw)
		}
		v, _ := strconv.ParseFloat(raw, 64)
		s := strconv.FormatFloat(v, 'e', 14, 64)
		mant, exp, _ := strings.Cut(s, "e")
		e, _ := strconv.Atoi(exp)
		coef, _ := strconv.ParseInt(strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1), 10, 64)
		if v < 0 {
			coef = -coef
		}
		want := decimal.New(coef, 14-e)
		if got.String() != want.String() || !reflect.DeepEqual(got, want) {
			t.Errorf("excelNumber(%q) = %s, want %s", raw, got, want)
		}
	}
}
