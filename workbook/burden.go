package workbook

import (
	"sort"

	"luoshi"
	"luoshi/remind"
)

// Burden is the reporting burden of one period (报表通: every number
// reported once): what units typed against what the system's reports used.
type Burden struct {
	Period string `json:"period"`
	// Duties is how many items the units owe for the period.
	Duties int `json:"duties"`
	// Typed counts the fields units typed: a value and, if written, a
	// narrative per report of the period (each report once: rewriting a
	// draft before submitting it is not counted again).
	Typed int `json:"typed"`
	// Used counts the values the system's reports use: the submitted or
	// approved reports the cockpit, the lists and the alerts judge.
	Used int `json:"used"`
	// Prefilled counts the fields the system filled in for the units
	// instead of asking: the goal (or the unit's quota) and the previous
	// period's value of every item owed, where known.
	Prefilled int `json:"prefilled"`
	// Copied counts the values the system's reports use that no unit
	// typed for them: an indicator reported once elsewhere, or summed from
	// the regions under it (报表通). They are in Used, not in Typed.
	Copied int `json:"copied"`
}

// Saved returns the entries 报表通 saved the units: the fields pre-filled
// and the values copied instead of typed again.
func (b Burden) Saved() int { return b.Prefilled + b.Copied }

// Ratio returns typed fields per value used (1 would be every number typed
// once and used), or 0 when nothing was used.
func (b Burden) Ratio() float64 {
	if b.Used == 0 {
		return 0
	}
	return float64(b.Typed) / float64(b.Used)
}

// Burdens returns the burden of every period of a plan that has reports,
// in period order.
func Burdens(in *luoshi.StatusInput) []Burden {
	if in == nil || in.Plan == nil {
		return nil
	}
	duties := remind.Duties(in.Plan, in.Assignments, in.Quotas)
	goal := map[string]bool{}
	for _, t := range in.Plan.Targets {
		goal[t.ID] = true
	}
	type key struct{ unit, item, period string }
	reports := map[key]luoshi.Progress{}
	for _, p := range in.Progress {
		reports[key{p.Unit, p.Item, p.Period}] = p
	}
	ps := append([]luoshi.Period(nil), in.Periods...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Seq < ps[j].Seq })
	var out []Burden
	for i, pe := range ps {
		b := Burden{Period: pe.Key}
		seen := map[[2]string]bool{}
		for _, d := range duties {
			k := [2]string{d.Unit, d.Item}
			if seen[k] {
				continue
			}
			seen[k] = true
			b.Duties++
			if goal[d.Item] {
				b.Prefilled++
			}
			if i > 0 {
				if prev, ok := reports[key{d.Unit, d.Item, ps[i-1].Key}]; ok && (prev.State == luoshi.StateSubmitted || prev.State == luoshi.StateApproved) {
					b.Prefilled++
				}
			}
		}
		any := false
		for _, p := range in.Progress {
			if p.Period != pe.Key {
				continue
			}
			any = true
			counted := p.State == luoshi.StateSubmitted || p.State == luoshi.StateApproved
			if counted {
				b.Used++
			}
			if p.Origin != "" {
				if counted {
					b.Copied++
				}
				continue
			}
			b.Typed++
			if p.Narrative != "" {
				b.Typed++
			}
		}
		if any {
			out = append(out, b)
		}
	}
	return out
}
