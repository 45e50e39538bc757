package xlsx

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ErrorFill is the fill colour MarkErrors gives a bad cell.
const ErrorFill = "#FF8080"

// commentAuthor signs the comments MarkErrors adds.
const commentAuthor = "落实系统"

// MarkErrors returns a copy of the workbook src with the cell of every
// problem filled red (ErrorFill) and a comment on it giving the message;
// a problem of a whole row marks its 事项编号 cell. It also adds a sheet
// 错误清单 listing every problem, including those of the workbook as a
// whole, and opens the copy on it. Everything the unit typed stays as it
// was, so the unit fixes the marked cells and uploads the copy again. A
// cell keeps its other formatting and its protection.
func MarkErrors(src []byte, problems []Problem) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(src), excelize.Options{
		UnzipSizeLimit: maxUnzipBytes, UnzipXMLSizeLimit: maxUnzipBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("xlsx: mark errors: open: %w", err)
	}
	defer f.Close()
	if err := markErrors(f, problems); err != nil {
		return nil, fmt.Errorf("xlsx: mark errors: %w", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("xlsx: mark errors: write: %w", err)
	}
	return buf.Bytes(), nil
}

func markErrors(f *excelize.File, problems []Problem) error {
	sheets := make(map[string]bool)
	for _, s := range f.GetSheetList() {
		sheets[s] = true
	}
	type key struct{ sheet, cell string }
	var order []key
	msgs := make(map[key][]string)
	for _, p := range problems {
		if !sheets[p.Sheet] || p.Row <= 0 || p.Sheet == ErrorSheet {
			continue
		}
		col := p.Column
		if col == "" {
			col = columnName(colItem)
		}
		if _, _, err := excelize.CellNameToCoordinates(col + fmt.Sprint(p.Row)); err != nil {
			continue
		}
		k := key{p.Sheet, col + fmt.Sprint(p.Row)}
		if _, ok := msgs[k]; !ok {
			order = append(order, k)
		}
		msgs[k] = append(msgs[k], p.Message)
	}
	styles := make(map[int]int) // original style id → marked style id
	for _, k := range order {
		id, err := f.GetCellStyle(k.sheet, k.cell)
		if err != nil {
			return err
		}
		marked, ok := styles[id]
		if !ok {
			st, err := f.GetStyle(id)
			if err != nil || st == nil {
				st = &excelize.Style{}
			}
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{ErrorFill}}
			if st.Protection == nil {
				// A cell without protection settings is locked; say so
				// explicitly so the copy keeps it that way.
				st.Protection = &excelize.Protection{Locked: true}
			}
			if marked, err = f.NewStyle(st); err != nil {
				return err
			}
			styles[id] = marked
		}
		if err := f.SetCellStyle(k.sheet, k.cell, k.cell, marked); err != nil {
			return err
		}
		if err := f.DeleteComment(k.sheet, k.cell); err != nil {
			return err
		}
		text := strings.Join(msgs[k], "\n")
		if err := f.AddComment(k.sheet, excelize.Comment{
			Cell: k.cell, Author: commentAuthor,
			Paragraph: []excelize.RichTextRun{
				{Text: commentAuthor + "：\n", Font: &excelize.Font{Bold: true}},
				{Text: text},
			},
			Width: 300, Height: uint(60 + 20*len(msgs[k])),
		}); err != nil {
			return err
		}
	}
	return writeErrorSheet(f, problems, sheets[ErrorSheet])
}

func writeErrorSheet(f *excelize.File, problems []Problem, exists bool) error {
	if exists {
		if err := f.DeleteSheet(ErrorSheet); err != nil {
			return err
		}
	}
	idx, err := f.NewSheet(ErrorSheet)
	if err != nil {
		return err
	}
	sw := &cellWriter{f: f, sheet: ErrorSheet}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	sw.str(1, 1, fmt.Sprintf("本次上传有 %d 处问题，整份未入库。请修改标红的单元格（批注中有说明）后重新上传。", len(problems)), bold)
	for i, h := range []string{"工作表", "单元格", "问题"} {
		sw.str(i+1, 2, h, bold)
	}
	for i, p := range problems {
		row := 3 + i
		where := p.Cell()
		if where == "" && p.Row > 0 {
			where = fmt.Sprintf("第%d行", p.Row)
		}
		sw.str(1, row, p.Sheet, wrap)
		sw.str(2, row, where, wrap)
		sw.str(3, row, p.Message, wrap)
	}
	sw.do(f.SetColWidth(ErrorSheet, "A", "A", 12))
	sw.do(f.SetColWidth(ErrorSheet, "B", "B", 10))
	sw.do(f.SetColWidth(ErrorSheet, "C", "C", 90))
	if sw.err != nil {
		return sw.err
	}
	f.SetActiveSheet(idx)
	return nil
}
