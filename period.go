package luoshi

import (
	"fmt"
	"time"
)

// Reporting frequencies.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
)

// Period is one reporting period (填报周期) of a plan: 2025-03 or 2025Q1,
// with the day reports are due.
type Period struct {
	Key      string     `json:"key"` // "2025-03", "2025Q1"
	Seq      int        `json:"seq"` // 1, 2, … in calendar order
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"` // exclusive: the first day of the next period
	Due      time.Time  `json:"due"` // reports are due before the end of this day
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// Closed reports whether the period no longer accepts writes.
func (p Period) Closed() bool { return p.ClosedAt != nil }

// Calendar returns the reporting periods of year: twelve months or four
// quarters, each due dueDays days after its last day (so with dueDays 5,
// March is due on 5 April; with 0, on its last day). Dates are in loc (Asia/Shanghai in production).
func Calendar(year int, frequency string, dueDays int, loc *time.Location) ([]Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	var step, n int
	switch frequency {
	case Monthly, "":
		step, n = 1, 12
	case Quarterly:
		step, n = 3, 4
	default:
		return nil, Errorf(EInvalid, "unknown reporting frequency %q (want %q or %q)", frequency, Monthly, Quarterly)
	}
	if dueDays < 0 {
		return nil, Errorf(EInvalid, "due days must not be negative, got %d", dueDays)
	}
	ps := make([]Period, 0, n)
	for i := 0; i < n; i++ {
		start := time.Date(year, time.Month(1+i*step), 1, 0, 0, 0, 0, loc)
		end := start.AddDate(0, step, 0)
		key := fmt.Sprintf("%04d-%02d", year, 1+i)
		if step == 3 {
			key = fmt.Sprintf("%04dQ%d", year, 1+i)
		}
		ps = append(ps, Period{Key: key, Seq: i + 1, Start: start, End: end, Due: end.AddDate(0, 0, dueDays-1)})
	}
	return ps, nil
}
