package monitor

import (
	"fmt"
	"sort"
	"time"

	"luoshi"
	"luoshi/decimal"
)

// duty is one report a unit owes: an item and the unit that must report it.
type duty struct{ item, unit string }

// duties lists who must report what: the lead unit of every target and of
// every commitment without targets, and every region with a quota of a target.
func duties(in *luoshi.StatusInput) []duty {
	lead := map[string]string{}
	for _, a := range in.Assignments {
		lead[a.Commitment] = a.Lead
	}
	hasTargets := map[string]bool{}
	var ds []duty
	for _, t := range in.Plan.Targets {
		hasTargets[t.Commitment] = true
		if u := lead[t.Commitment]; u != "" {
			ds = append(ds, duty{t.ID, u})
		}
		for _, q := range in.Quotas[t.ID] {
			ds = append(ds, duty{t.ID, q.Unit})
		}
	}
	for _, c := range in.Plan.Commitments {
		if u := lead[c.ID]; u != "" && !hasTargets[c.ID] {
			ds = append(ds, duty{c.ID, u})
		}
	}
	return ds
}

// Alerts scans a judged plan for what needs attention as of the report's
// moment: items behind schedule, reports overdue or due soon, values that
// have not changed for StalePeriods reports, and implausible values (a
// cumulative value that falls, or an increment far larger than the unit's
// earlier ones). Each alert names the unit that must act.
func Alerts(in *luoshi.StatusInput, r *Report, c Config) []luoshi.Alert {
	var out []luoshi.Alert
	add := func(kind, item, unit, period, msg string) {
		out = append(out, luoshi.Alert{PlanID: in.Plan.ID, Kind: kind, Item: item, Unit: unit, Period: period, Message: msg, CreatedAt: r.AsOf})
	}
	for _, list := range [][]ItemStatus{r.Targets, r.Commitments} {
		for _, s := range list {
			if s.Unit == "" || (s.Kind == "commitment" && hasTarget(r, s.Item)) {
				continue
			}
			if s.Status == luoshi.StatusBehind || s.Status == luoshi.StatusSeverelyBehind {
				add(luoshi.AlertBehind, s.Item, s.Unit, r.DuePeriod, fmt.Sprintf("%s %s：完成 %.1f%%，序时进度 %.1f%%（%s）",
					s.Item, s.Label, 100*s.Ratio, 100*s.Expected, ShortKey(s.Unit)))
			}
		}
	}

	bySeq := map[string]int{}
	for _, p := range in.Periods {
		bySeq[p.Key] = p.Seq
	}
	reports := map[duty][]rep{}
	for i := range in.Progress {
		p := &in.Progress[i]
		if p.State == luoshi.StateSubmitted || p.State == luoshi.StateApproved {
			d := duty{p.Item, p.Unit}
			reports[d] = append(reports[d], rep{bySeq[p.Period], p, p.State})
		}
	}
	due := DuePeriod(in.Periods, r.AsOf)
	for _, d := range duties(in) {
		rs := reports[d]
		sort.Slice(rs, func(i, j int) bool { return rs[i].seq < rs[j].seq })
		has := map[int]bool{}
		for _, x := range rs {
			has[x.seq] = true
		}
		// Overdue: the due period's report is missing. Earlier gaps were
		// flagged when they were due.
		if due >= 0 && !has[in.Periods[due].Seq] && !doneBefore(rs) {
			p := in.Periods[due]
			add(luoshi.AlertOverdue, d.item, d.unit, p.Key, fmt.Sprintf("%s 的 %s 进展未按期报送（截止 %s）", ShortKey(d.unit), p.Key, p.Due.Format("2006-01-02")))
		}
		// Deadline near: the next period due within DeadlineDays, not yet reported.
		if due+1 < len(in.Periods) {
			p := in.Periods[due+1]
			left := dueAt(p).Sub(r.AsOf)
			if left > 0 && left <= time.Duration(c.DeadlineDays)*24*time.Hour && !has[p.Seq] && !doneBefore(rs) {
				add(luoshi.AlertDeadlineNear, d.item, d.unit, p.Key, fmt.Sprintf("%s 的 %s 进展将于 %s 截止，尚未报送", ShortKey(d.unit), p.Key, p.Due.Format("2006-01-02")))
			}
		}
		// Implausible: a falling cumulative value, or a jump.
		var incs []decimal.Decimal
		for i := 1; i < len(rs); i++ {
			prev, cur := rs[i-1].p.Value, rs[i].p.Value
			inc := cur.Sub(prev)
			if inc.Sign() < 0 {
				add(luoshi.AlertImplausible, d.item, d.unit, rs[i].p.Period, fmt.Sprintf("%s 报送的累计值 %s 低于上期的 %s", ShortKey(d.unit), cur, prev))
				continue
			}
			if len(incs) >= c.MinHistory {
				if med := median(incs); med.Sign() > 0 && inc.Float64() > c.JumpFactor*med.Float64() {
					add(luoshi.AlertImplausible, d.item, d.unit, rs[i].p.Period, fmt.Sprintf("%s 报送的本期增量 %s 超过以往增量中位数 %s 的 %g 倍", ShortKey(d.unit), inc, med, c.JumpFactor))
				}
			}
			incs = append(incs, inc)
		}
		// Stale: the last StalePeriods reports carry the same value and the
		// item is not done.
		if n := len(rs); n >= c.StalePeriods && rs[n-1].p.Ratio < 1 {
			same := true
			for i := n - c.StalePeriods + 1; i < n; i++ {
				if rs[i].p.Value.Cmp(rs[i-1].p.Value) != 0 {
					same = false
					break
				}
			}
			if same {
				add(luoshi.AlertStale, d.item, d.unit, rs[n-1].p.Period, fmt.Sprintf("%s 的进展已连续 %d 期没有变化（%s）", ShortKey(d.unit), c.StalePeriods, rs[n-1].p.Value))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// rep is one submitted or approved report of a duty.
type rep struct {
	seq   int
	p     *luoshi.Progress
	state string
}

// doneBefore reports whether an approved report already reached the goal, so
// that no further reports are owed.
func doneBefore(rs []rep) bool {
	for _, x := range rs {
		if x.state == luoshi.StateApproved && x.p.Ratio >= 1 {
			return true
		}
	}
	return false
}

func hasTarget(r *Report, commitment string) bool {
	for _, t := range r.Targets {
		if t.Commitment == commitment {
			return true
		}
	}
	return false
}

func median(ds []decimal.Decimal) decimal.Decimal {
	s := append([]decimal.Decimal(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i].Cmp(s[j]) < 0 })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1].Add(s[n/2]).Quo(decimal.Int(2), 12)
}
