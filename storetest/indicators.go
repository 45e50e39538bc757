package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/decimal"
	"luoshi/monitor"
)

// chengduNDRC is a department of Chengdu's government, the lead unit of
// Chengdu's own plan in the indicator tests.
const chengduNDRC = "D:成都市发展改革委"

// cityPlan stores Chengdu's own plan, with one target measured like the
// province's t0001, led by chengduNDRC, on the same calendar.
func cityPlan(t *testing.T, s luoshi.Store) int64 {
	t.Helper()
	ctx := context.Background()
	noErr(t, s.PutUnits(ctx, []luoshi.Unit{{Code: chengduNDRC, Name: "成都市发展改革委", Kind: luoshi.UnitDepartment, Parent: chengdu}}))
	p := &luoshi.Plan{
		Jurisdiction: "成都市", Year: 2025, Title: "2025年成都市政府工作报告", Source: "成都报告全文",
		Sections:    []luoshi.Section{{ID: "1", Level: 1, Number: "一", Title: "重点工作", Kind: luoshi.KindPlan}},
		Commitments: []luoshi.Commitment{{ID: "c0001", Section: "1", Text: "完成重点项目投资600亿元。", Targets: []int{0}}},
		Targets: []luoshi.Target{{ID: "t0001", Commitment: "c0001", Value: decimal.Int(600), Unit: "亿元", Comparator: luoshi.CmpAtLeast,
			Object: "重点项目投资", Text: "600亿元"}},
	}
	res, err := s.ImportPlan(ctx, p, luoshi.ImportOptions{Region: chengdu, By: "督查室"})
	noErr(t, err)
	id := res.Plan.ID
	noErr(t, s.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "c0001", Lead: chengduNDRC, ConfirmedBy: "督查室"}))
	ps, err := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	noErr(t, err)
	noErr(t, s.SetPeriods(ctx, id, ps))
	return id
}

// reportOf returns the one report of a unit on an item in a period.
func reportOf(t *testing.T, s luoshi.Store, plan int64, item, unit, period string) luoshi.Progress {
	t.Helper()
	ps := must(s.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: plan, Item: item, Unit: unit, Period: period}))
	if len(ps) != 1 {
		t.Fatalf("%d reports of %s on plan %d %s %s, want 1: %+v", len(ps), unit, plan, item, period, ps)
	}
	return ps[0]
}

// noReport fails unless a unit has no report on an item in a period.
func noReport(t *testing.T, s luoshi.Store, plan int64, item, unit, period string) {
	t.Helper()
	if ps := must(s.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: plan, Item: item, Unit: unit, Period: period})); len(ps) != 0 {
		t.Fatalf("unexpected reports of %s on plan %d %s %s: %+v", unit, plan, item, period, ps)
	}
}

// valueOf returns an indicator's value for a region and period, or fails.
func valueOf(t *testing.T, s luoshi.Store, code, region, period string) luoshi.IndicatorValue {
	t.Helper()
	vs := must(s.IndicatorValues(context.Background(), luoshi.IndicatorValueFilter{Indicator: code, Region: region, Period: period}))
	if len(vs) != 1 {
		t.Fatalf("%d values of %s for %s %s, want 1: %+v", len(vs), code, region, period, vs)
	}
	return vs[0]
}

func noValue(t *testing.T, s luoshi.Store, code, region, period string) {
	t.Helper()
	if vs := must(s.IndicatorValues(context.Background(), luoshi.IndicatorValueFilter{Indicator: code, Region: region, Period: period})); len(vs) != 0 {
		t.Fatalf("unexpected values of %s for %s %s: %+v", code, region, period, vs)
	}
}

func wantValue(t *testing.T, p luoshi.Progress, value, state string, origin ...string) {
	t.Helper()
	if p.Value.Cmp(dec(value)) != 0 || p.State != state {
		t.Fatalf("report %d of %s on %s: value %s state %s, want %s %s", p.ID, p.Unit, p.Item, p.Value, p.State, value, state)
	}
	for _, o := range origin {
		if !strings.Contains(p.Origin, o) {
			t.Errorf("report %d origin %q does not mention %q", p.ID, p.Origin, o)
		}
	}
	if len(origin) == 0 && p.Origin != "" {
		t.Errorf("report %d is typed but has origin %q", p.ID, p.Origin)
	}
}

// testIndicators follows one number through 报表通: typed once by a city,
// copied into the city's own plan, summed into the province's figure, kept
// in step through review, correction and return, and taken by a target
// bound after the fact.
func testIndicators(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	prov := setup(t, s)
	city := cityPlan(t, s)
	const code, mar = "ZB001", "2025-03"

	// Indicators are validated; binding checks the unit of measure.
	wantCode(t, s.PutIndicators(ctx, []luoshi.Indicator{{Code: "ZB 1", Name: "x", Unit: "个", Kind: luoshi.IndicatorLevel, Aggregate: luoshi.AggSum}}, "督查室"), luoshi.EInvalid, "ZB 1")
	wantCode(t, s.PutIndicators(ctx, []luoshi.Indicator{{Code: "ZB9", Name: "x", Unit: "个", Kind: "flow", Aggregate: luoshi.AggSum}}, "督查室"), luoshi.EInvalid, "flow")
	ind := luoshi.Indicator{Code: code, Name: "重点项目投资", Unit: "亿元", Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum}
	noErr(t, s.PutIndicators(ctx, []luoshi.Indicator{ind}, "督查室"))
	if got := must(s.Indicators(ctx)); len(got) != 1 || got[0] != ind {
		t.Fatalf("indicators %+v", got)
	}
	wantCode(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: prov, Target: "t0002", Indicator: code}}, "督查室"), luoshi.EInvalid, "公里", "亿元")
	wantCode(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: prov, Target: "t0009", Indicator: code}}, "督查室"), luoshi.ENotFound, "t0009")
	wantCode(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: prov, Target: "t0001", Indicator: "ZB404"}}, "督查室"), luoshi.ENotFound, "ZB404")
	noErr(t, s.SetQuotas(ctx, prov, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600")}, {Unit: mianyang, Value: dec("400")}}, "督查室"))
	noErr(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: prov, Target: "t0001", Indicator: code}}, "督查室"))

	// Chengdu reports its quota: that is Chengdu's value. Mianyang has not
	// reported, so the province has no figure yet.
	cd := must(s.SaveProgress(ctx, report(prov, "t0001", chengdu, mar, "150", "亿元")))
	v := valueOf(t, s, code, chengdu, mar)
	if v.Source != cd.ID || v.Value.Cmp(dec("150")) != 0 || v.State != luoshi.StateSubmitted || v.Unit != chengdu {
		t.Fatalf("Chengdu's value %+v", v)
	}
	noValue(t, s, code, "510000", mar)
	noReport(t, s, prov, "t0001", ndrc, mar)

	// Chengdu's own plan is bound after the fact: it takes the value at
	// once, and its lead unit is not asked again.
	noErr(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: city, Target: "t0001", Indicator: code}}, "督查室"))
	own := reportOf(t, s, city, "t0001", chengduNDRC, mar)
	wantValue(t, own, "150", luoshi.StateSubmitted, "重点项目投资", "成都市", itoa(cd.ID))
	if own.Ratio != 0.25 {
		t.Errorf("copy ratio %v, want 150/600", own.Ratio)
	}
	_, err := s.SaveProgress(ctx, report(city, "t0001", chengduNDRC, mar, "160", "亿元"))
	wantCode(t, err, luoshi.EConflict, "无需填报", "成都市")

	// Mianyang reports: the province figure is the sum, and the lead
	// unit's report on the province target is filled in.
	my := must(s.SaveProgress(ctx, report(prov, "t0001", mianyang, mar, "100", "亿元")))
	pv := valueOf(t, s, code, "510000", mar)
	if !pv.Derived() || pv.Parts != 2 || pv.Value.Cmp(dec("250")) != 0 || pv.State != luoshi.StateSubmitted {
		t.Fatalf("province value %+v", pv)
	}
	lead := reportOf(t, s, prov, "t0001", ndrc, mar)
	wantValue(t, lead, "250", luoshi.StateSubmitted, "2 个下级地区", "合计")
	if lead.Ratio != 0.25 {
		t.Errorf("province ratio %v, want 250/1000", lead.Ratio)
	}

	// Copies follow their sources through review; they are not reviewed
	// or corrected on their own.
	_, err = s.ReviewProgress(ctx, luoshi.Review{ID: own.ID, Approve: true, By: "审核员"})
	wantCode(t, err, luoshi.EConflict, "随来源审核")
	must(s.ReviewProgress(ctx, luoshi.Review{ID: cd.ID, Approve: true, By: "审核员"}))
	wantValue(t, reportOf(t, s, city, "t0001", chengduNDRC, mar), "150", luoshi.StateApproved, "成都市")
	if got := valueOf(t, s, code, "510000", mar); got.State != luoshi.StateSubmitted {
		t.Errorf("province value approved with Mianyang only submitted: %+v", got)
	}
	must(s.ReviewProgress(ctx, luoshi.Review{ID: my.ID, Approve: true, By: "审核员"}))
	lead = reportOf(t, s, prov, "t0001", ndrc, mar)
	wantValue(t, lead, "250", luoshi.StateApproved, "合计")
	_, err = s.CorrectProgress(ctx, luoshi.Correction{ID: lead.ID, Value: dec("300"), Reason: "统计口径", By: "填报员"})
	wantCode(t, err, luoshi.EConflict, "更正来源")

	// The judgement reads the filled-in figure as any report.
	in := must(s.StatusInput(ctx, prov))
	if in.Indicators["t0001"].Code != code {
		t.Errorf("status input bindings %+v", in.Indicators)
	}
	asOf := time.Date(2025, 4, 10, 0, 0, 0, 0, cst)
	r := monitor.Judge(in, asOf, monitor.DefaultConfig())
	for _, ts := range r.Targets {
		if ts.Item == "t0001" && (!ts.Reported || ts.Ratio != 0.25) {
			t.Errorf("province target judged %+v", ts)
		}
	}

	// A correction flows everywhere.
	cd = must(s.CorrectProgress(ctx, luoshi.Correction{ID: cd.ID, Value: dec("200"), Reason: "补报项目", By: "填报员"}))
	wantValue(t, reportOf(t, s, city, "t0001", chengduNDRC, mar), "200", luoshi.StateSubmitted, "成都市")
	wantValue(t, reportOf(t, s, prov, "t0001", ndrc, mar), "300", luoshi.StateSubmitted, "合计")

	// Returned at the source: the copies no longer count, and are open to
	// their units again.
	must(s.ReviewProgress(ctx, luoshi.Review{ID: cd.ID, Approve: false, Reason: "请附项目清单", By: "审核员"}))
	noValue(t, s, code, chengdu, mar)
	noValue(t, s, code, "510000", mar)
	own = reportOf(t, s, city, "t0001", chengduNDRC, mar)
	if own.State != luoshi.StateReturned || own.Reason == "" {
		t.Fatalf("copy after its source was returned: %+v", own)
	}
	if p := reportOf(t, s, prov, "t0001", ndrc, mar); p.State != luoshi.StateReturned {
		t.Fatalf("province copy after a part was returned: %+v", p)
	}
	// Chengdu's department now types Chengdu's figure itself; Chengdu's
	// returned quota report takes it.
	typed := must(s.SaveProgress(ctx, report(city, "t0001", chengduNDRC, mar, "210", "亿元")))
	wantValue(t, typed, "210", luoshi.StateSubmitted)
	wantValue(t, reportOf(t, s, prov, "t0001", chengdu, mar), "210", luoshi.StateSubmitted, "成都市发展改革委")
	wantValue(t, reportOf(t, s, prov, "t0001", ndrc, mar), "310", luoshi.StateSubmitted, "合计")
	if v := valueOf(t, s, code, chengdu, mar); v.Source != typed.ID || v.PlanID != city {
		t.Errorf("Chengdu's value after retyping %+v", v)
	}

	// A province figure typed by the lead unit itself stands: it is not
	// overwritten by the regions' sum in a later period.
	apr := "2025-04"
	must(s.SaveProgress(ctx, report(prov, "t0001", ndrc, apr, "400", "亿元")))
	must(s.SaveProgress(ctx, report(prov, "t0001", chengdu, apr, "220", "亿元")))
	must(s.SaveProgress(ctx, report(prov, "t0001", mianyang, apr, "120", "亿元")))
	wantValue(t, reportOf(t, s, prov, "t0001", ndrc, apr), "400", luoshi.StateSubmitted)
	if v := valueOf(t, s, code, "510000", apr); v.Derived() || v.Value.Cmp(dec("400")) != 0 {
		t.Errorf("typed province value %+v", v)
	}

	// Rebuilding the indicator at once (as a change of its aggregate does)
	// gives what the writes one by one gave; with avg, the province figure
	// is the mean of the two cities.
	type snap struct {
		value, state string
		source       int64
		parts        int
	}
	snapshot := func() (map[string]snap, map[int64]string) {
		vs := map[string]snap{}
		for _, v := range must(s.IndicatorValues(ctx, luoshi.IndicatorValueFilter{Indicator: code})) {
			vs[v.Region+"/"+v.Period] = snap{v.Value.String(), v.State, v.Source, v.Parts}
		}
		ps := map[int64]string{}
		for _, plan := range []int64{prov, city} {
			for _, p := range must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: plan, Item: "t0001"})) {
				ps[p.ID] = p.Value.String() + " " + p.State + " " + p.Origin
			}
		}
		return vs, ps
	}
	v1, p1 := snapshot()
	avg := ind
	avg.Aggregate = luoshi.AggAvg
	noErr(t, s.PutIndicators(ctx, []luoshi.Indicator{avg}, "督查室"))
	wantValue(t, reportOf(t, s, prov, "t0001", ndrc, mar), "155", luoshi.StateSubmitted, "平均")
	noErr(t, s.PutIndicators(ctx, []luoshi.Indicator{ind}, "督查室"))
	v2, p2 := snapshot()
	if fmt.Sprint(v1) != fmt.Sprint(v2) || fmt.Sprint(p1) != fmt.Sprint(p2) {
		t.Errorf("rebuilt values differ:\n%v\n%v\nreports:\n%v\n%v", v1, v2, p1, p2)
	}

	// Unbinding hands the copies back to their units.
	noErr(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: prov, Target: "t0001"}}, "督查室"))
	if p := reportOf(t, s, prov, "t0001", ndrc, mar); p.State != luoshi.StateReturned || p.Origin != "" {
		t.Fatalf("copy after unbinding: %+v", p)
	}
	if p := reportOf(t, s, prov, "t0001", chengdu, apr); p.Origin != "" || p.State != luoshi.StateSubmitted {
		t.Fatalf("typed report after unbinding: %+v", p)
	}
	if bs := must(s.IndicatorBindings(ctx, 0)); len(bs) != 1 || bs[0].PlanID != city {
		t.Errorf("bindings after unbinding %+v", bs)
	}

	// Every copy has its own history.
	h := must(s.ProgressHistory(ctx, own.ID))
	var acts []string
	for _, e := range h {
		acts = append(acts, e.Action)
	}
	if got := strings.Join(acts, ","); !strings.HasPrefix(got, "derive,derive,derive,release") {
		t.Errorf("history of a copy: %s", got)
	}
}

// testIndicatorBatch checks that one upload naming two targets bound to
// the same indicator is refused whole when its values disagree, and that
// a scoped unit's report fills in another unit's copy it could not write
// itself.
func testIndicatorBatch(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	prov := setup(t, s)
	city := cityPlan(t, s)
	const code, mar = "ZB002", "2025-03"
	noErr(t, s.PutIndicators(ctx, []luoshi.Indicator{{Code: code, Name: "重点项目投资", Unit: "亿元", Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggNone}}, "督查室"))
	noErr(t, s.SetQuotas(ctx, prov, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600")}, {Unit: mianyang, Value: dec("400")}}, "督查室"))
	noErr(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: prov, Target: "t0001", Indicator: code}, {PlanID: city, Target: "t0001", Indicator: code}}, "督查室"))
	b, ok := s.(interface {
		SaveProgressBatch(context.Context, []luoshi.ProgressInput) ([]luoshi.Progress, error)
	})
	if !ok {
		t.Skip("store has no batch writes")
	}
	ps, err := b.SaveProgressBatch(ctx, []luoshi.ProgressInput{
		report(prov, "t0001", chengdu, mar, "150", "亿元"),
		report(prov, "t0001", mianyang, mar, "90", "亿元"),
	})
	noErr(t, err)
	// AggNone: no province figure is derived.
	noValue(t, s, code, "510000", mar)
	noReport(t, s, prov, "t0001", ndrc, mar)
	wantValue(t, reportOf(t, s, city, "t0001", chengduNDRC, mar), "150", luoshi.StateSubmitted, "成都市")
	// A batch that would type the copied value again is refused whole.
	_, err = b.SaveProgressBatch(ctx, []luoshi.ProgressInput{
		report(prov, "t0002", transport, mar, "10", "公里"),
		report(city, "t0001", chengduNDRC, mar, "151", "亿元"),
	})
	wantCode(t, err, luoshi.EConflict, "无需填报")
	noReport(t, s, prov, "t0002", transport, mar)
	if v := valueOf(t, s, code, chengdu, mar); v.Source != ps[0].ID {
		t.Errorf("value after a refused batch %+v", v)
	}
}

// testIndicatorLacking follows a province figure through reports,
// a return and a report again, one write at a time, so that what the store
// remembers of the regions a figure lacks is put to the test: the figure
// appears exactly when every city has a counted value.
func testIndicatorLacking(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	prov := setup(t, s)
	const code, may = "ZB003", "2025-05"
	noErr(t, s.PutIndicators(ctx, []luoshi.Indicator{{Code: code, Name: "重点项目投资", Unit: "亿元", Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum}}, "督查室"))
	noErr(t, s.SetQuotas(ctx, prov, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600")}, {Unit: mianyang, Value: dec("400")}}, "督查室"))
	noErr(t, s.BindIndicators(ctx, []luoshi.IndicatorBinding{{PlanID: prov, Target: "t0001", Indicator: code}}, "督查室"))
	cd := must(s.SaveProgress(ctx, report(prov, "t0001", chengdu, may, "100", "亿元")))
	noValue(t, s, code, "510000", may)
	must(s.ReviewProgress(ctx, luoshi.Review{ID: cd.ID, Approve: false, Reason: "数据有误", By: "审核员"}))
	noValue(t, s, code, chengdu, may)
	must(s.SaveProgress(ctx, report(prov, "t0001", mianyang, may, "50", "亿元")))
	noValue(t, s, code, "510000", may) // Chengdu's value went back
	must(s.SaveProgress(ctx, report(prov, "t0001", chengdu, may, "110", "亿元")))
	if v := valueOf(t, s, code, "510000", may); v.Value.Cmp(dec("160")) != 0 || v.Parts != 2 {
		t.Fatalf("province value %+v, want 160 from 2 cities", v)
	}
	// Another period, the other order.
	const jun = "2025-06"
	must(s.SaveProgress(ctx, report(prov, "t0001", mianyang, jun, "60", "亿元")))
	noValue(t, s, code, "510000", jun)
	must(s.SaveProgress(ctx, report(prov, "t0001", chengdu, jun, "120", "亿元")))
	if v := valueOf(t, s, code, "510000", jun); v.Value.Cmp(dec("180")) != 0 {
		t.Fatalf("province value %+v, want 180", v)
	}
}
