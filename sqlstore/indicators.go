package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"luoshi"
	"luoshi/decimal"
	"luoshi/monitor"
)

// This file is 报表通's indicator layer. An indicator's value for a region
// and period is typed once, in a report on any target bound to it that
// speaks for the region: a report by a unit holding a quota of the target
// speaks for that unit's region, any other report for the region of the
// target's plan. When no report speaks for a region, a value is derived
// from the regions directly under it under the indicator's aggregate, once
// every one of them that owes the indicator has a value. The value is kept
// in indicator_values and copied, with its origin, into the report of every
// other duty that speaks for the same region in the same period (a region's
// quota of another plan's target, the lead unit of the region's own plan),
// so that the judgement, the roll-ups and the bulletins read it as they
// read any report. All of it happens in the transaction of the write that
// changed the value.

// PutIndicators implements luoshi.Store.
func (db *DB) PutIndicators(ctx context.Context, inds []luoshi.Indicator, by string) error {
	if by == "" {
		return luoshi.Errorf(luoshi.EInvalid, "维护指标须注明操作人")
	}
	seen := map[string]bool{}
	for _, ind := range inds {
		if err := ind.Validate(); err != nil {
			return err
		}
		if seen[ind.Code] {
			return luoshi.Errorf(luoshi.EInvalid, "指标编码 %s 重复", ind.Code)
		}
		seen[ind.Code] = true
	}
	defer db.dropOwes() // derived values may follow a new aggregate
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		db.dropOwes()
		if err := mayAdmin(ctx, "维护指标"); err != nil {
			return err
		}
		now := ts(db.now())
		for _, ind := range inds {
			old, err := t.indicator(ctx, ind.Code)
			var before any
			switch {
			case err == nil:
				if old.Unit != ind.Unit {
					var n int
					if err := t.row(ctx, `SELECT COUNT(*) FROM indicator_bindings WHERE indicator = ?`, ind.Code).Scan(&n); err != nil {
						return internal(err, "count bindings")
					}
					if n > 0 {
						return luoshi.Errorf(luoshi.EConflict, "指标 %s 已绑定 %d 个目标，不能把计量单位由「%s」改为「%s」", ind.Code, n, old.Unit, ind.Unit)
					}
				}
				before = old
			case luoshi.ErrorCode(err) != luoshi.ENotFound:
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO indicators (code, name, unit, kind, aggregate, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, unit = excluded.unit, kind = excluded.kind, aggregate = excluded.aggregate,
				note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				ind.Code, ind.Name, ind.Unit, ind.Kind, ind.Aggregate, ind.Note, by, now); err != nil {
				return internal(err, "store indicator %s", ind.Code)
			}
			if err := t.record(ctx, by, "indicator.put", "indicator:"+ind.Code, "", before, ind); err != nil {
				return err
			}
			if before != nil && old.Aggregate != ind.Aggregate {
				// Derived values follow the new aggregate.
				b := newBatch(by)
				if err := t.rebuildIndicator(ctx, b, ind.Code); err != nil {
					return err
				}
				if err := t.flushTracker(ctx, b); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

const indicatorCols = `code, name, unit, kind, aggregate, note`

func scanIndicator(s interface{ Scan(...any) error }) (luoshi.Indicator, error) {
	var ind luoshi.Indicator
	err := s.Scan(&ind.Code, &ind.Name, &ind.Unit, &ind.Kind, &ind.Aggregate, &ind.Note)
	return ind, err
}

func (t *tx) indicator(ctx context.Context, code string) (luoshi.Indicator, error) {
	ind, err := scanIndicator(t.row(ctx, `SELECT `+indicatorCols+` FROM indicators WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return ind, luoshi.Errorf(luoshi.ENotFound, "没有编码为 %s 的指标", code)
	}
	return ind, internal(err, "read indicator %s", code)
}

// Indicator implements luoshi.Store.
func (db *DB) Indicator(ctx context.Context, code string) (luoshi.Indicator, error) {
	ind, err := scanIndicator(db.row(ctx, `SELECT `+indicatorCols+` FROM indicators WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return ind, luoshi.Errorf(luoshi.ENotFound, "没有编码为 %s 的指标", code)
	}
	return ind, internal(err, "read indicator %s", code)
}

// Indicators implements luoshi.Store.
func (db *DB) Indicators(ctx context.Context) ([]luoshi.Indicator, error) {
	rows, err := db.query(ctx, `SELECT `+indicatorCols+` FROM indicators ORDER BY code`)
	if err != nil {
		return nil, internal(err, "list indicators")
	}
	defer rows.Close()
	out := []luoshi.Indicator{}
	for rows.Next() {
		ind, err := scanIndicator(rows)
		if err != nil {
			return nil, internal(err, "list indicators")
		}
		out = append(out, ind)
	}
	return out, internal(rows.Err(), "list indicators")
}

// BindIndicators implements luoshi.Store.
func (db *DB) BindIndicators(ctx context.Context, bs []luoshi.IndicatorBinding, by string) error {
	if by == "" {
		return luoshi.Errorf(luoshi.EInvalid, "绑定指标须注明操作人")
	}
	defer db.dropOwes()
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		db.dropOwes()
		if err := mayAdmin(ctx, "绑定指标"); err != nil {
			return err
		}
		b := newBatch(by)
		touched := map[string]bool{}
		var codes []string
		now := ts(db.now())
		for _, bd := range bs {
			var unit string
			err := t.row(ctx, `SELECT unit FROM targets WHERE plan_id = ? AND id = ?`, bd.PlanID, bd.Target).Scan(&unit)
			if errors.Is(err, sql.ErrNoRows) {
				if err := t.planExists(ctx, bd.PlanID); err != nil {
					return err
				}
				return luoshi.Errorf(luoshi.ENotFound, "计划 %d 没有目标 %s", bd.PlanID, bd.Target)
			} else if err != nil {
				return internal(err, "read target %s", bd.Target)
			}
			var old string
			err = t.row(ctx, `SELECT indicator FROM indicator_bindings WHERE plan_id = ? AND target = ?`, bd.PlanID, bd.Target).Scan(&old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return internal(err, "read binding")
			}
			if old == bd.Indicator {
				continue
			}
			if bd.Indicator != "" {
				ind, err := t.indicator(ctx, bd.Indicator)
				if err != nil {
					return err
				}
				if ind.Unit != unit {
					return luoshi.Errorf(luoshi.EInvalid, "目标 %s 以「%s」计量，指标 %s（%s）以「%s」计量，不能绑定", bd.Target, unit, ind.Code, ind.Name, ind.Unit)
				}
			}
			if _, err := t.exec(ctx, `DELETE FROM indicator_bindings WHERE plan_id = ? AND target = ?`, bd.PlanID, bd.Target); err != nil {
				return internal(err, "unbind %s", bd.Target)
			}
			if bd.Indicator != "" {
				if _, err := t.exec(ctx, `INSERT INTO indicator_bindings (plan_id, target, indicator, bound_by, bound_at) VALUES (?, ?, ?, ?, ?)`,
					bd.PlanID, bd.Target, bd.Indicator, by, now); err != nil {
					return internal(err, "bind %s", bd.Target)
				}
			}
			if old != "" {
				// The target's reports the old indicator filled in no
				// longer follow it: they go back to their units to confirm.
				if err := t.releaseDerived(ctx, b, bd.PlanID, bd.Target, "指标绑定已调整，请核实后重新报送"); err != nil {
					return err
				}
			}
			var before any
			if old != "" {
				before = luoshi.IndicatorBinding{PlanID: bd.PlanID, Target: bd.Target, Indicator: old}
			}
			if err := t.record(ctx, by, "indicator.bind", itemObject(bd.PlanID, bd.Target), "", before, bd); err != nil {
				return err
			}
			for _, c := range []string{old, bd.Indicator} {
				if c != "" && !touched[c] {
					touched[c] = true
					codes = append(codes, c)
				}
			}
		}
		b.bindings = nil // changed above
		for _, c := range codes {
			if err := t.rebuildIndicator(ctx, b, c); err != nil {
				return err
			}
		}
		return t.flushTracker(ctx, b)
	})
}

// IndicatorBindings implements luoshi.Store.
func (db *DB) IndicatorBindings(ctx context.Context, planID int64) ([]luoshi.IndicatorBinding, error) {
	q := `SELECT plan_id, target, indicator FROM indicator_bindings`
	var args []any
	if planID != 0 {
		q += ` WHERE plan_id = ?`
		args = append(args, planID)
	}
	rows, err := db.query(ctx, q+` ORDER BY plan_id, target`, args...)
	if err != nil {
		return nil, internal(err, "list bindings")
	}
	defer rows.Close()
	out := []luoshi.IndicatorBinding{}
	for rows.Next() {
		var b luoshi.IndicatorBinding
		if err := rows.Scan(&b.PlanID, &b.Target, &b.Indicator); err != nil {
			return nil, internal(err, "list bindings")
		}
		out = append(out, b)
	}
	return out, internal(rows.Err(), "list bindings")
}

// IndicatorValues implements luoshi.Store.
func (db *DB) IndicatorValues(ctx context.Context, f luoshi.IndicatorValueFilter) ([]luoshi.IndicatorValue, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"indicator", f.Indicator}, {"region", f.Region}, {"period", f.Period}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	q := `SELECT indicator, region, period, value, state, source, plan_id, item, unit, parts, by_whom, at FROM indicator_values`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, q+` ORDER BY indicator, period, region`, args...)
	if err != nil {
		return nil, internal(err, "list indicator values")
	}
	defer rows.Close()
	out := []luoshi.IndicatorValue{}
	for rows.Next() {
		v, err := scanValue(rows)
		if err != nil {
			return nil, internal(err, "list indicator values")
		}
		if canRead(ctx, v.Region) || (v.Unit != "" && canRead(ctx, v.Unit)) {
			out = append(out, v)
		}
	}
	return out, internal(rows.Err(), "list indicator values")
}

func scanValue(s interface{ Scan(...any) error }) (luoshi.IndicatorValue, error) {
	var v luoshi.IndicatorValue
	var val, at string
	if err := s.Scan(&v.Indicator, &v.Region, &v.Period, &val, &v.State, &v.Source, &v.PlanID, &v.Item, &v.Unit, &v.Parts, &v.By, &at); err != nil {
		return v, err
	}
	v.At = parseTS(at)
	var err error
	v.Value, err = decimal.Parse(val)
	return v, err
}

// indicatorsOf returns the indicators the targets of a plan are bound to,
// by target.
func indicatorsOf(ctx context.Context, q querier, planID int64) (map[string]luoshi.Indicator, error) {
	rows, err := q.query(ctx, `SELECT b.target, i.code, i.name, i.unit, i.kind, i.aggregate, i.note FROM indicator_bindings b
		JOIN indicators i ON i.code = b.indicator WHERE b.plan_id = ?`, planID)
	if err != nil {
		return nil, internal(err, "read bindings")
	}
	defer rows.Close()
	out := map[string]luoshi.Indicator{}
	for rows.Next() {
		var target string
		var ind luoshi.Indicator
		if err := rows.Scan(&target, &ind.Code, &ind.Name, &ind.Unit, &ind.Kind, &ind.Aggregate, &ind.Note); err != nil {
			return nil, internal(err, "read bindings")
		}
		out[target] = ind
	}
	return out, internal(rows.Err(), "read bindings")
}

// ivKey names an indicator value.
type ivKey struct{ code, region, period string }

// region is a region unit as the indicator layer needs it.
type region struct {
	name, kind, parent string
	depth              int
}

// regions returns the region tree, read once and kept until PutUnits
// changes the units.
func (t *tx) regions(ctx context.Context, b *progressBatch) (map[string]region, error) {
	if b.regions != nil {
		return b.regions, nil
	}
	if m := t.db.regionTree.Load(); m != nil {
		b.regions = *m
		return b.regions, nil
	}
	rows, err := t.query(ctx, `SELECT code, name, kind, parent FROM units WHERE kind IN ('province', 'city', 'county')`)
	if err != nil {
		return nil, internal(err, "read regions")
	}
	defer rows.Close()
	m := map[string]region{}
	for rows.Next() {
		var code string
		var r region
		if err := rows.Scan(&code, &r.name, &r.kind, &r.parent); err != nil {
			return nil, internal(err, "read regions")
		}
		r.depth = luoshi.RegionLevel(r.kind)
		m[code] = r
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read regions")
	}
	b.regions = m
	t.db.regionTree.Store(&m)
	return m, nil
}

// binding returns the indicator a target of a plan is bound to, "" if
// none; the bindings of a plan are read once per batch.
func (t *tx) binding(ctx context.Context, b *progressBatch, planID int64, target string) (string, error) {
	if b.bindings == nil {
		b.bindings = map[int64]map[string]string{}
	}
	m, ok := b.bindings[planID]
	if !ok {
		m = map[string]string{}
		rows, err := t.query(ctx, `SELECT target, indicator FROM indicator_bindings WHERE plan_id = ?`, planID)
		if err != nil {
			return "", internal(err, "read bindings")
		}
		for rows.Next() {
			var tg, code string
			if err := rows.Scan(&tg, &code); err != nil {
				rows.Close()
				return "", internal(err, "read bindings")
			}
			m[tg] = code
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", internal(err, "read bindings")
		}
		b.bindings[planID] = m
	}
	return m[target], nil
}

// speaksFor returns the region a unit's report on a target speaks for: the
// unit itself when it holds a quota of the target, else the plan's region.
func (t *tx) speaksFor(ctx context.Context, planID int64, target, unit string) (string, error) {
	var reg string
	var quota int
	err := t.row(ctx, `SELECT p.region, (SELECT COUNT(*) FROM quotas q WHERE q.plan_id = p.id AND q.target = ? AND q.unit = ?) FROM plans p WHERE p.id = ?`,
		target, unit, planID).Scan(&reg, &quota)
	if err != nil {
		return "", internal(err, "read plan region")
	}
	if quota > 0 {
		return unit, nil
	}
	return reg, nil
}

// planRegion returns the region of a plan, read once per batch.
func (t *tx) planRegion(ctx context.Context, b *progressBatch, planID int64) (string, error) {
	if r, ok := b.planRegions[planID]; ok {
		return r, nil
	}
	var r string
	if err := t.row(ctx, `SELECT region FROM plans WHERE id = ?`, planID).Scan(&r); err != nil {
		return "", internal(err, "read plan region")
	}
	if b.planRegions == nil {
		b.planRegions = map[int64]string{}
	}
	b.planRegions[planID] = r
	return r, nil
}

// noteReport queues the indicator value a counted (or no longer counted)
// report on a target may have changed.
func (t *tx) noteReport(ctx context.Context, b *progressBatch, p luoshi.Progress, it itemInfo) error {
	code, err := t.binding(ctx, b, p.PlanID, p.Item)
	if err != nil || code == "" {
		return err
	}
	var reg string
	switch {
	case it.quotaKnown && it.quota:
		reg = p.Unit
	case it.quotaKnown:
		reg, err = t.planRegion(ctx, b, p.PlanID)
	default:
		reg, err = t.speaksFor(ctx, p.PlanID, p.Item, p.Unit)
	}
	if err != nil {
		return err
	}
	k := ivKey{code, reg, p.Period}
	b.queue(k)
	// A report the batch typed and that counts is the latest that speaks
	// for its region (the writer's transactions follow one another), so
	// syncGroup need not look it up; any other write leaves the lookup to
	// it.
	if b.typed == nil {
		b.typed = map[ivKey]*ivRow{}
	}
	counts := p.State == luoshi.StateSubmitted || p.State == luoshi.StateApproved
	if prev, ok := b.typed[k]; counts && p.Origin == "" && (!ok || prev != nil && p.ID > prev.Source) {
		b.typed[k] = &ivRow{IndicatorValue: luoshi.IndicatorValue{Indicator: code, Region: reg, Period: p.Period, Value: p.Value, State: p.State,
			Source: p.ID, PlanID: p.PlanID, Item: p.Item, Unit: p.Unit, By: p.UpdatedBy, At: p.UpdatedAt}, narrative: p.Narrative}
	} else if !counts || p.Origin != "" {
		b.typed[k] = nil // to be looked up
	}
	return nil
}

// queue adds an indicator value to recompute at the end of the batch.
func (b *progressBatch) queue(k ivKey) {
	if b.ivSeen == nil {
		b.ivSeen = map[ivKey]bool{}
	}
	if !b.ivSeen[k] {
		b.ivSeen[k] = true
		b.ivs = append(b.ivs, k)
	}
}

// shanghai is the time zone dates are shown in.
var shanghai = time.FixedZone("CST", 8*60*60)

// ivRow is an indicator value with what its copies need.
type ivRow struct {
	luoshi.IndicatorValue
	narrative string
}

// owingRegions returns the regions that owe an indicator: those holding a
// quota of a target bound to it, and those whose latest plan has one; read
// once per batch and indicator.
func (t *tx) owingRegions(ctx context.Context, b *progressBatch, code string) (map[string]bool, error) {
	if err := t.owingFor(ctx, b, []string{code}); err != nil {
		return nil, err
	}
	return b.owes[code], nil
}

// duty is a report some unit owes on a target that takes an indicator
// value.
type ivDuty struct {
	plan   int64
	target string
	unit   string
}

// originText says where a copied value comes from.
func (t *tx) originText(ctx context.Context, ind luoshi.Indicator, v *ivRow) (string, error) {
	if v.Derived() {
		how := map[string]string{luoshi.AggSum: "合计", luoshi.AggAvg: "平均", luoshi.AggMax: "取最大值", luoshi.AggMin: "取最小值"}[ind.Aggregate]
		return fmt.Sprintf("报表通：指标「%s」由 %d 个下级地区的报送值%s得出", ind.Name, v.Parts, how), nil
	}
	var name string
	err := t.row(ctx, `SELECT name FROM units WHERE code = ?`, v.Unit).Scan(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", internal(err, "read unit %s", v.Unit)
	}
	if name == "" {
		name = v.Unit
	}
	return fmt.Sprintf("报表通：指标「%s」已由%s于%s报送（报告 %d）", ind.Name, name, v.At.In(shanghai).Format("2006年1月2日"), v.Source), nil
}

// copyInto writes one copy.
func (t *tx) copyInto(ctx context.Context, b *progressBatch, d ivDuty, period string, v *ivRow, origin, narrative string) error {
	var seq int
	var closed sql.NullString
	err := t.row(ctx, `SELECT seq, closed_at FROM periods WHERE plan_id = ? AND key = ?`, d.plan, period).Scan(&seq, &closed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && closed.Valid) {
		return nil // the plan has no such open period: nothing owed
	} else if err != nil {
		return internal(err, "read period")
	}
	var id int64
	var state, oldOrigin, oldValue string
	var rev int
	err = t.row(ctx, `SELECT id, state, origin, value, revision FROM progress WHERE plan_id = ? AND item = ? AND unit = ? AND period = ?`,
		d.plan, d.target, d.unit, period).Scan(&id, &state, &oldOrigin, &oldValue, &rev)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return internal(err, "read report")
	}
	counted := state == luoshi.StateSubmitted || state == luoshi.StateApproved
	if exists && oldOrigin == "" && counted {
		return nil // typed by its unit: left as it is
	}
	now := t.db.now()
	if v == nil {
		if !exists || oldOrigin == "" || !counted {
			return nil
		}
		p, err := t.progress(ctx, id)
		if err != nil {
			return err
		}
		before := p
		p.State, p.Reason, p.Revision = luoshi.StateReturned, "报表通：所依据的报送值已退回或撤销，请待来源重新报送或自行填报", p.Revision+1
		p.UpdatedBy, p.UpdatedAt = b.by, now
		if _, err := t.exec(ctx, `UPDATE progress SET state = ?, reason = ?, revision = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			p.State, p.Reason, p.Revision, p.UpdatedBy, ts(now), p.ID); err != nil {
			return internal(err, "release copy")
		}
		return t.afterCopy(ctx, b, before, p, "release")
	}
	it, goal, err := t.goal(ctx, d.plan, d.target, d.unit)
	if err != nil {
		if luoshi.ErrorCode(err) == luoshi.EForbidden {
			return nil
		}
		return err
	}
	if exists && oldOrigin == origin && state == v.State {
		if ov, err := decimal.Parse(oldValue); err == nil && ov.Cmp(v.Value) == 0 {
			return nil
		}
	}
	p := luoshi.Progress{PlanID: d.plan, Item: d.target, Unit: d.unit, Period: period, Value: v.Value, ValueUnit: it.unit,
		Ratio: monitor.Completion(v.Value, goal, it.comparator), Narrative: narrative, State: v.State, Origin: origin,
		Revision: 1, CreatedBy: b.by, CreatedAt: now, UpdatedBy: b.by, UpdatedAt: now}
	var before any
	if exists {
		old, err := t.progress(ctx, id)
		if err != nil {
			return err
		}
		before = old
		p.ID, p.Revision, p.CreatedBy, p.CreatedAt = id, rev+1, old.CreatedBy, old.CreatedAt
		if _, err := t.exec(ctx, `UPDATE progress SET value = ?, value_unit = ?, ratio = ?, narrative = ?, state = ?, reason = '', origin = ?, revision = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			p.Value.String(), p.ValueUnit, p.Ratio, p.Narrative, p.State, p.Origin, p.Revision, p.UpdatedBy, ts(now), p.ID); err != nil {
			return internal(err, "update copy")
		}
	} else {
		if err := t.row(ctx, `INSERT INTO progress (plan_id, item, unit, period, seq, value, value_unit, ratio, narrative, state, origin, revision, created_by, created_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.PlanID, p.Item, p.Unit, p.Period, seq, p.Value.String(), p.ValueUnit, p.Ratio, p.Narrative, p.State, p.Origin, p.Revision,
			p.CreatedBy, ts(now), p.UpdatedBy, ts(now)).Scan(&p.ID); err != nil {
			return internal(err, "store copy")
		}
	}
	return t.afterCopy(ctx, b, before, p, "derive")
}

// afterCopy records a copy's history and audit entry and leaves its
// tracker work to the batch.
func (t *tx) afterCopy(ctx context.Context, b *progressBatch, before any, p luoshi.Progress, action string) error {
	if err := t.event(ctx, p, action); err != nil {
		return err
	}
	if err := t.record(ctx, b.by, "progress."+action, progressObject(p.ID), p.Unit, before, p); err != nil {
		return err
	}
	it, err := t.item(ctx, p.PlanID, p.Item)
	if err != nil {
		return err
	}
	b.touch(p, it, 0)
	return nil
}

// releaseDerived returns the counted copies of a target's reports to their
// units with a reason: their value no longer follows an indicator.
func (t *tx) releaseDerived(ctx context.Context, b *progressBatch, planID int64, target, reason string) error {
	rows, err := t.query(ctx, `SELECT id FROM progress WHERE plan_id = ? AND item = ? AND origin <> '' AND state IN ('submitted', 'approved')`, planID, target)
	if err != nil {
		return internal(err, "read copies")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return internal(err, "read copies")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal(err, "read copies")
	}
	now := t.db.now()
	for _, id := range ids {
		p, err := t.progress(ctx, id)
		if err != nil {
			return err
		}
		before := p
		p.State, p.Reason, p.Origin, p.Revision = luoshi.StateReturned, reason, "", p.Revision+1
		p.UpdatedBy, p.UpdatedAt = b.by, now
		if _, err := t.exec(ctx, `UPDATE progress SET state = ?, reason = ?, origin = '', revision = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			p.State, p.Reason, p.Revision, p.UpdatedBy, ts(now), p.ID); err != nil {
			return internal(err, "release copy")
		}
		if err := t.afterCopy(ctx, b, before, p, "release"); err != nil {
			return err
		}
	}
	return nil
}

// rebuildIndicator recomputes every value of an indicator and every copy
// of them with a handful of queries, for the writes that change many
// values at once (binding targets, changing an aggregate, bulk loads): the
// typed values, then the derived ones bottom-up, then the copies that
// differ from what they should be.
func (t *tx) rebuildIndicator(ctx context.Context, b *progressBatch, code string) error {
	ind, err := t.indicator(ctx, code)
	if err != nil {
		return err
	}
	regs, err := t.regions(ctx, b)
	if err != nil {
		return err
	}
	type rp struct{ region, period string }
	vals := map[rp]*ivRow{}
	if err := t.typedReports(ctx, []string{code}, "", "", func(v *ivRow) error {
		if k := (rp{v.Region, v.Period}); vals[k] == nil { // else an older report for the same region and period
			vals[k] = v
		}
		return nil
	}); err != nil {
		return err
	}

	// Derived values, deepest regions first.
	if ind.Aggregate != luoshi.AggNone {
		owes, err := t.owingRegions(ctx, b, code)
		if err != nil {
			return err
		}
		expected := owingUnder(regs, owes)
		parents := make([]string, 0, len(expected))
		for p := range expected {
			parents = append(parents, p)
		}
		sort.Slice(parents, func(i, j int) bool {
			if regs[parents[i]].depth != regs[parents[j]].depth {
				return regs[parents[i]].depth > regs[parents[j]].depth
			}
			return parents[i] < parents[j]
		})
		periods := map[string]bool{}
		for k := range vals {
			periods[k.period] = true
		}
		for per := range periods {
			for _, p := range parents {
				if vals[rp{p, per}] != nil {
					continue
				}
				v := &ivRow{IndicatorValue: luoshi.IndicatorValue{Indicator: code, Region: p, Period: per, State: luoshi.StateApproved}}
				var vs []decimal.Decimal
				for c := range expected[p] {
					cv := vals[rp{c, per}]
					if cv == nil {
						vs = nil
						break
					}
					vs = append(vs, cv.Value)
					if cv.State != luoshi.StateApproved {
						v.State = luoshi.StateSubmitted
					}
					if cv.At.After(v.At) {
						v.At, v.By = cv.At, cv.By
					}
				}
				if sum, ok := luoshi.Combine(ind.Aggregate, vs); ok && len(vs) == len(expected[p]) {
					v.Value, v.Parts = sum, len(vs)
					vals[rp{p, per}] = v
				}
			}
		}
	}

	// Store the values.
	if _, err := t.exec(ctx, `DELETE FROM indicator_values WHERE indicator = ?`, code); err != nil {
		return internal(err, "drop indicator values")
	}
	keys := make([]rp, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].period != keys[j].period {
			return keys[i].period < keys[j].period
		}
		return keys[i].region < keys[j].region
	})
	ins := make([][]any, 0, len(keys))
	for _, k := range keys {
		v := vals[k]
		ins = append(ins, []any{code, k.region, k.period, v.Value.String(), v.State, v.Source, v.PlanID, v.Item, v.Unit, v.Parts, v.By, ts(v.At)})
	}
	if err := t.insertRows(ctx, "indicator_values", []string{"indicator", "region", "period", "value", "state", "source", "plan_id", "item", "unit", "parts", "by_whom", "at"}, ins); err != nil {
		return err
	}

	// The copies: every duty speaking for a region, in every period that
	// has a value or a copy.
	duties, err := t.indicatorDuties(ctx, []string{code}, "")
	if err != nil {
		return err
	}
	have := map[ivDuty]map[string]existingRow{}
	rows, err := t.query(ctx, `SELECT p.plan_id, p.item, p.unit, p.period, p.state, p.origin, p.value FROM indicator_bindings b
		JOIN progress p ON p.plan_id = b.plan_id AND p.item = b.target WHERE b.indicator = ?`, code)
	if err != nil {
		return internal(err, "read reports")
	}
	for rows.Next() {
		var d ivDuty
		var per, val string
		var e existingRow
		if err := rows.Scan(&d.plan, &d.target, &d.unit, &per, &e.state, &e.origin, &val); err != nil {
			rows.Close()
			return internal(err, "read reports")
		}
		if e.value, err = decimal.Parse(val); err != nil {
			rows.Close()
			return internal(err, "read reports")
		}
		if have[d] == nil {
			have[d] = map[string]existingRow{}
		}
		have[d][per] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal(err, "read reports")
	}
	periodsOf := map[string][]string{} // region → periods with a value
	for _, k := range keys {
		periodsOf[k.region] = append(periodsOf[k.region], k.period)
	}
	sort.Slice(duties, func(i, j int) bool {
		if duties[i].plan != duties[j].plan {
			return duties[i].plan < duties[j].plan
		}
		if duties[i].target != duties[j].target {
			return duties[i].target < duties[j].target
		}
		return duties[i].unit < duties[j].unit
	})
	origins := map[string]string{}
	for _, d := range duties {
		pers := append([]string(nil), periodsOf[d.region]...)
		for per, e := range have[d.ivDuty] {
			if e.origin != "" && vals[rp{d.region, per}] == nil {
				pers = append(pers, per) // a copy whose value is gone
			}
		}
		sort.Strings(pers)
		for _, per := range pers {
			v := vals[rp{d.region, per}]
			if v != nil && d.plan == v.PlanID && d.target == v.Item && d.unit == v.Unit {
				continue
			}
			e, exists := have[d.ivDuty][per]
			if err := t.syncCopy(ctx, b, ind, d.ivDuty, per, v, e, exists, origins); err != nil {
				return err
			}
		}
	}
	return nil
}
