package sqlstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"luoshi"
	"luoshi/decimal"
	"luoshi/monitor"
)

const progressCols = `id, plan_id, item, unit, period, value, value_unit, ratio, narrative, state, reason, origin, revision, created_by, created_at, updated_by, updated_at`

func scanProgress(s interface{ Scan(...any) error }) (luoshi.Progress, error) {
	var p luoshi.Progress
	var v, ca, ua string
	err := s.Scan(&p.ID, &p.PlanID, &p.Item, &p.Unit, &p.Period, &v, &p.ValueUnit, &p.Ratio, &p.Narrative, &p.State, &p.Reason, &p.Origin, &p.Revision, &p.CreatedBy, &ca, &p.UpdatedBy, &ua)
	if err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = parseTS(ca), parseTS(ua)
	p.Value, err = decimal.Parse(v)
	return p, err
}

// goal finds what a unit's report on an item is measured against, and
// checks that the unit may report on it.
// The target and the unit's quota of it are read with one query.
func (t *tx) goal(ctx context.Context, planID int64, item, unit string) (itemInfo, decimal.Decimal, error) {
	var it itemInfo
	var v string
	var q sql.NullString
	err := t.row(ctx, `SELECT t.commitment, t.value, t.unit, t.comparator, q.value FROM targets t
		LEFT JOIN quotas q ON q.plan_id = t.plan_id AND q.target = t.id AND q.unit = ?
		WHERE t.plan_id = ? AND t.id = ?`, unit, planID, item).Scan(&it.commitment, &v, &it.unit, &it.comparator, &q)
	switch {
	case err == nil:
		it.isTarget, it.quotaKnown, it.quota = true, true, q.Valid
		if it.value, err = decimal.Parse(v); err != nil {
			return it, decimal.Decimal{}, internal(err, "read target %s", item)
		}
		if q.Valid {
			// A region with a quota reports against its quota.
			d, err := decimal.Parse(q.String)
			return it, d, internal(err, "read quota")
		}
	case errors.Is(err, sql.ErrNoRows):
		if it, err = t.commitmentItem(ctx, planID, item); err != nil {
			return it, decimal.Decimal{}, err
		}
	default:
		return it, decimal.Decimal{}, internal(err, "read target %s", item)
	}
	var role string
	err = t.row(ctx, `SELECT role FROM assignments WHERE plan_id = ? AND commitment = ? AND unit = ?`, planID, it.commitment, unit).Scan(&role)
	if err == nil {
		if it.isTarget {
			return it, it.value, nil
		}
		return it, decimal.Int(100), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return it, decimal.Decimal{}, internal(err, "read assignment")
	}
	if _, err := t.unitExists(ctx, unit); err != nil {
		return it, decimal.Decimal{}, err
	}
	var lead string
	_ = t.row(ctx, `SELECT unit FROM assignments WHERE plan_id = ? AND commitment = ? AND role = 'lead'`, planID, it.commitment).Scan(&lead)
	if lead == "" {
		lead = "nobody yet"
	}
	return it, decimal.Decimal{}, luoshi.Errorf(luoshi.EForbidden, "unit %s is not assigned to %s (commitment %s; lead unit: %s) and holds no quota of it", unit, item, it.commitment, lead)
}

// openPeriod returns the sequence number of an open period.
func (t *tx) openPeriod(ctx context.Context, planID int64, key string) (int, error) {
	var seq int
	var closed sql.NullString
	err := t.row(ctx, `SELECT seq, closed_at FROM periods WHERE plan_id = ? AND key = ?`, planID, key).Scan(&seq, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, luoshi.Errorf(luoshi.ENotFound, "plan %d has no reporting period %q", planID, key)
	} else if err != nil {
		return 0, internal(err, "read period")
	}
	if closed.Valid {
		return 0, luoshi.Errorf(luoshi.EConflict, "period %s of plan %d was closed at %s; it takes no more writes", key, planID, closed.String)
	}
	return seq, nil
}

func (t *tx) event(ctx context.Context, p luoshi.Progress, action string) error {
	_, err := t.exec(ctx, `INSERT INTO progress_events (progress_id, revision, action, state, value, narrative, reason, by_whom, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Revision, action, p.State, p.Value.String(), p.Narrative, p.Reason, p.UpdatedBy, ts(p.UpdatedAt))
	return internal(err, "record history")
}

// newBatch returns the batch of one write transaction made on by's
// behalf.
func newBatch(by string) *progressBatch {
	return &progressBatch{periods: map[periodKey]int{}, by: by}
}

// flush does what a batch of writes left for the end of its transaction:
// the indicator values its counted reports changed (and their copies),
// then the tracker.
func (t *tx) flush(ctx context.Context, b *progressBatch) error {
	if err := t.syncIndicators(ctx, b); err != nil {
		return err
	}
	return t.flushTracker(ctx, b)
}

// afterWrite notes what a write of a counted report (or of one that no
// longer counts) leaves for the end of the batch.
func (t *tx) afterWrite(ctx context.Context, b *progressBatch, p luoshi.Progress, it itemInfo) error {
	return t.afterWriteSeq(ctx, b, p, it, 0)
}

// afterWriteSeq is afterWrite; seq is as for progressBatch.touch.
func (t *tx) afterWriteSeq(ctx context.Context, b *progressBatch, p luoshi.Progress, it itemInfo, seq int) error {
	b.touch(p, it, seq)
	if it.isTarget {
		return t.noteReport(ctx, b, p, it)
	}
	return nil
}

// newReport returns the first revision of the report in writes on an
// item it (measured against goal) at now.
func newReport(in luoshi.ProgressInput, it itemInfo, goal decimal.Decimal, now time.Time) luoshi.Progress {
	cmp := it.comparator
	if !it.isTarget {
		cmp = luoshi.CmpAtLeast
	}
	state := luoshi.StateDraft
	if in.Submit {
		state = luoshi.StateSubmitted
	}
	return luoshi.Progress{PlanID: in.PlanID, Item: in.Item, Unit: in.Unit, Period: in.Period, Value: in.Value, ValueUnit: in.ValueUnit,
		Ratio: monitor.Completion(in.Value, goal, cmp), Narrative: in.Narrative, State: state, Revision: 1,
		CreatedBy: in.By, CreatedAt: now, UpdatedBy: in.By, UpdatedAt: now}
}

// SaveProgress implements luoshi.Store.
func (db *DB) SaveProgress(ctx context.Context, in luoshi.ProgressInput) (luoshi.Progress, error) {
	var out luoshi.Progress
	if in.By == "" {
		return out, luoshi.Errorf(luoshi.EInvalid, "a report must say who wrote it")
	}
	err := db.update(ctx, func(ctx context.Context, t *tx) error {
		b := newBatch(in.By)
		var err error
		if out, err = t.saveProgressIn(ctx, in, b); err != nil {
			return err
		}
		return t.flush(ctx, b)
	})
	return out, err
}

// SaveProgressBatch writes several reports as SaveProgress does, in one
// transaction: all of them, or none when any fails (its error is
// returned). Each report has its own audit event.
func (db *DB) SaveProgressBatch(ctx context.Context, ins []luoshi.ProgressInput) ([]luoshi.Progress, error) {
	for _, in := range ins {
		if in.By == "" {
			return nil, luoshi.Errorf(luoshi.EInvalid, "a report must say who wrote it")
		}
	}
	var out []luoshi.Progress
	err := db.update(ctx, func(ctx context.Context, t *tx) error {
		out = make([]luoshi.Progress, 0, len(ins))
		b := newBatch(ins[0].By)
		// Runs of reports of one plan, unit and period (a workbook) are
		// written together.
		for i := 0; i < len(ins); {
			j := i + 1
			for j < len(ins) && j-i < maxInList && ins[j].PlanID == ins[i].PlanID && ins[j].Unit == ins[i].Unit && ins[j].Period == ins[i].Period {
				j++
			}
			ps, err := t.saveNew(ctx, b, ins[i:j])
			if err != nil {
				return err
			}
			out = append(out, ps...)
			i = j
		}
		return t.flush(ctx, b)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// periodKey names a reporting period of a plan.
type periodKey struct {
	plan int64
	key  string
}

// progressBatch is what the reports of one SaveProgressBatch share in its
// transaction: the open periods already looked up, and the tracker work
// their submissions leave for the end of the batch (flushTracker). Nothing
// a report's own write reads depends on the tracker, so doing that work
// once per item and commitment after the last report leaves the same
// tracker and counts as doing it after each report.
type progressBatch struct {
	by      string // who made the writes, for the copies they cause
	periods map[periodKey]int
	plans   []int64
	dirty   map[int64]*planDirty

	// The indicator layer's work (indicators.go): the values to
	// recompute, and what it reads once per batch.
	ivs         []ivKey
	ivSeen      map[ivKey]bool
	typed       map[ivKey]*ivRow            // values typed in the batch's own reports; nil: look it up
	changed     map[ivKey]map[string]bool   // value → regions under it whose value changed in the batch
	bindings    map[int64]map[string]string // plan → target → indicator
	regions     map[string]region
	owes        map[string]map[string]bool // indicator → regions that owe it
	inds        map[string]luoshi.Indicator
	planRegions map[int64]string
}

// planDirty is the tracker work left for one plan: the items whose rows are
// refreshed (per reporting unit), and per commitment whether its last touch
// in the batch was through one of its targets (its row is then rebuilt from
// theirs) or a report on the commitment itself.
type planDirty struct {
	units    []string
	items    map[string][]string // unit → items it reported on
	itemSeen map[[2]string]bool
	// fresh holds, per unit and item touched only by the unit's first
	// submission of a period in the batch, that period's sequence number:
	// its tracker row needs only its reported period raised.
	fresh          map[[2]string]int
	commitments    []string
	viaTarget      map[string]bool
	commitmentSeen map[string]bool
}

// period returns the sequence number of an open period, looked up once per
// batch.
func (b *progressBatch) period(ctx context.Context, t *tx, planID int64, key string) (int, error) {
	k := periodKey{planID, key}
	if seq, ok := b.periods[k]; ok {
		return seq, nil
	}
	seq, err := t.openPeriod(ctx, planID, key)
	if err != nil {
		return 0, err
	}
	b.periods[k] = seq
	return seq, nil
}

// touch notes the tracker work afterWrite would do for a report.
// seq is the period's sequence number when p is the unit's first report on
// the item in the period, inserted as submitted; 0 otherwise.
func (b *progressBatch) touch(p luoshi.Progress, it itemInfo, seq int) {
	if b.dirty == nil {
		b.dirty = map[int64]*planDirty{}
	}
	d := b.dirty[p.PlanID]
	if d == nil {
		d = &planDirty{items: map[string][]string{}, itemSeen: map[[2]string]bool{}, fresh: map[[2]string]int{}, viaTarget: map[string]bool{}, commitmentSeen: map[string]bool{}}
		b.dirty[p.PlanID] = d
		b.plans = append(b.plans, p.PlanID)
	}
	k := [2]string{p.Unit, p.Item}
	if seq > 0 && !d.itemSeen[k] {
		d.fresh[k] = seq
	} else {
		delete(d.fresh, k)
	}
	if !d.itemSeen[k] {
		d.itemSeen[k] = true
		if d.items[p.Unit] == nil {
			d.units = append(d.units, p.Unit)
		}
		d.items[p.Unit] = append(d.items[p.Unit], p.Item)
	}
	if !d.commitmentSeen[it.commitment] {
		d.commitmentSeen[it.commitment] = true
		d.commitments = append(d.commitments, it.commitment)
	}
	if it.isTarget {
		d.viaTarget[it.commitment] = true
	} else if p.Item == it.commitment {
		d.viaTarget[it.commitment] = false
	}
}

// flushTracker does the tracker work a batch left: it refreshes the rows of
// the items reported on, then rebuilds the commitments last touched through
// a target, then moves each commitment's contribution in the plan counts.
func (t *tx) flushTracker(ctx context.Context, b *progressBatch) error {
	for _, planID := range b.plans {
		d := b.dirty[planID]
		for _, u := range d.units {
			var slow []string
			fast := map[int][]string{}
			for _, it := range d.items[u] {
				if seq, ok := d.fresh[[2]string{u, it}]; ok {
					fast[seq] = append(fast[seq], it)
				} else {
					slow = append(slow, it)
				}
			}
			for seq, items := range fast {
				if err := t.raiseReported(ctx, planID, u, seq, items); err != nil {
					return err
				}
			}
			if err := t.refreshItems(ctx, planID, u, slow); err != nil {
				return err
			}
		}
		var cs []string
		for _, c := range d.commitments {
			if d.viaTarget[c] {
				cs = append(cs, c)
			}
		}
		if err := t.refreshCommitments(ctx, planID, cs); err != nil {
			return err
		}
		if err := t.recountItems(ctx, planID, d.commitments); err != nil {
			return err
		}
	}
	return nil
}

// saveProgressIn is SaveProgress inside the writer's transaction: the
// period is looked up once per batch, and the tracker and indicator work is
// left to flush.
func (t *tx) saveProgressIn(ctx context.Context, in luoshi.ProgressInput, b *progressBatch) (luoshi.Progress, error) {
	db := t.db
	if err := mayWrite(ctx, in.Unit, "填报该单位的进展"); err != nil {
		return luoshi.Progress{}, err
	}
	seq, err := b.period(ctx, t, in.PlanID, in.Period)
	if err != nil {
		return luoshi.Progress{}, err
	}
	it, goal, err := t.goal(ctx, in.PlanID, in.Item, in.Unit)
	if err != nil {
		return luoshi.Progress{}, err
	}
	if in.ValueUnit != it.unit {
		return luoshi.Progress{}, luoshi.Errorf(luoshi.EInvalid, "value of %s is in %q, but %s is measured in %q", in.Item, in.ValueUnit, in.Item, it.unit)
	}
	if !it.isTarget && (in.Value.Sign() < 0 || in.Value.Cmp(decimal.Int(100)) > 0) {
		return luoshi.Progress{}, luoshi.Errorf(luoshi.EInvalid, "progress of commitment %s is a percentage between 0 and 100, got %s", in.Item, in.Value)
	}
	now := db.now()
	p := newReport(in, it, goal, now)
	var oldID int64
	var oldState, oldOrigin string
	var oldRev int
	var before any
	err = t.row(ctx, `SELECT id, state, origin, revision FROM progress WHERE plan_id = ? AND item = ? AND unit = ? AND period = ?`,
		in.PlanID, in.Item, in.Unit, in.Period).Scan(&oldID, &oldState, &oldOrigin, &oldRev)
	if err == nil && oldState != luoshi.StateSubmitted && oldState != luoshi.StateApproved {
		old, err := t.progress(ctx, oldID)
		if err != nil {
			return luoshi.Progress{}, err
		}
		before = old
	}
	switch {
	case err == nil && oldOrigin != "" && (oldState == luoshi.StateSubmitted || oldState == luoshi.StateApproved):
		return luoshi.Progress{}, luoshi.Errorf(luoshi.EConflict, "%s 的 %s 期数据无需填报：%s", in.Item, in.Period, oldOrigin)
	case err == nil && (oldState == luoshi.StateSubmitted || oldState == luoshi.StateApproved):
		return luoshi.Progress{}, luoshi.Errorf(luoshi.EConflict, "%s already reported %s for %s (report %d, %s); a second submission is refused, correct the report instead",
			in.Unit, in.Item, in.Period, oldID, oldState)
	case err == nil:
		p.ID, p.Revision = oldID, oldRev+1
		if _, err := t.exec(ctx, `UPDATE progress SET value = ?, value_unit = ?, ratio = ?, narrative = ?, state = ?, reason = '', origin = '', revision = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			p.Value.String(), p.ValueUnit, p.Ratio, p.Narrative, p.State, p.Revision, p.UpdatedBy, ts(now), p.ID); err != nil {
			return luoshi.Progress{}, internal(err, "update report")
		}
		var ca, cb string
		if err := t.row(ctx, `SELECT created_by, created_at FROM progress WHERE id = ?`, p.ID).Scan(&cb, &ca); err != nil {
			return luoshi.Progress{}, internal(err, "read report")
		}
		p.CreatedBy, p.CreatedAt = cb, parseTS(ca)
	case errors.Is(err, sql.ErrNoRows):
		err := t.row(ctx, `INSERT INTO progress (plan_id, item, unit, period, seq, value, value_unit, ratio, narrative, state, revision, created_by, created_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.PlanID, p.Item, p.Unit, p.Period, seq, p.Value.String(), p.ValueUnit, p.Ratio, p.Narrative, p.State, p.Revision, p.CreatedBy, ts(now), p.UpdatedBy, ts(now)).Scan(&p.ID)
		if err != nil {
			if db.d.IsUnique(err) {
				return luoshi.Progress{}, luoshi.Errorf(luoshi.EConflict, "%s already reported %s for %s", in.Unit, in.Item, in.Period)
			}
			return luoshi.Progress{}, internal(err, "store report")
		}
	default:
		return luoshi.Progress{}, internal(err, "read report")
	}
	action := "save"
	if in.Submit {
		action = "submit"
	}
	if err := t.event(ctx, p, action); err != nil {
		return luoshi.Progress{}, err
	}
	if err := t.record(ctx, in.By, "progress."+action, progressObject(p.ID), p.Unit, before, p); err != nil {
		return luoshi.Progress{}, err
	}
	if in.Submit {
		if err := t.afterWrite(ctx, b, p, it); err != nil {
			return luoshi.Progress{}, err
		}
	}
	return p, nil
}

func (t *tx) progress(ctx context.Context, id int64) (luoshi.Progress, error) {
	p, err := scanProgress(t.row(ctx, `SELECT `+progressCols+` FROM progress WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, luoshi.Errorf(luoshi.ENotFound, "no progress report with id %d", id)
	}
	return p, internal(err, "read report %d", id)
}

// ReviewProgress implements luoshi.Store.
func (db *DB) ReviewProgress(ctx context.Context, r luoshi.Review) (luoshi.Progress, error) {
	var out luoshi.Progress
	if r.By == "" {
		return out, luoshi.Errorf(luoshi.EInvalid, "a review must say who made it")
	}
	if !r.Approve && r.Reason == "" {
		return out, luoshi.Errorf(luoshi.EInvalid, "returning report %d needs a reason", r.ID)
	}
	err := db.update(ctx, func(ctx context.Context, t *tx) error {
		p, err := t.progress(ctx, r.ID)
		if err != nil {
			return err
		}
		if !canRead(ctx, p.Unit) {
			return notVisible("progress report", r.ID)
		}
		if err := mayApprove(ctx, p.Unit, "审核该单位的进展"); err != nil {
			return err
		}
		if pr, ok := principalFrom(ctx); ok && !pr.IsAdmin() && (pr.Account == p.CreatedBy || pr.Account == p.UpdatedBy) {
			return luoshi.Errorf(luoshi.EForbidden, "不能审核自己填报的进展（报告 %d）", p.ID)
		}
		if p.Origin != "" {
			return luoshi.Errorf(luoshi.EConflict, "报告 %d 的值不是本单位填报的，随来源审核：%s", p.ID, p.Origin)
		}
		if p.State != luoshi.StateSubmitted {
			return luoshi.Errorf(luoshi.EConflict, "report %d is %s; only a submitted report can be reviewed", p.ID, p.State)
		}
		before := p
		action := "approve"
		p.State, p.Reason = luoshi.StateApproved, r.Reason
		if !r.Approve {
			action, p.State = "return", luoshi.StateReturned
		}
		p.Revision++
		p.UpdatedBy, p.UpdatedAt = r.By, db.now()
		if _, err := t.exec(ctx, `UPDATE progress SET state = ?, reason = ?, revision = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			p.State, p.Reason, p.Revision, p.UpdatedBy, ts(p.UpdatedAt), p.ID); err != nil {
			return internal(err, "review report")
		}
		if err := t.event(ctx, p, action); err != nil {
			return err
		}
		if err := t.record(ctx, r.By, "progress."+action, progressObject(p.ID), p.Unit, before, p); err != nil {
			return err
		}
		it, err := t.item(ctx, p.PlanID, p.Item)
		if err != nil {
			return err
		}
		out = p
		b := newBatch(r.By)
		if err := t.afterWrite(ctx, b, p, it); err != nil {
			return err
		}
		return t.flush(ctx, b)
	})
	return out, err
}

// CorrectProgress implements luoshi.Store.
func (db *DB) CorrectProgress(ctx context.Context, c luoshi.Correction) (luoshi.Progress, error) {
	var out luoshi.Progress
	if c.By == "" || c.Reason == "" {
		return out, luoshi.Errorf(luoshi.EInvalid, "a correction must say who made it and why")
	}
	err := db.update(ctx, func(ctx context.Context, t *tx) error {
		p, err := t.progress(ctx, c.ID)
		if err != nil {
			return err
		}
		if !canRead(ctx, p.Unit) {
			return notVisible("progress report", c.ID)
		}
		if err := mayWrite(ctx, p.Unit, "更正该单位的进展"); err != nil {
			return err
		}
		if p.Origin != "" {
			return luoshi.Errorf(luoshi.EConflict, "报告 %d 的值不是本单位填报的，请更正来源：%s", p.ID, p.Origin)
		}
		if p.State != luoshi.StateApproved {
			return luoshi.Errorf(luoshi.EConflict, "report %d is %s; only an approved report is corrected (edit or resubmit the others)", p.ID, p.State)
		}
		before := p
		if _, err := t.openPeriod(ctx, p.PlanID, p.Period); err != nil {
			return err
		}
		it, goal, err := t.goal(ctx, p.PlanID, p.Item, p.Unit)
		if err != nil {
			return err
		}
		cmp := it.comparator
		if !it.isTarget {
			cmp = luoshi.CmpAtLeast
			if c.Value.Sign() < 0 || c.Value.Cmp(decimal.Int(100)) > 0 {
				return luoshi.Errorf(luoshi.EInvalid, "progress of commitment %s is a percentage between 0 and 100, got %s", p.Item, c.Value)
			}
		}
		p.Value, p.Ratio, p.Reason = c.Value, monitor.Completion(c.Value, goal, cmp), c.Reason
		if c.Narrative != "" {
			p.Narrative = c.Narrative
		}
		p.State = luoshi.StateSubmitted
		p.Revision++
		p.UpdatedBy, p.UpdatedAt = c.By, db.now()
		if _, err := t.exec(ctx, `UPDATE progress SET value = ?, ratio = ?, narrative = ?, state = ?, reason = ?, revision = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			p.Value.String(), p.Ratio, p.Narrative, p.State, p.Reason, p.Revision, p.UpdatedBy, ts(p.UpdatedAt), p.ID); err != nil {
			return internal(err, "correct report")
		}
		if err := t.event(ctx, p, "correct"); err != nil {
			return err
		}
		if err := t.record(ctx, c.By, "progress.correct", progressObject(p.ID), p.Unit, before, p); err != nil {
			return err
		}
		out = p
		b := newBatch(c.By)
		if err := t.afterWrite(ctx, b, p, it); err != nil {
			return err
		}
		return t.flush(ctx, b)
	})
	return out, err
}

// Progress implements luoshi.Store.
func (db *DB) Progress(ctx context.Context, id int64) (luoshi.Progress, error) {
	p, err := scanProgress(db.row(ctx, `SELECT `+progressCols+` FROM progress WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !canRead(ctx, p.Unit)) {
		return luoshi.Progress{}, luoshi.Errorf(luoshi.ENotFound, "no progress report with id %d", id)
	}
	return p, internal(err, "read report %d", id)
}

// ProgressHistory implements luoshi.Store.
func (db *DB) ProgressHistory(ctx context.Context, id int64) ([]luoshi.ProgressEvent, error) {
	if _, err := db.Progress(ctx, id); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT revision, action, state, value, narrative, reason, by_whom, at FROM progress_events WHERE progress_id = ? ORDER BY revision`, id)
	if err != nil {
		return nil, internal(err, "read history")
	}
	defer rows.Close()
	out := []luoshi.ProgressEvent{}
	for rows.Next() {
		e := luoshi.ProgressEvent{ProgressID: id}
		var v, at string
		if err := rows.Scan(&e.Revision, &e.Action, &e.State, &v, &e.Narrative, &e.Reason, &e.By, &at); err != nil {
			return nil, internal(err, "read history")
		}
		if e.Value, err = decimal.Parse(v); err != nil {
			return nil, internal(err, "read history")
		}
		e.At = parseTS(at)
		out = append(out, e)
	}
	return out, internal(rows.Err(), "read history")
}

// ListProgress implements luoshi.Store.
func (db *DB) ListProgress(ctx context.Context, f luoshi.ProgressFilter) ([]luoshi.Progress, error) {
	return listProgress(ctx, db, f, true)
}

// listProgress lists reports; scoped filters them by ctx's principal.
func listProgress(ctx context.Context, q querier, f luoshi.ProgressFilter, scoped bool) ([]luoshi.Progress, error) {
	// Conditions are added only for the fields set, so that the planner can
	// use the (plan_id, item, unit, period) index.
	var where []string
	var args []any
	add := func(col string, v any) {
		where = append(where, col+" = ?")
		args = append(args, v)
	}
	if f.PlanID != 0 {
		add("plan_id", f.PlanID)
	}
	if f.Item != "" {
		add("item", f.Item)
	}
	if f.Unit != "" {
		add("unit", f.Unit)
	}
	if f.Period != "" {
		add("period", f.Period)
	}
	if f.State != "" {
		add("state", f.State)
	}
	if scoped {
		cond, cargs := unitIn(ctx, "unit")
		where, args = andWhere(where, args, cond, cargs)
	}
	query := `SELECT ` + progressCols + ` FROM progress`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// Within one period the order is by plan, item and unit, sorted here
	// so that the planner is free to read a unit's period through
	// progress_unit_period; otherwise by period too.
	onePeriod := f.Period != ""
	if !onePeriod {
		query += ` ORDER BY plan_id, item, unit, seq`
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, internal(err, "list reports")
	}
	defer rows.Close()
	out := []luoshi.Progress{}
	for rows.Next() {
		p, err := scanProgress(rows)
		if err != nil {
			return nil, internal(err, "list reports")
		}
		out = append(out, p)
	}
	if onePeriod {
		slices.SortFunc(out, func(a, b luoshi.Progress) int {
			if a.PlanID != b.PlanID {
				return cmp.Compare(a.PlanID, b.PlanID)
			}
			if a.Item != b.Item {
				return strings.Compare(a.Item, b.Item)
			}
			return strings.Compare(a.Unit, b.Unit)
		})
	}
	return out, internal(rows.Err(), "list reports")
}

// AddEvidence implements luoshi.Store.
func (db *DB) AddEvidence(ctx context.Context, e luoshi.Evidence) (luoshi.Evidence, error) {
	if err := db.opt.Evidence.Check(e); err != nil {
		return e, err
	}
	sum := sha256.Sum256(e.Data)
	e.SHA256, e.Size, e.At = hex.EncodeToString(sum[:]), int64(len(e.Data)), db.now()
	err := db.update(ctx, func(ctx context.Context, t *tx) error {
		p, err := t.progress(ctx, e.ProgressID)
		if err != nil {
			return err
		}
		if !canRead(ctx, p.Unit) {
			return notVisible("progress report", e.ProgressID)
		}
		if err := mayWrite(ctx, p.Unit, "为该单位的进展上传佐证材料"); err != nil {
			return err
		}
		if p.State == luoshi.StateApproved {
			return luoshi.Errorf(luoshi.EConflict, "report %d is approved; correct it before adding evidence", p.ID)
		}
		if err := t.row(ctx, `INSERT INTO evidence (progress_id, name, content_type, size, sha256, data, by_whom, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.ProgressID, e.Name, e.ContentType, e.Size, e.SHA256, e.Data, e.By, ts(e.At)).Scan(&e.ID); err != nil {
			return internal(err, "store evidence")
		}
		return t.record(ctx, e.By, "evidence.add", fmt.Sprintf("evidence:%d", e.ID), p.Unit, nil, e)
	})
	return e, err
}

// Evidence implements luoshi.Store.
func (db *DB) Evidence(ctx context.Context, id int64) (luoshi.Evidence, error) {
	var e luoshi.Evidence
	var at string
	err := db.row(ctx, `SELECT id, progress_id, name, content_type, size, sha256, data, by_whom, at FROM evidence WHERE id = ?`, id).
		Scan(&e.ID, &e.ProgressID, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &e.Data, &e.By, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return e, luoshi.Errorf(luoshi.ENotFound, "no evidence with id %d", id)
	}
	e.At = parseTS(at)
	if err == nil {
		if all, _ := scope(ctx); !all {
			if _, perr := db.Progress(ctx, e.ProgressID); perr != nil {
				return luoshi.Evidence{}, luoshi.Errorf(luoshi.ENotFound, "no evidence with id %d", id)
			}
		}
	}
	return e, internal(err, "read evidence %d", id)
}

// BulkProgress implements luoshi.Store: the reports are stored as given
// (their state included, normally approved), without history, and the
// trackers of the plans they touch are rebuilt.
func (db *DB) BulkProgress(ctx context.Context, ps []luoshi.Progress) error {
	if len(ps) == 0 {
		return nil
	}
	if err := mayAdmin(ctx, "批量导入进展"); err != nil {
		return err
	}
	plans := map[int64]bool{}
	seqs := map[int64]map[string]int{}
	for _, p := range ps {
		plans[p.PlanID] = true
	}
	for id := range plans {
		per, err := periods(ctx, db, id)
		if err != nil {
			return err
		}
		m := map[string]int{}
		for _, p := range per {
			m[p.Key] = p.Seq
		}
		seqs[id] = m
	}
	cols := []string{"plan_id", "item", "unit", "period", "seq", "value", "value_unit", "ratio", "narrative", "state", "reason", "origin", "revision", "created_by", "created_at", "updated_by", "updated_at"}
	rows := make([][]any, 0, len(ps))
	for _, p := range ps {
		seq, ok := seqs[p.PlanID][p.Period]
		if !ok {
			return luoshi.Errorf(luoshi.EInvalid, "plan %d has no period %q", p.PlanID, p.Period)
		}
		if p.State == "" {
			p.State = luoshi.StateApproved
		}
		rows = append(rows, []any{p.PlanID, p.Item, p.Unit, p.Period, seq, p.Value.String(), p.ValueUnit, p.Ratio, p.Narrative, p.State, p.Reason, p.Origin, max(p.Revision, 1),
			p.CreatedBy, ts(p.CreatedAt), p.UpdatedBy, ts(p.UpdatedAt)})
	}
	copied, err := db.d.CopyFrom(ctx, db.write, "progress", cols, rows)
	if err != nil {
		return internal(err, "bulk load reports")
	}
	defer db.dropOwes() // many indicator values change at once
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		db.dropOwes()
		if !copied {
			if err := t.insertRows(ctx, "progress", cols, rows); err != nil {
				return err
			}
		}
		ids := make([]int64, 0, len(plans))
		for id := range plans {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		// The indicator values the reports give, and their copies: each
		// indicator bound in the plans once.
		b := newBatch("")
		seen := map[string]bool{}
		var codes []string
		for _, id := range ids {
			rows, err := t.query(ctx, `SELECT DISTINCT indicator FROM indicator_bindings WHERE plan_id = ?`, id)
			if err != nil {
				return internal(err, "read bindings")
			}
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					rows.Close()
					return internal(err, "read bindings")
				}
				if !seen[c] {
					seen[c] = true
					codes = append(codes, c)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return internal(err, "read bindings")
			}
		}
		slices.Sort(codes)
		for _, c := range codes {
			if err := t.rebuildIndicator(ctx, b, c); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if err := t.rebuildTrackers(ctx, id); err != nil {
				return err
			}
			if err := t.recountPlan(ctx, id); err != nil {
				return err
			}
		}
		if err := t.flushTracker(ctx, b); err != nil {
			return err
		}
		return t.record(ctx, "", "progress.bulk", "progress", "", nil, map[string]any{"reports": len(ps), "plans": ids})
	})
}

// rebuildTrackers recomputes every tracker row of a plan.
func (t *tx) rebuildTrackers(ctx context.Context, planID int64) error {
	_, err := t.exec(ctx, `UPDATE tracker SET
		reported_seq = (SELECT MAX(p.seq) FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state IN ('submitted', 'approved')),
		approved_seq = (SELECT MAX(p.seq) FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state = 'approved'),
		ratio = (SELECT p.ratio FROM progress p WHERE p.plan_id = tracker.plan_id AND p.item = tracker.item AND p.unit = tracker.unit AND p.state = 'approved' ORDER BY p.seq DESC LIMIT 1)
		WHERE plan_id = ?`, planID)
	if err != nil {
		return internal(err, "rebuild trackers")
	}
	_, err = t.exec(ctx, `UPDATE tracker SET
		reported_seq = (SELECT CASE WHEN COUNT(*) = COUNT(g.reported_seq) THEN MIN(g.reported_seq) END FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target'),
		approved_seq = (SELECT CASE WHEN COUNT(*) = COUNT(g.approved_seq) THEN MIN(g.approved_seq) END FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target'),
		ratio = (SELECT MIN(COALESCE(g.ratio, 0)) FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target')
		WHERE plan_id = ? AND kind = 'commitment'
		AND EXISTS (SELECT 1 FROM tracker g WHERE g.plan_id = tracker.plan_id AND g.commitment = tracker.item AND g.kind = 'target')`, planID)
	return internal(err, "rebuild trackers")
}

// progressObject names a report in the audit trail.
func progressObject(id int64) string { return fmt.Sprintf("progress:%d", id) }
