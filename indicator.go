package luoshi

import (
	"strings"
	"time"
	"unicode/utf8"

	"luoshi/decimal"
)

// Indicator kinds: how the values of an indicator over a year behave.
const (
	// IndicatorCumulative is a count from the start of the year (累计值):
	// it never falls from one period to the next.
	IndicatorCumulative = "cumulative"
	// IndicatorLevel is a level or rate at a moment (时点值、比率).
	IndicatorLevel = "level"
)

// Aggregates: how a region's value of an indicator follows from the values
// of the regions directly under it.
const (
	AggSum  = "sum"  // 合计
	AggAvg  = "avg"  // 平均
	AggMax  = "max"  // 最大值
	AggMin  = "min"  // 最小值
	AggNone = "none" // not derived: each region reports its own
)

// Indicator is a measure (指标) that units report once per region and
// period, whatever plans, targets and quotas use it (报表通: every number
// reported once). A target is bound to at most one indicator; every target
// bound to the same indicator takes the same value for the same region and
// period.
type Indicator struct {
	Code      string `json:"code"`      // stable key, e.g. "ZB001"
	Name      string `json:"name"`      // e.g. 城镇老旧小区改造
	Unit      string `json:"unit"`      // unit of measure, e.g. 个
	Kind      string `json:"kind"`      // IndicatorCumulative or IndicatorLevel
	Aggregate string `json:"aggregate"` // AggSum, AggAvg, AggMax, AggMin or AggNone
	Note      string `json:"note,omitempty"`
}

// Validate returns an EInvalid error naming the first field of ind that is
// missing or out of range.
func (ind Indicator) Validate() error {
	switch {
	case ind.Code == "" || strings.ContainsAny(ind.Code, " \t\r\n/?#%") || utf8.RuneCountInString(ind.Code) > 64:
		return Errorf(EInvalid, "指标编码 %q 无效：须为 1–64 个字符，不含空白和 / ? # %%", ind.Code)
	case strings.TrimSpace(ind.Name) == "":
		return Errorf(EInvalid, "指标 %s 缺少名称", ind.Code)
	case strings.TrimSpace(ind.Unit) == "":
		return Errorf(EInvalid, "指标 %s 缺少计量单位", ind.Code)
	case ind.Kind != IndicatorCumulative && ind.Kind != IndicatorLevel:
		return Errorf(EInvalid, "指标 %s 的类型 %q 无效（cumulative 累计值 或 level 时点值）", ind.Code, ind.Kind)
	}
	switch ind.Aggregate {
	case AggSum, AggAvg, AggMax, AggMin, AggNone:
	default:
		return Errorf(EInvalid, "指标 %s 的汇总方式 %q 无效（sum、avg、max、min 或 none）", ind.Code, ind.Aggregate)
	}
	return nil
}

// KindLabel returns the Chinese name of the indicator's kind.
func (ind Indicator) KindLabel() string {
	if ind.Kind == IndicatorCumulative {
		return "累计值"
	}
	return "时点值"
}

// AggregateLabel returns the Chinese name of the indicator's aggregate.
func (ind Indicator) AggregateLabel() string {
	switch ind.Aggregate {
	case AggSum:
		return "下级合计"
	case AggAvg:
		return "下级平均"
	case AggMax:
		return "下级最大值"
	case AggMin:
		return "下级最小值"
	}
	return "不汇总"
}

// Combine returns the aggregate of vs under agg, and false for AggNone or no
// values. An average keeps 4 decimal places.
func Combine(agg string, vs []decimal.Decimal) (decimal.Decimal, bool) {
	if len(vs) == 0 {
		return decimal.Decimal{}, false
	}
	out := vs[0]
	switch agg {
	case AggSum, AggAvg:
		for _, v := range vs[1:] {
			out = out.Add(v)
		}
		if agg == AggAvg {
			out = out.Quo(decimal.Int(int64(len(vs))), 4)
		}
	case AggMax:
		for _, v := range vs[1:] {
			if v.Cmp(out) > 0 {
				out = v
			}
		}
	case AggMin:
		for _, v := range vs[1:] {
			if v.Cmp(out) < 0 {
				out = v
			}
		}
	default:
		return decimal.Decimal{}, false
	}
	return out, true
}

// IndicatorBinding binds a target of a plan to an indicator.
type IndicatorBinding struct {
	PlanID    int64  `json:"plan_id"`
	Target    string `json:"target"`    // Target.ID
	Indicator string `json:"indicator"` // Indicator.Code; empty to unbind
}

// IndicatorValue is the value of an indicator for one region in one
// period: typed once in a report on one of the targets bound to it, or
// derived from the values of the regions under it.
type IndicatorValue struct {
	Indicator string          `json:"indicator"`
	Region    string          `json:"region"` // Unit.Code of the region the value is of
	Period    string          `json:"period"` // Period.Key
	Value     decimal.Decimal `json:"value"`
	// State is that of the report it was typed in (submitted or approved);
	// for a derived value, approved when every part is approved.
	State string `json:"state"`
	// Source is the report the value was typed in, 0 for a derived value;
	// PlanID, Item and Unit say which plan, target and reporting unit.
	Source int64  `json:"source,omitempty"`
	PlanID int64  `json:"plan_id,omitempty"`
	Item   string `json:"item,omitempty"`
	Unit   string `json:"unit,omitempty"`
	// Parts is how many regions a derived value aggregates; 0 when typed.
	Parts int       `json:"parts,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// Derived reports whether v was aggregated from the regions under it.
func (v IndicatorValue) Derived() bool { return v.Source == 0 }

// IndicatorValueFilter selects indicator values; zero fields match
// everything.
type IndicatorValueFilter struct {
	Indicator string
	Region    string
	Period    string
}
