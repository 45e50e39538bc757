package sqlstore

import (
	"context"
	"sort"
	"strings"

	"luoshi"
	"luoshi/decimal"
)

// ivGroup is a region and period whose values of some indicators a batch
// recomputes together: an upload names one unit and period, so its reports
// make one group per level of the region tree, whatever the number of
// indicators.
type ivGroup struct{ region, period string }

// syncIndicators recomputes the indicator values the batch queued, a
// group of indicators of one region and period at a time, deepest regions
// first so that a region is derived after the regions under it; the values
// that changed are then recomputed for the region above. Values typed in
// the batch's own reports have their copies checked even when unchanged.
func (t *tx) syncIndicators(ctx context.Context, b *progressBatch) error {
	if len(b.ivs) == 0 {
		return nil
	}
	regs, err := t.regions(ctx, b)
	if err != nil {
		return err
	}
	pending := map[ivGroup]map[string]bool{} // group → code → copies checked even if unchanged
	for _, k := range b.ivs {
		g := ivGroup{k.region, k.period}
		if pending[g] == nil {
			pending[g] = map[string]bool{}
		}
		pending[g][k.code] = true
	}
	b.ivs, b.ivSeen = nil, nil
	done := map[ivKey]bool{}
	for len(pending) > 0 {
		var g ivGroup
		first := true
		for h := range pending {
			if first || regs[h.region].depth > regs[g.region].depth ||
				regs[h.region].depth == regs[g.region].depth && (h.region < g.region || h.region == g.region && h.period < g.period) {
				g, first = h, false
			}
		}
		force := pending[g]
		delete(pending, g)
		codes := make([]string, 0, len(force))
		for c := range force {
			if k := (ivKey{c, g.region, g.period}); !done[k] {
				done[k] = true
				codes = append(codes, c)
			}
		}
		sort.Strings(codes)
		for len(codes) > 0 {
			n := min(len(codes), maxInList/2)
			changed, has, err := t.syncGroup(ctx, b, g, codes[:n], force)
			if err != nil {
				return err
			}
			codes = codes[n:]
			parent := regs[g.region].parent
			if _, ok := regs[parent]; !ok || len(changed) == 0 {
				continue
			}
			pg := ivGroup{parent, g.period}
			if pending[pg] == nil {
				pending[pg] = map[string]bool{}
			}
			for _, c := range changed {
				if _, ok := pending[pg][c]; !ok {
					pending[pg][c] = false
				}
				b.changedChild(ivKey{c, parent, g.period}, g.region, has[c])
			}
		}
	}
	return nil
}

// inList returns the placeholders and arguments of an IN list of codes
// (padIn).
func inList(codes []string) (string, []any) { return padIn(anys(codes)) }

// indicatorsByCode returns the indicators of codes, read once per batch.
func (t *tx) indicatorsByCode(ctx context.Context, b *progressBatch, codes []string) (map[string]luoshi.Indicator, error) {
	if b.inds == nil {
		b.inds = map[string]luoshi.Indicator{}
	}
	var miss []string
	for _, c := range codes {
		if _, ok := b.inds[c]; !ok {
			miss = append(miss, c)
		}
	}
	if len(miss) > 0 {
		ph, args := inList(miss)
		rows, err := t.query(ctx, `SELECT `+indicatorCols+` FROM indicators WHERE code IN (`+ph+`)`, args...)
		if err != nil {
			return nil, internal(err, "read indicators")
		}
		for rows.Next() {
			ind, err := scanIndicator(rows)
			if err != nil {
				rows.Close()
				return nil, internal(err, "read indicators")
			}
			b.inds[ind.Code] = ind
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal(err, "read indicators")
		}
	}
	return b.inds, nil
}

// owingFor reads the regions that owe each of codes not read yet in the
// batch (see owingRegions).
func (t *tx) owingFor(ctx context.Context, b *progressBatch, codes []string) (err error) {
	if b.owes == nil {
		b.owes = map[string]map[string]bool{}
	}
	var miss []string
	t.db.owesMu.Lock()
	for _, c := range codes {
		if _, ok := b.owes[c]; ok {
			continue
		}
		if m, ok := t.db.owes[c]; ok {
			b.owes[c] = m
			continue
		}
		miss = append(miss, c)
		b.owes[c] = map[string]bool{}
	}
	t.db.owesMu.Unlock()
	if len(miss) == 0 {
		return nil
	}
	defer func() {
		if err != nil {
			return
		}
		t.db.owesMu.Lock()
		if t.db.owes == nil {
			t.db.owes = map[string]map[string]bool{}
		}
		for _, c := range miss {
			t.db.owes[c] = b.owes[c]
		}
		t.db.owesMu.Unlock()
	}()
	ph, args := inList(miss)
	rows, err := t.query(ctx, `SELECT b.indicator, q.unit FROM indicator_bindings b JOIN quotas q ON q.plan_id = b.plan_id AND q.target = b.target
		JOIN plans pl ON pl.id = b.plan_id WHERE b.indicator IN (`+ph+`) AND pl.latest = 1
		UNION SELECT b.indicator, pl.region FROM indicator_bindings b JOIN plans pl ON pl.id = b.plan_id WHERE b.indicator IN (`+ph+`) AND pl.latest = 1`,
		append(args, args...)...)
	if err != nil {
		return internal(err, "read owing regions")
	}
	defer rows.Close()
	for rows.Next() {
		var c, r string
		if err := rows.Scan(&c, &r); err != nil {
			return internal(err, "read owing regions")
		}
		b.owes[c][r] = true
	}
	return internal(rows.Err(), "read owing regions")
}

// syncGroup recomputes the values of codes for one region and period,
// stores those that changed, and brings their copies in step (and those of
// the codes in force). It returns the codes whose value changed, and
// whether each has a value now.
func (t *tx) syncGroup(ctx context.Context, b *progressBatch, g ivGroup, codes []string, force map[string]bool) (changed []string, has map[string]bool, err error) {
	inds, err := t.indicatorsByCode(ctx, b, codes)
	if err != nil {
		return nil, nil, err
	}
	ph, args := inList(codes)
	cur := map[string]*ivRow{}

	// Typed values: the latest counted report speaking for the region,
	// known already when the batch typed it.
	known := true
	for _, c := range codes {
		if v := b.typed[ivKey{c, g.region, g.period}]; v != nil {
			cur[c] = v
		} else {
			known = false
		}
	}
	if !known {
		if err := t.typedValues(ctx, g, codes, cur); err != nil {
			return nil, nil, err
		}
	}
	// Derived values of the others, from the regions directly under.
	var derive []string
	for _, c := range codes {
		if cur[c] == nil && inds[c].Aggregate != luoshi.AggNone && inds[c].Code != "" {
			derive = append(derive, c)
		}
	}
	if len(derive) > 0 {
		if err := t.derive(ctx, b, g, derive, inds, cur); err != nil {
			return nil, nil, err
		}
	}

	// What is stored now.
	old := map[string]luoshi.IndicatorValue{}
	rows, err := t.query(ctx, `SELECT indicator, region, period, value, state, source, plan_id, item, unit, parts, by_whom, at FROM indicator_values
		WHERE region = ? AND period = ? AND indicator IN (`+ph+`)`, append([]any{g.region, g.period}, args...)...)
	if err != nil {
		return nil, nil, internal(err, "read indicator values")
	}
	for rows.Next() {
		v, err := scanValue(rows)
		if err != nil {
			rows.Close()
			return nil, nil, internal(err, "read indicator values")
		}
		old[v.Indicator] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, internal(err, "read indicator values")
	}
	var copies []string
	has = map[string]bool{}
	for _, c := range codes {
		v, had := old[c]
		change := true
		switch {
		case cur[c] == nil && had:
			if _, err := t.exec(ctx, `DELETE FROM indicator_values WHERE indicator = ? AND region = ? AND period = ?`, c, g.region, g.period); err != nil {
				return nil, nil, internal(err, "drop indicator value")
			}
		case cur[c] == nil, had && sameValue(v, cur[c].IndicatorValue):
			change = false
		default:
			n := cur[c].IndicatorValue
			if _, err := t.exec(ctx, `INSERT INTO indicator_values (indicator, region, period, value, state, source, plan_id, item, unit, parts, by_whom, at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (indicator, region, period) DO UPDATE SET value = excluded.value, state = excluded.state, source = excluded.source,
				plan_id = excluded.plan_id, item = excluded.item, unit = excluded.unit, parts = excluded.parts, by_whom = excluded.by_whom, at = excluded.at`,
				c, g.region, g.period, n.Value.String(), n.State, n.Source, n.PlanID, n.Item, n.Unit, n.Parts, n.By, ts(n.At)); err != nil {
				return nil, nil, internal(err, "store indicator value")
			}
		}
		if change {
			changed = append(changed, c)
			has[c] = cur[c] != nil
		}
		if change || force[c] {
			copies = append(copies, c)
		}
	}
	if len(copies) > 0 {
		if err := t.syncCopies(ctx, b, g, copies, inds, cur); err != nil {
			return nil, nil, err
		}
	}
	return changed, has, nil
}

// derive sets in cur the aggregate of each of codes over the regions
// directly under g's region, where every one of them that owes the
// indicator (itself or through a region under it) has a value.
func (t *tx) derive(ctx context.Context, b *progressBatch, g ivGroup, codes []string, inds map[string]luoshi.Indicator, cur map[string]*ivRow) error {
	regs, err := t.regions(ctx, b)
	if err != nil {
		return err
	}
	if err := t.owingFor(ctx, b, codes); err != nil {
		return err
	}
	expected := map[string]map[string]bool{}
	for _, c := range codes {
		expected[c] = owingUnder(regs, b.owes[c])[g.region]
		if expected[c] == nil {
			expected[c] = map[string]bool{}
		}
	}
	// A value known to lack some region under it that has not received a
	// value since still lacks it: nothing to read. A region whose value
	// went makes it unknown again.
	for _, c := range codes {
		k := ivKey{c, g.region, g.period}
		m, ok := t.lacking(k)
		if !ok {
			continue
		}
		lack := make(map[string]bool, len(m))
		for r := range m {
			lack[r] = true
		}
		known := true
		for r, has := range b.changed[k] {
			if has {
				delete(lack, r)
			} else {
				known = false
			}
		}
		if !known {
			t.setLacking(k, nil)
			continue
		}
		t.setLacking(k, lack)
		if len(lack) > 0 {
			delete(expected, c)
		}
	}
	// Only the values expected are read, each by its key; the list of
	// (indicator, region) pairs is padded to a few lengths, as padIn does.
	var pairs [][2]string
	for _, c := range codes {
		for r := range expected[c] {
			pairs = append(pairs, [2]string{c, r})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	n := 1
	for n < len(pairs) {
		n *= 2
	}
	var args []any
	for i := 0; i < n; i++ {
		p := pairs[min(i, len(pairs)-1)]
		args = append(args, p[0], p[1])
	}
	args = append(args, g.period)
	rows, err := t.query(ctx, `WITH k (indicator, region) AS (VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")+`)
		SELECT DISTINCT iv.indicator, iv.region, iv.value, iv.state, iv.by_whom, iv.at FROM k CROSS JOIN indicator_values iv
		WHERE iv.indicator = k.indicator AND iv.region = k.region AND iv.period = ?
		ORDER BY iv.indicator, iv.region`, args...)
	if err != nil {
		return internal(err, "read region values")
	}
	type part struct {
		vs []decimal.Decimal
		v  ivRow
	}
	parts := map[string]*part{}
	present := map[ivKey]bool{}
	for rows.Next() {
		var code, reg, val, state, by, at string
		if err := rows.Scan(&code, &reg, &val, &state, &by, &at); err != nil {
			rows.Close()
			return internal(err, "read region values")
		}
		d, err := decimal.Parse(val)
		if err != nil {
			rows.Close()
			return internal(err, "read region values")
		}
		present[ivKey{code, reg, g.period}] = true
		p := parts[code]
		if p == nil {
			p = &part{v: ivRow{IndicatorValue: luoshi.IndicatorValue{Indicator: code, Region: g.region, Period: g.period, State: luoshi.StateApproved}}}
			parts[code] = p
		}
		expected[code][reg] = true
		p.vs = append(p.vs, d)
		if state != luoshi.StateApproved {
			p.v.State = luoshi.StateSubmitted
		}
		if a := parseTS(at); a.After(p.v.At) {
			p.v.At, p.v.By = a, by
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal(err, "read region values")
	}
	// Remember what each value still lacks, for the next batch.
	for c, exp := range expected {
		lack := map[string]bool{}
		for r := range exp {
			if !present[ivKey{c, r, g.period}] {
				lack[r] = true
			}
		}
		t.setLacking(ivKey{c, g.region, g.period}, lack)
	}
	for _, c := range codes {
		p := parts[c]
		if p == nil || len(p.vs) < len(expected[c]) {
			continue
		}
		if sum, ok := luoshi.Combine(inds[c].Aggregate, p.vs); ok {
			v := p.v
			v.Value, v.Parts = sum, len(p.vs)
			cur[c] = &v
		}
	}
	return nil
}

// existingRow is what a copy decision needs of a stored report.
type existingRow struct {
	state, origin string
	value         decimal.Decimal
}

// syncCopies brings in step with cur the reports of every duty speaking
// for g's region in g's period on a target bound to one of codes.
func (t *tx) syncCopies(ctx context.Context, b *progressBatch, g ivGroup, codes []string, inds map[string]luoshi.Indicator, cur map[string]*ivRow) error {
	all, err := t.indicatorDuties(ctx, codes, g.region)
	if err != nil {
		return err
	}
	var duties []regionDuty
	for _, d := range all {
		v := cur[d.code]
		if v != nil && d.plan == v.PlanID && d.target == v.Item && d.unit == v.Unit {
			continue // the report the value was typed in
		}
		duties = append(duties, d)
	}
	if len(duties) == 0 {
		return nil
	}
	have := map[ivDuty]existingRow{}
	// The duties' reports of the period, through progress_unit_period.
	plans, units := map[int64]bool{}, map[string]bool{}
	var pargs, uargs []any
	for _, d := range duties {
		if !plans[d.plan] {
			plans[d.plan] = true
			pargs = append(pargs, d.plan)
		}
		if !units[d.unit] {
			units[d.unit] = true
			uargs = append(uargs, d.unit)
		}
	}
	pph, pin := padIn(pargs)
	uph, uin := padIn(uargs)
	rows, err := t.query(ctx, `SELECT plan_id, item, unit, state, origin, value FROM progress
		WHERE plan_id IN (`+pph+`) AND unit IN (`+uph+`) AND period = ?`, append(append(pin, uin...), g.period)...)
	if err != nil {
		return internal(err, "read reports")
	}
	for rows.Next() {
		var d ivDuty
		var e existingRow
		var val string
		if err := rows.Scan(&d.plan, &d.target, &d.unit, &e.state, &e.origin, &val); err != nil {
			rows.Close()
			return internal(err, "read reports")
		}
		if e.value, err = decimal.Parse(val); err != nil {
			rows.Close()
			return internal(err, "read reports")
		}
		have[d] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal(err, "read reports")
	}
	sort.Slice(duties, func(i, j int) bool {
		a, c := duties[i], duties[j]
		if a.plan != c.plan {
			return a.plan < c.plan
		}
		if a.target != c.target {
			return a.target < c.target
		}
		return a.unit < c.unit
	})
	origins := map[string]string{}
	for _, d := range duties {
		e, exists := have[d.ivDuty]
		if err := t.syncCopy(ctx, b, inds[d.code], d.ivDuty, g.period, cur[d.code], e, exists, origins); err != nil {
			return err
		}
	}
	return nil
}

// syncCopy decides and makes the write, if any, that brings one duty's
// report (e, if it exists) in step with v (nil: no value): nothing for a
// report its unit typed and submitted, a release for a copy whose value is
// gone, a new or updated copy otherwise. origins caches the origin texts
// by value.
func (t *tx) syncCopy(ctx context.Context, b *progressBatch, ind luoshi.Indicator, d ivDuty, period string, v *ivRow, e existingRow, exists bool, origins map[string]string) error {
	counted := exists && (e.state == luoshi.StateSubmitted || e.state == luoshi.StateApproved)
	if exists && e.origin == "" && counted {
		return nil // typed by its unit: left as it is
	}
	if v == nil {
		if exists && e.origin != "" && counted {
			return t.copyInto(ctx, b, d, period, nil, "", "")
		}
		return nil
	}
	key := v.Indicator + "\x00" + v.Region + "\x00" + v.Period
	origin, ok := origins[key]
	if !ok {
		var err error
		if origin, err = t.originText(ctx, ind, v); err != nil {
			return err
		}
		origins[key] = origin
	}
	if exists && e.origin == origin && e.state == v.State && e.value.Cmp(v.Value) == 0 {
		return nil
	}
	narrative := v.narrative
	if v.Derived() {
		narrative = origin
	}
	return t.copyInto(ctx, b, d, period, v, origin, narrative)
}

// sameValue reports whether two values of an indicator for the same region
// and period say the same: value, state and where they came from.
func sameValue(a, b luoshi.IndicatorValue) bool {
	return a.Value.Cmp(b.Value) == 0 && a.State == b.State && a.Source == b.Source && a.Parts == b.Parts
}

// typedValues sets in cur, for codes, the latest counted report, not a
// copy, that speaks for g's region in g's period (the batch's own reports
// included).
func (t *tx) typedValues(ctx context.Context, g ivGroup, codes []string, cur map[string]*ivRow) error {
	seen := map[string]bool{}
	return t.typedReports(ctx, codes, g.region, g.period, func(v *ivRow) error {
		if !seen[v.Indicator] { // else an older report for the same region
			seen[v.Indicator] = true
			cur[v.Indicator] = v
		}
		return nil
	})
}

// changedChild notes that the value of region under k's region changed in
// the batch.
// has says whether the region's value is there now.
func (b *progressBatch) changedChild(k ivKey, region string, has bool) {
	if b.changed == nil {
		b.changed = map[ivKey]map[string]bool{}
	}
	if b.changed[k] == nil {
		b.changed[k] = map[string]bool{}
	}
	b.changed[k][region] = has
}
