package http

import (
	nethttp "net/http"
	"sort"

	"luoshi"
	"luoshi/monitor"
)

// unitFigure is a unit's line in the units table.
type unitFigure struct {
	figure
	OnTime float64 // share of its tasks reported for the due period
}

func onTime(f figure) float64 {
	if f.Total == 0 {
		return 0
	}
	return 1 - float64(f.Counts[luoshi.StatusNotReported.Index()])/float64(f.Total)
}

// units is 单位: every unit that leads commitments, with completion against
// expected progress, on-time rate and lagging items.
func (s *Server) units(w nethttp.ResponseWriter, r *nethttp.Request) {
	if err := requireOffice(s.actor(r), "查看各单位对比"); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []unitFigure
	for _, ru := range v.Report.ByUnit {
		if ru.Key == "" {
			continue
		}
		f := s.rollupFigure(ru, v.unitName(ru.Key))
		rows = append(rows, unitFigure{f, onTime(f)})
	}
	switch r.URL.Query().Get("sort") {
	case "name":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	case "tasks":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Total > rows[j].Total })
	default:
		sort.SliceStable(rows, func(i, j int) bool {
			return rows[i].Completion-rows[i].Expected < rows[j].Completion-rows[j].Expected
		})
	}
	unassigned := 0
	for _, c := range v.Plan.Commitments {
		if _, ok := v.Lead[c.ID]; !ok {
			unassigned++
		}
	}
	s.render(w, r, nethttp.StatusOK, "units", s.pageFor(r, v, "单位", "units"), map[string]any{"Rows": rows, "Unassigned": unassigned})
}

// unit is one department's or city's page: its tasks, on-time rate and
// lagging items.
func (s *Server) unit(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := r.PathValue("code")
	if a := s.actor(r); !a.Office() && a.Unit != code {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "单位只能查看本单位的页面；当前身份为%s。", a.Name))
		return
	}
	u, ok := v.Units[code]
	if !ok {
		s.fail(w, r, notFound("没有单位 %s", code))
		return
	}
	var led, co []row
	for _, c := range v.Plan.Commitments {
		a := v.Lead[c.ID]
		if a.Lead == code {
			led = append(led, v.row(c))
			continue
		}
		for _, x := range a.Co {
			if x == code {
				co = append(co, v.row(c))
			}
		}
	}
	var f figure
	for _, ru := range v.Report.ByUnit {
		if ru.Key == code {
			f = s.rollupFigure(ru, u.Name)
		}
	}
	var city *figure
	if u.Kind == luoshi.UnitCity {
		for _, cf := range s.cityFigures(v) {
			if cf.Key == code {
				cf := cf
				city = &cf
			}
		}
	}
	var lagging []row
	for _, rw := range led {
		if rw.Status.Status == luoshi.StatusBehind || rw.Status.Status == luoshi.StatusSeverelyBehind || rw.Status.Status == luoshi.StatusNotReported {
			lagging = append(lagging, rw)
		}
	}
	duties := v.duties(code)
	fill(v, duties, code, v.lastDue())
	reps := v.reportsByDuty()
	rows := make([]dutyRow, 0, len(duties))
	for _, d := range duties {
		dr := dutyRow{formRow: d}
		reported := v.Report.DueSeq == 0
		if rs := reps[d.Item+"|"+code]; rs != nil {
			if rs.Approved != nil {
				dr.Ratio = rs.Approved.Ratio
			}
			reported = reported || rs.ReportedSeq >= v.Report.DueSeq
		}
		dr.Status = monitor.Classify(dr.Ratio, v.Report.Expected, reported, s.cfg.Monitor)
		rows = append(rows, dr)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Status.Index() > rows[j].Status.Index() })
	rate := onTime(f)
	lagCount := len(lagging)
	if city != nil {
		rate = onTime(*city)
		lagCount = city.Lagging + city.Counts[luoshi.StatusNotReported.Index()]
	}
	s.render(w, r, nethttp.StatusOK, "unit", s.pageFor(r, v, u.Name, "units"), map[string]any{
		"U": u, "F": f, "OnTime": rate, "LagCount": lagCount, "Led": led, "Co": co, "Lagging": lagging, "City": city, "Duties": rows,
	})
}

// dutyRow is one item a unit reports, judged.
type dutyRow struct {
	formRow
	Ratio  float64
	Status luoshi.Status
}

// lastDue returns the due period of the judgement, or the first period.
func (v *view) lastDue() luoshi.Period {
	for _, p := range v.In.Periods {
		if p.Key == v.Report.DuePeriod {
			return p
		}
	}
	if len(v.In.Periods) > 0 {
		return v.In.Periods[0]
	}
	return luoshi.Period{}
}

// regions is 地区: the 21 市州 side by side and a tile map of Sichuan
// coloured by completion against expected progress.
func (s *Server) regions(w nethttp.ResponseWriter, r *nethttp.Request) {
	if err := requireOffice(s.actor(r), "查看市州对比"); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cities, byPlans, err := s.regionFigures(r.Context(), v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]unitFigure, 0, len(cities))
	for _, c := range cities {
		rows = append(rows, unitFigure{c, onTime(c)})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Completion > rows[j].Completion })
	s.render(w, r, nethttp.StatusOK, "regions", s.pageFor(r, v, "地区", "regions"), map[string]any{"Rows": rows, "TileMap": tileMap(tiles(cities)), "ByPlans": byPlans})
}
