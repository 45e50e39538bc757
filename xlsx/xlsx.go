// Package xlsx writes plans as Excel workbooks, the format every unit a
// supervision office (督查室) works with already uses.
package xlsx

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"luoshi"
)

// SheetName is the name of the task table's sheet.
const SheetName = "任务分解表"

// Rows of the task table: the title, the column headers, then one row per
// commitment.
const (
	titleRow  = 1
	headerRow = 2
	firstRow  = 3
)

// column is a column of the task table.
type column struct {
	header string
	width  float64 // in characters of the default font; a Chinese character takes about two
	center bool
}

// columns returns the columns of the task table, in order.
func columns() []column {
	return []column{
		{header: "序号", width: 6, center: true},
		{header: "章节", width: 22},
		{header: "标题句", width: 24},
		{header: "工作任务", width: 60},
		{header: "量化目标", width: 30},
		{header: "建议牵头单位", width: 18},
		{header: "责任单位", width: 16},
		{header: "完成时限", width: 12, center: true},
	}
}

// Paper size code of A4 in SpreadsheetML page setup.
const paperA4 = 9

// WriteTaskTable writes p's task table (重点任务分解表) to w as an .xlsx
// workbook, laid out the way a supervision office sends it to units: a title
// row, a header row (序号, 章节, 标题句, 工作任务, 量化目标, 建议牵头单位,
// 责任单位, 完成时限) and one row per commitment, with 责任单位 left for the
// office to fill in.
//
// 量化目标 lists the commitment's targets one per line as object and number
// as written. 建议牵头单位 is the best-scoring suggested unit; the runners-up
// are in a comment on the cell. 完成时限 is the latest target deadline year,
// else the end of the plan's year.
//
// The header is frozen, repeated on every printed page and filterable; pages
// are landscape A4, fitted to the page width. Every value is written as text
// or a number, never a formula, whatever it starts with.
func WriteTaskTable(w io.Writer, p *luoshi.Plan) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := writeTaskTable(f, p); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write task table: %w", err)
	}
	return nil
}

func writeTaskTable(f *excelize.File, p *luoshi.Plan) error {
	if p == nil {
		return luoshi.Errorf(luoshi.EInvalid, "xlsx: no plan to write")
	}
	if n := len(p.Commitments); n > excelize.TotalRows-headerRow {
		return luoshi.Errorf(luoshi.EInvalid, "xlsx: %d commitments do not fit on a sheet", n)
	}
	if err := f.SetSheetName(f.GetSheetName(0), SheetName); err != nil {
		return fmt.Errorf("xlsx: name sheet: %w", err)
	}
	s, err := newStyles(f)
	if err != nil {
		return err
	}
	cols := columns()
	lastRow := headerRow + len(p.Commitments)
	sw := sheetWriter{f: f}

	// Title and header.
	title := strings.TrimSpace(p.Title) + "重点任务分解表"
	sw.str(1, titleRow, title, s.title)
	sw.do(f.MergeCell(SheetName, cellName(1, titleRow), cellName(len(cols), titleRow)))
	sw.do(f.SetCellStyle(SheetName, cellName(1, titleRow), cellName(len(cols), titleRow), s.title))
	sw.do(f.SetRowHeight(SheetName, titleRow, 36))
	for i, c := range cols {
		sw.str(i+1, headerRow, c.header, s.header)
		name := columnName(i + 1)
		sw.do(f.SetColWidth(SheetName, name, name, c.width))
	}
	sw.do(f.SetRowHeight(SheetName, headerRow, 30))

	// One row per commitment.
	deadline := ""
	if p.Year > 0 {
		deadline = strconv.Itoa(p.Year) + "年12月底"
	}
	for i, c := range p.Commitments {
		row := firstRow + i
		targets, latest, err := targetLines(p, c)
		if err != nil {
			return err
		}
		due := deadline
		if latest > 0 {
			due = strconv.Itoa(latest) + "年"
		}
		top, rest := rankUnits(c.SuggestedUnits)
		values := []string{strconv.Itoa(i + 1), sectionTitle(p, c), c.Lead, c.Text, targets, top, "", due}
		sw.int(1, row, i+1, s.center)
		for col := 2; col <= len(values); col++ {
			style := s.body
			if cols[col-1].center {
				style = s.center
			}
			sw.str(col, row, values[col-1], style)
		}
		sw.do(f.SetRowHeight(SheetName, row, rowHeight(values, cols)))
		if len(rest) > 0 {
			sw.do(f.AddComment(SheetName, excelize.Comment{
				Cell:   cellName(6, row),
				Author: "luoshi",
				Text:   "其他建议单位：" + strings.Join(rest, "、"),
			}))
		}
	}

	// Navigation and printing.
	sw.do(f.SetPanes(SheetName, &excelize.Panes{
		Freeze:      true,
		YSplit:      headerRow,
		TopLeftCell: cellName(1, firstRow),
		ActivePane:  "bottomLeft",
	}))
	sw.do(f.AutoFilter(SheetName, cellName(1, headerRow)+":"+cellName(len(cols), lastRow), nil))
	sw.do(f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", SheetName, headerRow, headerRow),
		Scope:    SheetName,
	}))
	size, landscape, one, zero := paperA4, "landscape", 1, 0
	sw.do(f.SetPageLayout(SheetName, &excelize.PageLayoutOptions{
		Size:        &size,
		Orientation: &landscape,
		FitToWidth:  &one,
		FitToHeight: &zero, // as many pages down as it takes
	}))
	fit := true
	sw.do(f.SetSheetProps(SheetName, &excelize.SheetPropsOptions{FitToPage: &fit}))
	side, top, bottom := 0.4, 0.6, 0.6
	sw.do(f.SetPageMargins(SheetName, &excelize.PageLayoutMarginsOptions{
		Left: &side, Right: &side, Top: &top, Bottom: &bottom,
	}))
	sw.do(f.SetHeaderFooter(SheetName, &excelize.HeaderFooterOptions{
		OddFooter: "&C第 &P 页，共 &N 页",
	}))
	sw.do(f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "luoshi"}))
	if sw.err != nil {
		return fmt.Errorf("xlsx: task table: %w", sw.err)
	}
	return nil
}

// sheetWriter writes cells of the task table and keeps the first error.
type sheetWriter struct {
	f   *excelize.File
	err error
}

func (sw *sheetWriter) do(err error) {
	if sw.err == nil {
		sw.err = err
	}
}

// str writes s as a string, so that text starting with = + - @ stays text.
func (sw *sheetWriter) str(col, row int, s string, style int) {
	cell := cellName(col, row)
	sw.do(sw.f.SetCellStr(SheetName, cell, s))
	sw.do(sw.f.SetCellStyle(SheetName, cell, cell, style))
}

func (sw *sheetWriter) int(col, row, n, style int) {
	cell := cellName(col, row)
	sw.do(sw.f.SetCellInt(SheetName, cell, int64(n)))
	sw.do(sw.f.SetCellStyle(SheetName, cell, cell, style))
}

// Row heights in points. Spreadsheet programs do not grow the rows of a
// generated file to fit wrapped text, so the writer sets each row's height
// from an estimate of the lines its longest cell wraps to.
const (
	lineHeight   = 14.4 // a line of 11-point 宋体
	rowPadding   = 6
	maxRowHeight = 409 // the largest height Excel allows
)

// rowHeight returns the height of a row holding values in cols.
func rowHeight(values []string, cols []column) float64 {
	lines := 1
	for i, v := range values {
		lines = max(lines, wrappedLines(v, cols[i].width))
	}
	return min(float64(lines)*lineHeight+rowPadding, maxRowHeight)
}

// wrappedLines estimates the lines s takes in a wrapped cell of width
// characters.
func wrappedLines(s string, width float64) int {
	usable := max(width-1.5, 1) // cell margins
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		n += max(1, int(math.Ceil(textWidth(line)/usable)))
	}
	return n
}

// textWidth estimates the width of s in characters of the default font: a
// Chinese character or full-width punctuation mark takes two, a Latin letter
// or digit a little over one.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x2E80, r >= 0x2010 && r <= 0x206F: // CJK, full-width forms; “”—…
			w += 2
		default:
			w += 1.1
		}
	}
	return w
}

// columnName returns the letters of column col, counting from 1.
func columnName(col int) string {
	// ColumnNumberToName fails only for columns outside 1 to 16384; the
	// task table has eight.
	name, _ := excelize.ColumnNumberToName(col)
	return name
}

// cellName returns the A1 name of a cell; col and row count from 1.
func cellName(col, row int) string {
	return columnName(col) + strconv.Itoa(row)
}

// sectionTitle returns the title of c's section: c.SectionTitle, else the
// title of the section it names.
func sectionTitle(p *luoshi.Plan, c luoshi.Commitment) string {
	if c.SectionTitle != "" || c.Section == "" {
		return c.SectionTitle
	}
	for _, s := range p.Sections {
		if s.ID == c.Section {
			return s.Title
		}
	}
	return ""
}

// targetLines returns c's targets one per line, each as its object and its
// number as written, and the latest deadline year among them (0 if none).
func targetLines(p *luoshi.Plan, c luoshi.Commitment) (string, int, error) {
	lines := make([]string, 0, len(c.Targets))
	latest := 0
	for _, i := range c.Targets {
		if i < 0 || i >= len(p.Targets) {
			return "", 0, luoshi.Errorf(luoshi.EInvalid, "commitment %s: target index %d out of range (the plan has %d targets)", c.ID, i, len(p.Targets))
		}
		t := p.Targets[i]
		lines = append(lines, targetLine(t))
		latest = max(latest, t.Deadline)
	}
	return strings.Join(lines, "\n"), latest, nil
}

// targetLine formats t as its object and its number as written, marked when
// the report only strives for it (力争) or sets a later deadline.
func targetLine(t luoshi.Target) string {
	text := t.Text
	if t.Strive && !strings.HasPrefix(text, "力争") && !strings.HasPrefix(text, "争取") {
		text = "力争" + text
	}
	line := strings.TrimSpace(strings.TrimSpace(t.Object) + " " + text)
	if t.Deadline > 0 {
		line += "（" + strconv.Itoa(t.Deadline) + "年）"
	}
	return line
}

// rankUnits returns the best-scoring suggested unit and up to two
// runners-up, best first; ties keep the order of the suggestions.
func rankUnits(s []luoshi.Suggestion) (top string, rest []string) {
	if len(s) == 0 {
		return "", nil
	}
	ranked := slices.Clone(s)
	slices.SortStableFunc(ranked, func(a, b luoshi.Suggestion) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	for _, u := range ranked[1:] {
		if len(rest) == 2 {
			break
		}
		if u.Unit != "" && u.Unit != ranked[0].Unit && !slices.Contains(rest, u.Unit) {
			rest = append(rest, u.Unit)
		}
	}
	return ranked[0].Unit, rest
}

// styles are the cell styles of the task table.
type styles struct {
	title, header, body, center int
}

func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1},
		{Type: "bottom", Color: "000000", Style: 1},
	}
	defs := []*excelize.Style{
		{
			Font:      &excelize.Font{Bold: true, Family: "黑体", Size: 18},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		},
		{
			Border:    border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Font:      &excelize.Font{Bold: true, Family: "黑体", Size: 12},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		},
		{
			Border:    border,
			Font:      &excelize.Font{Family: "宋体", Size: 11},
			Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true},
		},
		{
			Border:    border,
			Font:      &excelize.Font{Family: "宋体", Size: 11},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		},
	}
	ids := make([]int, len(defs))
	for i, d := range defs {
		id, err := f.NewStyle(d)
		if err != nil {
			return styles{}, fmt.Errorf("xlsx: style: %w", err)
		}
		ids[i] = id
	}
	return styles{title: ids[0], header: ids[1], body: ids[2], center: ids[3]}, nil
}
