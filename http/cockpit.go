package http

import (
	nethttp "net/http"
	"net/url"
	"sort"

	"luoshi"
	"luoshi/workbook"
)

// keyTarget is a numeric target on the cockpit.
type keyTarget struct {
	Target     luoshi.Target
	Commitment string
	Ratio      float64
	Expected   float64
	Status     luoshi.Status
	Unit       string
}

// cockpit is 驾驶舱: counts by status, completion against expected progress
// by section, unit and region, the numeric targets and open alerts, each
// figure a link to the tasks behind it.
func (s *Server) cockpit(w nethttp.ResponseWriter, r *nethttp.Request) {
	if a := s.actor(r); !a.Office() {
		// A unit sees its own tasks only: its page is its cockpit.
		nethttp.Redirect(w, r, "/units/"+url.PathEscape(a.Unit), nethttp.StatusFound)
		return
	}
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep := v.Report
	var sections []figure
	for _, sec := range v.planSections() {
		for _, ru := range rep.BySection {
			if ru.Key == sec.ID {
				f := s.rollupFigure(ru, v.SectionName[sec.ID])
				if sec.Level == 1 {
					f.Name = "【" + sec.Title + "】"
				}
				sections = append(sections, f)
			}
		}
	}
	var units []figure
	for _, ru := range rep.ByUnit {
		if ru.Key != "" {
			units = append(units, s.rollupFigure(ru, v.unitName(ru.Key)))
		}
	}
	sort.SliceStable(units, func(i, j int) bool {
		gi, gj := units[i].Completion-units[i].Expected, units[j].Completion-units[j].Expected
		return gi < gj
	})
	if len(units) > 12 {
		units = units[:12]
	}
	var targets []keyTarget
	for _, t := range v.Plan.Targets {
		st := v.TStatus[t.ID]
		targets = append(targets, keyTarget{Target: t, Commitment: t.Commitment, Ratio: st.Ratio, Expected: st.Expected, Status: st.Status, Unit: v.unitName(st.Unit)})
	}
	alerts, err := s.cfg.Store.Alerts(r.Context(), luoshi.AlertFilter{PlanID: v.Info.ID, Open: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	alerts = openAlerts(alerts, s.current(v))
	nOpen := len(alerts)
	if len(alerts) > 8 {
		alerts = alerts[:8]
	}
	cities, byPlans, err := s.regionFigures(r.Context(), v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total := s.rollupFigure(rep.Total, "全部任务")
	// 报表通: what units typed against what the reports used, and what the
	// system filled in instead of asking.
	var burden workbook.Burden
	for _, b := range workbook.Burdens(v.In) {
		burden.Typed += b.Typed
		burden.Used += b.Used
		burden.Prefilled += b.Prefilled
		burden.Copied += b.Copied
	}
	s.render(w, r, nethttp.StatusOK, "cockpit", s.pageFor(r, v, "驾驶舱", "cockpit"), map[string]any{
		"Burden": burden,
		"Info":   v.Info, "Total": total, "Expected": rep.Expected, "DuePeriod": rep.DuePeriod,
		"Sections": sections, "Units": units, "Targets": targets, "Alerts": s.alertRows(v, alerts), "OpenAlerts": nOpen,
		"TileMap": tileMap(tiles(cities)), "ByPlans": byPlans, "Commitments": len(v.Plan.Commitments),
	})
}
