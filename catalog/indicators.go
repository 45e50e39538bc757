package catalog

import (
	"fmt"
	"strings"

	"luoshi"
)

// IsRate reports whether a target is a rate or a level rather than an
// amount counted up over the year: measured in %, or to stay within or
// about a value.
func IsRate(t luoshi.Target) bool {
	return t.Unit == luoshi.PercentUnit || t.Comparator == luoshi.CmpAtMost || t.Comparator == luoshi.CmpAbout
}

// SuggestIndicators proposes an indicator for every target of p that names
// what it measures, for 报表通: a target measuring the same thing in the
// same unit as an indicator in have (or as an earlier target of p) takes
// that indicator, any other target a new one. An amount counted over the
// year is cumulative and sums over regions; a rate or level is not
// derived from regions. New codes continue have's ZBnnn numbering. It
// returns the new indicators and a binding for every such target of p.
func SuggestIndicators(p *luoshi.Plan, have []luoshi.Indicator) ([]luoshi.Indicator, []luoshi.IndicatorBinding) {
	type key struct{ name, unit string }
	byKey := map[key]string{}
	used := map[string]bool{}
	next := 1
	for _, ind := range have {
		byKey[key{indicatorName(ind.Name), ind.Unit}] = ind.Code
		used[ind.Code] = true
		var n int
		if _, err := fmt.Sscanf(ind.Code, "ZB%d", &n); err == nil && n >= next {
			next = n + 1
		}
	}
	var add []luoshi.Indicator
	var bind []luoshi.IndicatorBinding
	for _, t := range p.Targets {
		name := indicatorName(t.Object)
		if name == "" || t.Unit == "" {
			continue
		}
		k := key{name, t.Unit}
		code, ok := byKey[k]
		if !ok {
			for used[fmt.Sprintf("ZB%03d", next)] {
				next++
			}
			code = fmt.Sprintf("ZB%03d", next)
			used[code] = true
			ind := luoshi.Indicator{Code: code, Name: name, Unit: t.Unit, Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum}
			if IsRate(t) {
				ind.Kind, ind.Aggregate = luoshi.IndicatorLevel, luoshi.AggNone
			}
			add = append(add, ind)
			byKey[k] = code
		}
		bind = append(bind, luoshi.IndicatorBinding{PlanID: p.ID, Target: t.ID, Indicator: code})
	}
	return add, bind
}

// indicatorName returns what a target's object names, trimmed of the
// punctuation and dangling conjunctions the reader leaves at its edges.
func indicatorName(object string) string {
	s := strings.TrimSpace(object)
	for {
		t := strings.TrimRight(s, "、，,；;：:和及与等")
		t = strings.TrimLeft(t, "、，,；;：:")
		if t == s {
			return s
		}
		s = t
	}
}
