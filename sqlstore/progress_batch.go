package sqlstore

import (
	"context"
	"strings"

	"luoshi"
	"luoshi/decimal"
)

// eventCols are the columns of progress_events.
var eventCols = []string{"progress_id", "revision", "action", "state", "value", "narrative", "reason", "by_whom", "at"}

// saveNew writes the new reports of a batch that share a plan, unit and
// period (an uploaded workbook): the items, quotas, assignments and
// existing reports are read with a few queries for all of them, and the
// reports and their history rows are inserted several at a time. An input
// that needs more than a plain insert (an existing report, an unknown
// item, a unit not assigned, a bad value) goes through saveProgressIn,
// which writes it or says what is wrong exactly as a single write would.
// It returns the reports in input order.
func (t *tx) saveNew(ctx context.Context, b *progressBatch, ins []luoshi.ProgressInput) ([]luoshi.Progress, error) {
	out := make([]luoshi.Progress, len(ins))
	if len(ins) == 0 {
		return out, nil
	}
	first := ins[0]
	if err := mayWrite(ctx, first.Unit, "填报该单位的进展"); err != nil {
		return nil, err
	}
	seq, err := b.period(ctx, t, first.PlanID, first.Period)
	if err != nil {
		return nil, err
	}
	// The plan's targets and commitments are read whole (a few hundred
	// rows at most), so that the statements stay the same from one
	// workbook to the next and stay prepared.
	// The targets among the items, with the unit's quota of each.
	info := map[string]itemInfo{}
	goal := map[string]decimal.Decimal{}
	quota := map[string]bool{}
	rows, err := t.query(ctx, `SELECT t.id, t.commitment, t.value, t.unit, t.comparator, q.value FROM targets t
		LEFT JOIN quotas q ON q.plan_id = t.plan_id AND q.target = t.id AND q.unit = ?
		WHERE t.plan_id = ?`, first.Unit, first.PlanID)
	if err != nil {
		return nil, internal(err, "read targets")
	}
	for rows.Next() {
		var id, v string
		var q *string
		it := itemInfo{isTarget: true, quotaKnown: true}
		if err := rows.Scan(&id, &it.commitment, &v, &it.unit, &it.comparator, &q); err != nil {
			rows.Close()
			return nil, internal(err, "read targets")
		}
		if it.value, err = decimal.Parse(v); err != nil {
			rows.Close()
			return nil, internal(err, "read target %s", id)
		}
		goal[id] = it.value
		if q != nil {
			it.quota = true
			quota[id] = true
			if goal[id], err = decimal.Parse(*q); err != nil {
				rows.Close()
				return nil, internal(err, "read quota")
			}
		}
		info[id] = it
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read targets")
	}
	// The commitments among the items, and the unit's assignments.
	rows, err = t.query(ctx, `SELECT id FROM commitments WHERE plan_id = ?`, first.PlanID)
	if err != nil {
		return nil, internal(err, "read commitments")
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, internal(err, "read commitments")
		}
		if _, ok := info[id]; !ok {
			info[id] = itemInfo{commitment: id, unit: luoshi.PercentUnit}
			goal[id] = decimal.Int(100)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read commitments")
	}
	assigned := map[string]bool{}
	rows, err = t.query(ctx, `SELECT commitment FROM assignments WHERE plan_id = ? AND unit = ?`, first.PlanID, first.Unit)
	if err != nil {
		return nil, internal(err, "read assignments")
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, internal(err, "read assignments")
		}
		assigned[c] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read assignments")
	}
	// Reports of the items already stored.
	exists := map[string]bool{}
	rows, err = t.query(ctx, `SELECT item FROM progress WHERE plan_id = ? AND unit = ? AND period = ?`, first.PlanID, first.Unit, first.Period)
	if err != nil {
		return nil, internal(err, "read reports")
	}
	for rows.Next() {
		var it string
		if err := rows.Scan(&it); err != nil {
			rows.Close()
			return nil, internal(err, "read reports")
		}
		exists[it] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read reports")
	}

	now := t.db.now()
	var fresh []int // indexes of inputs inserted here
	seen := map[string]bool{}
	for i, in := range ins {
		it, known := info[in.Item]
		plain := known && !exists[in.Item] && !seen[in.Item] && in.ValueUnit == it.unit &&
			(assigned[it.commitment] || quota[in.Item]) &&
			(it.isTarget || in.Value.Sign() >= 0 && in.Value.Cmp(decimal.Int(100)) <= 0)
		seen[in.Item] = true
		if !plain {
			// The single write's path: it writes the report or says
			// exactly what is wrong with it.
			p, err := t.saveProgressIn(ctx, in, b)
			if err != nil {
				return nil, err
			}
			out[i] = p
			continue
		}
		out[i] = newReport(in, it, goal[in.Item], now)
		fresh = append(fresh, i)
	}
	if len(fresh) == 0 {
		return out, nil
	}

	// Insert the plain reports, many rows per statement.
	k := 0
	for _, size := range rowChunks(len(fresh)) {
		chunk := fresh[k : k+size]
		k += size
		var sb strings.Builder
		sb.WriteString(`INSERT INTO progress (plan_id, item, unit, period, seq, value, value_unit, ratio, narrative, state, revision, created_by, created_at, updated_by, updated_at) VALUES `)
		args := make([]any, 0, 15*len(chunk))
		for n, i := range chunk {
			if n > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + placeholders(15) + ")")
			p := out[i]
			args = append(args, p.PlanID, p.Item, p.Unit, p.Period, seq, p.Value.String(), p.ValueUnit, p.Ratio, p.Narrative, p.State, p.Revision,
				p.CreatedBy, ts(now), p.UpdatedBy, ts(now))
		}
		sb.WriteString(" RETURNING id, item")
		rows, err := t.query(ctx, sb.String(), args...)
		if err != nil {
			if t.db.d.IsUnique(err) {
				return nil, luoshi.Errorf(luoshi.EConflict, "%s already reported some of these items for %s", first.Unit, first.Period)
			}
			return nil, internal(err, "store reports")
		}
		ids := map[string]int64{}
		for rows.Next() {
			var id int64
			var item string
			if err := rows.Scan(&id, &item); err != nil {
				rows.Close()
				return nil, internal(err, "store reports")
			}
			ids[item] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal(err, "store reports")
		}
		events := make([][]any, 0, len(chunk))
		for _, i := range chunk {
			p := &out[i]
			p.ID = ids[p.Item]
			if p.ID == 0 {
				return nil, luoshi.Errorf(luoshi.EInternal, "the store returned no id for the report of %s on %s", p.Unit, p.Item)
			}
			action := "save"
			if ins[i].Submit {
				action = "submit"
			}
			events = append(events, []any{p.ID, p.Revision, action, p.State, p.Value.String(), p.Narrative, p.Reason, p.UpdatedBy, ts(p.UpdatedAt)})
		}
		if err := t.insertRows(ctx, "progress_events", eventCols, events); err != nil {
			return nil, err
		}
	}
	for _, i := range fresh {
		p := out[i]
		action := "save"
		if ins[i].Submit {
			action = "submit"
		}
		if err := t.record(ctx, ins[i].By, "progress."+action, progressObject(p.ID), p.Unit, nil, p); err != nil {
			return nil, err
		}
		if ins[i].Submit {
			if err := t.afterWriteSeq(ctx, b, p, info[p.Item], seq); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
