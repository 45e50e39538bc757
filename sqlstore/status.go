package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"luoshi"
	"luoshi/decimal"
)

// StatusInput implements luoshi.Store. The plan, its periods, assignments,
// weights and schedules are read whole, since judging any item needs them;
// the reports and quotas are those of the units ctx's principal may read
// (all of them for the unscoped store and for principals who see every
// unit), so that another unit's reported figures never reach a scoped
// caller.
func (db *DB) StatusInput(ctx context.Context, planID int64) (*luoshi.StatusInput, error) {
	p, err := loadPlan(ctx, db, planID)
	if err != nil {
		return nil, err
	}
	in := &luoshi.StatusInput{Plan: p, Schedules: map[string][]luoshi.Milestone{}, Weights: map[string]float64{}}
	if err := db.row(ctx, `SELECT region FROM plans WHERE id = ?`, planID).Scan(&in.Region); err != nil {
		return nil, internal(err, "read plan region")
	}
	if in.Periods, err = periods(ctx, db, planID); err != nil {
		return nil, err
	}
	if in.Assignments, err = assignments(ctx, db, planID); err != nil {
		return nil, err
	}
	if in.Quotas, err = quotas(ctx, db, planID, ""); err != nil {
		return nil, err
	}
	if all, _ := scope(ctx); !all {
		for target, qs := range in.Quotas {
			qs = slices.DeleteFunc(qs, func(q luoshi.Quota) bool { return !canRead(ctx, q.Unit) })
			if len(qs) == 0 {
				delete(in.Quotas, target)
			} else {
				in.Quotas[target] = qs
			}
		}
	}
	if in.Progress, err = listProgress(ctx, db, luoshi.ProgressFilter{PlanID: planID}, true); err != nil {
		return nil, err
	}
	if in.Indicators, err = indicatorsOf(ctx, db, planID); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT item, weight FROM tracker WHERE plan_id = ? AND weight <> 1`, planID)
	if err != nil {
		return nil, internal(err, "read weights")
	}
	for rows.Next() {
		var item string
		var w float64
		if err := rows.Scan(&item, &w); err != nil {
			rows.Close()
			return nil, internal(err, "read weights")
		}
		in.Weights[item] = w
	}
	rows.Close()
	rows, err = db.query(ctx, `SELECT item, at, share FROM schedules WHERE plan_id = ? ORDER BY item, ord`, planID)
	if err != nil {
		return nil, internal(err, "read schedules")
	}
	defer rows.Close()
	for rows.Next() {
		var item, at, share string
		if err := rows.Scan(&item, &at, &share); err != nil {
			return nil, internal(err, "read schedules")
		}
		d, err := decimal.Parse(share)
		if err != nil {
			return nil, internal(err, "read schedules")
		}
		in.Schedules[item] = append(in.Schedules[item], luoshi.Milestone{Date: parseTS(at), Share: d})
	}
	return in, internal(rows.Err(), "read schedules")
}

// SaveAlerts implements luoshi.Store.
func (db *DB) SaveAlerts(ctx context.Context, alerts []luoshi.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "保存预警"); err != nil {
			return err
		}
		for _, a := range alerts {
			if a.Unit == "" {
				return luoshi.Errorf(luoshi.EInvalid, "alert %s on %s names no unit responsible", a.Kind, a.Item)
			}
			if _, err := t.exec(ctx, `INSERT INTO alerts (plan_id, kind, item, unit, period, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (plan_id, kind, item, unit, period) DO UPDATE SET message = excluded.message`,
				a.PlanID, a.Kind, a.Item, a.Unit, a.Period, a.Message, ts(a.CreatedAt)); err != nil {
				return internal(err, "store alert")
			}
		}
		return nil
	})
}

// Alerts implements luoshi.Store.
func (db *DB) Alerts(ctx context.Context, f luoshi.AlertFilter) ([]luoshi.Alert, error) {
	var where []string
	var args []any
	if f.PlanID != 0 {
		where, args = append(where, "plan_id = ?"), append(args, f.PlanID)
	}
	if f.Unit != "" {
		where, args = append(where, "unit = ?"), append(args, f.Unit)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Open {
		where = append(where, "ack_at IS NULL")
	}
	cond, cargs := unitIn(ctx, "unit")
	where, args = andWhere(where, args, cond, cargs)
	query := `SELECT id, plan_id, kind, item, unit, period, message, created_at, ack_by, ack_note, ack_at FROM alerts`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, query+` ORDER BY plan_id, kind, item, unit, period`, args...)
	if err != nil {
		return nil, internal(err, "list alerts")
	}
	defer rows.Close()
	out := []luoshi.Alert{}
	for rows.Next() {
		var a luoshi.Alert
		var ca string
		var ack sql.NullString
		if err := rows.Scan(&a.ID, &a.PlanID, &a.Kind, &a.Item, &a.Unit, &a.Period, &a.Message, &ca, &a.AckBy, &a.AckNote, &ack); err != nil {
			return nil, internal(err, "list alerts")
		}
		a.CreatedAt = parseTS(ca)
		if ack.Valid {
			at := parseTS(ack.String)
			a.AckAt = &at
		}
		out = append(out, a)
	}
	return out, internal(rows.Err(), "list alerts")
}

// AckAlert implements luoshi.Store.
func (db *DB) AckAlert(ctx context.Context, id int64, by, note string) error {
	if by == "" {
		return luoshi.Errorf(luoshi.EInvalid, "an acknowledgement must say who made it")
	}
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		var ack sql.NullString
		var unit string
		err := t.row(ctx, `SELECT ack_at, unit FROM alerts WHERE id = ?`, id).Scan(&ack, &unit)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !canRead(ctx, unit)) {
			return luoshi.Errorf(luoshi.ENotFound, "no alert with id %d", id)
		} else if err != nil {
			return internal(err, "read alert")
		}
		if err := mayWrite(ctx, unit, "处理该单位的预警"); err != nil {
			return err
		}
		if ack.Valid {
			return luoshi.Errorf(luoshi.EConflict, "alert %d was already acknowledged at %s", id, ack.String)
		}
		at := db.now()
		if _, err = t.exec(ctx, `UPDATE alerts SET ack_by = ?, ack_note = ?, ack_at = ? WHERE id = ?`, by, note, ts(at), id); err != nil {
			return internal(err, "acknowledge alert")
		}
		return t.record(ctx, by, "alert.ack", fmt.Sprintf("alert:%d", id), unit, nil, map[string]any{"ack_by": by, "ack_note": note, "ack_at": at})
	})
}
