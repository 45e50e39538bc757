// Package remind decides which reminders (催办) are due: a reminder to a
// unit that a period's report is due soon, that it is overdue, and an
// escalation to the unit's leader and then to the supervision office
// (督查室) when it stays overdue.
//
// The package does no I/O: given the periods of a plan, what each unit has
// to report, what it has reported, what was already sent, a configuration
// and the time, Due returns the reminders to send now. Each reminder has a
// key; a reminder whose key was already sent is never due again, so a scan
// run twice sends nothing twice. Package notify delivers reminders; the
// store records them by key.
package remind

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"luoshi"
)

// Kinds of reminder, in the order a late report goes through them.
const (
	DueSoon         = "due_soon"         // the due day is near
	Overdue         = "overdue"          // the due day has passed
	EscalatedLeader = "escalated_leader" // overdue for Config.LeaderAfterDays: to the unit's leader
	EscalatedOffice = "escalated_office" // overdue for Config.OfficeAfterDays: to the supervision office
)

// Recipient levels: who a reminder is for.
const (
	ToReporter = "reporter" // the unit's reporters
	ToLeader   = "leader"   // the unit's leader (单位负责同志)
	ToOffice   = "office"   // the supervision office of the plan
)

// Config says when reminders are sent.
type Config struct {
	// DueSoonDays is how many days before the end of the due day a
	// due-soon reminder is sent; 0 sends none.
	DueSoonDays int
	// LeaderAfterDays is how many days after the due day a report still
	// missing is escalated to the unit's leader; 0 never escalates to the
	// leader.
	LeaderAfterDays int
	// OfficeAfterDays is how many days after the due day it is escalated
	// to the supervision office; 0 never does. If both escalations are on,
	// it must be more than LeaderAfterDays.
	OfficeAfterDays int
	// Location is the calendar due days are counted in: a period's due day
	// is the date of Period.Due in Location, and it ends at midnight there.
	// nil means UTC; production uses Asia/Shanghai.
	Location *time.Location
	// Office names the supervision office in messages, e.g. 省政府督查室;
	// empty means 督查室.
	Office string
}

// DefaultConfig reminds three days before the due day, escalates to the
// leader three days after it and to the supervision office seven days
// after it.
func DefaultConfig() Config {
	return Config{DueSoonDays: 3, LeaderAfterDays: 3, OfficeAfterDays: 7, Office: "督查室"}
}

// Validate returns an EInvalid error if c makes no sense.
func (c Config) Validate() error {
	switch {
	case c.DueSoonDays < 0 || c.LeaderAfterDays < 0 || c.OfficeAfterDays < 0:
		return luoshi.Errorf(luoshi.EInvalid, "reminder days must not be negative (due soon %d, leader %d, office %d)",
			c.DueSoonDays, c.LeaderAfterDays, c.OfficeAfterDays)
	case c.LeaderAfterDays > 0 && c.OfficeAfterDays > 0 && c.OfficeAfterDays <= c.LeaderAfterDays:
		return luoshi.Errorf(luoshi.EInvalid, "escalation to the office (%d days) must come after escalation to the leader (%d days)",
			c.OfficeAfterDays, c.LeaderAfterDays)
	}
	return nil
}

// Duty is an item a unit reports on every period, from the period due on
// or after Since (the zero time: every period).
type Duty struct {
	Unit  string // luoshi.Unit.Code
	Item  string // luoshi.Commitment.ID or luoshi.Target.ID
	Since time.Time
}

// Duties returns what units report each period on plan p, by the rule
// package monitor judges: the lead unit of a commitment reports each of its
// targets, or the commitment itself if it has none, from the day the
// assignment was confirmed; a unit with a quota of a target reports that
// target. Co-units report nothing of their own.
func Duties(p *luoshi.Plan, as []luoshi.Assignment, quotas map[string][]luoshi.Quota) []Duty {
	if p == nil {
		return nil
	}
	lead := make(map[string]luoshi.Assignment, len(as))
	for _, a := range as {
		if a.Lead != "" {
			lead[a.Commitment] = a
		}
	}
	hasTargets := make(map[string]bool)
	var ds []Duty
	for _, t := range p.Targets {
		hasTargets[t.Commitment] = true
		if a, ok := lead[t.Commitment]; ok {
			ds = append(ds, Duty{Unit: a.Lead, Item: t.ID, Since: a.ConfirmedAt})
		}
		for _, q := range quotas[t.ID] {
			ds = append(ds, Duty{Unit: q.Unit, Item: t.ID})
		}
	}
	for _, c := range p.Commitments {
		if a, ok := lead[c.ID]; ok && !hasTargets[c.ID] {
			ds = append(ds, Duty{Unit: a.Lead, Item: c.ID, Since: a.ConfirmedAt})
		}
	}
	return ds
}

// FromStatus returns the input of a scan at now from what the store
// returns for a plan (Store.StatusInput); the caller adds Units and Sent.
func FromStatus(in *luoshi.StatusInput, now time.Time) Input {
	if in == nil || in.Plan == nil {
		return Input{Now: now}
	}
	return Input{
		PlanID:    in.Plan.ID,
		PlanTitle: in.Plan.Title,
		Periods:   in.Periods,
		Duties:    Duties(in.Plan, in.Assignments, in.Quotas),
		Reports:   in.Progress,
		Now:       now,
	}
}

// Input is what a scan looks at.
type Input struct {
	PlanID    int64
	PlanTitle string // for messages; may be empty
	Periods   []luoshi.Period
	Units     []luoshi.Unit // names of the units; a unit missing here is named by its code
	Duties    []Duty
	// Reports are the reports of the plan; a submitted or approved one
	// counts as reported, a draft or a returned one does not.
	Reports []luoshi.Progress
	// Sent holds the keys of reminders already sent.
	Sent map[string]bool
	Now  time.Time
}

// Reminder is one reminder to send.
type Reminder struct {
	Key         string    `json:"key"` // plan/unit/period/kind: unique
	PlanID      int64     `json:"plan_id"`
	Unit        string    `json:"unit"`
	UnitName    string    `json:"unit_name"`
	Period      string    `json:"period"`
	Kind        string    `json:"kind"`
	Level       string    `json:"level"`        // ToReporter, ToLeader or ToOffice
	Due         time.Time `json:"due"`          // the due day
	DaysOverdue int       `json:"days_overdue"` // 0 unless overdue
	Missing     []string  `json:"missing"`      // items not reported, sorted
	Subject     string    `json:"subject"`
	Message     string    `json:"message"`
	At          time.Time `json:"at"` // the time of the scan
}

// Key returns the key of a reminder.
func Key(planID int64, unit, period, kind string) string {
	return fmt.Sprintf("%d/%s/%s/%s", planID, unit, period, kind)
}

// Due returns the reminders due at in.Now and not yet sent, sorted by
// period, unit and kind.
//
// For each open period and unit with items not reported, it takes the
// latest stage the period has reached: due soon within DueSoonDays before
// the end of the due day, overdue after it, escalated to the leader
// LeaderAfterDays after it, to the office OfficeAfterDays after it. It
// sends that stage's reminder unless its key is in in.Sent. An earlier
// stage that was never sent (the scanner did not run then) is skipped, not
// sent late. Closed periods get no reminders.
func Due(in Input, cfg Config) ([]Reminder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	names := make(map[string]string, len(in.Units))
	for _, u := range in.Units {
		names[u.Code] = u.Name
	}
	reported := make(map[[3]string]bool, len(in.Reports))
	for _, p := range in.Reports {
		if p.PlanID == in.PlanID || p.PlanID == 0 {
			if p.State == luoshi.StateSubmitted || p.State == luoshi.StateApproved {
				reported[[3]string{p.Unit, p.Period, p.Item}] = true
			}
		}
	}
	var out []Reminder
	for _, p := range in.Periods {
		if p.Closed() || p.Due.IsZero() {
			continue
		}
		y, m, d := p.Due.In(loc).Date()
		dueDay := time.Date(y, m, d, 0, 0, 0, 0, loc)
		deadline := dueDay.AddDate(0, 0, 1)
		kind, days := stage(in.Now, deadline, cfg)
		if kind == "" {
			continue
		}
		missing := make(map[string][]string)
		seen := make(map[[2]string]bool)
		for _, du := range in.Duties {
			if !du.Since.IsZero() && deadline.Before(du.Since) {
				continue
			}
			k := [2]string{du.Unit, du.Item}
			if seen[k] || reported[[3]string{du.Unit, p.Key, du.Item}] {
				continue
			}
			seen[k] = true
			missing[du.Unit] = append(missing[du.Unit], du.Item)
		}
		for unit, items := range missing {
			key := Key(in.PlanID, unit, p.Key, kind)
			if in.Sent[key] {
				continue
			}
			sort.Strings(items)
			r := Reminder{Key: key, PlanID: in.PlanID, Unit: unit, UnitName: names[unit], Period: p.Key,
				Kind: kind, Level: level(kind), Due: dueDay, DaysOverdue: days, Missing: items, At: in.Now}
			if r.UnitName == "" {
				r.UnitName = unit
			}
			r.Subject, r.Message = text(r, in.PlanTitle, cfg, in.Now, deadline)
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Due.Equal(b.Due) {
			return a.Due.Before(b.Due)
		}
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		return a.Unit < b.Unit
	})
	return out, nil
}

// stage returns the kind of reminder a period with the given deadline (the
// end of its due day) has reached at now, and the days it is overdue.
func stage(now, deadline time.Time, cfg Config) (string, int) {
	if now.Before(deadline) {
		if cfg.DueSoonDays > 0 && !now.Before(deadline.AddDate(0, 0, -cfg.DueSoonDays)) {
			return DueSoon, 0
		}
		return "", 0
	}
	days := 1
	for !now.Before(deadline.AddDate(0, 0, days)) {
		days++
	}
	switch {
	case cfg.OfficeAfterDays > 0 && !now.Before(deadline.AddDate(0, 0, cfg.OfficeAfterDays)):
		return EscalatedOffice, days
	case cfg.LeaderAfterDays > 0 && !now.Before(deadline.AddDate(0, 0, cfg.LeaderAfterDays)):
		return EscalatedLeader, days
	}
	return Overdue, days
}

func level(kind string) string {
	switch kind {
	case EscalatedLeader:
		return ToLeader
	case EscalatedOffice:
		return ToOffice
	}
	return ToReporter
}

// itemList names up to five items and how many more there are.
func itemList(items []string) string {
	const show = 5
	if len(items) <= show {
		return strings.Join(items, "、")
	}
	return fmt.Sprintf("%s 等 %d 项", strings.Join(items[:show], "、"), len(items))
}

// text returns the subject and message of a reminder, in Chinese.
func text(r Reminder, planTitle string, cfg Config, now, deadline time.Time) (string, string) {
	due := r.Due.Format("2006年1月2日")
	what := r.Period + " 期进展填报"
	if planTitle != "" {
		what = "《" + planTitle + "》" + what
	}
	office := cfg.Office
	if office == "" {
		office = "督查室"
	}
	n := len(r.Missing)
	list := itemList(r.Missing)
	switch r.Kind {
	case DueSoon:
		left := int(deadline.Sub(now).Hours()/24) + 1
		return fmt.Sprintf("【催办提醒】%s %s期进展填报将于%s截止", r.UnitName, r.Period, due),
			fmt.Sprintf("%s：%s将于 %s 截止（剩余不足 %d 天），尚有 %d 项未报送（%s），请及时填报。", r.UnitName, what, due, left, n, list)
	case Overdue:
		return fmt.Sprintf("【逾期提醒】%s %s期进展填报已逾期", r.UnitName, r.Period),
			fmt.Sprintf("%s：%s已于 %s 截止，尚有 %d 项未报送（%s），已逾期 %d 天，请尽快填报。", r.UnitName, what, due, n, list, r.DaysOverdue)
	case EscalatedLeader:
		return fmt.Sprintf("【催办升级】%s %s期进展填报逾期 %d 天", r.UnitName, r.Period, r.DaysOverdue),
			fmt.Sprintf("%s负责同志：本单位%s已于 %s 截止，逾期 %d 天仍有 %d 项未报送（%s），请督促尽快报送。", r.UnitName, what, due, r.DaysOverdue, n, list)
	default:
		return fmt.Sprintf("【督办】%s %s期进展填报逾期 %d 天", r.UnitName, r.Period, r.DaysOverdue),
			fmt.Sprintf("%s：%s%s已于 %s 截止，逾期 %d 天仍有 %d 项未报送（%s），已提醒该单位负责同志，请跟进督办。", office, r.UnitName, what, due, r.DaysOverdue, n, list)
	}
}
