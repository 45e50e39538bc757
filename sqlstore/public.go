package sqlstore

import (
	"context"
	"fmt"
)

// SetPublic implements luoshi.Store.
func (db *DB) SetPublic(ctx context.Context, planID int64, public bool, by string) error {
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "公开或关闭计划的进展页"); err != nil {
			return err
		}
		if err := t.planExists(ctx, planID); err != nil {
			return err
		}
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM public_plans WHERE plan_id = ?`, planID).Scan(&n); err != nil {
			return internal(err, "read public page of plan %d", planID)
		}
		was := n > 0
		if was == public {
			return nil
		}
		var err error
		if public {
			_, err = t.exec(ctx, `INSERT INTO public_plans (plan_id, opened_by, opened_at) VALUES (?, ?, ?)`, planID, by, ts(db.now()))
		} else {
			_, err = t.exec(ctx, `DELETE FROM public_plans WHERE plan_id = ?`, planID)
		}
		if err != nil {
			return internal(err, "set public page of plan %d", planID)
		}
		return t.record(ctx, by, "plan.public", fmt.Sprintf("plan:%d", planID), "", map[string]bool{"public": was}, map[string]bool{"public": public})
	})
}

// Public implements luoshi.Store.
func (db *DB) Public(ctx context.Context, planID int64) (bool, error) {
	var n int
	if err := db.row(ctx, `SELECT COUNT(*) FROM public_plans WHERE plan_id = ?`, planID).Scan(&n); err != nil {
		return false, internal(err, "read public page of plan %d", planID)
	}
	return n > 0, nil
}
