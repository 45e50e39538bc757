package http

import (
	nethttp "net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"luoshi"
	"luoshi/decimal"
)

// formRow is one item a unit reports on, with what is already known and
// what the user typed.
type formRow struct {
	Item, Task, TaskText string
	Target               *luoshi.Target
	Quota                string // the unit's share of a split target
	ValueUnit            string
	Last                 string // latest approved value of an earlier period
	LastPeriod           string
	Current              *luoshi.Progress // this period's report, if any
	Value, Narrative     string           // the form's values
	Errors               map[string]string
	Locked               bool // submitted or approved: no more edits
	// Copied marks a report the system filled in from an indicator's value
	// (报表通: Progress.Origin) that counts: it follows its source and is
	// shown read-only with Origin saying where the value comes from.
	Copied bool
	Origin string
}

// duties lists what unit must report in the plan: the targets of the
// commitments it leads and those commitments without targets, and every
// target it holds a quota of.
func (v *view) duties(unit string) []formRow {
	var out []formRow
	seen := map[string]bool{}
	add := func(item, task string, t *luoshi.Target, quota, vu string) {
		if seen[item] {
			return
		}
		seen[item] = true
		text := ""
		if i, ok := v.Commitment[task]; ok {
			text = v.Plan.Commitments[i].Text
		}
		out = append(out, formRow{Item: item, Task: task, TaskText: text, Target: t, Quota: quota, ValueUnit: vu, Errors: map[string]string{}})
	}
	for _, c := range v.Plan.Commitments {
		if v.Lead[c.ID].Lead != unit {
			continue
		}
		if len(c.Targets) == 0 {
			add(c.ID, c.ID, nil, "", luoshi.PercentUnit)
		}
		for _, ti := range c.Targets {
			t := v.Plan.Targets[ti]
			add(t.ID, c.ID, &t, "", t.Unit)
		}
	}
	for _, t := range v.Plan.Targets {
		for _, q := range v.In.Quotas[t.ID] {
			if q.Unit == unit {
				t := t
				add(t.ID, t.Commitment, &t, q.Value.String(), t.Unit)
			}
		}
	}
	return out
}

// reportPeriod picks the period being reported: ?period= if it names one,
// else the latest period that has ended, else the first.
func (s *Server) reportPeriod(v *view, key string) (luoshi.Period, error) {
	ps := v.In.Periods
	if len(ps) == 0 {
		return luoshi.Period{}, luoshi.Errorf(luoshi.EInvalid, "计划尚未设置填报周期")
	}
	if key != "" {
		for _, p := range ps {
			if p.Key == key {
				return p, nil
			}
		}
		return luoshi.Period{}, luoshi.Errorf(luoshi.EInvalid, "没有填报周期 %q", key)
	}
	now := s.cfg.Now()
	cur := ps[0]
	for _, p := range ps {
		if !p.End.After(now) {
			cur = p
		}
	}
	return cur, nil
}

// fill pre-fills rows with the unit's reports: this period's report, or
// the latest approved value before it.
func fill(v *view, rows []formRow, unit string, per luoshi.Period) {
	seq := map[string]int{}
	for _, p := range v.In.Periods {
		seq[p.Key] = p.Seq
	}
	for i := range rows {
		rw := &rows[i]
		bestSeq := 0
		for j := range v.In.Progress {
			p := &v.In.Progress[j]
			if p.Item != rw.Item || p.Unit != unit {
				continue
			}
			if p.Period == per.Key {
				rw.Current = p
				continue
			}
			if p.State == luoshi.StateApproved && seq[p.Period] < per.Seq && seq[p.Period] > bestSeq {
				bestSeq = seq[p.Period]
				rw.Last, rw.LastPeriod = p.Value.String(), p.Period
			}
		}
		switch {
		case rw.Current != nil:
			rw.Value, rw.Narrative = rw.Current.Value.String(), rw.Current.Narrative
			rw.Locked = rw.Current.State == luoshi.StateSubmitted || rw.Current.State == luoshi.StateApproved
			rw.Origin = rw.Current.Origin
			rw.Copied = rw.Origin != "" && rw.Locked
		default:
			rw.Value = rw.Last
		}
	}
}

// reportUnit is the unit whose form is shown: the actor's own, or for the
// office the unit chosen with ?unit=.
func (s *Server) reportUnit(r *nethttp.Request, a actor, chosen string) string {
	if !a.Office() {
		return a.Unit
	}
	return chosen
}

// reportForm is 填报: the unit's form for the current period.
func (s *Server) reportForm(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := s.actor(r)
	unit := s.reportUnit(r, a, r.URL.Query().Get("unit"))
	per, err := s.reportPeriod(v, r.URL.Query().Get("period"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderReport(w, r, v, nethttp.StatusOK, unit, per, nil)
}

func (s *Server) renderReport(w nethttp.ResponseWriter, r *nethttp.Request, v *view, status int, unit string, per luoshi.Period, typed *formRow) {
	var rows []formRow
	if unit != "" {
		rows = v.duties(unit)
		fill(v, rows, unit, per)
	}
	if typed != nil {
		for i := range rows {
			if rows[i].Item == typed.Item {
				rows[i].Value, rows[i].Narrative, rows[i].Errors = typed.Value, typed.Narrative, typed.Errors
				rows[i].Locked = false
			}
		}
	}
	s.render(w, r, status, "report", s.pageFor(r, v, "填报", "report"), map[string]any{
		"Unit": unit, "UnitName": v.unitName(unit), "Period": per, "Periods": v.In.Periods, "Rows": rows,
		"Units": unitOptions(v), "Cities": cityOptions(v),
	})
}

// cityOptions lists the 市州.
func cityOptions(v *view) []option {
	var out []option
	for _, u := range v.Units {
		if u.Kind == luoshi.UnitCity {
			out = append(out, option{u.Code, u.Name})
		}
	}
	sortOptions(out)
	return out
}

func sortOptions(os []option) {
	for i := 1; i < len(os); i++ {
		for j := i; j > 0 && os[j].Value < os[j-1].Value; j-- {
			os[j], os[j-1] = os[j-1], os[j]
		}
	}
}

// parseNumber reads a number as users type it: full-width digits, thousands
// separators, surrounding spaces and a trailing 万, 亿 or 万亿 (365亿 for
// 36500000000) are accepted.
func parseNumber(s string) (decimal.Decimal, bool) {
	s = strings.TrimSpace(s)
	scale := 0
	for _, m := range []struct {
		suffix string
		pow    int
	}{{"万亿", 12}, {"亿", 8}, {"万", 4}} {
		if rest, ok := strings.CutSuffix(s, m.suffix); ok {
			s, scale = strings.TrimSpace(rest), m.pow
			break
		}
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '．' || r == '。':
			b.WriteByte('.')
		case r == '－':
			b.WriteByte('-')
		case r == ',' || r == '，' || unicode.IsSpace(r):
		default:
			b.WriteRune(r)
		}
	}
	d, err := decimal.Parse(b.String())
	if err != nil {
		return d, false
	}
	if scale > 0 {
		if d, err = d.MulPow10(scale); err != nil {
			return d, false
		}
	}
	return d, true
}

// reportSave validates a report on the server and saves it as a draft or
// submits it; any error shows beside its field with what was typed.
func (s *Server) reportSave(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := s.actor(r)
	unit := s.reportUnit(r, a, r.PostFormValue("unit"))
	if unit == "" {
		s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "请选择填报单位"))
		return
	}
	if !a.Office() && r.PostFormValue("unit") != "" && r.PostFormValue("unit") != a.Unit {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "%s 不能替其他单位填报", a.Name))
		return
	}
	per, err := s.reportPeriod(v, r.PostFormValue("period"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	item := r.PostFormValue("item")
	var row *formRow
	for _, d := range v.duties(unit) {
		if d.Item == item {
			d := d
			row = &d
		}
	}
	if row == nil {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "%s 没有需要填报的事项 %q", v.unitName(unit), item))
		return
	}
	submit := r.PostFormValue("action") == "submit"
	typed := formRow{Item: item, Value: r.PostFormValue("value"), Narrative: r.PostFormValue("narrative"), Errors: map[string]string{}}
	value, ok := parseNumber(typed.Value)
	switch {
	case strings.TrimSpace(typed.Value) == "":
		typed.Errors["value"] = "请填写累计完成值。"
	case !ok:
		typed.Errors["value"] = "请输入数字，例如 12.5（不要带单位）。"
	case value.Sign() < 0:
		typed.Errors["value"] = "完成值不能为负数。"
	case row.ValueUnit == luoshi.PercentUnit && row.Target == nil && value.Cmp(decimal.Int(100)) > 0:
		typed.Errors["value"] = "完成比例应在 0 到 100 之间。"
	}
	narrative := strings.TrimSpace(typed.Narrative)
	switch {
	case submit && narrative == "":
		typed.Errors["narrative"] = "提交前请填写进展情况说明。"
	case utf8.RuneCountInString(narrative) > 2000:
		typed.Errors["narrative"] = "进展情况说明不能超过 2000 字。"
	}
	status := nethttp.StatusBadRequest
	if len(typed.Errors) == 0 {
		_, err = s.cfg.Store.SaveProgress(r.Context(), luoshi.ProgressInput{PlanID: v.Info.ID, Item: item, Unit: unit, Period: per.Key,
			Value: value, ValueUnit: row.ValueUnit, Narrative: narrative, Submit: submit, By: a.Name})
		if err == nil {
			s.views.forget()
			if submit {
				if v2, err := s.load(r); err == nil {
					if err := s.scan(r.Context(), v2); err != nil {
						s.cfg.Logger.Error("alert scan", "err", err)
					}
				}
			}
			ok := "saved"
			if submit {
				ok = "submitted"
			}
			q := url.Values{"period": {per.Key}}
			if a.Office() {
				q.Set("unit", unit)
			}
			redirect(w, r, "/report?"+q.Encode()+"#item-"+item, ok)
			return
		}
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		status = statusOf(err)
		typed.Errors["value"] = reportError(err)
	}
	s.renderReport(w, r, v, status, unit, per, &typed)
}

// reportError says in the users' words why the store refused a report.
func reportError(err error) string {
	switch luoshi.ErrorCode(err) {
	case luoshi.EConflict:
		return "本期已提交或已审核，不能再次提交；如需更正，请联系督查室退回后修改。（" + userMessage(err) + "）"
	case luoshi.EForbidden:
		return "本单位无权填报此事项。（" + userMessage(err) + "）"
	}
	return "数据未通过校验：" + userMessage(err)
}
