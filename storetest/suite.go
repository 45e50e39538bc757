package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"luoshi"
	"luoshi/auth"
	"luoshi/monitor"
)

// Run runs the whole suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, luoshi.Store)
	}{
		{"Units", testUnits},
		{"ImportVersions", testImportVersions},
		{"Assign", testAssign},
		{"Quotas", testQuotas},
		{"Periods", testPeriods},
		{"ProgressLifecycle", testProgressLifecycle},
		{"ProgressErrors", testProgressErrors},
		{"Evidence", testEvidence},
		{"StatusAndRollup", testStatusAndRollup},
		{"Alerts", testAlerts},
		{"ConcurrentSubmissions", testConcurrent},
		{"SchedulesAndWeights", testSchedules},
		{"RollupFollowsWrites", testRollupFollowsWrites},
		{"AuditChain", testAuditChain},
		{"AuditTamper", testAuditTamper},
		{"Scope", testScope},
		{"Public", testPublic},
		{"Batch", testBatch},
		{"RollupFollowsBatches", testRollupFollowsBatches},
		{"Indicators", testIndicators},
		{"IndicatorBatch", testIndicatorBatch},
		{"IndicatorLacking", testIndicatorLacking},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func testUnits(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	if err := s.PutUnits(ctx, fixtureUnits()); err != nil {
		t.Fatal(err)
	}
	u := must(s.Unit(ctx, mianyang))
	if u.Name != "绵阳市" || u.Parent != "510000" || !u.IsRegion() {
		t.Errorf("unit %+v", u)
	}
	cities := must(s.Units(ctx, luoshi.UnitFilter{Kind: luoshi.UnitCity}))
	if len(cities) != 2 || cities[0].Code != chengdu {
		t.Errorf("cities %+v", cities)
	}
	under := must(s.Units(ctx, luoshi.UnitFilter{Under: "510100"}))
	if len(under) != 2 || under[0].Code != chengdu || under[1].Code != "510104" {
		t.Errorf("units under Chengdu: %+v", under)
	}
	_, err := s.Unit(ctx, "999999")
	wantCode(t, err, luoshi.ENotFound, "999999")
	err = s.PutUnits(ctx, []luoshi.Unit{{Code: "510199", Name: "无名区", Kind: luoshi.UnitCounty, Parent: "519900"}})
	wantCode(t, err, luoshi.EInvalid, "519900")
	// Renaming keeps the code.
	if err := s.PutUnits(ctx, []luoshi.Unit{{Code: mianyang, Name: "绵阳", Kind: luoshi.UnitCity, Parent: "510000"}}); err != nil {
		t.Fatal(err)
	}
	if u := must(s.Unit(ctx, mianyang)); u.Name != "绵阳" {
		t.Errorf("rename: %+v", u)
	}
}

func testImportVersions(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	noErr(t, s.PutUnits(ctx, fixtureUnits()))
	p := fixturePlan("第一稿")
	r1 := must(s.ImportPlan(ctx, p, luoshi.ImportOptions{By: "督查室"}))
	if r1.Unchanged || r1.Plan.Version != 1 || r1.Plan.Region != "510000" || r1.Diff != nil {
		t.Fatalf("first import: %+v", r1)
	}
	if r1.Plan.SourceHash != luoshi.SourceHash("第一稿") {
		t.Errorf("hash %s", r1.Plan.SourceHash)
	}
	got := must(s.Plan(ctx, r1.Plan.ID))
	if len(got.Commitments) != 3 || len(got.Targets) != 3 || got.Targets[1].Value.Cmp(dec("10000")) != 0 ||
		got.Commitments[2].Targets[1] != 2 || got.Commitments[0].SuggestedUnits[0].Unit != "省发展改革委" || got.Sections[1].Title != "扩大有效投资" {
		t.Errorf("plan read back differs: %+v", got)
	}
	// The same text again changes nothing.
	r2 := must(s.ImportPlan(ctx, fixturePlan("第一稿"), luoshi.ImportOptions{}))
	if !r2.Unchanged || r2.Plan.ID != r1.Plan.ID || r2.Plan.Version != 1 {
		t.Fatalf("re-import: %+v", r2)
	}
	// Decide things about version 1.
	noErr(t, s.Assign(ctx,
		luoshi.Assignment{PlanID: r1.Plan.ID, Commitment: "c0002", Lead: transport, ConfirmedBy: "督查室"},
		luoshi.Assignment{PlanID: r1.Plan.ID, Commitment: "c0003", Lead: ndrc, ConfirmedBy: "督查室"}))
	cal, _ := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	noErr(t, s.SetPeriods(ctx, r1.Plan.ID, cal))
	noErr(t, s.SetQuotas(ctx, r1.Plan.ID, "t0002", []luoshi.Quota{{Unit: chengdu, Value: dec("6000")}, {Unit: mianyang, Value: dec("4000")}}, "督查室"))
	// A revised text is a new version with a diff.
	rev := fixturePlan("第二稿")
	rev.Commitments[1].Text = "加快推进成渝中线高铁建设。"                                                                    // changed
	rev.Commitments = append(rev.Commitments, luoshi.Commitment{ID: "c0004", Section: "3.2", Text: "开工建设西渝高铁。"}) // added
	rev.Commitments = append(rev.Commitments[:0], rev.Commitments[1:]...)                                        // c0001 removed...
	rev.Targets = rev.Targets[1:]                                                                                // ...with its target
	rev.Targets[1].Value = dec("600")                                                                            // t0003 changed
	for i := range rev.Commitments {
		rev.Commitments[i].Targets = nil
	}
	r3 := must(s.ImportPlan(ctx, rev, luoshi.ImportOptions{}))
	if r3.Unchanged || r3.Plan.Version != 2 || r3.Plan.ID == r1.Plan.ID || r3.Diff == nil {
		t.Fatalf("revision: %+v", r3)
	}
	d := r3.Diff
	summary := fmt.Sprintf("added %v removed %v changed %v", ids(d.Added), ids(d.Removed), ids(d.Changed))
	if summary != "added [c0004] removed [c0001 t0001] changed [c0002 t0003]" {
		t.Errorf("diff: %s", summary)
	}
	// Decisions about the first version carry over to the second.
	v2as := must(s.Assignments(ctx, r3.Plan.ID))
	if len(v2as) != 2 || v2as[0].Lead != transport || v2as[1].Lead != ndrc || v2as[1].Commitment != "c0003" {
		t.Errorf("assignments carried over: %+v", v2as)
	}
	if ps := must(s.Periods(ctx, r3.Plan.ID)); len(ps) != 12 {
		t.Errorf("calendar carried over: %d periods", len(ps))
	}
	if q := must(s.Quotas(ctx, r3.Plan.ID, "t0002")); len(q) != 2 || q[1].Value.String() != "4000" {
		t.Errorf("quotas of a kept target carried over: %+v", q)
	}
	latest := must(s.Plans(ctx, luoshi.PlanFilter{Year: 2025, Region: "510000", Latest: true}))
	if len(latest) != 1 || latest[0].ID != r3.Plan.ID {
		t.Errorf("latest plans %+v", latest)
	}
	all := must(s.Plans(ctx, luoshi.PlanFilter{}))
	if len(all) != 2 {
		t.Errorf("all plans %+v", all)
	}
	_, err := s.Plan(ctx, 424242)
	wantCode(t, err, luoshi.ENotFound)
	_, err = s.ImportPlan(ctx, &luoshi.Plan{Jurisdiction: "火星省", Year: 2025}, luoshi.ImportOptions{})
	wantCode(t, err, luoshi.EInvalid, "火星省")
}

func ids(cs []luoshi.Change) []string {
	var out []string
	for _, c := range cs {
		if c.New != "" {
			out = append(out, c.New)
		} else {
			out = append(out, c.Old)
		}
	}
	return out
}

func testAssign(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	as := must(s.Assignments(ctx, id))
	if len(as) != 3 || as[0].Lead != ndrc || strings.Join(as[0].Co, ",") != chengdu+","+mianyang || as[1].Lead != transport {
		t.Fatalf("assignments %+v", as)
	}
	err := s.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "c0002", Lead: "D:不存在的厅", ConfirmedBy: "x"})
	wantCode(t, err, luoshi.ENotFound, "不存在的厅")
	err = s.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "t0001", Lead: ndrc, ConfirmedBy: "x"})
	wantCode(t, err, luoshi.EInvalid, "c0001")
	// The failed writes left the old assignment in place.
	if as := must(s.Assignments(ctx, id)); as[1].Lead != transport {
		t.Errorf("assignment changed by a failed write: %+v", as[1])
	}
	// Several at once are all applied or none.
	err = s.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "c0001", Lead: transport, ConfirmedBy: "x"},
		luoshi.Assignment{PlanID: id, Commitment: "c0002", Lead: "D:不存在的厅", ConfirmedBy: "x"})
	wantCode(t, err, luoshi.ENotFound)
	if as := must(s.Assignments(ctx, id)); as[0].Lead != ndrc {
		t.Errorf("half-applied assignments: %+v", as[0])
	}
	// Reassigning replaces.
	noErr(t, s.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "c0002", Lead: ndrc, Co: []string{transport}, ConfirmedBy: "督查室"}))
	if as := must(s.Assignments(ctx, id)); as[1].Lead != ndrc || len(as[1].Co) != 1 {
		t.Errorf("reassigned %+v", as[1])
	}
}

func testQuotas(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	err := s.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600")}, {Unit: mianyang, Value: dec("350.5")}}, "督查室")
	wantCode(t, err, luoshi.EInvalid, "950.5", "1000", "49.5", "short")
	if q := must(s.Quotas(ctx, id, "t0001")); len(q) != 0 {
		t.Fatalf("half-written quotas: %+v", q)
	}
	err = s.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("700")}, {Unit: mianyang, Value: dec("400")}}, "督查室")
	wantCode(t, err, luoshi.EInvalid, "1100", "100", "over")
	err = s.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600")}, {Unit: transport, Value: dec("400")}}, "督查室")
	wantCode(t, err, luoshi.EInvalid, "not a region")
	noErr(t, s.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600.25")}, {Unit: mianyang, Value: dec("399.75")}}, "督查室"))
	q := must(s.Quotas(ctx, id, "t0001"))
	if len(q) != 2 || q[0].Unit != chengdu || q[0].Value.String() != "600.25" {
		t.Errorf("quotas %+v", q)
	}
	err = s.SetQuotas(ctx, id, "c0002", q, "督查室")
	wantCode(t, err, luoshi.EInvalid)
}

func testPeriods(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	ps := must(s.Periods(ctx, id))
	if len(ps) != 12 || ps[2].Key != "2025-03" || !ps[2].Due.Equal(time.Date(2025, 4, 5, 0, 0, 0, 0, cst)) {
		t.Fatalf("periods %+v", ps[:3])
	}
	noErr(t, s.ClosePeriod(ctx, id, "2025-01", "督查室"))
	noErr(t, s.ClosePeriod(ctx, id, "2025-01", "督查室")) // idempotent
	wantCode(t, s.ClosePeriod(ctx, id, "2025-13", "督查室"), luoshi.ENotFound)
	if ps := must(s.Periods(ctx, id)); !ps[0].Closed() || ps[1].Closed() {
		t.Errorf("closed flags %+v", ps[:2])
	}
	_, err := s.SaveProgress(ctx, report(id, "t0001", ndrc, "2025-01", "80", "亿元"))
	wantCode(t, err, luoshi.EConflict, "closed")
	if l := must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})); len(l) != 0 {
		t.Fatalf("write to closed period stored %+v", l)
	}
	must(s.SaveProgress(ctx, report(id, "t0001", ndrc, "2025-02", "80", "亿元")))
	q, _ := luoshi.Calendar(2025, luoshi.Quarterly, 10, cst)
	wantCode(t, s.SetPeriods(ctx, id, q), luoshi.EConflict)
}

func testProgressLifecycle(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	draft := report(id, "t0001", ndrc, "2025-03", "250", "亿元")
	draft.Submit = false
	p := must(s.SaveProgress(ctx, draft))
	if p.State != luoshi.StateDraft || p.Ratio != 0.25 {
		t.Fatalf("draft %+v", p)
	}
	draft.Value, draft.Submit = dec("260.5"), true
	p2 := must(s.SaveProgress(ctx, draft))
	if p2.ID != p.ID || p2.State != luoshi.StateSubmitted || p2.Revision != 2 || p2.Value.String() != "260.5" {
		t.Fatalf("submitted %+v", p2)
	}
	_, err := s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: false, By: "领导"})
	wantCode(t, err, luoshi.EInvalid, "reason")
	r := must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: false, Reason: "请附项目清单", By: "领导"}))
	if r.State != luoshi.StateReturned || r.Reason != "请附项目清单" {
		t.Fatalf("returned %+v", r)
	}
	draft.Value = dec("270")
	must(s.SaveProgress(ctx, draft)) // resubmission after return
	a := must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "领导"}))
	if a.State != luoshi.StateApproved {
		t.Fatalf("approved %+v", a)
	}
	_, err = s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "领导"})
	wantCode(t, err, luoshi.EConflict, "approved")
	c := must(s.CorrectProgress(ctx, luoshi.Correction{ID: p.ID, Value: dec("280"), Reason: "统计口径调整", By: "填报员"}))
	if c.State != luoshi.StateSubmitted || c.Value.String() != "280" || c.Ratio != 0.28 {
		t.Fatalf("corrected %+v", c)
	}
	h := must(s.ProgressHistory(ctx, p.ID))
	var trail []string
	for _, e := range h {
		trail = append(trail, e.Action+":"+e.Value.String())
	}
	if got := strings.Join(trail, " "); got != "save:250 submit:260.5 return:260.5 submit:270 approve:270 correct:280" {
		t.Errorf("history %s", got)
	}
	if h[4].By != "领导" || h[4].State != luoshi.StateApproved || h[4].At.IsZero() {
		t.Errorf("approval event %+v", h[4])
	}
	l := must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id, Unit: ndrc}))
	if len(l) != 1 || l[0].ID != p.ID {
		t.Errorf("list %+v", l)
	}
	// Commitments are reported in percent.
	cp := must(s.SaveProgress(ctx, report(id, "c0002", transport, "2025-03", "30", "%")))
	if cp.Ratio != 0.3 {
		t.Errorf("percent ratio %v", cp.Ratio)
	}
}

func testProgressErrors(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	noErr(t, s.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600")}, {Unit: mianyang, Value: dec("400")}}, "督查室"))
	cases := []struct {
		name string
		in   luoshi.ProgressInput
		code string
		says []string
	}{
		{"unassigned unit", report(id, "c0002", ndrc, "2025-03", "10", "%"), luoshi.EForbidden, []string{ndrc, "c0002", transport}},
		{"county without quota", report(id, "t0001", "510104", "2025-03", "10", "亿元"), luoshi.EForbidden, []string{"510104"}},
		{"unknown unit", report(id, "t0002", "D:无此单位", "2025-03", "10", "公里"), luoshi.ENotFound, []string{"无此单位"}},
		{"wrong unit", report(id, "t0002", transport, "2025-03", "10", "万公里"), luoshi.EInvalid, []string{"万公里", "公里"}},
		{"percent out of range", report(id, "c0002", transport, "2025-03", "120", "%"), luoshi.EInvalid, []string{"120"}},
		{"unknown item", report(id, "t0099", transport, "2025-03", "1", "公里"), luoshi.ENotFound, []string{"t0099"}},
		{"unknown period", report(id, "t0002", transport, "2025-13", "1", "公里"), luoshi.ENotFound, []string{"2025-13"}},
		{"unknown plan", report(id+1000, "t0002", transport, "2025-03", "1", "公里"), luoshi.ENotFound, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.SaveProgress(ctx, c.in)
			wantCode(t, err, c.code, c.says...)
		})
	}
	if l := must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})); len(l) != 0 {
		t.Fatalf("rejected reports were stored: %+v", l)
	}
	// A region with a quota reports against its quota; co-units may report.
	q := must(s.SaveProgress(ctx, report(id, "t0001", mianyang, "2025-03", "100", "亿元")))
	if q.Ratio != 0.25 {
		t.Errorf("quota ratio %v, want 100/400", q.Ratio)
	}
	first := must(s.SaveProgress(ctx, report(id, "t0002", transport, "2025-03", "2000", "公里")))
	_, err := s.SaveProgress(ctx, report(id, "t0002", transport, "2025-03", "2100", "公里"))
	wantCode(t, err, luoshi.EConflict, "already reported")
	if p := must(s.Progress(ctx, first.ID)); p.Value.String() != "2000" || p.Revision != 1 {
		t.Errorf("second submission changed the first: %+v", p)
	}
	_, err = s.Progress(ctx, 987654)
	wantCode(t, err, luoshi.ENotFound)
}

func testEvidence(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	p := must(s.SaveProgress(ctx, report(id, "t0002", transport, "2025-03", "2000", "公里")))
	_, err := s.AddEvidence(ctx, luoshi.Evidence{ProgressID: p.ID, Name: "x.exe", ContentType: "application/x-msdownload", Data: []byte("MZ")})
	wantCode(t, err, luoshi.EInvalid, "not allowed")
	big := make([]byte, luoshi.DefaultEvidenceLimits().MaxBytes+1)
	_, err = s.AddEvidence(ctx, luoshi.Evidence{ProgressID: p.ID, Name: "big.pdf", ContentType: "application/pdf", Data: big})
	wantCode(t, err, luoshi.EInvalid, "limit")
	e := must(s.AddEvidence(ctx, luoshi.Evidence{ProgressID: p.ID, Name: "清单.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 test"), By: "填报员"}))
	got := must(s.Evidence(ctx, e.ID))
	if string(got.Data) != "%PDF-1.7 test" || got.Size != 13 || len(got.SHA256) != 64 || got.Name != "清单.pdf" {
		t.Errorf("evidence %+v", got)
	}
	_, err = s.AddEvidence(ctx, luoshi.Evidence{ProgressID: 99999, Name: "a.pdf", ContentType: "application/pdf", Data: []byte("x")})
	wantCode(t, err, luoshi.ENotFound)
}

// testStatusAndRollup checks the judgement of a plan and that the store's
// SQL roll-up agrees with monitor.Judge on every plan.
func testStatusAndRollup(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	// A city plan under the province.
	city := fixturePlan("绵阳市报告")
	city.Jurisdiction = "绵阳市"
	cr := must(s.ImportPlan(ctx, city, luoshi.ImportOptions{}))
	cid := cr.Plan.ID
	for _, c := range []string{"c0001", "c0002", "c0003"} {
		noErr(t, s.Assign(ctx, luoshi.Assignment{PlanID: cid, Commitment: c, Lead: mianyang, ConfirmedBy: "绵阳督查室"}))
	}
	ps, _ := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	noErr(t, s.SetPeriods(ctx, cid, ps))
	approve := func(in luoshi.ProgressInput) {
		t.Helper()
		p := must(s.SaveProgress(ctx, in))
		must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "领导"}))
	}
	// Province, as of 10 July 2025 (June due on 5 July, expected 0.5):
	approve(report(id, "t0001", ndrc, "2025-06", "520", "亿元"))        // 0.52 → on track
	approve(report(id, "c0002", transport, "2025-06", "40", "%"))     // 0.40 → behind (0.45 ≤ … < 0.9×0.5)
	approve(report(id, "t0002", transport, "2025-06", "10000", "公里")) // done
	approve(report(id, "t0003", transport, "2025-05", "100", "公里"))   // May only: c0003 not reported
	// City: c0001 done, c0002 severely behind, c0003 not reported at all.
	approve(report(cid, "t0001", mianyang, "2025-06", "1000", "亿元"))
	approve(report(cid, "c0002", mianyang, "2025-06", "10", "%"))
	noErr(t, s.SetWeight(ctx, cid, "c0001", 3))

	asOf := time.Date(2025, 7, 10, 9, 0, 0, 0, cst)
	cfg := monitor.DefaultConfig()
	in := must(s.StatusInput(ctx, id))
	r := monitor.Judge(in, asOf, cfg)
	if r.DuePeriod != "2025-06" || r.Expected < 0.49 || r.Expected > 0.51 {
		t.Fatalf("due %s expected %v", r.DuePeriod, r.Expected)
	}
	got := map[string]luoshi.Status{}
	for _, x := range append(r.Targets, r.Commitments...) {
		got[x.Item] = x.Status
	}
	want := map[string]luoshi.Status{
		"t0001": luoshi.StatusOnTrack, "t0002": luoshi.StatusDone, "t0003": luoshi.StatusNotReported,
		"c0001": luoshi.StatusOnTrack, "c0002": luoshi.StatusBehind, "c0003": luoshi.StatusNotReported,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s (%s), want %s", k, got[k], got[k].Label(), v)
		}
	}
	cin := must(s.StatusInput(ctx, cid))
	cr2 := monitor.Judge(cin, asOf, cfg)

	q := luoshi.RollupQuery{Year: 2025, Region: "510000", DueSeq: r.DueSeq, Expected: r.Expected, Behind: cfg.Behind, Severe: cfg.Severe}
	pcs := must(s.RegionRollup(ctx, q))
	if len(pcs) != 2 {
		t.Fatalf("roll-up %+v", pcs)
	}
	for _, pc := range pcs {
		var want luoshi.PlanCounts
		switch pc.PlanID {
		case id:
			want = monitor.Counted(r, "510000")
		case cid:
			want = monitor.Counted(cr2, mianyang)
		}
		if pc.Counts != want.Counts || pc.Region != want.Region || !near(pc.Weight, want.Weight) || !near(pc.Completion, want.Completion) {
			t.Errorf("plan %d: SQL roll-up %+v, monitor.Judge %+v", pc.PlanID, pc, want)
		}
	}
	if want := (luoshi.Counts{1, 0, 0, 1, 1}); pcs[1].Counts != want {
		t.Errorf("city counts %v, want %v", pcs[1].Counts, want)
	}
	units := must(s.Units(ctx, luoshi.UnitFilter{}))
	regions := monitor.Regions(units, pcs, "510000")
	if len(regions) != 2 || regions[0].Code != "510000" || regions[0].Plans != 2 || regions[0].Counts.Total() != 6 || regions[1].Code != mianyang {
		t.Errorf("regions %+v", regions)
	}
	// Under Chengdu there is no plan.
	if pcs := must(s.RegionRollup(ctx, luoshi.RollupQuery{Year: 2025, Region: chengdu, DueSeq: 6, Expected: 0.5, Behind: 0.9, Severe: 0.7})); len(pcs) != 0 {
		t.Errorf("Chengdu roll-up %+v", pcs)
	}
	// A scoped principal rolls up only the plans of its own regions.
	as := func(p auth.Principal) context.Context { return auth.WithPrincipal(ctx, p) }
	my := must(s.RegionRollup(as(auth.Principal{Account: "绵阳填报员", Role: auth.RoleReporter, Units: []string{mianyang}}), q))
	if len(my) != 1 || my[0].PlanID != cid || my[0].Counts != pcs[1].Counts {
		t.Errorf("绵阳市's reporter rolls up %+v, want only plan %d", my, cid)
	}
	if cd := must(s.RegionRollup(as(auth.Principal{Account: "成都观察员", Role: auth.RoleViewer, Units: []string{chengdu}}), q)); len(cd) != 0 {
		t.Errorf("成都市's viewer rolls up %+v", cd)
	}
	if all := must(s.RegionRollup(as(auth.Principal{Account: "督查室", Role: auth.RoleAdmin}), q)); len(all) != 2 {
		t.Errorf("the administrator rolls up %+v", all)
	}
	// A correction withdraws the approved value until it is approved again.
	l := must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id, Item: "t0002"}))
	must(s.CorrectProgress(ctx, luoshi.Correction{ID: l[0].ID, Value: dec("9000"), Reason: "核减", By: "填报员"}))
	r = monitor.Judge(must(s.StatusInput(ctx, id)), asOf, cfg)
	pcs = must(s.RegionRollup(ctx, q))
	if pcs[0].Counts != monitor.Counted(r, "510000").Counts {
		t.Errorf("after correction: SQL %v, Judge %v", pcs[0].Counts, r.Total.Counts)
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func testAlerts(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	for i, v := range []string{"10", "20", "20", "20"} {
		p := must(s.SaveProgress(ctx, report(id, "c0002", transport, fmt.Sprintf("2025-%02d", i+1), v, "%")))
		must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "领导"}))
	}
	asOf := time.Date(2025, 5, 7, 0, 0, 0, 0, cst)
	cfg := monitor.DefaultConfig()
	in := must(s.StatusInput(ctx, id))
	alerts := monitor.Alerts(in, monitor.Judge(in, asOf, cfg), cfg)
	kinds := map[string]int{}
	for _, a := range alerts {
		kinds[a.Kind]++
		if a.Unit == "" {
			t.Errorf("alert without unit: %+v", a)
		}
	}
	if kinds[luoshi.AlertStale] != 1 || kinds[luoshi.AlertOverdue] != 3 {
		t.Fatalf("alerts %v: %+v", kinds, alerts)
	}
	noErr(t, s.SaveAlerts(ctx, alerts))
	noErr(t, s.SaveAlerts(ctx, alerts)) // a second scan adds nothing
	stored := must(s.Alerts(ctx, luoshi.AlertFilter{PlanID: id}))
	if len(stored) != len(alerts) {
		t.Fatalf("stored %d alerts, found %d", len(stored), len(alerts))
	}
	noErr(t, s.AckAlert(ctx, stored[0].ID, "省交通运输厅", "已督促"))
	wantCode(t, s.AckAlert(ctx, stored[0].ID, "省交通运输厅", ""), luoshi.EConflict)
	wantCode(t, s.AckAlert(ctx, 99999, "x", ""), luoshi.ENotFound)
	noErr(t, s.SaveAlerts(ctx, alerts))
	open := must(s.Alerts(ctx, luoshi.AlertFilter{PlanID: id, Open: true}))
	if len(open) != len(alerts)-1 {
		t.Errorf("open alerts %d, want %d (a rescan must keep the acknowledgement)", len(open), len(alerts)-1)
	}
	mine := must(s.Alerts(ctx, luoshi.AlertFilter{Unit: transport}))
	for _, a := range mine {
		if a.Unit != transport {
			t.Errorf("filter by unit returned %+v", a)
		}
	}
}

// testConcurrent submits from many goroutines at once, good and bad mixed:
// the good ones all land, the bad ones all fail with their own error.
func testConcurrent(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	var wg sync.WaitGroup
	errs := make([]error, 48)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			item, unit, vu := "t0002", transport, "公里"
			period := fmt.Sprintf("2025-%02d", i%12+1)
			switch i % 4 {
			case 1:
				item, vu = "t0003", "公里"
			case 2:
				item, vu = "c0002", "%"
			case 3:
				unit = ndrc // not assigned: must fail
			}
			if i >= 36 && i%4 != 3 {
				period = fmt.Sprintf("2025-%02d", (i-36)%12+1) // repeats of 0..11: conflicts
			}
			_, errs[i] = s.SaveProgress(ctx, report(id, item, unit, period, fmt.Sprint(i), vu))
		}(i)
	}
	wg.Wait()
	ok, forbidden, conflict := 0, 0, 0
	for i, err := range errs {
		switch luoshi.ErrorCode(err) {
		case "":
			ok++
		case luoshi.EForbidden:
			forbidden++
		case luoshi.EConflict:
			conflict++
		default:
			t.Errorf("submission %d: %v", i, err)
		}
	}
	l := must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id}))
	if forbidden != 12 || ok+conflict != 36 || len(l) != ok {
		t.Errorf("ok %d forbidden %d conflict %d stored %d", ok, forbidden, conflict, len(l))
	}
}

// testSchedules stores a milestone schedule and weights and checks that the
// judgement of the plan uses them.
func testSchedules(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	day := func(m time.Month) time.Time { return time.Date(2025, m, 1, 0, 0, 0, 0, cst) }
	bad := []luoshi.Milestone{{Date: day(7), Share: dec("0.6")}, {Date: day(10), Share: dec("0.4")}}
	wantCode(t, s.SetSchedule(ctx, id, "t0001", bad), luoshi.EInvalid, "never fall")
	wantCode(t, s.SetSchedule(ctx, id, "t0001", []luoshi.Milestone{{Date: day(7), Share: dec("1.5")}}), luoshi.EInvalid, "1.5")
	wantCode(t, s.SetSchedule(ctx, id, "t0404", nil), luoshi.ENotFound)
	// Back-loaded: 10 % by July, 50 % by October.
	noErr(t, s.SetSchedule(ctx, id, "t0001", []luoshi.Milestone{{Date: day(7), Share: dec("0.1")}, {Date: day(10), Share: dec("0.5")}}))
	wantCode(t, s.SetWeight(ctx, id, "c0002", -1), luoshi.EInvalid)
	noErr(t, s.SetWeight(ctx, id, "c0002", 2.5))
	p := must(s.SaveProgress(ctx, report(id, "t0001", ndrc, "2025-06", "120", "亿元")))
	must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "领导"}))
	in := must(s.StatusInput(ctx, id))
	if len(in.Schedules["t0001"]) != 2 || in.Schedules["t0001"][1].Share.String() != "0.5" || in.Weights["c0002"] != 2.5 {
		t.Fatalf("schedules %+v weights %+v", in.Schedules, in.Weights)
	}
	r := monitor.Judge(in, time.Date(2025, 7, 10, 0, 0, 0, 0, cst), monitor.DefaultConfig())
	// 12 % done against a schedule that expects 10 % by 1 July: on track,
	// though the linear 序时进度 (50 %) would call it severely behind.
	if st := r.Targets[0]; st.Status != luoshi.StatusOnTrack || st.Expected > 0.11 {
		t.Errorf("scheduled target %+v", st)
	}
	if r.Total.Weight != 4.5 {
		t.Errorf("total weight %v, want 4.5", r.Total.Weight)
	}
}

// testRollupFollowsWrites makes a random sequence of writes and checks after
// each that the store's materialized roll-up equals judging the plan in Go.
func testRollupFollowsWrites(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	cfg := monitor.DefaultConfig()
	asOf := time.Date(2025, 5, 20, 0, 0, 0, 0, cst)
	in := must(s.StatusInput(ctx, id))
	r := monitor.Judge(in, asOf, cfg)
	q := luoshi.RollupQuery{Year: 2025, Region: "510000", DueSeq: r.DueSeq, Expected: r.Expected, Behind: cfg.Behind, Severe: cfg.Severe}
	must(s.RegionRollup(ctx, q)) // judged for this moment from now on
	rng := rand.New(rand.NewPCG(7, 11))
	items := []struct{ item, unit, vunit, max string }{
		{"t0001", ndrc, "亿元", "1100"}, {"c0002", transport, "%", "100"}, {"t0002", transport, "公里", "11000"}, {"t0003", transport, "公里", "550"},
	}
	var ids []int64
	for step := 0; step < 60; step++ {
		switch op := rng.IntN(10); {
		case op < 5: // submit
			it := items[rng.IntN(len(items))]
			v := fmt.Sprint(rng.IntN(mustInt(it.max)))
			p, err := s.SaveProgress(ctx, report(id, it.item, it.unit, fmt.Sprintf("2025-%02d", rng.IntN(6)+1), v, it.vunit))
			if err == nil {
				ids = append(ids, p.ID)
			} else if luoshi.ErrorCode(err) != luoshi.EConflict {
				t.Fatal(err)
			}
		case op < 8 && len(ids) > 0: // review
			_, err := s.ReviewProgress(ctx, luoshi.Review{ID: ids[rng.IntN(len(ids))], Approve: op < 7, Reason: "补充材料", By: "领导"})
			if err != nil && luoshi.ErrorCode(err) != luoshi.EConflict {
				t.Fatal(err)
			}
		case op == 8 && len(ids) > 0: // correct
			_, err := s.CorrectProgress(ctx, luoshi.Correction{ID: ids[rng.IntN(len(ids))], Value: dec(fmt.Sprint(rng.IntN(100))), Reason: "更正", By: "填报员"})
			if err != nil && luoshi.ErrorCode(err) != luoshi.EConflict {
				t.Fatal(err)
			}
		default: // weight
			noErr(t, s.SetWeight(ctx, id, fmt.Sprintf("c%04d", rng.IntN(3)+1), float64(rng.IntN(4))))
		}
		want := monitor.Counted(monitor.Judge(must(s.StatusInput(ctx, id)), asOf, cfg), "510000")
		got := must(s.RegionRollup(ctx, q))
		if len(got) != 1 || got[0].Counts != want.Counts || !near(got[0].Weight, want.Weight) || !near(got[0].Completion, want.Completion) {
			t.Fatalf("step %d: roll-up %+v, Judge %+v", step, got, want)
		}
		if step == 59 {
			t.Logf("after %d reports: %v, weight %g, completion %g", len(ids), got[0].Counts, got[0].Weight, got[0].Completion)
		}
	}
}

func mustInt(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}
