// Package reports carries the default work report luoshi serves on a fresh
// database (the 2025 Sichuan report, embedded in the binary) and loads it
// into a store ready for use: units, the plan, lead units from the top
// suggestion, and monthly reporting periods. Demo adds simulated progress.
package reports

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/delivery"
	"luoshi/extract"
)

//go:embed sichuan-2025.txt
var sichuan2025 string

// Sichuan2025 returns the full text of the 2025 Sichuan government work
// report (2025年四川省政府工作报告).
func Sichuan2025() string { return sichuan2025 }

// Province is the GB/T 2260 code of Sichuan, the jurisdiction of the
// default plan.
const Province = "510000"

// CST is China Standard Time, the zone of every period and due date.
var CST = time.FixedZone("CST", 8*3600)

// SuggestedBy is who an assignment taken from the suggester is confirmed by
// until a person confirms it.
const SuggestedBy = "系统建议"

// DepartmentCode returns the unit code of a department the catalog knows
// by any of its names (a suggestion names it by its label), as package
// delivery stores departments: luoshi.DepartmentCode of the full name.
func DepartmentCode(cat *catalog.Catalog, name string) (string, bool) {
	u, ok := cat.Lookup(name)
	if !ok {
		return "", false
	}
	return luoshi.DepartmentCode(u.Name), true
}

// Assignments returns an assignment of every commitment of p that has a
// suggestion: the top suggestion leads, confirmed by SuggestedBy.
func Assignments(cat *catalog.Catalog, p *luoshi.Plan, at time.Time) []luoshi.Assignment {
	var as []luoshi.Assignment
	for _, c := range p.Commitments {
		if len(c.SuggestedUnits) == 0 {
			continue
		}
		code, ok := DepartmentCode(cat, c.SuggestedUnits[0].Unit)
		if !ok {
			continue
		}
		as = append(as, luoshi.Assignment{PlanID: p.ID, Commitment: c.ID, Lead: code, ConfirmedBy: SuggestedBy, ConfirmedAt: at})
	}
	return as
}

// Publish stores an extracted plan of the province for delivery: the plan,
// the given assignments (their PlanID is set), and monthly periods of the
// plan's year, each due five days after the month ends. It returns the
// stored plan's ID.
func Publish(ctx context.Context, s luoshi.Store, p *luoshi.Plan, as []luoshi.Assignment, by string) (int64, error) {
	res, err := s.ImportPlan(ctx, p, luoshi.ImportOptions{Region: Province, By: by})
	if err != nil {
		return 0, fmt.Errorf("import plan: %w", err)
	}
	id := res.Plan.ID
	if res.Unchanged {
		return id, nil
	}
	for _, a := range as {
		a.PlanID = id
		if err := s.Assign(ctx, a); err != nil {
			return 0, fmt.Errorf("assign %s: %w", a.Commitment, err)
		}
	}
	ps, err := luoshi.Calendar(res.Plan.Year, luoshi.Monthly, 5, CST)
	if err != nil {
		return 0, err
	}
	if err := s.SetPeriods(ctx, id, ps); err != nil {
		return 0, fmt.Errorf("set periods: %w", err)
	}
	return id, nil
}

// Bootstrap makes a store ready to serve: it stores the units of Sichuan
// (package delivery's regions and departments),
// and when the store holds no plan of the province yet it imports the
// embedded 2025 report with the suggested lead units, monthly periods and
// an indicator for every target (BindIndicators).
// It returns the ID of the latest plan of the province and whether it was
// imported now.
func Bootstrap(ctx context.Context, s luoshi.Store, cat *catalog.Catalog, now time.Time) (int64, bool, error) {
	if err := delivery.LoadSichuan(ctx, s); err != nil {
		return 0, false, fmt.Errorf("store units: %w", err)
	}
	ps, err := s.Plans(ctx, luoshi.PlanFilter{Region: Province, Latest: true})
	if err != nil {
		return 0, false, fmt.Errorf("list plans: %w", err)
	}
	var latest luoshi.PlanInfo
	for _, p := range ps {
		if p.Region == Province && (p.Year > latest.Year || p.Year == latest.Year && p.ID > latest.ID) {
			latest = p
		}
	}
	if latest.ID != 0 {
		return latest.ID, false, nil
	}
	p, err := extract.Extract(sichuan2025, extract.Options{Units: cat})
	if err != nil {
		return 0, false, fmt.Errorf("read the embedded report: %w", err)
	}
	p.Jurisdiction = "四川省"
	id, err := Publish(ctx, s, p, Assignments(cat, p, now), SuggestedBy)
	if err != nil {
		return 0, false, err
	}
	if _, _, err := BindIndicators(ctx, s, id, SuggestedBy); err != nil {
		return 0, false, err
	}
	return id, true, nil
}
