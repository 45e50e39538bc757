package luoshi

import "time"

// Status is the judgement on a target or commitment at a moment.
type Status string

// Statuses, from best to worst; Label gives the words users read.
const (
	StatusDone           Status = "done"            // 已完成
	StatusOnTrack        Status = "on_track"        // 正常推进
	StatusBehind         Status = "behind"          // 滞后
	StatusSeverelyBehind Status = "severely_behind" // 严重滞后
	StatusNotReported    Status = "not_reported"    // 未报送
)

// Statuses lists every status in display order.
var Statuses = [...]Status{StatusDone, StatusOnTrack, StatusBehind, StatusSeverelyBehind, StatusNotReported}

// Label returns the Chinese name of s as users see it.
func (s Status) Label() string {
	switch s {
	case StatusDone:
		return "已完成"
	case StatusOnTrack:
		return "正常推进"
	case StatusBehind:
		return "滞后"
	case StatusSeverelyBehind:
		return "严重滞后"
	case StatusNotReported:
		return "未报送"
	}
	return string(s)
}

// Index returns the position of s in Statuses, or -1.
func (s Status) Index() int {
	for i, t := range Statuses {
		if t == s {
			return i
		}
	}
	return -1
}

// Counts holds a number per status, indexed like Statuses.
type Counts [len(Statuses)]int

// Total returns the sum of the counts.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// StatusInput is everything the judgement of one plan needs, read from the
// store in one go. A store scoped to a principal who does not see every unit
// returns the whole plan (periods, assignments, schedules, weights) but only
// the quotas and reports of the principal's units.
type StatusInput struct {
	Plan        *Plan
	Region      string // Unit.Code of the plan's jurisdiction
	Periods     []Period
	Assignments []Assignment
	Quotas      map[string][]Quota     // by Target.ID
	Schedules   map[string][]Milestone // by item ID
	Weights     map[string]float64     // by item ID; missing means 1
	Progress    []Progress             // every report of the plan, any state, of the units the reader may read
	Indicators  map[string]Indicator   // by Target.ID: the indicator a target is bound to
}

// RollupQuery asks the store for the status counts of every plan of a year
// under a region, judged as of the period with sequence number DueSeq, whose
// expected share of the year is Expected. Items with a milestone schedule are
// judged by the same linear Expected (the detail view of one plan uses the
// schedule).
type RollupQuery struct {
	Year     int
	Region   string // Unit.Code; the plans of this region and every region under it
	DueSeq   int    // reports up to this period are due; 0 when none is due yet
	Expected float64
	Behind   float64 // ratio/expected below this is behind
	Severe   float64 // ratio/expected below this is severely behind
}

// PlanCounts is one plan's commitments counted by status, with the weighted
// sums a roll-up needs.
type PlanCounts struct {
	PlanID     int64   `json:"plan_id"`
	Region     string  `json:"region"`
	Counts     Counts  `json:"counts"`
	Weight     float64 `json:"weight"`     // sum of weights
	Completion float64 `json:"completion"` // sum of weight × min(ratio, 1)
}

// Alert kinds.
const (
	AlertBehind       = "behind"        // 滞后 or 严重滞后
	AlertOverdue      = "overdue"       // report not submitted after the due date
	AlertStale        = "stale"         // no change for N periods
	AlertImplausible  = "implausible"   // cumulative value fell, or jumped far outside the history
	AlertDeadlineNear = "deadline_near" // a report is due soon and not submitted
)

// Alert is a warning (预警) about one item, naming the unit that must act.
type Alert struct {
	ID        int64      `json:"id"`
	PlanID    int64      `json:"plan_id"`
	Kind      string     `json:"kind"`
	Item      string     `json:"item"`
	Unit      string     `json:"unit"` // Unit.Code of the unit responsible
	Period    string     `json:"period"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	AckBy     string     `json:"ack_by,omitempty"`
	AckNote   string     `json:"ack_note,omitempty"`
	AckAt     *time.Time `json:"ack_at,omitempty"`
}

// Key identifies an alert across scans: the same finding is stored once.
func (a Alert) Key() string { return a.Kind + "|" + a.Item + "|" + a.Unit + "|" + a.Period }

// AlertFilter selects alerts; zero fields match everything.
type AlertFilter struct {
	PlanID int64
	Unit   string
	Kind   string
	Open   bool // only alerts not acknowledged
}
