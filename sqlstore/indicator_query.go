package sqlstore

import (
	"context"

	"luoshi/decimal"
)

// The queries the indicator layer shares between recomputing the values
// of one region and period (syncGroup) and of a whole indicator
// (rebuildIndicator): the typed reports, the duties that take copies, and
// the regions a derived value waits for.

// typedReports calls each, latest first, for every counted report that is
// not a copy, on a target bound to one of codes, in period (any when ""),
// that speaks for region (any when ""), with the region it speaks for. A
// report speaks for the region of its unit when the unit holds a quota of
// the target, else for the region of the target's plan; each way is read
// through its own index.
func (t *tx) typedReports(ctx context.Context, codes []string, region, period string, each func(v *ivRow) error) error {
	ph, in := inList(codes)
	var qa, pa []any
	qw, pw := ``, ``
	if region != "" {
		qw, pw = ` AND q.unit = ?`, ` AND pl.region = ?`
		qa, pa = append(qa, region), append(pa, region)
	}
	if period != "" {
		qw, pw = qw+` AND p.period = ?`, pw+` AND p.period = ?`
		qa, pa = append(qa, period), append(pa, period)
	}
	const cols = `b.indicator, p.id, p.plan_id, p.item, p.unit, p.period, p.value, p.state, p.narrative, p.updated_by, p.updated_at`
	args := append(append(append(append([]any{}, in...), qa...), in...), pa...)
	rows, err := t.query(ctx, `SELECT `+cols+`, q.unit FROM quotas q
		JOIN indicator_bindings b ON b.plan_id = q.plan_id AND b.target = q.target
		JOIN progress p ON p.plan_id = q.plan_id AND p.item = q.target AND p.unit = q.unit
		WHERE b.indicator IN (`+ph+`)`+qw+` AND p.origin = '' AND p.state IN ('submitted', 'approved')
		UNION ALL
		SELECT `+cols+`, pl.region FROM plans pl
		JOIN indicator_bindings b ON b.plan_id = pl.id
		JOIN progress p ON p.plan_id = b.plan_id AND p.item = b.target
		WHERE b.indicator IN (`+ph+`)`+pw+` AND p.origin = '' AND p.state IN ('submitted', 'approved')
		AND NOT EXISTS (SELECT 1 FROM quotas q WHERE q.plan_id = p.plan_id AND q.target = p.item AND q.unit = p.unit)
		ORDER BY 11 DESC, 2 DESC`, args...)
	if err != nil {
		return internal(err, "read typed values")
	}
	defer rows.Close()
	for rows.Next() {
		v := &ivRow{}
		var val, at string
		if err := rows.Scan(&v.Indicator, &v.Source, &v.PlanID, &v.Item, &v.Unit, &v.Period, &val, &v.State, &v.narrative, &v.By, &at, &v.Region); err != nil {
			return internal(err, "read typed values")
		}
		v.At = parseTS(at)
		if v.Value, err = decimal.Parse(val); err != nil {
			return internal(err, "read typed values")
		}
		if err := each(v); err != nil {
			return err
		}
	}
	return internal(rows.Err(), "read typed values")
}

// regionDuty is a duty that takes a copy of an indicator's values, with
// the indicator and the region it speaks for.
type regionDuty struct {
	code, region string
	ivDuty
}

// indicatorDuties returns the reports owed on targets bound to codes that
// speak for region (any when ""), in the latest plans: a region's quota of
// a target, and the lead unit of a target of a region's own plan.
func (t *tx) indicatorDuties(ctx context.Context, codes []string, region string) ([]regionDuty, error) {
	ph, in := inList(codes)
	qw, pw := ``, ``
	args := append([]any{}, in...)
	if region != "" {
		qw, pw = ` AND q.unit = ?`, ` AND pl.region = ?`
		args = append(args, region)
	}
	args = append(args, in...)
	if region != "" {
		args = append(args, region)
	}
	rows, err := t.query(ctx, `SELECT b.indicator, b.plan_id, b.target, q.unit, q.unit FROM indicator_bindings b
		JOIN quotas q ON q.plan_id = b.plan_id AND q.target = b.target
		JOIN plans pl ON pl.id = b.plan_id
		WHERE b.indicator IN (`+ph+`)`+qw+` AND pl.latest = 1
		UNION
		SELECT b.indicator, b.plan_id, b.target, a.unit, pl.region FROM indicator_bindings b
		JOIN plans pl ON pl.id = b.plan_id
		JOIN targets tg ON tg.plan_id = b.plan_id AND tg.id = b.target
		JOIN assignments a ON a.plan_id = b.plan_id AND a.commitment = tg.commitment AND a.role = 'lead'
		WHERE b.indicator IN (`+ph+`)`+pw+` AND pl.latest = 1
		AND NOT EXISTS (SELECT 1 FROM quotas q WHERE q.plan_id = b.plan_id AND q.target = b.target AND q.unit = a.unit)`, args...)
	if err != nil {
		return nil, internal(err, "read indicator duties")
	}
	defer rows.Close()
	var out []regionDuty
	for rows.Next() {
		var d regionDuty
		if err := rows.Scan(&d.code, &d.plan, &d.target, &d.unit, &d.region); err != nil {
			return nil, internal(err, "read indicator duties")
		}
		out = append(out, d)
	}
	return out, internal(rows.Err(), "read indicator duties")
}

// owingUnder returns, for every region, the regions directly under it
// that owe an indicator (owes: the regions that owe it themselves), be it
// themselves or through a region under them: what a derived value of the
// region waits for.
func owingUnder(regs map[string]region, owes map[string]bool) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for r := range owes {
		for c, guard := r, 0; c != "" && guard < 8; c, guard = regs[c].parent, guard+1 {
			p := regs[c].parent
			if _, ok := regs[p]; !ok {
				break
			}
			if out[p] == nil {
				out[p] = map[string]bool{}
			}
			out[p][c] = true
		}
	}
	return out
}
