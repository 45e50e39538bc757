package workbook

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"luoshi/decimal"
	"luoshi/xlsx"
)

// Fill columns of the sheet 填报表 (xlsx.FillSheet): items start on row 3.
const (
	fillFirstRow  = 3
	ValueColumn   = "J" // 本期累计值
	StatusColumn  = "K" // 进展状态
	NarrColumn    = "M" // 进展情况
	firstItemCell = "B" // 事项编号
)

// Entry is what a unit types into one row of a template.
type Entry struct {
	Value     string // as typed; "" leaves the row blank
	Narrative string
}

// Fill returns the workbook data (a template t as WriteTemplate wrote it)
// with the entries typed into their rows, as a unit filling it in Excel
// would; entry gives the entry of each row, ok false to skip it.
func Fill(data []byte, t xlsx.Template, entry func(xlsx.TemplateRow) (Entry, bool)) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("workbook: fill: %w", err)
	}
	defer f.Close()
	for i, r := range t.Rows {
		e, ok := entry(r)
		if !ok || r.Prefill != nil {
			continue
		}
		row := fillFirstRow + i
		if got, err := f.GetCellValue(xlsx.FillSheet, fmt.Sprintf("%s%d", firstItemCell, row)); err != nil || got != r.Item {
			return nil, fmt.Errorf("workbook: fill: row %d holds %q, not item %s", row, got, r.Item)
		}
		if e.Value != "" {
			v := any(e.Value)
			if d, err := decimal.Parse(e.Value); err == nil {
				v = d.Float64()
			}
			if err := f.SetCellValue(xlsx.FillSheet, fmt.Sprintf("%s%d", ValueColumn, row), v); err != nil {
				return nil, fmt.Errorf("workbook: fill: %w", err)
			}
		}
		if e.Narrative != "" {
			if err := f.SetCellStr(xlsx.FillSheet, fmt.Sprintf("%s%d", NarrColumn, row), e.Narrative); err != nil {
				return nil, fmt.Errorf("workbook: fill: %w", err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("workbook: fill: %w", err)
	}
	return buf.Bytes(), nil
}

// Plausible returns a value a unit could report for row r: the previous
// period's value plus one for a cumulative item, half the goal otherwise
// (at most 100 for a share of work done). Load tests and examples use it.
func Plausible(r xlsx.TemplateRow) decimal.Decimal {
	if r.Previous != nil {
		v := r.Previous.Add(decimal.Int(1))
		if r.Kind == xlsx.KindCommitment && v.Cmp(decimal.Int(100)) > 0 {
			return decimal.Int(100)
		}
		if !r.Cumulative {
			return *r.Previous
		}
		return v
	}
	if r.Goal != nil && r.Kind == xlsx.KindTarget {
		return r.Goal.Quo(decimal.Int(2), 0)
	}
	return decimal.Int(50)
}
