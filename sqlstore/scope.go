package sqlstore

import (
	"context"
	"slices"

	"luoshi"
	"luoshi/auth"
)

type principalKey struct{}

// principalFrom returns the principal a scoped view (For) or the caller
// (auth.WithPrincipal, as the web layer does for each request) put in ctx,
// and false for the unscoped store (the program itself: commands, the
// scanner).
func principalFrom(ctx context.Context) (auth.Principal, bool) {
	if p, ok := ctx.Value(principalKey{}).(auth.Principal); ok {
		return p, true
	}
	return auth.PrincipalFrom(ctx)
}

// For returns a view of the store bound to p: its reads return only what p
// may read (progress, alerts, quotas and assignments of other units are
// invisible, a report or evidence of another unit is not found) and its
// writes check, in the write's own transaction, that p may make them
// (EForbidden otherwise). Plans and units are not one unit's data and read
// the same for everyone; the judgement input (StatusInput) keeps the whole
// plan but only the reports and quotas of p's units, and the region roll-up
// only the plans of p's regions. Closing the view does not close the store. A context
// carrying a principal (auth.WithPrincipal) scopes the store in the same
// way.
func (db *DB) For(p auth.Principal) luoshi.Store {
	p.Units = slices.Clone(p.Units)
	return Scoped{db: db, p: p}
}

// Scoped is the store seen by one principal; see DB.For.
type Scoped struct {
	db *DB
	p  auth.Principal
}

var _ luoshi.Store = Scoped{}

func (s Scoped) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, principalKey{}, s.p)
}

// scope is the read filter of ctx: all is true for the unscoped store and
// for principals who see every unit.
func scope(ctx context.Context) (all bool, units []string) {
	p, ok := principalFrom(ctx)
	if !ok {
		return true, nil
	}
	return p.ReadScope()
}

// canRead reports whether ctx's principal may read unit's data.
func canRead(ctx context.Context, unit string) bool {
	p, ok := principalFrom(ctx)
	return !ok || p.CanRead(unit)
}

// unitIn returns the SQL condition "col IN (…)" restricting col to the
// units ctx's principal may read ("" when it reads all; a condition that is
// never true when it reads none) and its arguments.
func unitIn(ctx context.Context, col string) (string, []any) {
	all, units := scope(ctx)
	if all {
		return "", nil
	}
	if len(units) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(units))
	for i, u := range units {
		args[i] = u
	}
	return col + " IN (" + placeholders(len(units)) + ")", args
}

// mayWrite returns EForbidden unless ctx's principal may fill in reports
// for unit.
func mayWrite(ctx context.Context, unit, what string) error {
	p, ok := principalFrom(ctx)
	if !ok || p.CanWrite(unit) {
		return nil
	}
	return p.Forbidden(what, unit)
}

// mayApprove returns EForbidden unless ctx's principal may approve or
// return unit's reports.
func mayApprove(ctx context.Context, unit, what string) error {
	p, ok := principalFrom(ctx)
	if !ok || p.CanApprove(unit) {
		return nil
	}
	return p.Forbidden(what, unit)
}

// mayAdmin returns EForbidden unless ctx's principal is an administrator
// (the supervision office's writes: imports, assignments, calendars …).
func mayAdmin(ctx context.Context, what string) error {
	p, ok := principalFrom(ctx)
	if !ok || p.IsAdmin() {
		return nil
	}
	return p.Forbidden(what, "")
}

// notVisible is the error for an object of a unit the principal may not
// read: not found, so that its existence does not leak.
func notVisible(kind string, id int64) error {
	return luoshi.Errorf(luoshi.ENotFound, "no %s with id %d", kind, id)
}

// PutUnits implements luoshi.Store.
func (s Scoped) PutUnits(ctx context.Context, units []luoshi.Unit) error {
	return s.db.PutUnits(s.ctx(ctx), units)
}

// Unit implements luoshi.Store.
func (s Scoped) Unit(ctx context.Context, code string) (luoshi.Unit, error) {
	return s.db.Unit(s.ctx(ctx), code)
}

// Units implements luoshi.Store.
func (s Scoped) Units(ctx context.Context, f luoshi.UnitFilter) ([]luoshi.Unit, error) {
	return s.db.Units(s.ctx(ctx), f)
}

// ImportPlan implements luoshi.Store.
func (s Scoped) ImportPlan(ctx context.Context, p *luoshi.Plan, opt luoshi.ImportOptions) (luoshi.ImportResult, error) {
	return s.db.ImportPlan(s.ctx(ctx), p, opt)
}

// Plan implements luoshi.Store.
func (s Scoped) Plan(ctx context.Context, id int64) (*luoshi.Plan, error) {
	return s.db.Plan(s.ctx(ctx), id)
}

// PlanInfo implements luoshi.Store.
func (s Scoped) PlanInfo(ctx context.Context, id int64) (luoshi.PlanInfo, error) {
	return s.db.PlanInfo(s.ctx(ctx), id)
}

// Plans implements luoshi.Store.
func (s Scoped) Plans(ctx context.Context, f luoshi.PlanFilter) ([]luoshi.PlanInfo, error) {
	return s.db.Plans(s.ctx(ctx), f)
}

// Assign implements luoshi.Store.
func (s Scoped) Assign(ctx context.Context, as ...luoshi.Assignment) error {
	return s.db.Assign(s.ctx(ctx), as...)
}

// Assignments implements luoshi.Store.
func (s Scoped) Assignments(ctx context.Context, planID int64) ([]luoshi.Assignment, error) {
	return s.db.Assignments(s.ctx(ctx), planID)
}

// SetQuotas implements luoshi.Store.
func (s Scoped) SetQuotas(ctx context.Context, planID int64, target string, quotas []luoshi.Quota, by string) error {
	return s.db.SetQuotas(s.ctx(ctx), planID, target, quotas, by)
}

// Quotas implements luoshi.Store.
func (s Scoped) Quotas(ctx context.Context, planID int64, target string) ([]luoshi.Quota, error) {
	return s.db.Quotas(s.ctx(ctx), planID, target)
}

// SetWeight implements luoshi.Store.
func (s Scoped) SetWeight(ctx context.Context, planID int64, item string, weight float64) error {
	return s.db.SetWeight(s.ctx(ctx), planID, item, weight)
}

// SetSchedule implements luoshi.Store.
func (s Scoped) SetSchedule(ctx context.Context, planID int64, item string, ms []luoshi.Milestone) error {
	return s.db.SetSchedule(s.ctx(ctx), planID, item, ms)
}

// SetPeriods implements luoshi.Store.
func (s Scoped) SetPeriods(ctx context.Context, planID int64, ps []luoshi.Period) error {
	return s.db.SetPeriods(s.ctx(ctx), planID, ps)
}

// Periods implements luoshi.Store.
func (s Scoped) Periods(ctx context.Context, planID int64) ([]luoshi.Period, error) {
	return s.db.Periods(s.ctx(ctx), planID)
}

// ClosePeriod implements luoshi.Store.
func (s Scoped) ClosePeriod(ctx context.Context, planID int64, key, by string) error {
	return s.db.ClosePeriod(s.ctx(ctx), planID, key, by)
}

// SaveProgress implements luoshi.Store.
func (s Scoped) SaveProgress(ctx context.Context, in luoshi.ProgressInput) (luoshi.Progress, error) {
	return s.db.SaveProgress(s.ctx(ctx), in)
}

// SaveProgressBatch is DB.SaveProgressBatch for the view's principal.
func (s Scoped) SaveProgressBatch(ctx context.Context, ins []luoshi.ProgressInput) ([]luoshi.Progress, error) {
	return s.db.SaveProgressBatch(s.ctx(ctx), ins)
}

// ReviewProgress implements luoshi.Store.
func (s Scoped) ReviewProgress(ctx context.Context, r luoshi.Review) (luoshi.Progress, error) {
	return s.db.ReviewProgress(s.ctx(ctx), r)
}

// CorrectProgress implements luoshi.Store.
func (s Scoped) CorrectProgress(ctx context.Context, c luoshi.Correction) (luoshi.Progress, error) {
	return s.db.CorrectProgress(s.ctx(ctx), c)
}

// Progress implements luoshi.Store.
func (s Scoped) Progress(ctx context.Context, id int64) (luoshi.Progress, error) {
	return s.db.Progress(s.ctx(ctx), id)
}

// ProgressHistory implements luoshi.Store.
func (s Scoped) ProgressHistory(ctx context.Context, id int64) ([]luoshi.ProgressEvent, error) {
	return s.db.ProgressHistory(s.ctx(ctx), id)
}

// ListProgress implements luoshi.Store.
func (s Scoped) ListProgress(ctx context.Context, f luoshi.ProgressFilter) ([]luoshi.Progress, error) {
	return s.db.ListProgress(s.ctx(ctx), f)
}

// AddEvidence implements luoshi.Store.
func (s Scoped) AddEvidence(ctx context.Context, e luoshi.Evidence) (luoshi.Evidence, error) {
	return s.db.AddEvidence(s.ctx(ctx), e)
}

// Evidence implements luoshi.Store.
func (s Scoped) Evidence(ctx context.Context, id int64) (luoshi.Evidence, error) {
	return s.db.Evidence(s.ctx(ctx), id)
}

// StatusInput implements luoshi.Store.
func (s Scoped) StatusInput(ctx context.Context, planID int64) (*luoshi.StatusInput, error) {
	return s.db.StatusInput(s.ctx(ctx), planID)
}

// RegionRollup implements luoshi.Store.
func (s Scoped) RegionRollup(ctx context.Context, q luoshi.RollupQuery) ([]luoshi.PlanCounts, error) {
	return s.db.RegionRollup(s.ctx(ctx), q)
}

// SaveAlerts implements luoshi.Store.
func (s Scoped) SaveAlerts(ctx context.Context, alerts []luoshi.Alert) error {
	return s.db.SaveAlerts(s.ctx(ctx), alerts)
}

// Alerts implements luoshi.Store.
func (s Scoped) Alerts(ctx context.Context, f luoshi.AlertFilter) ([]luoshi.Alert, error) {
	return s.db.Alerts(s.ctx(ctx), f)
}

// AckAlert implements luoshi.Store.
func (s Scoped) AckAlert(ctx context.Context, id int64, by, note string) error {
	return s.db.AckAlert(s.ctx(ctx), id, by, note)
}

// BulkProgress implements luoshi.Store.
func (s Scoped) BulkProgress(ctx context.Context, ps []luoshi.Progress) error {
	return s.db.BulkProgress(s.ctx(ctx), ps)
}

// SetPublic implements luoshi.Store.
func (s Scoped) SetPublic(ctx context.Context, planID int64, public bool, by string) error {
	return s.db.SetPublic(s.ctx(ctx), planID, public, by)
}

// Public implements luoshi.Store.
func (s Scoped) Public(ctx context.Context, planID int64) (bool, error) {
	return s.db.Public(s.ctx(ctx), planID)
}

// Close does nothing: the store outlives its views.
func (s Scoped) Close() error { return nil }

// andWhere appends cond to a WHERE clause being built.
func andWhere(where []string, args []any, cond string, cargs []any) ([]string, []any) {
	if cond == "" {
		return where, args
	}
	return append(where, cond), append(args, cargs...)
}

// PutIndicators implements luoshi.Store.
func (s Scoped) PutIndicators(ctx context.Context, inds []luoshi.Indicator, by string) error {
	return s.db.PutIndicators(s.ctx(ctx), inds, by)
}

// Indicator implements luoshi.Store.
func (s Scoped) Indicator(ctx context.Context, code string) (luoshi.Indicator, error) {
	return s.db.Indicator(s.ctx(ctx), code)
}

// Indicators implements luoshi.Store.
func (s Scoped) Indicators(ctx context.Context) ([]luoshi.Indicator, error) {
	return s.db.Indicators(s.ctx(ctx))
}

// BindIndicators implements luoshi.Store.
func (s Scoped) BindIndicators(ctx context.Context, bs []luoshi.IndicatorBinding, by string) error {
	return s.db.BindIndicators(s.ctx(ctx), bs, by)
}

// IndicatorBindings implements luoshi.Store.
func (s Scoped) IndicatorBindings(ctx context.Context, planID int64) ([]luoshi.IndicatorBinding, error) {
	return s.db.IndicatorBindings(s.ctx(ctx), planID)
}

// IndicatorValues implements luoshi.Store.
func (s Scoped) IndicatorValues(ctx context.Context, f luoshi.IndicatorValueFilter) ([]luoshi.IndicatorValue, error) {
	return s.db.IndicatorValues(s.ctx(ctx), f)
}
