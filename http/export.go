package http

import (
	"fmt"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// tasksExport writes the task list's current view (same filters, search
// and sort, every page) as an Excel workbook.
func (s *Server) tasksExport(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t := parseTaskQuery(r.URL.Query())
	t.Mine = s.actor(r).Unit
	rows := t.filter(v)
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "任务清单"
	f.SetSheetName("Sheet1", sheet)
	head := []any{"编号", "章节", "任务内容", "量化目标", "牵头单位", "责任单位", "状态", "完成度", "序时进度"}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		s.fail(w, r, fmt.Errorf("export: %w", err))
		return
	}
	for i, rw := range rows {
		var ts []string
		for _, tg := range rw.Targets {
			ts = append(ts, tg.Object+" "+tg.Text)
		}
		vals := []any{rw.ID, rw.SectionName, rw.Text, strings.Join(ts, "；"), rw.LeadName, strings.Join(rw.Co, "、"),
			rw.Status.Status.Label(), rw.Status.Ratio, rw.Status.Expected}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			s.fail(w, r, fmt.Errorf("export: %w", err))
			return
		}
	}
	pctStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
	wrap, _ := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E8EAED"}}})
	if n := len(rows) + 1; n > 1 {
		f.SetCellStyle(sheet, "H2", fmt.Sprintf("I%d", n), pctStyle)
		f.SetCellStyle(sheet, "C2", fmt.Sprintf("D%d", n), wrap)
	}
	f.SetCellStyle(sheet, "A1", "I1", bold)
	for col, wd := range map[string]float64{"A": 8, "B": 24, "C": 60, "D": 28, "E": 18, "F": 18, "G": 10, "H": 10, "I": 10} {
		f.SetColWidth(sheet, col, col, wd)
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	name := fmt.Sprintf("任务清单-%s.xlsx", s.cfg.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102"))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"tasks.xlsx\"; filename*=UTF-8''"+urlPathEscape(name))
	if err := f.Write(w); err != nil {
		s.cfg.Logger.Error("export", "err", err)
	}
}
