// Package delivery runs the judgement over a store: it reads through a
// luoshi.Store, judges with package monitor and writes alerts back. It
// imports no database driver.
package delivery

import (
	"context"
	"fmt"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/monitor"
)

// RegionUnits turns GB/T 2260 regions into units.
func RegionUnits(rs []catalog.Region) []luoshi.Unit {
	out := make([]luoshi.Unit, 0, len(rs))
	for _, r := range rs {
		kind := luoshi.UnitCounty
		switch r.Level {
		case catalog.LevelProvince:
			kind = luoshi.UnitProvince
		case catalog.LevelCity:
			kind = luoshi.UnitCity
		}
		out = append(out, luoshi.Unit{Code: r.Code, Name: r.Name, Kind: kind, Parent: r.Parent})
	}
	return out
}

// DepartmentUnits turns a department catalog into units of the government
// of the region seat (a GB/T 2260 code).
func DepartmentUnits(c *catalog.Catalog, seat string) []luoshi.Unit {
	us := c.Units()
	out := make([]luoshi.Unit, 0, len(us))
	for _, u := range us {
		out = append(out, luoshi.Unit{Code: luoshi.DepartmentCode(u.Name), Name: u.Name, Kind: luoshi.UnitDepartment, Parent: seat})
	}
	return out
}

// LoadSichuan stores Sichuan's regions (the province, its 21 市州 and 183
// counties) and its provincial departments.
func LoadSichuan(ctx context.Context, s luoshi.Store) error {
	units := RegionUnits(catalog.SichuanRegions())
	units = append(units, DepartmentUnits(catalog.Sichuan(), "510000")...)
	return s.PutUnits(ctx, units)
}

// View is the status of a region's plan and of every plan under it.
type View struct {
	Plan    luoshi.PlanInfo        `json:"plan"`
	Report  *monitor.Report        `json:"report"`
	Regions []monitor.RegionRollup `json:"regions"`
}

// RegionView judges the newest plan of region for year as of asOf, in
// detail (targets, commitments, sections, units), and rolls up the plans of
// every region under it.
func RegionView(ctx context.Context, s luoshi.Store, region string, year int, asOf time.Time, cfg monitor.Config) (*View, error) {
	plans, err := s.Plans(ctx, luoshi.PlanFilter{Year: year, Region: region, Latest: true})
	if err != nil {
		return nil, err
	}
	v := &View{}
	for _, p := range plans {
		if p.Region == region {
			v.Plan = p
		}
	}
	if v.Plan.ID == 0 {
		return nil, luoshi.Errorf(luoshi.ENotFound, "region %s has no plan for %d", region, year)
	}
	in, err := s.StatusInput(ctx, v.Plan.ID)
	if err != nil {
		return nil, err
	}
	v.Report = monitor.Judge(in, asOf, cfg)
	pcs, err := s.RegionRollup(ctx, luoshi.RollupQuery{Year: year, Region: region, DueSeq: v.Report.DueSeq, Expected: v.Report.Expected, Behind: cfg.Behind, Severe: cfg.Severe})
	if err != nil {
		return nil, err
	}
	units, err := s.Units(ctx, luoshi.UnitFilter{Under: region})
	if err != nil {
		return nil, err
	}
	v.Regions = monitor.Regions(units, pcs, region)
	return v, nil
}

// ScanAlerts judges a plan as of asOf, stores the alerts found (keeping the
// acknowledgements of those already stored) and returns them.
func ScanAlerts(ctx context.Context, s luoshi.Store, planID int64, asOf time.Time, cfg monitor.Config) ([]luoshi.Alert, error) {
	in, err := s.StatusInput(ctx, planID)
	if err != nil {
		return nil, err
	}
	as := monitor.Alerts(in, monitor.Judge(in, asOf, cfg), cfg)
	if err := s.SaveAlerts(ctx, as); err != nil {
		return nil, fmt.Errorf("store alerts of plan %d: %w", planID, err)
	}
	return as, nil
}

// Suggested drafts the assignments of a plan from the reader's suggestions:
// the best-scoring unit that the catalog knows leads, and the others within
// half its score are co-units. Nothing is stored: a person confirms the
// drafts (sets ConfirmedBy) and passes them to Store.Assign. Commitments
// without a usable suggestion are left out.
func Suggested(p *luoshi.Plan, c *catalog.Catalog) []luoshi.Assignment {
	var out []luoshi.Assignment
	for _, cm := range p.Commitments {
		var a luoshi.Assignment
		var top float64
		seen := map[string]bool{}
		for _, s := range cm.SuggestedUnits {
			u, ok := c.Lookup(s.Unit)
			if !ok {
				continue
			}
			code := luoshi.DepartmentCode(u.Name)
			if seen[code] {
				continue
			}
			seen[code] = true
			switch {
			case a.Lead == "":
				a.Lead, top = code, s.Score
			case s.Score >= top/2:
				a.Co = append(a.Co, code)
			}
		}
		if a.Lead != "" {
			a.PlanID, a.Commitment = p.ID, cm.ID
			out = append(out, a)
		}
	}
	return out
}
