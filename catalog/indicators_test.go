package catalog

import (
	"testing"

	"luoshi"
	"luoshi/decimal"
)

func TestSuggestIndicators(t *testing.T) {
	p := &luoshi.Plan{ID: 7, Targets: []luoshi.Target{
		{ID: "t1", Object: "老旧小区", Unit: "个", Comparator: luoshi.CmpAtLeast, Value: decimal.Int(4000)},
		{ID: "t2", Object: "地区生产总值", Unit: "%", Comparator: luoshi.CmpAtLeast, Value: decimal.Int(6)},
		{ID: "t3", Object: "国家先进制造业集群和", Unit: "个", Comparator: luoshi.CmpEqual, Value: decimal.Int(5)},
		{ID: "t4", Object: "老旧小区、", Unit: "个", Comparator: luoshi.CmpEqual, Value: decimal.Int(10)},
		{ID: "t5", Object: "", Unit: "个", Value: decimal.Int(1)},
		{ID: "t6", Object: "城中村", Unit: "户", Comparator: luoshi.CmpEqual, Value: decimal.Int(1)},
	}}
	have := []luoshi.Indicator{{Code: "ZB007", Name: "城中村", Unit: "户", Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum}}
	add, bind := SuggestIndicators(p, have)
	if len(add) != 3 {
		t.Fatalf("added %+v", add)
	}
	want := map[string]luoshi.Indicator{
		"ZB008": {Code: "ZB008", Name: "老旧小区", Unit: "个", Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum},
		"ZB009": {Code: "ZB009", Name: "地区生产总值", Unit: "%", Kind: luoshi.IndicatorLevel, Aggregate: luoshi.AggNone},
		"ZB010": {Code: "ZB010", Name: "国家先进制造业集群", Unit: "个", Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum},
	}
	for _, ind := range add {
		if want[ind.Code] != ind {
			t.Errorf("indicator %+v, want %+v", ind, want[ind.Code])
		}
		if err := ind.Validate(); err != nil {
			t.Error(err)
		}
	}
	got := map[string]string{}
	for _, b := range bind {
		if b.PlanID != 7 {
			t.Errorf("binding %+v", b)
		}
		got[b.Target] = b.Indicator
	}
	wantBind := map[string]string{"t1": "ZB008", "t2": "ZB009", "t3": "ZB010", "t4": "ZB008", "t6": "ZB007"}
	if len(got) != len(wantBind) {
		t.Errorf("bindings %v, want %v", got, wantBind)
	}
	for k, v := range wantBind {
		if got[k] != v {
			t.Errorf("target %s bound to %q, want %q", k, got[k], v)
		}
	}
}
