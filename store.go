package luoshi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// PlanInfo describes a stored plan without its parts.
type PlanInfo struct {
	ID           int64     `json:"id"`
	Jurisdiction string    `json:"jurisdiction"`
	Region       string    `json:"region"` // Unit.Code of the jurisdiction
	Year         int       `json:"year"`
	Version      int       `json:"version"`
	SourceHash   string    `json:"source_hash"`
	Title        string    `json:"title"`
	ImportedBy   string    `json:"imported_by"`
	ImportedAt   time.Time `json:"imported_at"`
}

// ImportOptions say whose plan a report is.
type ImportOptions struct {
	Region string // Unit.Code of the jurisdiction; looked up by Plan.Jurisdiction when empty
	By     string
}

// ImportResult tells what an import did: nothing (the same text again), a
// first version, or a new version with what changed.
type ImportResult struct {
	Plan      PlanInfo  `json:"plan"`
	Unchanged bool      `json:"unchanged"`
	Diff      *PlanDiff `json:"diff,omitempty"` // against the previous version
}

// PlanFilter selects plans; zero fields match everything. Latest keeps only
// the newest version of each jurisdiction and year.
type PlanFilter struct {
	Year   int
	Region string
	Latest bool
}

// SourceHash returns the hex SHA-256 of a report's text.
func SourceHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// Store keeps plans and their delivery. Implementations: package sqlite and
// package postgres; package storetest holds the suite both pass.
//
// Errors are *Error values: ENotFound for a missing key, EInvalid for bad
// input, EForbidden for a unit writing what is not its own, EConflict for a
// second write of the same key or a write to a closed period.
type Store interface {
	// PutUnits inserts or updates units by code. A unit's parent must be
	// stored before it or in the same call.
	PutUnits(ctx context.Context, units []Unit) error
	Unit(ctx context.Context, code string) (Unit, error)
	Units(ctx context.Context, f UnitFilter) ([]Unit, error)

	ImportPlan(ctx context.Context, p *Plan, opt ImportOptions) (ImportResult, error)
	Plan(ctx context.Context, id int64) (*Plan, error)
	PlanInfo(ctx context.Context, id int64) (PlanInfo, error)
	Plans(ctx context.Context, f PlanFilter) ([]PlanInfo, error)

	// Assign sets the lead unit and co-units of commitments, replacing any
	// earlier assignment of them: all in one transaction, or none.
	Assign(ctx context.Context, as ...Assignment) error
	Assignments(ctx context.Context, planID int64) ([]Assignment, error)
	// SetQuotas splits a numeric target across regions; the quotas must add
	// up to the target's value exactly.
	SetQuotas(ctx context.Context, planID int64, target string, quotas []Quota, by string) error
	Quotas(ctx context.Context, planID int64, target string) ([]Quota, error)
	// SetWeight sets the weight of a target or commitment in roll-ups.
	SetWeight(ctx context.Context, planID int64, item string, weight float64) error
	// SetSchedule sets a milestone schedule of expected progress for an item.
	SetSchedule(ctx context.Context, planID int64, item string, ms []Milestone) error

	SetPeriods(ctx context.Context, planID int64, ps []Period) error
	Periods(ctx context.Context, planID int64) ([]Period, error)
	ClosePeriod(ctx context.Context, planID int64, key, by string) error

	// SaveProgress writes a draft or a submission. A draft or a returned
	// report of the same key is updated; a submitted or approved one is a
	// conflict.
	SaveProgress(ctx context.Context, in ProgressInput) (Progress, error)
	ReviewProgress(ctx context.Context, r Review) (Progress, error)
	CorrectProgress(ctx context.Context, c Correction) (Progress, error)
	Progress(ctx context.Context, id int64) (Progress, error)
	ProgressHistory(ctx context.Context, id int64) ([]ProgressEvent, error)
	ListProgress(ctx context.Context, f ProgressFilter) ([]Progress, error)
	AddEvidence(ctx context.Context, e Evidence) (Evidence, error)
	Evidence(ctx context.Context, id int64) (Evidence, error)

	StatusInput(ctx context.Context, planID int64) (*StatusInput, error)
	RegionRollup(ctx context.Context, q RollupQuery) ([]PlanCounts, error)

	// SaveAlerts stores alerts found by a scan; an alert already stored
	// under the same key keeps its acknowledgement.
	SaveAlerts(ctx context.Context, alerts []Alert) error
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	AckAlert(ctx context.Context, id int64, by, note string) error

	// SetPublic opens (public true) or closes a plan's public progress
	// page; only an administrator may (EForbidden for a scoped view).
	SetPublic(ctx context.Context, planID int64, public bool, by string) error
	// Public reports whether a plan's public progress page is open.
	Public(ctx context.Context, planID int64) (bool, error)

	// PutIndicators inserts or updates indicators by code (administrators
	// only).
	PutIndicators(ctx context.Context, inds []Indicator, by string) error
	// Indicator returns one indicator by code (ENotFound if none).
	Indicator(ctx context.Context, code string) (Indicator, error)
	Indicators(ctx context.Context) ([]Indicator, error)
	// BindIndicators binds targets to indicators (an empty Indicator
	// unbinds), all in one transaction or none. A target and its indicator
	// must be measured in the same unit. Values the indicator already has
	// are taken by the newly bound targets at once.
	BindIndicators(ctx context.Context, bs []IndicatorBinding, by string) error
	// IndicatorBindings lists the bindings of a plan, or of every plan
	// when planID is 0.
	IndicatorBindings(ctx context.Context, planID int64) ([]IndicatorBinding, error)
	// IndicatorValues lists the values of indicators by region and period,
	// typed or derived, of the regions the reader may read.
	IndicatorValues(ctx context.Context, f IndicatorValueFilter) ([]IndicatorValue, error)

	// BulkProgress loads approved reports without the checks of
	// SaveProgress, for data generation and migration from other systems.
	BulkProgress(ctx context.Context, ps []Progress) error

	Close() error
}
