package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"luoshi"
	"luoshi/decimal"
	"luoshi/xlsx"
)

const sheet = xlsx.SheetName

// samplePlan is a few commitments of the 2025 Sichuan report as the
// extractor and the unit suggester would return them.
func samplePlan() *luoshi.Plan {
	return &luoshi.Plan{
		Title: "2025年四川省政府工作报告",
		Year:  2025,
		Sections: []luoshi.Section{
			{ID: "4", Level: 1, Number: "四", Title: "2025年重点工作", Kind: luoshi.KindPlan},
			{ID: "4.2", Level: 2, Number: "（二）", Title: "以科技创新引领新质生产力发展，建设现代化产业体系", Kind: luoshi.KindPlan},
			{ID: "4.4", Level: 2, Number: "（四）", Title: "统筹新型城镇化和乡村全面振兴，推进城乡融合发展", Kind: luoshi.KindPlan},
		},
		Commitments: []luoshi.Commitment{
			{
				ID:           "c1",
				Section:      "4.4",
				SectionTitle: "统筹新型城镇化和乡村全面振兴，推进城乡融合发展",
				Lead:         "推进以人为本的新型城镇化。",
				Text:         "开展城市更新和安全韧性提升行动，加力实施城市“里子”工程，改造老旧小区4000个以上、城市危旧房3万套、城中村10万户，更新改造燃气、供排水等老化管道6000公里以上。",
				Targets:      []int{0, 1, 2, 3},
				SuggestedUnits: []luoshi.Suggestion{
					{Unit: "省发展改革委", Score: 0.31, Matched: []string{"城镇化"}},
					{Unit: "省住房城乡建设厅", Score: 0.82, Matched: []string{"城市更新", "老旧小区", "城中村"}},
					{Unit: "省财政厅", Score: 0.2},
					{Unit: "省自然资源厅", Score: 0.1},
				},
			},
			{
				ID:      "c2",
				Section: "4.2",
				// SectionTitle left empty: taken from the section.
				Lead:           "加快推动重点产业建圈强链。",
				Text:           "持续实施六大优势产业提质倍增行动，力争2027年建成6个万亿级产业。",
				Targets:        []int{4},
				SuggestedUnits: []luoshi.Suggestion{{Unit: "省经济和信息化厅", Score: 0.7}},
			},
			{
				ID:           "c3",
				Section:      "4.2",
				SectionTitle: "以科技创新引领新质生产力发展，建设现代化产业体系",
				Text:         "深化成都服务业扩大开放综合试点，力争电信、医疗、教育等领域国家试点政策率先落地。",
			},
		},
		Targets: []luoshi.Target{
			{Commitment: "c1", Value: decimal.Int(4000), Unit: "个", Comparator: luoshi.CmpAtLeast, Object: "老旧小区", Text: "4000个以上"},
			{Commitment: "c1", Value: decimal.Int(30000), Unit: "套", Comparator: luoshi.CmpEqual, Object: "城市危旧房", Text: "3万套"},
			{Commitment: "c1", Value: decimal.Int(100000), Unit: "户", Comparator: luoshi.CmpEqual, Object: "城中村", Text: "10万户"},
			{Commitment: "c1", Value: decimal.Int(6000), Unit: "公里", Comparator: luoshi.CmpAtLeast, Object: "老化管道", Text: "6000公里以上"},
			{Commitment: "c2", Value: decimal.Int(6), Unit: "个", Comparator: luoshi.CmpEqual, Strive: true, Deadline: 2027, Object: "万亿级产业", Text: "6个"},
		},
	}
}

// write writes p's task table and opens it again.
func write(t *testing.T, p *luoshi.Plan) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := xlsx.WriteTaskTable(&buf, p); err != nil {
		t.Fatalf("WriteTaskTable: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("open the written workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

func TestWriteTaskTable(t *testing.T) {
	f, _ := write(t, samplePlan())

	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets = %q, want [%q]", got, sheet)
	}
	want := [][]string{
		{"2025年四川省政府工作报告重点任务分解表"},
		{"序号", "章节", "标题句", "工作任务", "量化目标", "建议牵头单位", "责任单位", "完成时限"},
		{
			"1",
			"统筹新型城镇化和乡村全面振兴，推进城乡融合发展",
			"推进以人为本的新型城镇化。",
			"开展城市更新和安全韧性提升行动，加力实施城市“里子”工程，改造老旧小区4000个以上、城市危旧房3万套、城中村10万户，更新改造燃气、供排水等老化管道6000公里以上。",
			"老旧小区 4000个以上\n城市危旧房 3万套\n城中村 10万户\n老化管道 6000公里以上",
			"省住房城乡建设厅",
			"",
			"2025年12月底",
		},
		{
			"2",
			"以科技创新引领新质生产力发展，建设现代化产业体系",
			"加快推动重点产业建圈强链。",
			"持续实施六大优势产业提质倍增行动，力争2027年建成6个万亿级产业。",
			"万亿级产业 力争6个（2027年）",
			"省经济和信息化厅",
			"",
			"2027年",
		},
		{
			"3",
			"以科技创新引领新质生产力发展，建设现代化产业体系",
			"",
			"深化成都服务业扩大开放综合试点，力争电信、医疗、教育等领域国家试点政策率先落地。",
			"", "", "", "2025年12月底",
		},
	}
	for r, row := range want {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			got, err := f.GetCellValue(sheet, cell)
			if err != nil {
				t.Fatal(err)
			}
			if got != v {
				t.Errorf("%s = %q, want %q", cell, got, v)
			}
		}
	}
	if rows, _ := f.GetRows(sheet); len(rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rows), len(want))
	}

	// The title spans the table.
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged) != 1 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "H1" {
		t.Errorf("merged cells = %v, want A1:H1", merged)
	}

	// The runners-up of the unit suggestion are in a comment, best first.
	comments, err := f.GetComments(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != 1 || comments[0].Cell != "F3" || !strings.Contains(comments[0].Text, "省发展改革委、省财政厅") || strings.Contains(comments[0].Text, "省自然资源厅") {
		t.Errorf("comments = %+v, want one on F3 naming 省发展改革委、省财政厅", comments)
	}

	// Frozen below the header.
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 2 || panes.XSplit != 0 || panes.TopLeftCell != "A3" {
		t.Errorf("panes = %+v, want frozen with 2 rows above A3", panes)
	}

	// Styles: a bold, filled, bordered header; wrapped, bordered body text.
	header := style(t, f, "D2")
	if header.Font == nil || !header.Font.Bold || header.Fill.Pattern != 1 || len(header.Fill.Color) == 0 || len(header.Border) != 4 {
		t.Errorf("header style = %+v, want bold, filled and bordered", header)
	}
	for _, cell := range []string{"B3", "D3", "E3", "F3", "G3", "D5"} {
		s := style(t, f, cell)
		if s.Alignment == nil || !s.Alignment.WrapText {
			t.Errorf("%s does not wrap text", cell)
		}
		if len(s.Border) != 4 {
			t.Errorf("%s has borders %v, want all four", cell, s.Border)
		}
	}
	if w, err := f.GetColWidth(sheet, "D"); err != nil || w < 40 {
		t.Errorf("width of 工作任务 = %v (%v), want a wide column", w, err)
	}
	if w, err := f.GetColWidth(sheet, "A"); err != nil || w > 10 {
		t.Errorf("width of 序号 = %v (%v), want a narrow column", w, err)
	}

	// Rows are tall enough for their wrapped text: four lines of targets
	// in row 3, two lines of 章节 in row 4.
	h3, err := f.GetRowHeight(sheet, 3)
	if err != nil {
		t.Fatal(err)
	}
	h4, _ := f.GetRowHeight(sheet, 4)
	if h3 < 4*14 || h4 < 2*14 || h4 >= h3 {
		t.Errorf("row heights %v and %v, want at least 4 and 2 lines", h3, h4)
	}

	// Printing: landscape A4, one page wide, header row on every page.
	layout, err := f.GetPageLayout(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 ||
		layout.FitToWidth == nil || *layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != 0 {
		t.Errorf("page layout = %s", describe(layout))
	}
	props, err := f.GetSheetProps(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if props.FitToPage == nil || !*props.FitToPage {
		t.Error("fit to page is off")
	}
	titles := false
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" && d.Scope == sheet && strings.HasSuffix(d.RefersTo, "!$2:$2") {
			titles = true
		}
	}
	if !titles {
		t.Errorf("no print titles for row 2 in %+v", f.GetDefinedName())
	}
}

func TestWriteTaskTableDeadline(t *testing.T) {
	// Without a year or any target deadline, 完成时限 stays empty.
	p := samplePlan()
	p.Year = 0
	f, _ := write(t, p)
	for cell, want := range map[string]string{"H3": "", "H4": "2027年", "H5": ""} {
		if got, _ := f.GetCellValue(sheet, cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
}

func TestWriteTaskTableNoFormulas(t *testing.T) {
	p := &luoshi.Plan{
		Title: "=HYPERLINK(\"http://example.com\",\"报告\")",
		Commitments: []luoshi.Commitment{{
			ID:             "c1",
			SectionTitle:   "-2+3",
			Lead:           "+cmd|' /C calc'!A0",
			Text:           "=1+1",
			Targets:        []int{0},
			SuggestedUnits: []luoshi.Suggestion{{Unit: "@SUM(A1:A2)", Score: 1}},
		}},
		Targets: []luoshi.Target{{Commitment: "c1", Value: decimal.Int(1), Text: "=2*3"}},
	}
	f, data := write(t, p)
	want := map[string]string{
		"A1": p.Title + "重点任务分解表",
		"B3": "-2+3",
		"C3": "+cmd|' /C calc'!A0",
		"D3": "=1+1",
		"E3": "=2*3",
		"F3": "@SUM(A1:A2)",
	}
	for cell, v := range want {
		if got, _ := f.GetCellValue(sheet, cell); got != v {
			t.Errorf("%s = %q, want %q", cell, got, v)
		}
		if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
			t.Errorf("%s has formula %q", cell, formula)
		}
		if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeSharedString {
			t.Errorf("%s has type %v, want a string", cell, typ)
		}
	}
	// No formula element anywhere in the sheet.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		found = true
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		xml, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(xml, []byte("<f>")) || bytes.Contains(xml, []byte("<f ")) {
			t.Errorf("%s holds a formula", zf.Name)
		}
	}
	if !found {
		t.Error("no worksheet in the workbook")
	}
}

func TestWriteTaskTableErrors(t *testing.T) {
	p := samplePlan()
	p.Commitments[1].Targets = []int{5}
	err := xlsx.WriteTaskTable(io.Discard, p)
	var e *luoshi.Error
	if !errors.As(err, &e) || e.Code != luoshi.EInvalid || !strings.Contains(e.Message, "commitment c2: target index 5 out of range") {
		t.Errorf("bad target index: error %v", err)
	}
	if err := xlsx.WriteTaskTable(io.Discard, nil); luoshi.ErrorCode(err) != luoshi.EInvalid {
		t.Errorf("nil plan: error %v", err)
	}
	// An empty plan still makes a table to fill in.
	f, _ := write(t, &luoshi.Plan{})
	if got, _ := f.GetCellValue(sheet, "A1"); got != "重点任务分解表" {
		t.Errorf("A1 = %q", got)
	}
	if got, _ := f.GetCellValue(sheet, "H2"); got != "完成时限" {
		t.Errorf("H2 = %q", got)
	}
}

func style(t *testing.T, f *excelize.File, cell string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func describe(l excelize.PageLayoutOptions) string {
	var b strings.Builder
	if l.Orientation != nil {
		fmt.Fprintf(&b, "orientation %s ", *l.Orientation)
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"size", l.Size}, {"fitToWidth", l.FitToWidth}, {"fitToHeight", l.FitToHeight}} {
		if f.v != nil {
			fmt.Fprintf(&b, "%s %d ", f.name, *f.v)
		}
	}
	return b.String()
}
