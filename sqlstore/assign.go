package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"

	"luoshi"
	"luoshi/decimal"
)

// commitmentOf returns the commitment an item belongs to (itself for a
// commitment) and the target row when the item is a target.
type itemInfo struct {
	commitment string
	isTarget   bool
	value      decimal.Decimal
	unit       string
	comparator string
	// quotaKnown says quota holds: whether the reporting unit holds a
	// quota of the target (set where the write looked it up).
	quotaKnown, quota bool
}

func (t *tx) item(ctx context.Context, planID int64, item string) (itemInfo, error) {
	var it itemInfo
	var v string
	err := t.row(ctx, `SELECT commitment, value, unit, comparator FROM targets WHERE plan_id = ? AND id = ?`, planID, item).
		Scan(&it.commitment, &v, &it.unit, &it.comparator)
	if err == nil {
		it.isTarget = true
		it.value, err = decimal.Parse(v)
		return it, internal(err, "read target %s", item)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return it, internal(err, "read target %s", item)
	}
	return t.commitmentItem(ctx, planID, item)
}

// commitmentItem is item for an item that is not a target.
func (t *tx) commitmentItem(ctx context.Context, planID int64, item string) (itemInfo, error) {
	var it itemInfo
	var n int
	if err := t.row(ctx, `SELECT COUNT(*) FROM commitments WHERE plan_id = ? AND id = ?`, planID, item).Scan(&n); err != nil {
		return it, internal(err, "read commitment %s", item)
	}
	if n == 0 {
		if err := t.planExists(ctx, planID); err != nil {
			return it, err
		}
		return it, luoshi.Errorf(luoshi.ENotFound, "plan %d has no target or commitment %q", planID, item)
	}
	it.commitment = item
	it.unit = luoshi.PercentUnit
	return it, nil
}

func (t *tx) planExists(ctx context.Context, planID int64) error {
	var n int
	if err := t.row(ctx, `SELECT COUNT(*) FROM plans WHERE id = ?`, planID).Scan(&n); err != nil {
		return internal(err, "read plan %d", planID)
	}
	if n == 0 {
		return luoshi.Errorf(luoshi.ENotFound, "no plan with id %d", planID)
	}
	return nil
}

func (t *tx) unitExists(ctx context.Context, code string) (luoshi.Unit, error) {
	var u luoshi.Unit
	err := t.row(ctx, `SELECT id, code, name, kind, parent FROM units WHERE code = ?`, code).Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.Parent)
	if errors.Is(err, sql.ErrNoRows) {
		return u, luoshi.Errorf(luoshi.ENotFound, "no unit with code %q", code)
	}
	return u, internal(err, "read unit %s", code)
}

// Assign implements luoshi.Store.
func (db *DB) Assign(ctx context.Context, as ...luoshi.Assignment) error {
	twice := map[string]bool{}
	for _, a := range as {
		k := fmt.Sprint(a.PlanID, "/", a.Commitment)
		if twice[k] {
			return luoshi.Errorf(luoshi.EInvalid, "commitment %s of plan %d is assigned twice in one call", a.Commitment, a.PlanID)
		}
		twice[k] = true
		if a.Lead == "" {
			return luoshi.Errorf(luoshi.EInvalid, "commitment %s needs a lead unit", a.Commitment)
		}
		if a.ConfirmedBy == "" {
			return luoshi.Errorf(luoshi.EInvalid, "the assignment of %s must say who confirmed it", a.Commitment)
		}
		seen := map[string]bool{a.Lead: true}
		for _, c := range a.Co {
			if seen[c] {
				return luoshi.Errorf(luoshi.EInvalid, "unit %s is named twice in the assignment of %s", c, a.Commitment)
			}
			seen[c] = true
		}
	}
	now := db.now()
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "分解任务"); err != nil {
			return err
		}
		units := map[string]bool{}
		var rows [][]any
		for _, a := range as {
			it, err := t.item(ctx, a.PlanID, a.Commitment)
			if err != nil {
				return err
			}
			if it.isTarget {
				return luoshi.Errorf(luoshi.EInvalid, "%s is a target; assign its commitment %s", a.Commitment, it.commitment)
			}
			for _, code := range append([]string{a.Lead}, a.Co...) {
				if !units[code] {
					if _, err := t.unitExists(ctx, code); err != nil {
						return err
					}
					units[code] = true
				}
			}
			at := a.ConfirmedAt
			if at.IsZero() {
				at = now
			}
			before, err := t.assignment(ctx, a.PlanID, a.Commitment)
			if err != nil {
				return err
			}
			after := a
			after.ConfirmedAt = at
			if err := t.record(ctx, a.ConfirmedBy, "assignment.set", itemObject(a.PlanID, a.Commitment), a.Lead, before, after); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `DELETE FROM assignments WHERE plan_id = ? AND commitment = ?`, a.PlanID, a.Commitment); err != nil {
				return internal(err, "replace assignment")
			}
			rows = append(rows, []any{a.PlanID, a.Commitment, a.Lead, luoshi.RoleLead, a.ConfirmedBy, ts(at)})
			for _, c := range a.Co {
				rows = append(rows, []any{a.PlanID, a.Commitment, c, luoshi.RoleCo, a.ConfirmedBy, ts(at)})
			}
		}
		if err := t.insertRows(ctx, "assignments", []string{"plan_id", "commitment", "unit", "role", "confirmed_by", "confirmed_at"}, rows); err != nil {
			return err
		}
		plans := map[int64]bool{}
		for _, a := range as {
			if _, err := t.exec(ctx, `UPDATE tracker SET unit = ? WHERE plan_id = ? AND commitment = ?`, a.Lead, a.PlanID, a.Commitment); err != nil {
				return internal(err, "update tracker")
			}
			if err := t.refreshCommitment(ctx, a.PlanID, a.Commitment, true); err != nil {
				return err
			}
			plans[a.PlanID] = true
		}
		for id := range plans {
			if err := t.recountPlan(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Assignments implements luoshi.Store. A scoped view sees the assignments
// that name one of its units, as lead or co-unit.
func (db *DB) Assignments(ctx context.Context, planID int64) ([]luoshi.Assignment, error) {
	as, err := assignments(ctx, db, planID)
	if all, _ := scope(ctx); all || err != nil {
		return as, err
	}
	out := []luoshi.Assignment{}
	for _, a := range as {
		if canRead(ctx, a.Lead) || slices.ContainsFunc(a.Co, func(u string) bool { return canRead(ctx, u) }) {
			out = append(out, a)
		}
	}
	return out, nil
}

// assignment returns the stored assignment of one commitment, nil when it
// has none.
func (t *tx) assignment(ctx context.Context, planID int64, commitment string) (*luoshi.Assignment, error) {
	rows, err := t.query(ctx, `SELECT unit, role, confirmed_by, confirmed_at FROM assignments WHERE plan_id = ? AND commitment = ? ORDER BY role DESC, unit`, planID, commitment)
	if err != nil {
		return nil, internal(err, "read assignment")
	}
	defer rows.Close()
	var a *luoshi.Assignment
	for rows.Next() {
		var u, role, by, at string
		if err := rows.Scan(&u, &role, &by, &at); err != nil {
			return nil, internal(err, "read assignment")
		}
		if a == nil {
			a = &luoshi.Assignment{PlanID: planID, Commitment: commitment}
		}
		if role == luoshi.RoleLead {
			a.Lead, a.ConfirmedBy, a.ConfirmedAt = u, by, parseTS(at)
		} else {
			a.Co = append(a.Co, u)
		}
	}
	return a, internal(rows.Err(), "read assignment")
}

// itemObject names a commitment or target of a plan in the audit trail.
func itemObject(planID int64, item string) string { return fmt.Sprintf("item:%d/%s", planID, item) }

func assignments(ctx context.Context, q querier, planID int64) ([]luoshi.Assignment, error) {
	rows, err := q.query(ctx, `SELECT a.commitment, a.unit, a.role, a.confirmed_by, a.confirmed_at
		FROM assignments a JOIN commitments c ON c.plan_id = a.plan_id AND c.id = a.commitment
		WHERE a.plan_id = ? ORDER BY c.ord, a.role DESC, a.unit`, planID)
	if err != nil {
		return nil, internal(err, "list assignments")
	}
	defer rows.Close()
	out := []luoshi.Assignment{}
	for rows.Next() {
		var c, u, role, by, at string
		if err := rows.Scan(&c, &u, &role, &by, &at); err != nil {
			return nil, internal(err, "list assignments")
		}
		if len(out) == 0 || out[len(out)-1].Commitment != c {
			out = append(out, luoshi.Assignment{PlanID: planID, Commitment: c})
		}
		a := &out[len(out)-1]
		if role == luoshi.RoleLead {
			a.Lead, a.ConfirmedBy, a.ConfirmedAt = u, by, parseTS(at)
		} else {
			a.Co = append(a.Co, u)
		}
	}
	return out, internal(rows.Err(), "list assignments")
}

// SetQuotas implements luoshi.Store.
func (db *DB) SetQuotas(ctx context.Context, planID int64, target string, qs []luoshi.Quota, by string) error {
	if len(qs) == 0 {
		return luoshi.Errorf(luoshi.EInvalid, "no quotas given for %s", target)
	}
	defer db.dropOwes()
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		db.dropOwes()
		if err := mayAdmin(ctx, "分解指标"); err != nil {
			return err
		}
		it, err := t.item(ctx, planID, target)
		if err != nil {
			return err
		}
		if !it.isTarget {
			return luoshi.Errorf(luoshi.EInvalid, "%s is a commitment; only a numeric target can be split into quotas", target)
		}
		sum := decimal.Int(0)
		seen := map[string]bool{}
		for _, q := range qs {
			if seen[q.Unit] {
				return luoshi.Errorf(luoshi.EInvalid, "region %s has two quotas for %s", q.Unit, target)
			}
			seen[q.Unit] = true
			u, err := t.unitExists(ctx, q.Unit)
			if err != nil {
				return err
			}
			if !u.IsRegion() {
				return luoshi.Errorf(luoshi.EInvalid, "quota holder %s (%s) is not a region", u.Code, u.Name)
			}
			if q.Value.Sign() < 0 {
				return luoshi.Errorf(luoshi.EInvalid, "quota of %s for %s is negative (%s)", u.Name, target, q.Value)
			}
			sum = sum.Add(q.Value)
		}
		if d := sum.Sub(it.value); !d.IsZero() {
			word := "over"
			if d.Sign() < 0 {
				word, d = "short", it.value.Sub(sum)
			}
			return luoshi.Errorf(luoshi.EInvalid, "quotas for %s add up to %s %s, not the province figure %s %s: %s %s %s",
				target, sum, it.unit, it.value, it.unit, d, it.unit, word)
		}
		old, err := quotas(ctx, t, planID, target)
		if err != nil {
			return err
		}
		var before any
		if len(old[target]) > 0 {
			before = old[target]
		}
		if err := t.record(ctx, by, "quota.set", itemObject(planID, target), "", before, qs); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM quotas WHERE plan_id = ? AND target = ?`, planID, target); err != nil {
			return internal(err, "replace quotas")
		}
		now := ts(db.now())
		rows := make([][]any, 0, len(qs))
		for _, q := range qs {
			rows = append(rows, []any{planID, target, q.Unit, q.Value.String(), by, now})
		}
		return t.insertRows(ctx, "quotas", []string{"plan_id", "target", "unit", "value", "set_by", "set_at"}, rows)
	})
}

// Quotas implements luoshi.Store.
func (db *DB) Quotas(ctx context.Context, planID int64, target string) ([]luoshi.Quota, error) {
	m, err := quotas(ctx, db, planID, target)
	if all, _ := scope(ctx); all || err != nil {
		return nonNil(m[target]), err
	}
	out := []luoshi.Quota{}
	for _, q := range m[target] {
		if canRead(ctx, q.Unit) {
			out = append(out, q)
		}
	}
	return out, nil
}

func quotas(ctx context.Context, q querier, planID int64, target string) (map[string][]luoshi.Quota, error) {
	rows, err := q.query(ctx, `SELECT target, unit, value FROM quotas WHERE plan_id = ? AND (? = '' OR target = ?) ORDER BY target, unit`, planID, target, target)
	if err != nil {
		return nil, internal(err, "list quotas")
	}
	defer rows.Close()
	out := map[string][]luoshi.Quota{}
	for rows.Next() {
		var tg, u, v string
		if err := rows.Scan(&tg, &u, &v); err != nil {
			return nil, internal(err, "list quotas")
		}
		d, err := decimal.Parse(v)
		if err != nil {
			return nil, internal(err, "read quota")
		}
		out[tg] = append(out[tg], luoshi.Quota{Unit: u, Value: d})
	}
	return out, internal(rows.Err(), "list quotas")
}

// SetWeight implements luoshi.Store.
func (db *DB) SetWeight(ctx context.Context, planID int64, item string, weight float64) error {
	if !(weight >= 0 && weight <= 1e6) {
		return luoshi.Errorf(luoshi.EInvalid, "weight of %s must be between 0 and 1e6, got %g", item, weight)
	}
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "设置权重"); err != nil {
			return err
		}
		if _, err := t.item(ctx, planID, item); err != nil {
			return err
		}
		var old float64
		if err := t.row(ctx, `SELECT weight FROM tracker WHERE plan_id = ? AND item = ?`, planID, item).Scan(&old); err != nil {
			return internal(err, "read weight")
		}
		if err := t.record(ctx, "", "weight.set", itemObject(planID, item), "", map[string]float64{"weight": old}, map[string]float64{"weight": weight}); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE tracker SET weight = ? WHERE plan_id = ? AND item = ?`, weight, planID, item); err != nil {
			return internal(err, "set weight")
		}
		return t.recountItem(ctx, planID, item)
	})
}

// SetSchedule implements luoshi.Store.
func (db *DB) SetSchedule(ctx context.Context, planID int64, item string, ms []luoshi.Milestone) error {
	ms = append([]luoshi.Milestone(nil), ms...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Date.Before(ms[j].Date) })
	one := decimal.Int(1)
	for i, m := range ms {
		if m.Share.Sign() < 0 || m.Share.Cmp(one) > 0 {
			return luoshi.Errorf(luoshi.EInvalid, "milestone share %s of %s is not between 0 and 1", m.Share, item)
		}
		if i > 0 && (m.Share.Cmp(ms[i-1].Share) < 0 || m.Date.Equal(ms[i-1].Date)) {
			return luoshi.Errorf(luoshi.EInvalid, "milestones of %s must have distinct dates and shares that never fall", item)
		}
	}
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "设置进度计划"); err != nil {
			return err
		}
		if _, err := t.item(ctx, planID, item); err != nil {
			return err
		}
		if err := t.record(ctx, "", "schedule.set", itemObject(planID, item), "", nil, ms); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM schedules WHERE plan_id = ? AND item = ?`, planID, item); err != nil {
			return internal(err, "replace schedule")
		}
		rows := make([][]any, 0, len(ms))
		for i, m := range ms {
			rows = append(rows, []any{planID, item, i, ts(m.Date), m.Share.String()})
		}
		if len(rows) == 0 {
			return nil
		}
		return t.insertRows(ctx, "schedules", []string{"plan_id", "item", "ord", "at", "share"}, rows)
	})
}

// SetPeriods implements luoshi.Store.
func (db *DB) SetPeriods(ctx context.Context, planID int64, ps []luoshi.Period) error {
	if len(ps) == 0 {
		return luoshi.Errorf(luoshi.EInvalid, "no periods given")
	}
	keys := map[string]bool{}
	for i, p := range ps {
		if p.Key == "" || keys[p.Key] {
			return luoshi.Errorf(luoshi.EInvalid, "period key %q is empty or repeated", p.Key)
		}
		keys[p.Key] = true
		if p.Seq != i+1 || !p.Start.Before(p.End) || p.Due.Before(p.Start) {
			return luoshi.Errorf(luoshi.EInvalid, "period %s: periods must be numbered 1, 2, … in order, start before they end and fall due after they start", p.Key)
		}
		if i > 0 && p.Start.Before(ps[i-1].End) {
			return luoshi.Errorf(luoshi.EInvalid, "period %s overlaps %s", p.Key, ps[i-1].Key)
		}
	}
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "设置填报周期"); err != nil {
			return err
		}
		if err := t.planExists(ctx, planID); err != nil {
			return err
		}
		old, err := periods(ctx, t, planID)
		if err != nil {
			return err
		}
		var before any
		if len(old) > 0 {
			before = old
		}
		if err := t.record(ctx, "", "periods.set", fmt.Sprintf("plan:%d", planID), "", before, ps); err != nil {
			return err
		}
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM progress WHERE plan_id = ?`, planID).Scan(&n); err != nil {
			return internal(err, "count progress")
		}
		if n > 0 {
			return luoshi.Errorf(luoshi.EConflict, "plan %d already has %d progress reports; its calendar can no longer be replaced", planID, n)
		}
		if _, err := t.exec(ctx, `DELETE FROM periods WHERE plan_id = ?`, planID); err != nil {
			return internal(err, "replace periods")
		}
		rows := make([][]any, 0, len(ps))
		for _, p := range ps {
			rows = append(rows, []any{planID, p.Key, p.Seq, ts(p.Start), ts(p.End), ts(p.Due)})
		}
		return t.insertRows(ctx, "periods", []string{"plan_id", "key", "seq", "start_at", "end_at", "due"}, rows)
	})
}

// Periods implements luoshi.Store.
func (db *DB) Periods(ctx context.Context, planID int64) ([]luoshi.Period, error) {
	return periods(ctx, db, planID)
}

func periods(ctx context.Context, q querier, planID int64) ([]luoshi.Period, error) {
	rows, err := q.query(ctx, `SELECT key, seq, start_at, end_at, due, closed_at FROM periods WHERE plan_id = ? ORDER BY seq`, planID)
	if err != nil {
		return nil, internal(err, "list periods")
	}
	defer rows.Close()
	out := []luoshi.Period{}
	for rows.Next() {
		var p luoshi.Period
		var s, e, d string
		var c sql.NullString
		if err := rows.Scan(&p.Key, &p.Seq, &s, &e, &d, &c); err != nil {
			return nil, internal(err, "list periods")
		}
		p.Start, p.End, p.Due = parseTS(s), parseTS(e), parseTS(d)
		if c.Valid {
			at := parseTS(c.String)
			p.ClosedAt = &at
		}
		out = append(out, p)
	}
	return out, internal(rows.Err(), "list periods")
}

// ClosePeriod implements luoshi.Store. Closing a closed period does nothing.
func (db *DB) ClosePeriod(ctx context.Context, planID int64, key, by string) error {
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "关闭填报周期"); err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE periods SET closed_at = ?, closed_by = ? WHERE plan_id = ? AND key = ? AND closed_at IS NULL`, ts(db.now()), by, planID, key)
		if err != nil {
			return internal(err, "close period")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var c int
			if err := t.row(ctx, `SELECT COUNT(*) FROM periods WHERE plan_id = ? AND key = ?`, planID, key).Scan(&c); err != nil {
				return internal(err, "close period")
			}
			if c == 0 {
				return luoshi.Errorf(luoshi.ENotFound, "plan %d has no period %q", planID, key)
			}
			return nil
		}
		return t.record(ctx, by, "period.close", fmt.Sprintf("period:%d/%s", planID, key), "", map[string]bool{"closed": false}, map[string]bool{"closed": true})
	})
}

// refreshItem recomputes the tracker row of one item from the reports of its
// counted unit.
func (t *tx) refreshItem(ctx context.Context, planID int64, item string) error {
	_, err := t.exec(ctx, `UPDATE tracker SET
		reported_seq = (SELECT MAX(p.seq) FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state IN ('submitted', 'approved')),
		approved_seq = (SELECT MAX(p.seq) FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state = 'approved'),
		ratio = (SELECT p.ratio FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state = 'approved' ORDER BY p.seq DESC LIMIT 1)
		WHERE plan_id = ? AND item = ?`, planID, item)
	return internal(err, "update tracker of %s", item)
}

// refreshItems is refreshItem for several items of a plan that unit reported
// on, a few hundred per statement. A target's row depends only on the
// reports of its counted unit (tracker.unit), so the rows of targets counted
// for another unit, which the unit's reports cannot change, are left alone;
// commitment rows are always refreshed, as refreshItem does.
func (t *tx) refreshItems(ctx context.Context, planID int64, unit string, items []string) error {
	for len(items) > 0 {
		n := min(len(items), maxInList)
		ph, in := padIn(anys(items[:n]))
		if _, err := t.exec(ctx, `UPDATE tracker SET
			reported_seq = (SELECT MAX(p.seq) FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state IN ('submitted', 'approved')),
			approved_seq = (SELECT MAX(p.seq) FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state = 'approved'),
			ratio = (SELECT p.ratio FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state = 'approved' ORDER BY p.seq DESC LIMIT 1)
			WHERE plan_id = ? AND (kind = 'commitment' OR unit = ?) AND item IN (`+ph+`)`, append([]any{planID, unit}, in...)...); err != nil {
			return internal(err, "update tracker of plan %d", planID)
		}
		items = items[n:]
	}
	return nil
}

// raiseReported is refreshItems for the items a unit has just reported
// on for the first time in the period with sequence number seq: their
// rows counted for the unit now have a report up to seq at least, and
// nothing else of them changes (a submission is not approved).
func (t *tx) raiseReported(ctx context.Context, planID int64, unit string, seq int, items []string) error {
	for len(items) > 0 {
		n := min(len(items), maxInList)
		ph, in := padIn(anys(items[:n]))
		if _, err := t.exec(ctx, `UPDATE tracker SET reported_seq = CASE WHEN reported_seq IS NULL OR reported_seq < ? THEN ? ELSE reported_seq END
			WHERE plan_id = ? AND unit = ? AND item IN (`+ph+`)`, append([]any{seq, seq, planID, unit}, in...)...); err != nil {
			return internal(err, "update tracker of plan %d", planID)
		}
		items = items[n:]
	}
	return nil
}

// refreshCommitments is refreshCommitment (without all) for several
// commitments of a plan, a few hundred per statement.
func (t *tx) refreshCommitments(ctx context.Context, planID int64, commitments []string) error {
	for len(commitments) > 0 {
		n := min(len(commitments), maxInList)
		ph, in := padIn(anys(commitments[:n]))
		args := append([]any{planID}, in...)
		if _, err := t.exec(ctx, `UPDATE tracker SET
			reported_seq = (SELECT CASE WHEN COUNT(*) = COUNT(g.reported_seq) THEN MIN(g.reported_seq) END FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target'),
			approved_seq = (SELECT CASE WHEN COUNT(*) = COUNT(g.approved_seq) THEN MIN(g.approved_seq) END FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target'),
			ratio = (SELECT MIN(COALESCE(g.ratio, 0)) FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target')
			WHERE plan_id = ? AND item IN (`+ph+`) AND kind = 'commitment'
			AND EXISTS (SELECT 1 FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target')`, args...); err != nil {
			return internal(err, "update tracker of plan %d", planID)
		}
		commitments = commitments[n:]
	}
	return nil
}

// maxInList bounds the values of one IN list, well below the backends'
// limits on bound parameters.
const maxInList = 500

// refreshCommitment recomputes a commitment's tracker row: from its own
// reports when it has no targets, else as the worst of its targets (the
// lowest ratio, the earliest report, nothing while a target has nothing).
// With all, the target rows are refreshed first.
func (t *tx) refreshCommitment(ctx context.Context, planID int64, commitment string, all bool) error {
	if all {
		rows, err := t.query(ctx, `SELECT item FROM tracker WHERE plan_id = ? AND commitment = ?`, planID, commitment)
		if err != nil {
			return internal(err, "update tracker")
		}
		var items []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return internal(err, "update tracker")
			}
			items = append(items, s)
		}
		rows.Close()
		for _, it := range items {
			if err := t.refreshItem(ctx, planID, it); err != nil {
				return err
			}
		}
	}
	_, err := t.exec(ctx, `UPDATE tracker SET
		reported_seq = (SELECT CASE WHEN COUNT(*) = COUNT(g.reported_seq) THEN MIN(g.reported_seq) END FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target'),
		approved_seq = (SELECT CASE WHEN COUNT(*) = COUNT(g.approved_seq) THEN MIN(g.approved_seq) END FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target'),
		ratio = (SELECT MIN(COALESCE(g.ratio, 0)) FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target')
		WHERE plan_id = ? AND item = ? AND kind = 'commitment'
		AND EXISTS (SELECT 1 FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target')`, planID, commitment)
	return internal(err, "update tracker of %s", commitment)
}

// anys returns ss as arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
