package xlsx

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"luoshi"
)

// BuildTemplate returns the reporting template of unit for the period
// with key period, from what the store knows of a plan (in, as
// Store.StatusInput returns it). by names who reported what, for the
// provenance of pre-filled values: unit codes or user names to display
// names; a name missing from it is shown as it is.
//
// The unit's rows follow the duties the monitor judges: each target of a
// commitment it leads, each target it has a quota of (the quota is then
// its goal), and each commitment it leads that has no target (reported as
// a share of work done, %). A target whose unit is % or whose comparator
// is ≤ or ~ is a rate or level; any other value is cumulative and may not
// fall below the unit's previous report.
//
// The previous value is the unit's submitted or approved report of the
// period before. A report of this period that is already submitted or
// approved is shown pre-filled and locked, with who sent it and when; a
// draft or a returned report is not locked, and its value is left for the
// unit to confirm in the fill-in cell. The binding's version is the
// template's ContentVersion, so an upload checked against a template built
// again refuses a workbook downloaded before anything on it changed.
func BuildTemplate(in *luoshi.StatusInput, unit luoshi.Unit, period string, by map[string]string) (Template, error) {
	if in == nil || in.Plan == nil {
		return Template{}, luoshi.Errorf(luoshi.EInvalid, "no plan to build a template from")
	}
	p := in.Plan
	cur, prev := -1, -1
	for i, pe := range in.Periods {
		if pe.Key == period {
			cur = i
		}
	}
	if cur < 0 {
		return Template{}, luoshi.Errorf(luoshi.ENotFound, "plan %d has no period %q", p.ID, period)
	}
	for i, pe := range in.Periods {
		if pe.Seq < in.Periods[cur].Seq && (prev < 0 || pe.Seq > in.Periods[prev].Seq) {
			prev = i
		}
	}
	// The unit's own reports that count, by period and item.
	type key struct{ period, item string }
	reports := make(map[key]luoshi.Progress)
	for _, r := range in.Progress {
		if r.Unit == unit.Code {
			reports[key{r.Period, r.Item}] = r
		}
	}
	counts := func(r luoshi.Progress) bool {
		return r.State == luoshi.StateSubmitted || r.State == luoshi.StateApproved
	}
	lead := make(map[string]bool)
	for _, a := range in.Assignments {
		if a.Lead == unit.Code {
			lead[a.Commitment] = true
		}
	}
	commitments := make(map[string]luoshi.Commitment, len(p.Commitments))
	for _, c := range p.Commitments {
		commitments[c.ID] = c
	}
	hasTargets := make(map[string]bool)
	var rows []TemplateRow
	asked := map[[2]string]int{} // indicator and region → row asking for it
	addRow := func(r TemplateRow) {
		if prev >= 0 {
			if rep, ok := reports[key{in.Periods[prev].Key, r.Item}]; ok && counts(rep) {
				v := rep.Value
				r.Previous = &v
			}
		}
		if rep, ok := reports[key{period, r.Item}]; ok && counts(rep) && rep.Origin != "" {
			// Taken from the same indicator reported elsewhere (报表通).
			r.Prefill = &Prefill{Value: rep.Value, Source: rep.Origin, Copied: true}
		} else if ok && counts(rep) {
			who := rep.UpdatedBy
			if who == "" {
				who = rep.CreatedBy
			}
			if n, ok := by[who]; ok {
				who = n
			}
			if who == "" {
				who = unit.Name
			}
			at := rep.UpdatedAt
			if at.IsZero() {
				at = rep.CreatedAt
			}
			r.Prefill = &Prefill{Value: rep.Value, Source: SourceText(who, at)}
		} else if ok {
			r.Draft = &Draft{Value: rep.Value, Narrative: rep.Narrative}
		}
		rows = append(rows, r)
	}
	for _, t := range p.Targets {
		hasTargets[t.Commitment] = true
		goal := t.Value
		mine := lead[t.Commitment]
		quota := "" // the region the unit's report speaks for: its own with a quota
		for _, q := range in.Quotas[t.ID] {
			if q.Unit == unit.Code {
				goal, mine, quota = q.Value, true, unit.Code
			}
		}
		if !mine {
			continue
		}
		c := commitments[t.Commitment]
		rate := t.Unit == luoshi.PercentUnit || t.Comparator == luoshi.CmpAtMost || t.Comparator == luoshi.CmpAbout
		if ind, ok := in.Indicators[t.ID]; ok {
			rate = ind.Kind == luoshi.IndicatorLevel
			// A second target of the unit on the same indicator, for the
			// same region, is not asked for: the store copies the first
			// one's value into it.
			k := [2]string{ind.Code, quota}
			if first, ok := asked[k]; ok {
				rows[first].Target += "（同一指标，亦用于" + t.ID + "）"
				continue
			}
			asked[k] = len(rows)
		}
		g := goal
		addRow(TemplateRow{Item: t.ID, Kind: KindTarget, Section: sectionTitle(p, c), Commitment: c.Text,
			Target: targetLine(t), Measure: t.Unit, Goal: &g, Cumulative: !rate})
	}
	for _, c := range p.Commitments {
		if lead[c.ID] && !hasTargets[c.ID] {
			addRow(TemplateRow{Item: c.ID, Kind: KindCommitment, Section: sectionTitle(p, c), Commitment: c.Text,
				Measure: luoshi.PercentUnit, Cumulative: true})
		}
	}
	// Plan order: by commitment as the plan lists them, a commitment's
	// targets after it.
	order := make(map[string]int, len(p.Commitments))
	for i, c := range p.Commitments {
		order[c.ID] = i
	}
	pos := func(r TemplateRow) int {
		if r.Kind == KindCommitment {
			return order[r.Item]
		}
		for _, t := range p.Targets {
			if t.ID == r.Item {
				return order[t.Commitment]
			}
		}
		return len(order)
	}
	sort.SliceStable(rows, func(i, j int) bool { return pos(rows[i]) < pos(rows[j]) })

	pe := in.Periods[cur]
	t := Template{
		Binding:   Binding{PlanID: p.ID, Unit: unit.Code, Period: pe.Key},
		PlanTitle: p.Title,
		UnitName:  unit.Name,
		Due:       pe.Due,
		Rows:      rows,
	}
	t.Binding.Version = t.ContentVersion()
	return t, nil
}

// ContentVersion returns a short hash of everything a template shows and
// locks (its plan, unit, period and every row), for Binding.Version: two
// templates have the same version exactly when their locked content is
// the same.
func (t Template) ContentVersion() string {
	m := newMeta(t)
	m.Binding.Version = ""
	h := sha256.New()
	fields := m.header()
	for _, r := range m.Rows {
		fields = append(fields, r.fields()...)
	}
	writeFields(h, fields)
	return hex.EncodeToString(h.Sum(nil))[:16]
}
