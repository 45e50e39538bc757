// Package monitor is the judgement of luoshi: expected progress by elapsed
// time (序时进度), the status of every target and commitment, roll-ups by
// section, unit and region, and alerts. It does no I/O: it works on what the
// store read (luoshi.StatusInput) and a Config passed in.
package monitor

import (
	"sort"
	"strings"
	"time"

	"luoshi"
	"luoshi/decimal"
)

// Config holds the thresholds of the judgement.
type Config struct {
	// A ratio of completion to expected progress below Behind is 滞后, below
	// Severe 严重滞后.
	Behind float64
	Severe float64
	// StalePeriods is how many consecutive reports with the same value make
	// an item stale.
	StalePeriods int
	// JumpFactor: an increment more than JumpFactor times the median of the
	// earlier increments (at least MinHistory of them) is implausible.
	JumpFactor float64
	MinHistory int
	// DeadlineDays: a report due within this many days and not submitted
	// raises a deadline-near alert.
	DeadlineDays int
}

// DefaultConfig returns the thresholds used unless configured otherwise.
func DefaultConfig() Config {
	return Config{Behind: 0.9, Severe: 0.7, StalePeriods: 3, JumpFactor: 5, MinHistory: 3, DeadlineDays: 5}
}

// Validate checks that the thresholds make sense.
func (c Config) Validate() error {
	if !(c.Severe > 0 && c.Severe <= c.Behind && c.Behind <= 1) {
		return luoshi.Errorf(luoshi.EInvalid, "thresholds must satisfy 0 < severe (%g) <= behind (%g) <= 1", c.Severe, c.Behind)
	}
	if c.StalePeriods < 2 || c.JumpFactor <= 1 || c.MinHistory < 1 || c.DeadlineDays < 0 {
		return luoshi.Errorf(luoshi.EInvalid, "alert settings out of range: stale periods %d (>= 2), jump factor %g (> 1), min history %d (>= 1), deadline days %d (>= 0)",
			c.StalePeriods, c.JumpFactor, c.MinHistory, c.DeadlineDays)
	}
	return nil
}

var hundred = decimal.Int(100)

// Completion returns how much of goal value achieves: value/goal for a
// target to reach (>=, =, ~, range: its lower bound); for a ceiling (<=) 1
// while value stays within goal and goal/value above it. A zero or negative
// goal of a target to reach counts as done once value reaches it.
func Completion(value, goal decimal.Decimal, comparator string) float64 {
	if comparator == luoshi.CmpAtMost {
		if value.Cmp(goal) <= 0 {
			return 1
		}
		if value.Sign() <= 0 {
			return 0
		}
		return goal.Quo(value, 12).Float64()
	}
	if goal.Sign() <= 0 {
		if value.Cmp(goal) >= 0 {
			return 1
		}
		return 0
	}
	return value.Quo(goal, 12).Float64()
}

// PercentCompletion is Completion for a commitment reported in percent.
func PercentCompletion(value decimal.Decimal) float64 {
	return Completion(value, hundred, luoshi.CmpAtLeast)
}

// dueAt is the instant after which a period's report is late: the end of its
// due day.
func dueAt(p luoshi.Period) time.Time { return p.Due.AddDate(0, 0, 1) }

// DuePeriod returns the index in ps of the latest period whose reports are
// due by asOf, or -1 when none is due yet. ps must be in calendar order.
func DuePeriod(ps []luoshi.Period, asOf time.Time) int {
	d := -1
	for i, p := range ps {
		if !asOf.Before(dueAt(p)) {
			d = i
		}
	}
	return d
}

// Expected returns the share (0..1) of a target that should be done at t, in
// a year that runs from start to end: linear in time, or following a
// milestone schedule (linear between milestones, from 0 at start to 1 at end
// unless the schedule says otherwise).
func Expected(start, end, t time.Time, schedule []luoshi.Milestone) float64 {
	if !t.After(start) {
		return 0
	}
	if !t.Before(end) {
		if len(schedule) == 0 {
			return 1
		}
	}
	type pt struct {
		t time.Time
		s float64
	}
	pts := []pt{{start, 0}}
	ms := append([]luoshi.Milestone(nil), schedule...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Date.Before(ms[j].Date) })
	for _, m := range ms {
		pts = append(pts, pt{m.Date, m.Share.Float64()})
	}
	if last := pts[len(pts)-1]; last.t.Before(end) && last.s < 1 {
		pts = append(pts, pt{end, 1})
	}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if t.After(b.t) {
			continue
		}
		span := b.t.Sub(a.t)
		if span <= 0 {
			return b.s
		}
		f := float64(t.Sub(a.t)) / float64(span)
		return a.s + f*(b.s-a.s)
	}
	return pts[len(pts)-1].s
}

// Classify judges one item: done when its ratio reaches 1; not reported when
// the due report is missing; else by the ratio against expected progress.
// The store's roll-up query applies the same rule in SQL.
func Classify(ratio, expected float64, reported bool, c Config) luoshi.Status {
	switch {
	case ratio >= 1:
		return luoshi.StatusDone
	case !reported:
		return luoshi.StatusNotReported
	case expected <= 0:
		return luoshi.StatusOnTrack
	case ratio >= expected*c.Behind:
		return luoshi.StatusOnTrack
	case ratio >= expected*c.Severe:
		return luoshi.StatusBehind
	}
	return luoshi.StatusSeverelyBehind
}

// ItemStatus is the judgement on one target or commitment.
type ItemStatus struct {
	Item       string        `json:"item"`
	Kind       string        `json:"kind"` // "target" or "commitment"
	Commitment string        `json:"commitment"`
	Section    string        `json:"section"`
	Unit       string        `json:"unit"` // the unit responsible (lead)
	Weight     float64       `json:"weight"`
	Ratio      float64       `json:"ratio"`
	Expected   float64       `json:"expected"`
	Reported   bool          `json:"reported"`
	Period     string        `json:"period,omitempty"` // period of the counted report
	Status     luoshi.Status `json:"status"`
	Label      string        `json:"label"`
}

// Rollup aggregates statuses of commitments under one key.
type Rollup struct {
	Key        string        `json:"key"`
	Counts     luoshi.Counts `json:"counts"`
	Weight     float64       `json:"weight"`
	Completion float64       `json:"completion"` // weighted mean of min(ratio, 1)
	Expected   float64       `json:"expected"`   // weighted mean of expected progress
}

func (r *Rollup) add(s ItemStatus) {
	r.Counts[s.Status.Index()]++
	r.Weight += s.Weight
	r.Completion += s.Weight * min(s.Ratio, 1)
	r.Expected += s.Weight * s.Expected
}

func (r *Rollup) finish() {
	if r.Weight > 0 {
		r.Completion /= r.Weight
		r.Expected /= r.Weight
	}
}

// Report is the judgement on one plan at a moment.
type Report struct {
	PlanID      int64        `json:"plan_id"`
	AsOf        time.Time    `json:"as_of"`
	DuePeriod   string       `json:"due_period,omitempty"`
	DueSeq      int          `json:"due_seq"`
	Expected    float64      `json:"expected"` // linear expected progress at the end of the due period
	Targets     []ItemStatus `json:"targets"`
	Commitments []ItemStatus `json:"commitments"`
	Total       Rollup       `json:"total"`
	BySection   []Rollup     `json:"by_section"`
	ByUnit      []Rollup     `json:"by_unit"`
}

// Judge computes the status of every target and commitment of a plan as of
// asOf. The report counted for an item is the latest approved report of its
// lead unit; an item is reported when the lead unit has submitted (or had
// approved) a report for the due period or later.
func Judge(in *luoshi.StatusInput, asOf time.Time, c Config) *Report {
	r := &Report{PlanID: in.Plan.ID, AsOf: asOf}
	due := DuePeriod(in.Periods, asOf)
	var start, end, judgeAt time.Time
	if len(in.Periods) > 0 {
		start, end = in.Periods[0].Start, in.Periods[len(in.Periods)-1].End
	}
	if due >= 0 {
		r.DuePeriod, r.DueSeq = in.Periods[due].Key, in.Periods[due].Seq
		judgeAt = in.Periods[due].End
		r.Expected = Expected(start, end, judgeAt, nil)
	}
	lead := map[string]string{}
	for _, a := range in.Assignments {
		lead[a.Commitment] = a.Lead
	}
	seq := map[string]int{}
	for _, p := range in.Periods {
		seq[p.Key] = p.Seq
	}
	type latest struct {
		approved    *luoshi.Progress
		approvedSeq int
		reportedSeq int
	}
	last := map[string]*latest{} // by item|unit
	for i := range in.Progress {
		p := &in.Progress[i]
		k := p.Item + "|" + p.Unit
		l := last[k]
		if l == nil {
			l = &latest{}
			last[k] = l
		}
		s := seq[p.Period]
		if p.State == luoshi.StateApproved && s > l.approvedSeq {
			l.approved, l.approvedSeq = p, s
		}
		if (p.State == luoshi.StateSubmitted || p.State == luoshi.StateApproved) && s > l.reportedSeq {
			l.reportedSeq = s
		}
	}
	weight := func(item string) float64 {
		if w, ok := in.Weights[item]; ok {
			return w
		}
		return 1
	}
	expected := func(item string) float64 {
		if due < 0 {
			return 0
		}
		if ms := in.Schedules[item]; len(ms) > 0 {
			return Expected(start, end, judgeAt, ms)
		}
		return r.Expected
	}
	judge := func(item, unit string) (ratio float64, reported bool, period string) {
		l := last[item+"|"+unit]
		if l == nil {
			return 0, r.DueSeq == 0, ""
		}
		if l.approved != nil {
			ratio, period = l.approved.Ratio, l.approved.Period
		}
		return ratio, r.DueSeq == 0 || l.reportedSeq >= r.DueSeq, period
	}
	section := map[string]string{}
	targetsOf := map[string][]int{}
	for _, cm := range in.Plan.Commitments {
		section[cm.ID] = cm.Section
	}
	for _, t := range in.Plan.Targets {
		u := lead[t.Commitment]
		ratio, rep, per := judge(t.ID, u)
		e := expected(t.ID)
		s := ItemStatus{Item: t.ID, Kind: "target", Commitment: t.Commitment, Section: section[t.Commitment], Unit: u,
			Weight: weight(t.ID), Ratio: ratio, Expected: e, Reported: rep, Period: per, Status: Classify(ratio, e, rep, c)}
		s.Label = s.Status.Label()
		targetsOf[t.Commitment] = append(targetsOf[t.Commitment], len(r.Targets))
		r.Targets = append(r.Targets, s)
	}
	bySection := map[string]*Rollup{}
	byUnit := map[string]*Rollup{}
	r.Total.Key = "total"
	for _, cm := range in.Plan.Commitments {
		u := lead[cm.ID]
		s := ItemStatus{Item: cm.ID, Kind: "commitment", Commitment: cm.ID, Section: cm.Section, Unit: u, Weight: weight(cm.ID)}
		if ts := targetsOf[cm.ID]; len(ts) > 0 {
			// A commitment with targets is as far along as its worst target.
			s.Ratio, s.Reported, s.Expected = 1e300, true, 0
			for _, i := range ts {
				t := r.Targets[i]
				s.Ratio = min(s.Ratio, t.Ratio)
				s.Reported = s.Reported && t.Reported
				s.Expected = max(s.Expected, t.Expected)
			}
		} else {
			s.Ratio, s.Reported, s.Period = judge(cm.ID, u)
			s.Expected = expected(cm.ID)
		}
		s.Status = Classify(s.Ratio, s.Expected, s.Reported, c)
		s.Label = s.Status.Label()
		r.Commitments = append(r.Commitments, s)
		r.Total.add(s)
		for _, key := range sectionKeys(cm.Section) {
			if bySection[key] == nil {
				bySection[key] = &Rollup{Key: key}
			}
			bySection[key].add(s)
		}
		if byUnit[u] == nil {
			byUnit[u] = &Rollup{Key: u}
		}
		byUnit[u].add(s)
	}
	r.Total.finish()
	r.BySection = sorted(bySection)
	r.ByUnit = sorted(byUnit)
	return r
}

// sectionKeys returns a section's ID and the IDs of the parts above it:
// "3.2" → "3", "3.2".
func sectionKeys(id string) []string {
	var keys []string
	for i := 0; i < len(id); i++ {
		if id[i] == '.' {
			keys = append(keys, id[:i])
		}
	}
	return append(keys, id)
}

func sorted(m map[string]*Rollup) []Rollup {
	out := make([]Rollup, 0, len(m))
	for _, r := range m {
		r.finish()
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// RegionRollup is the status of the plans of one region and every region
// under it.
type RegionRollup struct {
	Code       string        `json:"code"`
	Name       string        `json:"name"`
	Kind       string        `json:"kind"`
	Parent     string        `json:"parent,omitempty"`
	Plans      int           `json:"plans"`
	Counts     luoshi.Counts `json:"counts"`
	Weight     float64       `json:"weight"`
	Completion float64       `json:"completion"`
}

// Regions rolls plan counts up the region hierarchy: every region's figures
// include its own plan and those of all regions under it. The result holds
// root first, then its descendants in code order; regions without a plan
// under them are left out.
func Regions(units []luoshi.Unit, plans []luoshi.PlanCounts, root string) []RegionRollup {
	byCode := map[string]*RegionRollup{}
	parent := map[string]string{}
	for _, u := range units {
		if u.IsRegion() {
			byCode[u.Code] = &RegionRollup{Code: u.Code, Name: u.Name, Kind: u.Kind, Parent: u.Parent}
			parent[u.Code] = u.Parent
		}
	}
	for _, p := range plans {
		seen := map[string]bool{}
		for code := p.Region; code != "" && !seen[code]; code = parent[code] {
			seen[code] = true
			r := byCode[code]
			if r == nil {
				break
			}
			r.Plans++
			for i, n := range p.Counts {
				r.Counts[i] += n
			}
			r.Weight += p.Weight
			r.Completion += p.Completion
			if code == root {
				break
			}
		}
	}
	var out []RegionRollup
	for _, r := range byCode {
		if r.Plans == 0 || !under(r.Code, root, parent) {
			continue
		}
		if r.Weight > 0 {
			r.Completion /= r.Weight
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Code == root) != (out[j].Code == root) {
			return out[i].Code == root
		}
		return out[i].Code < out[j].Code
	})
	return out
}

func under(code, root string, parent map[string]string) bool {
	for i := 0; code != "" && i < 8; i++ {
		if code == root {
			return true
		}
		code = parent[code]
	}
	return false
}

// Counted returns the per-plan counts of a judged plan, as the store's
// roll-up query computes them.
func Counted(r *Report, region string) luoshi.PlanCounts {
	pc := luoshi.PlanCounts{PlanID: r.PlanID, Region: region, Counts: r.Total.Counts, Weight: r.Total.Weight}
	pc.Completion = r.Total.Completion * r.Total.Weight
	return pc
}

// ShortKey trims a unit code for messages: "D:省交通运输厅" → "省交通运输厅".
func ShortKey(code string) string { return strings.TrimPrefix(code, "D:") }
