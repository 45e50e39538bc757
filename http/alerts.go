package http

import (
	"context"
	nethttp "net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"luoshi"
	"luoshi/monitor"
)

// alertRow is an alert as tables show it.
type alertRow struct {
	luoshi.Alert
	UnitName string
	Task     string // commitment the item belongs to
	Text     string
	Resolved bool // a scan now no longer finds it
}

// current returns the keys of the alerts a scan of v finds now. The store
// keeps every alert ever found; one that is no longer found (the report
// came in, the item caught up) is resolved.
func (s *Server) current(v *view) map[string]bool {
	v.alertsOnce.Do(func() {
		v.alertKeys = map[string]bool{}
		for _, a := range monitor.Alerts(v.In, v.Report, s.cfg.Monitor) {
			v.alertKeys[a.Key()] = true
		}
	})
	return v.alertKeys
}

// openAlerts drops from as the alerts that are resolved.
func openAlerts(as []luoshi.Alert, cur map[string]bool) []luoshi.Alert {
	out := as[:0:0]
	for _, a := range as {
		if cur[a.Key()] {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) alertRows(v *view, as []luoshi.Alert) []alertRow {
	out := make([]alertRow, 0, len(as))
	cur := s.current(v)
	for _, a := range as {
		row := alertRow{Alert: a, UnitName: v.unitName(a.Unit), Task: a.Item, Resolved: !cur[a.Key()]}
		if i, ok := v.Target[a.Item]; ok {
			row.Task = v.Plan.Targets[i].Commitment
		}
		if i, ok := v.Commitment[row.Task]; ok {
			row.Text = v.Plan.Commitments[i].Text
		}
		out = append(out, row)
	}
	return out
}

// ScanAlerts judges the latest plan of the province at the server's clock
// and stores the alerts found; alerts already stored keep their
// acknowledgement.
func (s *Server) ScanAlerts(ctx context.Context) error {
	r, _ := nethttp.NewRequestWithContext(ctx, nethttp.MethodGet, "/", nil)
	v, err := s.load(r)
	if err != nil {
		return err
	}
	return s.scan(ctx, v)
}

func (s *Server) scan(ctx context.Context, v *view) error {
	return s.cfg.Store.SaveAlerts(ctx, monitor.Alerts(v.In, v.Report, s.cfg.Monitor))
}

// alerts is 预警: the plan's alerts, filtered by kind, unit and whether
// they are still open, each with a form to acknowledge it.
func (s *Server) alerts(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	a := s.actor(r)
	f := luoshi.AlertFilter{PlanID: v.Info.ID, Kind: q.Get("kind"), Unit: q.Get("unit"), Open: q.Get("all") == ""}
	if !a.Office() {
		f.Unit = a.Unit
	}
	as, err := s.cfg.Store.Alerts(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Open {
		as = openAlerts(as, s.current(v))
	}
	const limit = 200
	total := len(as)
	if len(as) > limit {
		as = as[:limit]
	}
	kinds := []string{luoshi.AlertBehind, luoshi.AlertOverdue, luoshi.AlertStale, luoshi.AlertImplausible, luoshi.AlertDeadlineNear}
	s.render(w, r, nethttp.StatusOK, "alerts", s.pageFor(r, v, "预警", "alerts"), map[string]any{
		"Alerts": s.alertRows(v, as), "Total": total, "Limit": limit, "Kinds": kinds, "Kind": f.Kind, "Unit": f.Unit,
		"All": !f.Open, "Units": unitOptions(v), "Cities": cityOptions(v), "Errors": map[string]string{}, "Failed": int64(0), "Note": "",
	})
}

// alertAck acknowledges an alert with a note; a missing or overlong note
// shows again beside the field with what was typed.
func (s *Server) alertAck(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "预警编号 %q 无效", r.PathValue("id")))
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	a := s.actor(r)
	msg := ""
	switch {
	case note == "":
		msg = "请填写处理说明（例如已督促、已核实原因）。"
	case utf8.RuneCountInString(note) > 500:
		msg = "处理说明不能超过 500 字。"
	}
	if !a.Office() {
		mine, err := s.cfg.Store.Alerts(r.Context(), luoshi.AlertFilter{Unit: a.Unit})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		own := false
		for _, al := range mine {
			own = own || al.ID == id
		}
		if !own {
			s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "预警 %d 不属于%s，只能确认本单位的预警。", id, a.Name))
			return
		}
	}
	if msg == "" {
		err = s.cfg.Store.AckAlert(r.Context(), id, a.Label(), note)
		if err == nil {
			redirect(w, r, "/alerts", "acked")
			return
		}
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		msg = userMessage(err)
	}
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	as, err := s.cfg.Store.Alerts(r.Context(), luoshi.AlertFilter{PlanID: v.Info.ID, Open: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	as = openAlerts(as, s.current(v))
	kinds := []string{luoshi.AlertBehind, luoshi.AlertOverdue, luoshi.AlertStale, luoshi.AlertImplausible, luoshi.AlertDeadlineNear}
	s.render(w, r, nethttp.StatusBadRequest, "alerts", s.pageFor(r, v, "预警", "alerts"), map[string]any{
		"Alerts": s.alertRows(v, as), "Total": len(as), "Limit": len(as) + 1, "Kinds": kinds, "Units": unitOptions(v), "Cities": cityOptions(v),
		"Errors": map[string]string{"note": msg}, "Failed": id, "Note": r.PostFormValue("note"),
	})
}

// option is one choice of a select element.
type option struct{ Value, Label string }

// unitOptions lists the units that lead at least one commitment.
func unitOptions(v *view) []option {
	seen := map[string]bool{}
	var out []option
	for _, c := range v.Plan.Commitments {
		if a, ok := v.Lead[c.ID]; ok && !seen[a.Lead] {
			seen[a.Lead] = true
			out = append(out, option{a.Lead, v.unitName(a.Lead)})
		}
	}
	return out
}
