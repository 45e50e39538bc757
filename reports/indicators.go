package reports

import (
	"context"
	"fmt"

	"luoshi"
	"luoshi/catalog"
)

// BindIndicators gives every target of a stored plan that names what it
// measures an indicator (catalog.SuggestIndicators): an existing one
// measuring the same thing in the same unit, or a new one. Targets already
// bound keep their indicator. It returns how many indicators it added and
// how many targets it bound.
func BindIndicators(ctx context.Context, s luoshi.Store, planID int64, by string) (added, bound int, err error) {
	p, err := s.Plan(ctx, planID)
	if err != nil {
		return 0, 0, fmt.Errorf("bind indicators: %w", err)
	}
	have, err := s.Indicators(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("bind indicators: %w", err)
	}
	old, err := s.IndicatorBindings(ctx, planID)
	if err != nil {
		return 0, 0, fmt.Errorf("bind indicators: %w", err)
	}
	done := map[string]bool{}
	for _, b := range old {
		done[b.Target] = true
	}
	add, bind := catalog.SuggestIndicators(p, have)
	var bs []luoshi.IndicatorBinding
	used := map[string]bool{}
	for _, b := range bind {
		if !done[b.Target] {
			bs = append(bs, b)
			used[b.Indicator] = true
		}
	}
	var adds []luoshi.Indicator
	for _, ind := range add {
		if used[ind.Code] {
			adds = append(adds, ind)
		}
	}
	if len(adds) > 0 {
		if err := s.PutIndicators(ctx, adds, by); err != nil {
			return 0, 0, fmt.Errorf("bind indicators: %w", err)
		}
	}
	if len(bs) > 0 {
		if err := s.BindIndicators(ctx, bs, by); err != nil {
			return 0, 0, fmt.Errorf("bind indicators: %w", err)
		}
	}
	return len(adds), len(bs), nil
}
