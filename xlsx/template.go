package xlsx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"luoshi/decimal"
)

// Names of the sheets of a reporting template (填报模板).
const (
	FillSheet  = "填报表"
	GuideSheet = "填报说明"
	MetaSheet  = "_luoshi"
	// ErrorSheet is the sheet MarkErrors adds to list every problem.
	ErrorSheet = "错误清单"
)

// TemplateFormat names the layout of the metadata sheet; ReadUpload refuses
// any other.
const TemplateFormat = "luoshi-template/1"

// Row kinds of a template.
const (
	KindTarget     = "target"
	KindCommitment = "commitment"
)

// NarrativeMax is the most characters the 进展情况 cell of a row may hold.
const NarrativeMax = 500

// MaxRows is the most rows a template may carry.
const MaxRows = 5000

// Statuses returns the choices of the 进展状态 drop-down, in order.
func Statuses() []string { return []string{"正常推进", "已完成", "滞后", "未开展"} }

// Binding is what a template belongs to: the plan, the reporting unit, the
// period, and a version of the template's content (for instance a hash of
// the plan version and the assignments), so that a template from another
// unit, another period or an outdated download is refused.
type Binding struct {
	PlanID  int64
	Unit    string // luoshi.Unit.Code
	Period  string // luoshi.Period.Key
	Version string
}

// Template is one unit's reporting workbook for one period.
type Template struct {
	Binding   Binding
	PlanTitle string
	UnitName  string
	Due       time.Time // the last day reports are accepted
	Rows      []TemplateRow
}

// TemplateRow is one item the unit reports on.
type TemplateRow struct {
	Item       string // luoshi.Target.ID or luoshi.Commitment.ID
	Kind       string // KindTarget or KindCommitment
	Section    string
	Commitment string           // the commitment's text
	Target     string           // object and number as written, for a target
	Measure    string           // unit of measure; "%" (share of the work done) for a commitment
	Goal       *decimal.Decimal // the goal value, nil if none
	Previous   *decimal.Decimal // cumulative value of the previous period, nil if none
	Cumulative bool             // the value is cumulative: it may not fall below Previous
	Prefill    *Prefill         // the value the system already has; the row is then locked
	Draft      *Draft           // a value not yet submitted, written into the fill-in cells to confirm
}

// Draft is what a unit saved but did not submit (or what was returned to
// it): the template writes it into the row's fill-in cells, unlocked, so
// the unit confirms or corrects it instead of typing it again.
type Draft struct {
	Value     decimal.Decimal
	Narrative string
}

// Prefill is a value the system already has for a row, with where it came
// from; the unit is shown it and is not asked again.
type Prefill struct {
	Value  decimal.Decimal
	Source string // e.g. SourceText("省住房城乡建设厅", at)
	// Copied is true for a value the system took from an indicator
	// reported elsewhere or summed from the regions below (报表通), rather
	// than one the unit itself submitted.
	Copied bool
}

// SourceText returns the provenance line of a pre-filled value:
// "已由<by>于<date>报送", or "已由<by>报送" if at is zero.
func SourceText(by string, at time.Time) string {
	if at.IsZero() {
		return fmt.Sprintf("已由%s报送", by)
	}
	return fmt.Sprintf("已由%s于%s报送", by, at.Format("2006年1月2日"))
}

// Columns of the fill-in sheet. The header is on row 2 and items start on
// row 3.
const (
	colSeq = iota + 1
	colItem
	colKind
	colSection
	colCommitment
	colTarget
	colMeasure
	colGoal
	colPrevious
	colValue
	colStatus
	colDone
	colNarrative
	colSource
	numCols = colSource
)

const (
	fillTitleRow  = 1
	fillHeaderRow = 2
	fillFirstRow  = 3
)

// fillHeaders returns the header and width of each column of the fill-in
// sheet, indexed by column number - 1.
func fillHeaders() []column {
	return []column{
		{header: "序号", width: 6, center: true},
		{header: "事项编号", width: 10},
		{header: "类型", width: 8, center: true},
		{header: "章节", width: 18},
		{header: "工作任务", width: 48},
		{header: "量化目标", width: 24},
		{header: "计量单位", width: 8, center: true},
		{header: "目标值", width: 12},
		{header: "上期累计", width: 12},
		{header: "本期累计值（填）", width: 14},
		{header: "进展状态（填）", width: 12},
		{header: "完成时间（填）", width: 13},
		{header: "进展情况（填）", width: 40},
		{header: "数据来源", width: 22},
	}
}

// cellWriter writes cells of one sheet and keeps the first error.
type cellWriter struct {
	f     *excelize.File
	sheet string
	err   error
}

func (w *cellWriter) do(err error) {
	if w.err == nil {
		w.err = err
	}
}

// str writes s as a string, so that text starting with = + - @ stays text.
func (w *cellWriter) str(col, row int, s string, style int) {
	cell := cellName(col, row)
	w.do(w.f.SetCellStr(w.sheet, cell, s))
	w.do(w.f.SetCellStyle(w.sheet, cell, cell, style))
}

func (w *cellWriter) int(col, row, n, style int) {
	cell := cellName(col, row)
	w.do(w.f.SetCellInt(w.sheet, cell, int64(n)))
	w.do(w.f.SetCellStyle(w.sheet, cell, cell, style))
}

// colName returns the letter of a column of the fill-in sheet.
func colName(c int) string { return columnName(c) }

// kindLabel returns the Chinese label of a row kind.
func kindLabel(kind string) string {
	if kind == KindTarget {
		return "量化指标"
	}
	return "重点任务"
}

// sign returns the hex HMAC-SHA256 of the metadata of t under key.
func sign(key []byte, fields []string) string {
	m := hmac.New(sha256.New, key)
	writeFields(m, fields)
	return hex.EncodeToString(m.Sum(nil))
}

// writeFields writes each field to h as "len:field\n" (len in bytes).
func writeFields(h hash.Hash, fields []string) {
	var buf []byte
	for _, f := range fields {
		buf = strconv.AppendInt(buf[:0], int64(len(f)), 10)
		buf = append(buf, ':')
		buf = append(buf, f...)
		buf = append(buf, '\n')
		h.Write(buf)
	}
}

// sheetPassword derives the protection password of a template from the key,
// so that it is not guessable yet needs no storage. Protection only guards
// against slips; the HMAC signature and the comparison of locked cells with
// the signed metadata are what ReadUpload relies on.
func sheetPassword(key []byte, b Binding) string {
	return sign(key, []string{"sheet-password", strconv.FormatInt(b.PlanID, 10), b.Unit, b.Period})[:12]
}

// metaRow is one item as the metadata sheet records it.
type metaRow struct {
	Item, Kind, Section, Commitment, Target, Measure string
	Goal, Previous, Prefill                          string // decimal text or ""
	Cumulative                                       bool
	Source                                           string
	Row                                              int
}

func (m metaRow) fields() []string {
	return []string{m.Item, m.Kind, m.Section, m.Commitment, m.Target, m.Measure,
		m.Goal, m.Previous, strconv.FormatBool(m.Cumulative), m.Prefill, m.Source, strconv.Itoa(m.Row)}
}

// meta is the content of the metadata sheet.
type meta struct {
	Format    string
	Binding   Binding
	PlanTitle string
	UnitName  string
	Due       string // 2006-01-02
	Rows      []metaRow
}

// header fields of the metadata sheet, in the order of its first rows.
func (m meta) header() []string {
	return []string{m.Format, strconv.FormatInt(m.Binding.PlanID, 10), m.Binding.Unit, m.Binding.Period,
		m.Binding.Version, m.PlanTitle, m.UnitName, m.Due, strconv.Itoa(len(m.Rows))}
}

var metaLabels = []string{"format", "plan", "unit", "period", "version", "plan_title", "unit_name", "due", "rows"}

// maxMetaCell bounds the JSON of one item in the metadata sheet, below
// Excel's limit of 32,767 characters a cell.
const maxMetaCell = 30000

// metaFirstItemRow is the row of the metadata sheet where items start; the
// signature is on the row before.
const metaFirstItemRow = 12

func (m meta) signature(key []byte) string {
	fields := m.header()
	for _, r := range m.Rows {
		fields = append(fields, r.fields()...)
	}
	return sign(key, fields)
}

func decText(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func newMeta(t Template) meta {
	m := meta{Format: TemplateFormat, Binding: t.Binding, PlanTitle: t.PlanTitle, UnitName: t.UnitName}
	if !t.Due.IsZero() {
		m.Due = t.Due.Format("2006-01-02")
	}
	for i, r := range t.Rows {
		mr := metaRow{Item: r.Item, Kind: r.Kind, Section: r.Section, Commitment: r.Commitment,
			Target: r.Target, Measure: r.Measure, Goal: decText(r.Goal), Previous: decText(r.Previous),
			Cumulative: r.Cumulative, Row: fillFirstRow + i}
		if r.Prefill != nil {
			mr.Prefill = r.Prefill.Value.String()
			mr.Source = r.Prefill.Source
		}
		m.Rows = append(m.Rows, mr)
	}
	return m
}

// checkTemplate reports what makes t unfit to write.
func checkTemplate(t Template, key []byte) error {
	switch {
	case len(key) == 0:
		return fmt.Errorf("xlsx: template: empty signing key")
	case t.Binding.Unit == "" || t.Binding.Period == "":
		return fmt.Errorf("xlsx: template: binding needs a unit and a period")
	case len(t.Rows) > MaxRows:
		return fmt.Errorf("xlsx: template: %d rows, more than %d", len(t.Rows), MaxRows)
	}
	seen := make(map[string]bool, len(t.Rows))
	for i, r := range t.Rows {
		if r.Item == "" {
			return fmt.Errorf("xlsx: template: row %d has no item id", i+1)
		}
		if seen[r.Item] {
			return fmt.Errorf("xlsx: template: item %q listed twice", r.Item)
		}
		seen[r.Item] = true
		if r.Kind != KindTarget && r.Kind != KindCommitment {
			return fmt.Errorf("xlsx: template: item %q has kind %q", r.Item, r.Kind)
		}
	}
	return nil
}

// WriteTemplate writes t to w as an .xlsx reporting template (填报模板) signed
// with key.
//
// The sheet 填报表 lists the unit's items one a row, with the header frozen.
// Only the cells the unit fills in are unlocked: 本期累计值 (a number ≥ 0, at
// most 100 for a commitment's share of work done), 进展状态 (a drop-down of
// Statuses), 完成时间 (a date) and 进展情况 (text of at most NarrativeMax
// characters), each with data validation. A row the system already has a
// value for shows it greyed out and locked, with its source in 数据来源. The
// sheet 填报说明 explains all this in Chinese. A very hidden, protected sheet
// records the binding and every row, signed with HMAC-SHA256 under key,
// which ReadUpload checks. Every text is written as a string, never a
// formula.
func WriteTemplate(w io.Writer, t Template, key []byte) error {
	if err := checkTemplate(t, key); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := buildTemplate(f, t, key); err != nil {
		return fmt.Errorf("xlsx: template: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write template: %w", err)
	}
	return nil
}

// templateStyles are the cell styles of a template.
type templateStyles struct {
	title, header, text, center, number, grey, greyNumber, input, inputNumber, inputDate int
}

func newTemplateStyles(f *excelize.File) (templateStyles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "#808080", Style: 1}, {Type: "right", Color: "#808080", Style: 1},
		{Type: "top", Color: "#808080", Style: 1}, {Type: "bottom", Color: "#808080", Style: 1},
	}
	font := &excelize.Font{Family: "宋体", Size: 10.5}
	wrap := &excelize.Alignment{WrapText: true, Vertical: "center"}
	grey := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E7E6E6"}}
	input := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#FFF2CC"}}
	unlocked := &excelize.Protection{Locked: false}
	numFmt := "#,##0.####"
	dateFmt := "yyyy-mm-dd"
	var s templateStyles
	defs := []struct {
		dst *int
		s   *excelize.Style
	}{
		{&s.title, &excelize.Style{Font: &excelize.Font{Family: "黑体", Size: 14, Bold: true},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.header, &excelize.Style{Font: &excelize.Font{Family: "黑体", Size: 10.5, Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.text, &excelize.Style{Font: font, Border: border, Alignment: wrap}},
		{&s.center, &excelize.Style{Font: font, Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.number, &excelize.Style{Font: font, Border: border, Alignment: wrap, CustomNumFmt: &numFmt}},
		{&s.grey, &excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 10.5, Color: "#595959"}, Border: border,
			Alignment: wrap, Fill: grey}},
		{&s.greyNumber, &excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 10.5, Color: "#595959"}, Border: border,
			Alignment: wrap, Fill: grey, CustomNumFmt: &numFmt}},
		{&s.input, &excelize.Style{Font: font, Border: border, Alignment: wrap, Fill: input, Protection: unlocked}},
		{&s.inputNumber, &excelize.Style{Font: font, Border: border, Alignment: wrap, Fill: input, Protection: unlocked,
			CustomNumFmt: &numFmt}},
		{&s.inputDate, &excelize.Style{Font: font, Border: border, Alignment: wrap, Fill: input, Protection: unlocked,
			CustomNumFmt: &dateFmt}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(d.s)
		if err != nil {
			return s, fmt.Errorf("style: %w", err)
		}
		*d.dst = id
	}
	return s, nil
}

// setNumber writes d as a number when a float64 holds it exactly to 15
// significant digits (what Excel keeps), else as text.
func setNumber(f *excelize.File, sheet, cell string, d decimal.Decimal) error {
	if v, ok := exactFloat(d); ok {
		return f.SetCellFloat(sheet, cell, v, -1, 64)
	}
	return f.SetCellStr(sheet, cell, d.String())
}

// exactFloat returns d as a float64 if reading the float back as Excel does
// gives d again.
func exactFloat(d decimal.Decimal) (float64, bool) {
	v := d.Float64()
	back, ok := excelNumber(strconv.FormatFloat(v, 'g', -1, 64))
	return v, ok && back.Cmp(d) == 0
}

// excelNumber reads the raw text of a numeric cell as Excel means it: at
// most 15 significant digits, so that the binary noise of a stored float
// ("2.2999999999999998") is dropped.
func excelNumber(raw string) (decimal.Decimal, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || v != v || v > 1e300 || v < -1e300 {
		return decimal.Decimal{}, false
	}
	if v == 0 {
		return decimal.Decimal{}, true
	}
	s := strconv.FormatFloat(v, 'e', 14, 64) // d.dddddddddddddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	e, err := strconv.Atoi(exp)
	if err != nil {
		return decimal.Decimal{}, false
	}
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	coef, err := strconv.ParseInt(strings.Replace(mant, ".", "", 1), 10, 64)
	if err != nil {
		return decimal.Decimal{}, false
	}
	if neg {
		coef = -coef
	}
	// Drop the trailing zeros as decimal.New would (while the scale is
	// positive), in int64 rather than in big.Int steps: the same Decimal.
	scale := 14 - e
	for scale > 0 && coef%10 == 0 {
		coef /= 10
		scale--
	}
	return decimal.New(coef, scale), true
}

func buildTemplate(f *excelize.File, t Template, key []byte) error {
	st, err := newTemplateStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", FillSheet); err != nil {
		return err
	}
	if err := writeFillSheet(f, t, st); err != nil {
		return err
	}
	if err := writeGuideSheet(f, t, st); err != nil {
		return err
	}
	if err := writeMetaSheet(f, t, key); err != nil {
		return err
	}
	pw := sheetPassword(key, t.Binding)
	for _, sh := range []string{FillSheet, GuideSheet, MetaSheet} {
		if err := f.ProtectSheet(sh, &excelize.SheetProtectionOptions{
			Password: pw, SelectLockedCells: true, SelectUnlockedCells: true,
			FormatColumns: true, FormatRows: true,
		}); err != nil {
			return err
		}
	}
	// The structure lock keeps sheets from being added, removed or unhidden
	// in a spreadsheet program. It has no password: a password costs
	// 100,000 rounds of SHA-512 per download and protects nothing the
	// signature does not.
	if err := f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{LockStructure: true}); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return nil
}

func writeFillSheet(f *excelize.File, t Template, st templateStyles) error {
	sh := FillSheet
	cols := fillHeaders()
	sw := &cellWriter{f: f, sheet: sh}
	for i, c := range cols {
		n := colName(i + 1)
		sw.do(f.SetColWidth(sh, n, n, c.width))
	}
	title := fmt.Sprintf("%s　%s　%s期进展填报", t.PlanTitle, t.UnitName, t.Binding.Period)
	if !t.Due.IsZero() {
		title += fmt.Sprintf("（%s前报送）", t.Due.Format("2006年1月2日"))
	}
	sw.str(1, fillTitleRow, title, st.title)
	sw.do(f.MergeCell(sh, cellName(1, fillTitleRow), cellName(numCols, fillTitleRow)))
	sw.do(f.SetRowHeight(sh, fillTitleRow, 30))
	for i, c := range cols {
		sw.str(i+1, fillHeaderRow, c.header, st.header)
	}
	sw.do(f.SetRowHeight(sh, fillHeaderRow, 30))

	var targetCells, commitCells, statusCells, dateCells, textCells []string
	for i, r := range t.Rows {
		row := fillFirstRow + i
		sw.int(colSeq, row, i+1, st.center)
		sw.str(colItem, row, r.Item, st.center)
		sw.str(colKind, row, kindLabel(r.Kind), st.center)
		sw.str(colSection, row, r.Section, st.text)
		sw.str(colCommitment, row, r.Commitment, st.text)
		sw.str(colTarget, row, r.Target, st.text)
		sw.str(colMeasure, row, r.Measure, st.center)
		for _, v := range []struct {
			col int
			d   *decimal.Decimal
		}{{colGoal, r.Goal}, {colPrevious, r.Previous}} {
			if v.d != nil {
				sw.do(setNumber(f, sh, cellName(v.col, row), *v.d))
			}
			sw.do(f.SetCellStyle(sh, cellName(v.col, row), cellName(v.col, row), st.number))
		}
		if r.Prefill != nil {
			sw.do(setNumber(f, sh, cellName(colValue, row), r.Prefill.Value))
			sw.do(f.SetCellStyle(sh, cellName(colValue, row), cellName(colValue, row), st.greyNumber))
			sw.do(f.SetCellStyle(sh, cellName(colStatus, row), cellName(colNarrative, row), st.grey))
			sw.str(colSource, row, r.Prefill.Source, st.grey)
		} else {
			sw.do(f.SetCellStyle(sh, cellName(colValue, row), cellName(colValue, row), st.inputNumber))
			sw.do(f.SetCellStyle(sh, cellName(colStatus, row), cellName(colStatus, row), st.input))
			sw.do(f.SetCellStyle(sh, cellName(colDone, row), cellName(colDone, row), st.inputDate))
			sw.do(f.SetCellStyle(sh, cellName(colNarrative, row), cellName(colNarrative, row), st.input))
			sw.do(f.SetCellStyle(sh, cellName(colSource, row), cellName(colSource, row), st.text))
			if r.Kind == KindTarget {
				targetCells = append(targetCells, cellName(colValue, row))
			} else {
				commitCells = append(commitCells, cellName(colValue, row))
			}
			if r.Draft != nil {
				sw.do(setNumber(f, sh, cellName(colValue, row), r.Draft.Value))
				sw.do(f.SetCellStr(sh, cellName(colNarrative, row), r.Draft.Narrative))
			}
			statusCells = append(statusCells, cellName(colStatus, row))
			dateCells = append(dateCells, cellName(colDone, row))
			textCells = append(textCells, cellName(colNarrative, row))
		}
		sw.do(f.SetRowHeight(sh, row, rowHeight([]string{r.Section, r.Commitment, r.Target},
			[]column{cols[colSection-1], cols[colCommitment-1], cols[colTarget-1]})))
	}
	if sw.err != nil {
		return sw.err
	}
	if err := addValidations(f, sh, targetCells, commitCells, statusCells, dateCells, textCells); err != nil {
		return err
	}
	return f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: fillHeaderRow,
		TopLeftCell: cellName(1, fillFirstRow), ActivePane: "bottomLeft"})
}

// excelSerial returns the Excel (1900 system) serial number of a day.
func excelSerial(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

func addValidations(f *excelize.File, sh string, targets, commits, statuses, dates, texts []string) error {
	type spec struct {
		cells        []string
		set          func(dv *excelize.DataValidation) error
		prompt, errm string
	}
	specs := []spec{
		{targets, func(dv *excelize.DataValidation) error {
			return dv.SetRange(0, 1e15, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
		}, "填写自年初起的累计数，只填数字，不带单位", "请填写不小于 0 的数字，不要带单位或文字"},
		{commits, func(dv *excelize.DataValidation) error {
			return dv.SetRange(0, 100, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
		}, "填写工作完成比例（0–100）", "请填写 0 到 100 之间的数字"},
		{statuses, func(dv *excelize.DataValidation) error { return dv.SetDropList(Statuses()) },
			"从下拉列表中选择", "请从下拉列表中选择：" + strings.Join(Statuses(), "、")},
		{dates, func(dv *excelize.DataValidation) error {
			return dv.SetRange(excelSerial(2000, 1, 1), excelSerial(2100, 12, 31), excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween)
		}, "已完成的填写完成日期，如 2025-03-31", "请填写日期，如 2025-03-31"},
		{texts, func(dv *excelize.DataValidation) error {
			return dv.SetRange(0, NarrativeMax, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		}, fmt.Sprintf("简要说明进展，不超过 %d 字", NarrativeMax), fmt.Sprintf("进展情况不能超过 %d 字", NarrativeMax)},
	}
	for _, s := range specs {
		if len(s.cells) == 0 {
			continue
		}
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(strings.Join(s.cells, " "))
		if err := s.set(dv); err != nil {
			return fmt.Errorf("data validation: %w", err)
		}
		dv.SetInput("填报提示", s.prompt)
		dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", s.errm)
		if err := f.AddDataValidation(sh, dv); err != nil {
			return fmt.Errorf("data validation: %w", err)
		}
	}
	return nil
}

func writeGuideSheet(f *excelize.File, t Template, st templateStyles) error {
	if _, err := f.NewSheet(GuideSheet); err != nil {
		return err
	}
	due := "规定时间"
	if !t.Due.IsZero() {
		due = t.Due.Format("2006年1月2日")
	}
	lines := []string{
		"填报说明",
		fmt.Sprintf("1. 本表是“%s”%s期的进展填报模板，只适用于%s，请于%s前填好后上传（网页“上传填报表”或命令行均可）。", t.PlanTitle, t.Binding.Period, t.UnitName, due),
		"2. 只需填写“填报表”中黄色的单元格：本期累计值、进展状态、完成时间、进展情况。其他单元格已锁定，请勿修改。",
		"3. 本期累计值填写自年初起的累计数，只填数字，不带单位（单位见“计量单位”列）；累计值不能小于上期累计。重点任务填写工作完成比例（0–100），状态为“已完成”的填 100、“未开展”的填 0。",
		"4. 进展状态从下拉列表中选择：" + strings.Join(Statuses(), "、") + "；已完成的请填写完成时间（日期，如 2025-03-31）。",
		fmt.Sprintf("5. 进展情况不超过 %d 字，请勿以 = + - @ 开头，不要使用公式。", NarrativeMax),
		"6. 灰色的行系统已有数据（见“数据来源”列），无需重复填报（同类材料最多报一次）。",
		"7. 请勿增删行、调整顺序或修改表名；不要把其他单位或往期的模板拿来上传，系统会拒收。",
		"8. 上传时系统会整体检查：只要有一处错误，整份表都不会入库，并返回一份标出错误单元格（红色，带批注）的表格，改正后再次上传即可，已填内容无需重新录入。",
	}
	for i, l := range lines {
		cell := cellName(1, i+1)
		if err := f.SetCellStr(GuideSheet, cell, l); err != nil {
			return err
		}
		style := st.text
		if i == 0 {
			style = st.title
		}
		if err := f.SetCellStyle(GuideSheet, cell, cell, style); err != nil {
			return err
		}
		if i > 0 {
			if err := f.SetRowHeight(GuideSheet, i+1, 34); err != nil {
				return err
			}
		}
	}
	return f.SetColWidth(GuideSheet, "A", "A", 110)
}

func writeMetaSheet(f *excelize.File, t Template, key []byte) error {
	if _, err := f.NewSheet(MetaSheet); err != nil {
		return err
	}
	m := newMeta(t)
	var err error
	set := func(col, row int, s string) {
		if err == nil {
			err = f.SetCellStr(MetaSheet, cellName(col, row), s)
		}
	}
	for i, v := range m.header() {
		set(1, i+1, metaLabels[i])
		set(2, i+1, v)
	}
	set(1, metaFirstItemRow-1, "signature")
	set(2, metaFirstItemRow-1, m.signature(key))
	for i, r := range m.Rows {
		// One cell a row, a JSON array of the row's fields: reading 150
		// cells back is a good deal cheaper than reading 1,800.
		b, jerr := json.Marshal(r.fields())
		if jerr != nil {
			return jerr
		}
		if len(b) > maxMetaCell {
			return fmt.Errorf("item %q: its texts are too long for a template (%d bytes)", r.Item, len(b))
		}
		set(1, metaFirstItemRow+i, string(b))
	}
	if err != nil {
		return err
	}
	return f.SetSheetVisible(MetaSheet, false, true)
}
