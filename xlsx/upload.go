package xlsx

import (
	"bytes"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"luoshi"
	"luoshi/decimal"
)

// Limits on an uploaded workbook.
const (
	// MaxUploadBytes is the largest workbook file ReadUpload accepts.
	MaxUploadBytes = 10 << 20
	// maxUnzipBytes bounds the unpacked size of a workbook, against zip bombs.
	maxUnzipBytes = 16 << 20
	// MaxProblems is the most problems ReadUpload lists; past it, the list
	// ends with a note that there are more.
	MaxProblems = 200
	// maxCellChars bounds the text of a number or date cell worth parsing.
	maxCellChars = 64
)

// Problem is one thing wrong with an uploaded workbook, in the words a
// reporter reads: the sheet, the row (from 1; 0 for the workbook as a
// whole), the column letter ("" for a whole row) and a message in Chinese.
type Problem struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// Cell returns the A1 name of the problem's cell, or "" if it has none.
func (p Problem) Cell() string {
	if p.Row <= 0 || p.Column == "" {
		return ""
	}
	return p.Column + strconv.Itoa(p.Row)
}

// String returns the problem as one line: "填报表!J5：…".
func (p Problem) String() string {
	switch {
	case p.Sheet == "":
		return p.Message
	case p.Cell() != "":
		return p.Sheet + "!" + p.Cell() + "：" + p.Message
	case p.Row > 0:
		return fmt.Sprintf("%s 第%d行：%s", p.Sheet, p.Row, p.Message)
	}
	return p.Sheet + "：" + p.Message
}

// RejectedError is the error ReadUpload returns for a workbook with any
// problem: nothing of it may be stored. It unwraps to a *luoshi.Error with
// code luoshi.EInvalid.
type RejectedError struct {
	Problems []Problem
}

func (e *RejectedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "填报表有 %d 处问题，整份未入库，请修改后重新上传", len(e.Problems))
	for i, p := range e.Problems {
		if i == 3 {
			b.WriteString("；……")
			break
		}
		b.WriteString("；")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns the domain error the rejection stands for.
func (e *RejectedError) Unwrap() error {
	return luoshi.Errorf(luoshi.EInvalid, "填报表有 %d 处问题，整份未入库", len(e.Problems))
}

// Problems returns the problems of a rejected upload, or nil if err is not
// a rejection.
func Problems(err error) []Problem {
	var re *RejectedError
	if errors.As(err, &re) {
		return re.Problems
	}
	return nil
}

// Upload is a workbook read back: the binding it was signed for and every
// row the unit filled in.
type Upload struct {
	Binding   Binding
	PlanTitle string
	UnitName  string
	Rows      []UploadRow // rows with a value, in sheet order
	Blank     []string    // items the unit left blank
	Prefilled []string    // items the system already had, not read from the upload
}

// UploadRow is one filled-in row.
type UploadRow struct {
	Row       int // row of the sheet, from 1
	Item      string
	Kind      string // KindTarget or KindCommitment
	Measure   string
	Value     decimal.Decimal
	Status    string    // one of Statuses, or ""
	Done      time.Time // 完成时间, zero if none
	Narrative string
}

// Inputs returns the rows as progress reports of the upload's plan, unit
// and period, written by by, submitted if submit is true. A commitment's
// value is in luoshi.PercentUnit.
func (u Upload) Inputs(by string, submit bool) []luoshi.ProgressInput {
	ins := make([]luoshi.ProgressInput, 0, len(u.Rows))
	for _, r := range u.Rows {
		vu := r.Measure
		if r.Kind == KindCommitment {
			vu = luoshi.PercentUnit
		}
		ins = append(ins, luoshi.ProgressInput{
			PlanID: u.Binding.PlanID, Item: r.Item, Unit: u.Binding.Unit, Period: u.Binding.Period,
			Value: r.Value, ValueUnit: vu, Narrative: r.Narrative, Submit: submit, By: by,
		})
	}
	return ins
}

// ReadUpload reads a filled-in template from r and checks it against the
// binding the uploader expects (its plan, unit and period; the version too
// when expect.Version is set) and the key the template was signed with.
//
// The workbook is validated as a whole and is accepted or rejected whole:
// with any problem, ReadUpload returns a *RejectedError listing every
// problem found (up to MaxProblems) and no rows, so the caller stores
// nothing and nothing is half-written; MarkErrors then gives the reporter
// the same workbook with the bad cells marked, to fix and upload again
// without retyping anything. Whole rejection keeps one period's report of a
// unit consistent (a cumulative value and its narrative, or two related
// targets, never half old and half new) and makes an upload idempotent.
//
// It refuses a workbook that is not a template of this system, whose signed
// metadata was altered, or that belongs to another plan, unit, period or
// template version; and, row by row: changed locked cells, unknown, missing
// or repeated items, formulas, values that are not numbers, negative, above
// 100 for a share of work done, below the previous period for a cumulative
// value, or typed with another unit of measure; statuses not in the list or
// contradicting a share of work done (已完成 below 100, 未开展 above 0),
// dates that are not dates, narratives longer than NarrativeMax or starting
// like a formula.
//
// A hostile file cannot make it panic: the parser's limits bound the
// unpacked size, and a panic inside the third-party parser is turned into
// a rejection of the file.
func ReadUpload(r io.Reader, expect Binding, key []byte) (u Upload, err error) {
	defer func() {
		if p := recover(); p != nil {
			u, err = Upload{}, reject(Problem{Message: panicMessage})
		}
	}()
	data, err := io.ReadAll(io.LimitReader(r, MaxUploadBytes+1))
	if err != nil {
		return Upload{}, fmt.Errorf("xlsx: read upload: %w", err)
	}
	if len(data) > MaxUploadBytes {
		return Upload{}, reject(Problem{Message: fmt.Sprintf("文件超过 %d MB 的上限，请上传从系统下载的填报模板", MaxUploadBytes>>20)})
	}
	if len(key) == 0 {
		return Upload{}, errors.New("xlsx: read upload: empty signing key")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: maxUnzipBytes, UnzipXMLSizeLimit: maxUnzipBytes,
	})
	if err != nil {
		return Upload{}, reject(Problem{Message: "文件无法打开：不是有效的 .xlsx 工作簿，请上传从系统下载的填报模板（不要另存为 .xls 或其他格式）"})
	}
	defer f.Close()
	rd := &reader{f: f, plain: plainWorksheets(f)}
	u = rd.read(expect, key)
	if len(rd.problems) > 0 {
		return Upload{Binding: u.Binding, PlanTitle: u.PlanTitle, UnitName: u.UnitName}, &RejectedError{Problems: rd.problems}
	}
	return u, nil
}

// panicMessage is the problem of a file whose parsing panicked.
const panicMessage = "文件无法解析：不是有效的 .xlsx 工作簿，请上传从系统下载的填报模板"

func reject(ps ...Problem) error { return &RejectedError{Problems: ps} }

// reader reads one uploaded workbook and collects its problems.
type reader struct {
	f        *excelize.File
	problems []Problem
	full     bool
	// plain is true when no worksheet has a formula or a cell of a type
	// other than number and string, so that cells need no one-by-one
	// look-up of formula and type (which makes the parser load the whole
	// sheet a second time).
	plain bool
	sst   sharedStrings // for sheetRows
}

// rows returns the raw cell values of sheet: straight from its XML when
// the workbook is plain and the fast reader handles it, else through
// excelize, with the same result either way.
func (rd *reader) rows(sheet string) ([][]string, error) {
	if rd.plain {
		if rows, ok := sheetRows(rd.f, sheet, &rd.sst); ok {
			return rows, nil
		}
	}
	return rd.f.GetRows(sheet, excelize.Options{RawCellValue: true})
}

// hasSpecialCell reports whether worksheet XML has a formula element (<f>,
// with or without a namespace prefix) or a cell of type boolean, error,
// date or formula string.
func hasSpecialCell(b []byte) bool {
	for _, t := range []string{`t="b"`, `t="e"`, `t="d"`, `t="str"`, `t='b'`, `t='e'`, `t='d'`, `t='str'`} {
		if bytes.Contains(b, []byte(t)) {
			return true
		}
	}
	for i := 0; ; {
		k := bytes.IndexByte(b[i:], '<')
		if k < 0 {
			return false
		}
		i += k + 1
		j := i
		for j < len(b) && (b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z' || b[j] >= '0' && b[j] <= '9' || b[j] == '_' || b[j] == '.' || b[j] == '-' || b[j] == ':') {
			j++
		}
		name := b[i:j]
		if c := bytes.LastIndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		if len(name) == 1 && name[0] == 'f' {
			return true
		}
	}
}

// plainWorksheets reports whether every worksheet of f is in memory and
// free of what hasSpecialCell looks for.
func plainWorksheets(f *excelize.File) bool {
	const dir = "xl/worksheets/"
	n, plain := 0, true
	f.Pkg.Range(func(k, v any) bool {
		name, _ := k.(string)
		if !strings.HasPrefix(name, dir) || !strings.HasSuffix(name, ".xml") || strings.Contains(name[len(dir):], "/") {
			return true
		}
		n++
		b, ok := v.([]byte)
		if !ok || hasSpecialCell(b) {
			plain = false
			return false
		}
		return true
	})
	return plain && n == len(f.GetSheetList())
}

func (rd *reader) add(sheet string, row, col int, format string, args ...any) {
	if rd.full {
		return
	}
	if len(rd.problems) == MaxProblems {
		rd.problems = append(rd.problems, Problem{Message: fmt.Sprintf("问题超过 %d 处，未全部列出", MaxProblems)})
		rd.full = true
		return
	}
	p := Problem{Sheet: sheet, Row: row, Message: fmt.Sprintf(format, args...)}
	if col > 0 {
		p.Column = columnName(col)
	}
	rd.problems = append(rd.problems, p)
}

// readMeta reads and verifies the metadata sheet.
func (rd *reader) readMeta(key []byte) (meta, bool) {
	const notOurs = "不是本系统生成的填报模板（缺少或无法识别模板信息），请从系统下载本单位本期的模板后填写"
	idx, err := rd.f.GetSheetIndex(MetaSheet)
	if err != nil || idx < 0 {
		rd.add("", 0, 0, notOurs)
		return meta{}, false
	}
	rows, err := rd.rows(MetaSheet)
	if err != nil {
		rd.add("", 0, 0, notOurs)
		return meta{}, false
	}
	cell := func(r, c int) string {
		if r-1 < len(rows) && c-1 < len(rows[r-1]) {
			return rows[r-1][c-1]
		}
		return ""
	}
	var m meta
	m.Format = cell(1, 2)
	if m.Format != TemplateFormat {
		rd.add("", 0, 0, notOurs)
		return meta{}, false
	}
	planID, err1 := strconv.ParseInt(cell(2, 2), 10, 64)
	m.Binding = Binding{PlanID: planID, Unit: cell(3, 2), Period: cell(4, 2), Version: cell(5, 2)}
	m.PlanTitle, m.UnitName, m.Due = cell(6, 2), cell(7, 2), cell(8, 2)
	n, err2 := strconv.Atoi(cell(9, 2))
	if err1 != nil || err2 != nil || n < 0 || n > MaxRows {
		rd.add("", 0, 0, "模板校验失败：模板信息已被修改，请重新下载模板")
		return meta{}, false
	}
	for i := 0; i < n; i++ {
		var fs []string
		if err := json.Unmarshal([]byte(cell(metaFirstItemRow+i, 1)), &fs); err != nil || len(fs) != 12 {
			rd.add("", 0, 0, "模板校验失败：模板信息已被修改，请重新下载模板")
			return meta{}, false
		}
		mr := metaRow{Item: fs[0], Kind: fs[1], Section: fs[2], Commitment: fs[3], Target: fs[4], Measure: fs[5],
			Goal: fs[6], Previous: fs[7], Cumulative: fs[8] == "true", Prefill: fs[9], Source: fs[10]}
		mr.Row, _ = strconv.Atoi(fs[11])
		if mr.fields()[8] != fs[8] || strconv.Itoa(mr.Row) != fs[11] {
			rd.add("", 0, 0, "模板校验失败：模板信息已被修改，请重新下载模板")
			return meta{}, false
		}
		m.Rows = append(m.Rows, mr)
	}
	if !hmac.Equal([]byte(m.signature(key)), []byte(cell(metaFirstItemRow-1, 2))) {
		rd.add("", 0, 0, "模板校验失败：模板信息被修改过，或不是本系统为本单位生成的模板，请重新下载模板")
		return meta{}, false
	}
	return m, true
}

// checkBinding compares the template's binding with the expected one.
func (rd *reader) checkBinding(m meta, expect Binding) bool {
	got := m.Binding
	switch {
	case got.Unit != expect.Unit:
		rd.add("", 0, 0, "这是“%s”的填报模板，不能作为本单位（%s）的填报上传；请下载本单位的模板", m.UnitName, expect.Unit)
	case got.PlanID != expect.PlanID:
		rd.add("", 0, 0, "这份模板属于另一份计划（“%s”），不是当前计划的模板；请重新下载模板", m.PlanTitle)
	case got.Period != expect.Period:
		rd.add("", 0, 0, "这是 %s 期的模板，当前填报的是 %s 期；往期模板不能上传，请下载本期模板", got.Period, expect.Period)
	case expect.Version != "" && got.Version != expect.Version:
		rd.add("", 0, 0, "模板已过期（下载后任务或分工有调整），请重新下载本期模板，把已填内容复制过去后再上传")
	default:
		return true
	}
	return false
}

// read reads the workbook; what is wrong with it is in rd.problems.
func (rd *reader) read(expect Binding, key []byte) Upload {
	m, ok := rd.readMeta(key)
	if !ok {
		return Upload{}
	}
	u := Upload{Binding: m.Binding, PlanTitle: m.PlanTitle, UnitName: m.UnitName}
	if !rd.checkBinding(m, expect) {
		return u
	}
	if idx, err := rd.f.GetSheetIndex(FillSheet); err != nil || idx < 0 {
		rd.add("", 0, 0, "找不到工作表“%s”，请勿修改工作表名称", FillSheet)
		return u
	}
	rows, err := rd.rows(FillSheet)
	if err != nil {
		rd.add(FillSheet, 0, 0, "工作表无法读取，请重新下载模板")
		return u
	}
	byItem := make(map[string]int, len(m.Rows))
	for i, mr := range m.Rows {
		byItem[mr.Item] = i
	}
	seenAt := make(map[string]int, len(m.Rows))
	for i := fillFirstRow - 1; i < len(rows); i++ {
		row := i + 1
		cells := rows[i]
		if rowEmpty(cells) {
			continue
		}
		get := func(c int) string {
			if c-1 < len(cells) {
				return cells[c-1]
			}
			return ""
		}
		item := strings.TrimSpace(get(colItem))
		if item == "" {
			rd.add(FillSheet, row, colItem, "该行没有事项编号，不是模板中的行；请勿增加行，在模板已有的行中填写")
			continue
		}
		k, ok := byItem[item]
		if !ok {
			rd.add(FillSheet, row, colItem, "事项编号“%s”不在本单位本期的模板中，请勿修改事项编号或从其他表格复制行", clip(item, 40))
			continue
		}
		if first, dup := seenAt[item]; dup {
			rd.add(FillSheet, row, colItem, "事项“%s”重复出现（第 %d 行已有），请删除重复的行", item, first)
			continue
		}
		seenAt[item] = row
		if r, ok := rd.readRow(row, get, m.Rows[k]); ok {
			if r != nil {
				u.Rows = append(u.Rows, *r)
			} else if m.Rows[k].Prefill != "" {
				u.Prefilled = append(u.Prefilled, item)
			} else {
				u.Blank = append(u.Blank, item)
			}
		}
	}
	for _, mr := range m.Rows {
		if _, ok := seenAt[mr.Item]; !ok {
			rd.add(FillSheet, mr.Row, colItem, "缺少事项“%s”所在的行，请勿删除行；请重新下载模板", mr.Item)
		}
	}
	return u
}

func rowEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// readRow checks one row of the fill-in sheet against its metadata and
// returns what the unit filled in: nil for a blank or pre-filled row. ok
// is false if the row has a problem.
func (rd *reader) readRow(row int, get func(int) string, mr metaRow) (*UploadRow, bool) {
	before := len(rd.problems)
	for c := 1; c <= numCols && !rd.plain; c++ {
		if fm, err := rd.f.GetCellFormula(FillSheet, cellName(c, row)); err == nil && fm != "" {
			rd.add(FillSheet, row, c, "不允许使用公式，请直接填写数值或文字")
		}
	}
	if len(rd.problems) > before {
		return nil, false
	}
	// Locked cells must hold what the template wrote.
	type lockedCell struct {
		col    int
		want   string
		number bool
	}
	locked := []lockedCell{
		{colSeq, strconv.Itoa(mr.Row - fillFirstRow + 1), true},
		{colKind, kindLabel(mr.Kind), false},
		{colSection, mr.Section, false},
		{colCommitment, mr.Commitment, false},
		{colTarget, mr.Target, false},
		{colMeasure, mr.Measure, false},
		{colGoal, mr.Goal, true},
		{colPrevious, mr.Previous, true},
		{colSource, mr.Source, false},
	}
	if mr.Prefill != "" {
		locked = append(locked, lockedCell{colValue, mr.Prefill, true},
			lockedCell{colStatus, "", false}, lockedCell{colDone, "", false}, lockedCell{colNarrative, "", false})
	}
	for _, l := range locked {
		if !sameCell(get(l.col), l.want, l.number) {
			name := strings.TrimSuffix(fillHeaders()[l.col-1].header, "（填）")
			if mr.Prefill != "" && l.col >= colValue && l.col <= colNarrative {
				rd.add(FillSheet, row, l.col, "该事项系统已有数据（%s），已锁定，无需也不能修改；请恢复原样", mr.Source)
			} else if l.want == "" {
				rd.add(FillSheet, row, l.col, "“%s”列是锁定的，应为空，请恢复原样", name)
			} else {
				rd.add(FillSheet, row, l.col, "“%s”列是锁定的，不能修改（原为“%s”），请恢复原值", name, clip(l.want, 30))
			}
		}
	}
	if mr.Prefill != "" {
		return nil, len(rd.problems) == before
	}

	out := UploadRow{Row: row, Item: mr.Item, Kind: mr.Kind, Measure: mr.Measure}
	rawValue := strings.TrimSpace(get(colValue))
	hasValue := rawValue != ""
	if hasValue {
		if v, msg := rd.parseValue(row, rawValue, mr); msg != "" {
			rd.add(FillSheet, row, colValue, "%s", msg)
		} else {
			out.Value = v
		}
	}
	out.Status = strings.TrimSpace(get(colStatus))
	if out.Status != "" && !isStatus(out.Status) {
		rd.add(FillSheet, row, colStatus, "进展状态“%s”不在下拉列表中，请选择：%s", clip(out.Status, 20), strings.Join(Statuses(), "、"))
	}
	if raw := strings.TrimSpace(get(colDone)); raw != "" {
		if t, msg := rd.parseDate(row, raw); msg != "" {
			rd.add(FillSheet, row, colDone, "%s", msg)
		} else {
			out.Done = t
		}
	}
	out.Narrative = strings.TrimSpace(get(colNarrative))
	if n := utf8.RuneCountInString(out.Narrative); n > NarrativeMax {
		rd.add(FillSheet, row, colNarrative, "进展情况有 %d 字，超过 %d 字的上限，请精简", n, NarrativeMax)
	} else if !utf8.ValidString(out.Narrative) {
		rd.add(FillSheet, row, colNarrative, "进展情况含有无法识别的字符")
	} else if formulaLike(out.Narrative) {
		rd.add(FillSheet, row, colNarrative, "进展情况不能以“%s”开头（可能被当作公式执行），请删去开头的符号", string([]rune(out.Narrative)[:1]))
	}
	if !hasValue && (out.Status != "" || out.Narrative != "" || !out.Done.IsZero()) {
		rd.add(FillSheet, row, colValue, "已填写进展，但未填写本期累计值")
	}
	if hasValue && len(rd.problems) == before && mr.Kind == KindCommitment {
		// The share of work done and the status must agree.
		switch {
		case out.Status == "已完成" && out.Value.Cmp(decimal.Int(100)) != 0:
			rd.add(FillSheet, row, colStatus, "进展状态为“已完成”，但完成比例是 %s；已完成的请填 100，否则请改选状态", out.Value)
		case out.Status == "未开展" && out.Value.Sign() != 0:
			rd.add(FillSheet, row, colStatus, "进展状态为“未开展”，但完成比例是 %s；请核对", out.Value)
		}
	}
	if len(rd.problems) > before {
		return nil, false
	}
	if !hasValue {
		return nil, true
	}
	return &out, true
}

// cellType returns the type of a cell of the fill-in sheet; CellTypeUnset
// (a number or a string) when the workbook is plain.
func (rd *reader) cellType(row, col int) excelize.CellType {
	if rd.plain {
		return excelize.CellTypeUnset
	}
	t, err := rd.f.GetCellType(FillSheet, cellName(col, row))
	if err != nil {
		return excelize.CellTypeUnset
	}
	return t
}

// sameCell reports whether a locked cell's raw text still says want.
func sameCell(got, want string, number bool) bool {
	if got == want {
		return true
	}
	if !number || got == "" || want == "" {
		return false
	}
	g, ok := excelNumber(got)
	if !ok {
		gd, err := decimal.Parse(strings.TrimSpace(got))
		if err != nil {
			return false
		}
		g = gd
	}
	w, err := decimal.Parse(want)
	return err == nil && g.Cmp(w) == 0
}

func isStatus(s string) bool {
	for _, st := range Statuses() {
		if s == st {
			return true
		}
	}
	return false
}

// formulaLike reports whether text starts the way a formula does in a
// spreadsheet, so that exporting it again could run it: =cmd|…, +…, @…, a
// tab or carriage return, or a minus before a letter or before anything
// with formula punctuation (-2+3+cmd|…). A minus before Chinese text, as a
// bullet, is fine.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
		return true
	case '-':
		if len(s) > 1 && (s[1] >= 'a' && s[1] <= 'z' || s[1] >= 'A' && s[1] <= 'Z') {
			return true
		}
		return strings.ContainsAny(s, "=+(|!")
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r == '＝' || r == '＋' || r == '＠'
}

// parseValue reads the 本期累计值 cell of a row. It returns the value, or a
// message saying what is wrong.
func (rd *reader) parseValue(row int, raw string, mr metaRow) (decimal.Decimal, string) {
	var v decimal.Decimal
	typ := rd.cellType(row, colValue)
	switch typ {
	case excelize.CellTypeBool:
		return v, "应填写数字，不能是逻辑值（TRUE/FALSE）"
	case excelize.CellTypeError:
		return v, "单元格是错误值（如 #DIV/0!），请填写数字"
	}
	text := typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeFormula
	if !text && numberLiteral.MatchString(raw) {
		// A number cell, read as Excel means it.
		n, ok := excelNumber(raw)
		if !ok {
			return v, fmt.Sprintf("“%s”不是有效的数字", clip(raw, 20))
		}
		v = n
	} else {
		// Text: a number typed as text, perhaps with its unit.
		if utf8.RuneCountInString(raw) > maxCellChars {
			return v, "不是数字（内容过长），请只填写数字"
		}
		s := strings.ReplaceAll(width.Narrow.String(raw), ",", "")
		s = strings.TrimSpace(s)
		num, unit := splitNumber(s)
		if num == "" {
			return v, fmt.Sprintf("“%s”不是数字，请只填写数字", clip(raw, 20))
		}
		unit = strings.TrimSpace(unit)
		measure := width.Narrow.String(mr.Measure)
		if mr.Kind == KindCommitment {
			measure = luoshi.PercentUnit
		}
		if unit != "" && unit != measure {
			if mr.Measure == "" {
				return v, fmt.Sprintf("请只填写数字，不要带“%s”", clip(unit, 10))
			}
			return v, fmt.Sprintf("计量单位应为“%s”，填写的是“%s”；请换算后只填写数字", mr.Measure, clip(unit, 10))
		}
		n, err := decimal.Parse(num)
		if err != nil {
			return v, fmt.Sprintf("“%s”不是有效的数字", clip(raw, 20))
		}
		v = n
	}
	if v.Sign() < 0 {
		return v, fmt.Sprintf("不能为负数（填写的是 %s）", v)
	}
	if mr.Kind == KindCommitment && v.Cmp(decimal.Int(100)) > 0 {
		return v, fmt.Sprintf("完成比例应在 0 到 100 之间（填写的是 %s）", v)
	}
	if mr.Cumulative && mr.Previous != "" {
		if prev, err := decimal.Parse(mr.Previous); err == nil && v.Cmp(prev) < 0 {
			return v, fmt.Sprintf("累计值 %s 小于上期累计 %s；请填写自年初起的累计数", v, prev)
		}
	}
	return v, ""
}

// numberLiteral matches the raw text of a number cell.
var numberLiteral = regexp.MustCompile(`^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// splitNumber splits s into a leading decimal number and the rest.
func splitNumber(s string) (num, rest string) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, dot := 0, false
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
		} else if c == '.' && !dot {
			dot = true
		} else {
			break
		}
		i++
	}
	if digits == 0 {
		return "", s
	}
	return s[:i], s[i:]
}

// parseDate reads the 完成时间 cell: a date serial number or a date typed
// as text.
func (rd *reader) parseDate(row int, raw string) (time.Time, string) {
	bad := fmt.Sprintf("“%s”不是日期，请按 2025-03-31 的格式填写", clip(raw, 20))
	var t time.Time
	typ := rd.cellType(row, colDone)
	switch typ {
	case excelize.CellTypeBool, excelize.CellTypeError:
		return t, bad
	}
	text := typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeFormula
	ok := false
	if !text {
		if numberLiteral.MatchString(raw) {
			serial, err := strconv.ParseFloat(raw, 64)
			if err != nil || serial < 1 || serial > 2958465 {
				return t, bad
			}
			d, err := excelize.ExcelDateToTime(serial, false)
			if err != nil {
				return t, bad
			}
			t, ok = d, true
		} else if d, err := time.Parse(time.RFC3339, raw); err == nil { // a t="d" cell
			t, ok = d, true
		}
	}
	if !ok {
		if utf8.RuneCountInString(raw) > maxCellChars {
			return t, bad
		}
		s := width.Narrow.String(raw)
		for _, layout := range []string{"2006-01-02", "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日", "20060102"} {
			if d, err := time.Parse(layout, s); err == nil {
				t, ok = d, true
				break
			}
		}
		if !ok {
			return t, bad
		}
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, fmt.Sprintf("日期“%s”超出合理范围", t.Format("2006-01-02"))
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), ""
}
