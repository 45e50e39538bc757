package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"luoshi"
)

// The roll-up is materialized: judgements holds, per plan year, the moment
// the statuses were judged for (due period, expected progress, thresholds);
// tracker.st holds each commitment's status under it and plan_counts the
// per-plan sums. Every write that changes a commitment's tracker row moves
// its contribution between plan_counts rows (recountItem); a roll-up asked
// for another moment re-judges the year once (rejudge) and then reads
// plan_counts. The CASE below is monitor.Classify in SQL.

// stCase classifies the tracker row t under the judgement row j.
func stCase() string {
	return `CASE WHEN j.year IS NULL THEN NULL
		WHEN COALESCE(t.ratio, 0) >= 1 THEN 0
		WHEN COALESCE(t.reported_seq, 0) < j.due_seq THEN 4
		WHEN j.expected <= 0 THEN 1
		WHEN COALESCE(t.ratio, 0) >= j.expected * j.behind THEN 1
		WHEN COALESCE(t.ratio, 0) >= j.expected * j.severe THEN 2
		ELSE 3 END`
}

func (db *DB) contribution() string {
	return `t.weight * ` + db.d.Least() + `(COALESCE(t.ratio, 0), 1)`
}

// recountItem moves one commitment's contribution to its plan's counts after
// its tracker row changed.
func (t *tx) recountItem(ctx context.Context, planID int64, item string) error {
	var oldSt, newSt sql.NullInt64
	var oldW, oldC, newW, newC float64
	err := t.row(ctx, `SELECT t.st, t.counted_w, t.counted_c, `+stCase()+`, t.weight, `+t.db.contribution()+`
		FROM tracker t LEFT JOIN judgements j ON j.year = t.year
		WHERE t.plan_id = ? AND t.item = ? AND t.kind = 'commitment'`, planID, item).Scan(&oldSt, &oldW, &oldC, &newSt, &newW, &newC)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return internal(err, "judge %s", item)
	}
	if oldSt == newSt && oldW == newW && oldC == newC {
		return nil
	}
	if oldSt.Valid {
		if _, err := t.exec(ctx, `UPDATE plan_counts SET n = n - 1, w = w - ?, c = c - ? WHERE plan_id = ? AND st = ?`, oldW, oldC, planID, oldSt.Int64); err != nil {
			return internal(err, "recount plan %d", planID)
		}
	}
	if newSt.Valid {
		if _, err := t.exec(ctx, `INSERT INTO plan_counts (plan_id, st, n, w, c) VALUES (?, ?, 1, ?, ?)
			ON CONFLICT (plan_id, st) DO UPDATE SET n = plan_counts.n + 1, w = plan_counts.w + excluded.w, c = plan_counts.c + excluded.c`,
			planID, newSt.Int64, newW, newC); err != nil {
			return internal(err, "recount plan %d", planID)
		}
	}
	_, err = t.exec(ctx, `UPDATE tracker SET st = ?, counted_w = ?, counted_c = ? WHERE plan_id = ? AND item = ?`, newSt, newW, newC, planID, item)
	return internal(err, "recount plan %d", planID)
}

// recountItems is recountItem for several commitments of a plan at once:
// their old and new statuses are read with one query, their rows judged
// again with one statement, and the plan's counts moved by the sums of
// their changes.
func (t *tx) recountItems(ctx context.Context, planID int64, items []string) error {
	for len(items) > 0 {
		n := min(len(items), maxInList)
		if err := t.recountSome(ctx, planID, items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

func (t *tx) recountSome(ctx context.Context, planID int64, items []string) error {
	ph, in := padIn(anys(items))
	rows, err := t.query(ctx, `SELECT t.st, t.counted_w, t.counted_c, `+stCase()+`, t.weight, `+t.db.contribution()+`
		FROM tracker t LEFT JOIN judgements j ON j.year = t.year
		WHERE t.plan_id = ? AND t.kind = 'commitment' AND t.item IN (`+ph+`)`, append([]any{planID}, in...)...)
	if err != nil {
		return internal(err, "judge commitments of plan %d", planID)
	}
	type sums struct {
		n    int
		w, c float64
	}
	delta := map[int64]*sums{}
	add := func(st int64, n int, w, c float64) {
		d := delta[st]
		if d == nil {
			d = &sums{}
			delta[st] = d
		}
		d.n, d.w, d.c = d.n+n, d.w+w, d.c+c
	}
	changed := false
	for rows.Next() {
		var oldSt, newSt sql.NullInt64
		var oldW, oldC, newW, newC float64
		if err := rows.Scan(&oldSt, &oldW, &oldC, &newSt, &newW, &newC); err != nil {
			rows.Close()
			return internal(err, "judge commitments of plan %d", planID)
		}
		if oldSt == newSt && oldW == newW && oldC == newC {
			continue
		}
		changed = true
		if oldSt.Valid {
			add(oldSt.Int64, -1, -oldW, -oldC)
		}
		if newSt.Valid {
			add(newSt.Int64, 1, newW, newC)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal(err, "judge commitments of plan %d", planID)
	}
	if !changed {
		return nil
	}
	if _, err := t.exec(ctx, `UPDATE tracker AS t SET
		st = `+stCase()+`,
		counted_w = t.weight,
		counted_c = `+t.db.contribution()+`
		FROM judgements j WHERE j.year = t.year AND t.kind = 'commitment' AND t.plan_id = ? AND t.item IN (`+ph+`)`, append([]any{planID}, in...)...); err != nil {
		return internal(err, "judge commitments of plan %d", planID)
	}
	for st := int64(0); st < int64(len(luoshi.Statuses)); st++ {
		d := delta[st]
		if d == nil || d.n == 0 && d.w == 0 && d.c == 0 {
			continue
		}
		if _, err := t.exec(ctx, `INSERT INTO plan_counts (plan_id, st, n, w, c) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (plan_id, st) DO UPDATE SET n = plan_counts.n + excluded.n, w = plan_counts.w + excluded.w, c = plan_counts.c + excluded.c`,
			planID, st, d.n, d.w, d.c); err != nil {
			return internal(err, "recount plan %d", planID)
		}
	}
	return nil
}

// recountPlan judges every commitment of a plan again and rebuilds its counts.
func (t *tx) recountPlan(ctx context.Context, planID int64) error {
	return t.recount(ctx, `t.plan_id = ?`, `plan_id = ?`, planID)
}

// recount re-judges the tracker rows matching where (on tracker t) and
// rebuilds the counts of the plans matching planWhere (on plan_counts).
// Rows of a year without a judgement keep no status.
func (t *tx) recount(ctx context.Context, where, planWhere string, arg any) error {
	if _, err := t.exec(ctx, `UPDATE tracker AS t SET
		st = `+stCase()+`,
		counted_w = t.weight,
		counted_c = `+t.db.contribution()+`
		FROM judgements j WHERE j.year = t.year AND t.kind = 'commitment' AND `+where, arg); err != nil {
		return internal(err, "judge commitments")
	}
	if _, err := t.exec(ctx, `DELETE FROM plan_counts WHERE `+planWhere, arg); err != nil {
		return internal(err, "recount")
	}
	_, err := t.exec(ctx, `INSERT INTO plan_counts (plan_id, st, n, w, c)
		SELECT t.plan_id, t.st, COUNT(*), SUM(t.counted_w), SUM(t.counted_c) FROM tracker t
		WHERE t.kind = 'commitment' AND t.st IS NOT NULL AND `+where+` GROUP BY t.plan_id, t.st`, arg)
	return internal(err, "recount")
}

// rejudge sets the judgement of a year and re-judges all its commitments.
func (t *tx) rejudge(ctx context.Context, q luoshi.RollupQuery) error {
	if _, err := t.exec(ctx, `INSERT INTO judgements (year, due_seq, expected, behind, severe) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (year) DO UPDATE SET due_seq = excluded.due_seq, expected = excluded.expected, behind = excluded.behind, severe = excluded.severe`,
		q.Year, q.DueSeq, q.Expected, q.Behind, q.Severe); err != nil {
		return internal(err, "store judgement")
	}
	return t.recount(ctx, `t.year = ?`, `plan_id IN (SELECT id FROM plans WHERE year = ?)`, q.Year)
}

// judged reports whether the year's stored judgement is q's.
func (db *DB) judged(ctx context.Context, q luoshi.RollupQuery) (bool, error) {
	var due int
	var e, b, s float64
	err := db.row(ctx, `SELECT due_seq, expected, behind, severe FROM judgements WHERE year = ?`, q.Year).Scan(&due, &e, &b, &s)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, internal(err, "read judgement")
	}
	return due == q.DueSeq && e == q.Expected && b == q.Behind && s == q.Severe, nil
}

// RegionRollup implements luoshi.Store. It counts the commitments of the
// newest version of every plan of the year under the region by status, from
// the materialized counts; when they were judged for another moment, it
// first re-judges the year (one write, once per moment). A scoped principal
// (a unit's reporter or leader, a viewer limited to units) gets only the
// plans of the regions it may read — a city's account its city's own plans
// — never the counts of another region's plans; none when it reads no
// region.
func (db *DB) RegionRollup(ctx context.Context, q luoshi.RollupQuery) ([]luoshi.PlanCounts, error) {
	ok, err := db.judged(ctx, q)
	if err != nil {
		return nil, err
	}
	if !ok {
		err := db.update(ctx, func(ctx context.Context, t *tx) error { return t.rejudge(ctx, q) })
		if err != nil {
			return nil, err
		}
	}
	args := []any{q.Region, q.Year}
	cond, cargs := unitIn(ctx, "p.region")
	if cond != "" {
		cond = " AND " + cond
		args = append(args, cargs...)
	}
	rows, err := db.query(ctx, `WITH RECURSIVE sub (code) AS (
			SELECT CAST(? AS TEXT) UNION ALL SELECT u.code FROM units u JOIN sub ON u.parent = sub.code WHERE u.kind <> 'department')
		SELECT p.id, p.region, pc.st, pc.n, pc.w, pc.c FROM plans p JOIN plan_counts pc ON pc.plan_id = p.id
		WHERE p.year = ? AND p.latest = 1 AND p.region IN (SELECT code FROM sub)`+cond+`
		ORDER BY p.id, pc.st`, args...)
	if err != nil {
		return nil, internal(err, "roll up")
	}
	defer rows.Close()
	out := []luoshi.PlanCounts{}
	for rows.Next() {
		var id int64
		var region string
		var st, n int
		var w, c float64
		if err := rows.Scan(&id, &region, &st, &n, &w, &c); err != nil {
			return nil, internal(err, "roll up")
		}
		if len(out) == 0 || out[len(out)-1].PlanID != id {
			out = append(out, luoshi.PlanCounts{PlanID: id, Region: region})
		}
		pc := &out[len(out)-1]
		if st >= 0 && st < len(pc.Counts) {
			pc.Counts[st] += n
		}
		pc.Weight += w
		pc.Completion += c
	}
	return out, internal(rows.Err(), "roll up")
}
