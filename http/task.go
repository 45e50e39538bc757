package http

import (
	"html/template"
	nethttp "net/http"
	"sort"

	"luoshi"
	"luoshi/monitor"
)

// itemPanel is one target (or a commitment without targets) on the task
// page: its status, quotas and chart.
type itemPanel struct {
	ID       string
	Target   *luoshi.Target
	Status   monitor.ItemStatus
	Quotas   []quotaRow
	Chart    template.HTML
	Unit     string // what reports are measured in
	HasChart bool
	// Indicator is the indicator (报表通) the target is bound to, if any.
	Indicator *luoshi.Indicator
}

type quotaRow struct {
	Unit, Name string
	Value      string
	Ratio      float64
	Status     luoshi.Status
}

// task is 任务详情: the source sentence in context, targets, assignment and
// quotas, a chart of progress against the expected line, the reports and
// the alerts.
func (s *Server) task(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	ci, ok := v.Commitment[id]
	if !ok {
		if ti, ok2 := v.Target[id]; ok2 {
			nethttp.Redirect(w, r, "/tasks/"+v.Plan.Targets[ti].Commitment, nethttp.StatusFound)
			return
		}
		s.fail(w, r, notFound("计划中没有任务 %s", id))
		return
	}
	c := v.Plan.Commitments[ci]
	if a := s.actor(r); !a.Office() && !v.involved(a.Unit)[c.ID] {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "%s 不承担任务 %s：单位只能查看本单位的任务。", a.Name, c.ID))
		return
	}
	rw := v.row(c)
	a := v.Lead[c.ID]
	reps := v.reportsByDuty()
	items := map[string]bool{}
	var panels []itemPanel
	if len(c.Targets) == 0 {
		items[c.ID] = true
		panels = append(panels, itemPanel{ID: c.ID, Status: v.CStatus[c.ID], Unit: luoshi.PercentUnit})
	}
	for _, ti := range c.Targets {
		t := v.Plan.Targets[ti]
		items[t.ID] = true
		p := itemPanel{ID: t.ID, Target: &t, Status: v.TStatus[t.ID], Unit: t.Unit}
		if ind, ok := v.In.Indicators[t.ID]; ok {
			p.Indicator = &ind
		}
		for _, q := range v.In.Quotas[t.ID] {
			qr := quotaRow{Unit: q.Unit, Name: v.unitName(q.Unit), Value: q.Value.String(), Status: luoshi.StatusNotReported}
			if rs := reps[t.ID+"|"+q.Unit]; rs != nil {
				if rs.Approved != nil {
					qr.Ratio = rs.Approved.Ratio
				}
				qr.Status = monitor.Classify(qr.Ratio, v.Report.Expected, v.Report.DueSeq == 0 || rs.ReportedSeq >= v.Report.DueSeq, s.cfg.Monitor)
			}
			p.Quotas = append(p.Quotas, qr)
		}
		panels = append(panels, p)
	}
	for i := range panels {
		p := &panels[i]
		var pts []chartPoint
		byPeriod := map[string]float64{}
		for _, pr := range v.In.Progress {
			if pr.Item == p.ID && pr.Unit == a.Lead && pr.State == luoshi.StateApproved {
				byPeriod[pr.Period] = pr.Ratio
			}
		}
		for _, per := range v.In.Periods {
			ratio, has := byPeriod[per.Key]
			pts = append(pts, chartPoint{Label: per.Key, Ratio: ratio, Has: has})
		}
		p.HasChart = len(byPeriod) > 0
		p.Chart = progressChart(pts, "进度曲线："+p.ID+"（"+v.unitName(a.Lead)+"）")
	}
	var history []historyRow
	for _, pr := range v.In.Progress {
		if items[pr.Item] {
			history = append(history, historyRow{Progress: pr, UnitName: v.unitName(pr.Unit)})
		}
	}
	sort.SliceStable(history, func(i, j int) bool {
		if history[i].Period != history[j].Period {
			return history[i].Period > history[j].Period
		}
		return history[i].UnitName < history[j].UnitName
	})
	const maxHistory = 40
	moreHistory := len(history) - maxHistory
	if moreHistory > 0 {
		history = history[:maxHistory]
	}
	as, err := s.cfg.Store.Alerts(r.Context(), luoshi.AlertFilter{PlanID: v.Info.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var mine []luoshi.Alert
	for _, al := range as {
		if items[al.Item] || al.Item == c.ID {
			mine = append(mine, al)
		}
	}
	before, after := sourceContext(v.Plan.Source, c.Span, 160)
	s.render(w, r, nethttp.StatusOK, "task", s.pageFor(r, v, "任务 "+c.ID, "tasks"), map[string]any{
		"C": c, "Row": rw, "Assignment": a, "Panels": panels, "History": history, "MoreHistory": moreHistory, "Alerts": s.alertRows(v, mine),
		"Before": before, "Marked": spanText(v.Plan.Source, c.Span), "After": after,
	})
}

// historyRow is one report in a task's history.
type historyRow struct {
	luoshi.Progress
	UnitName string
}

// spanText returns the characters of text that span covers.
func spanText(text string, sp luoshi.Span) string {
	rs := []rune(text)
	if sp.Start < 0 || sp.End > len(rs) || sp.Start >= sp.End {
		return ""
	}
	return string(rs[sp.Start:sp.End])
}

// sourceContext returns up to n characters before and after span, cut at
// paragraph breaks.
func sourceContext(text string, sp luoshi.Span, n int) (string, string) {
	rs := []rune(text)
	if sp.Start < 0 || sp.End > len(rs) || sp.Start >= sp.End {
		return "", ""
	}
	from := max(0, sp.Start-n)
	for i := sp.Start - 1; i >= from; i-- {
		if rs[i] == '\n' {
			from = i + 1
			break
		}
	}
	to := min(len(rs), sp.End+n)
	for i := sp.End; i < to; i++ {
		if rs[i] == '\n' {
			to = i
			break
		}
	}
	return string(rs[from:sp.Start]), string(rs[sp.End:to])
}
