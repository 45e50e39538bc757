// Package storetest is the test suite every luoshi.Store passes: package
// sqlite runs it on real SQLite files, package postgres on a real
// PostgreSQL server, each test on a fresh database.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/decimal"
)

// Opener returns a fresh, empty store for one test; it registers its own
// cleanup.
type Opener func(t *testing.T) luoshi.Store

var cst = time.FixedZone("CST", 8*3600)

// Units of the fixture: a province, two cities, a county, two departments.
func fixtureUnits() []luoshi.Unit {
	return []luoshi.Unit{
		{Code: "510000", Name: "四川省", Kind: luoshi.UnitProvince},
		{Code: "510100", Name: "成都市", Kind: luoshi.UnitCity, Parent: "510000"},
		{Code: "510700", Name: "绵阳市", Kind: luoshi.UnitCity, Parent: "510000"},
		{Code: "510104", Name: "锦江区", Kind: luoshi.UnitCounty, Parent: "510100"},
		{Code: luoshi.DepartmentCode("省交通运输厅"), Name: "省交通运输厅", Kind: luoshi.UnitDepartment, Parent: "510000"},
		{Code: luoshi.DepartmentCode("省发展改革委"), Name: "省发展改革委", Kind: luoshi.UnitDepartment, Parent: "510000"},
	}
}

const (
	transport = "D:省交通运输厅"
	ndrc      = "D:省发展改革委"
	chengdu   = "510100"
	mianyang  = "510700"
)

// fixturePlan is a small plan: three commitments, three targets.
func fixturePlan(source string) *luoshi.Plan {
	return &luoshi.Plan{
		Jurisdiction: "四川省", Year: 2025, Title: "2025年四川省政府工作报告", Source: source,
		Sections: []luoshi.Section{
			{ID: "3", Level: 1, Number: "三", Title: "2025年重点工作", Kind: luoshi.KindPlan},
			{ID: "3.1", Level: 2, Number: "（一）", Title: "扩大有效投资", Kind: luoshi.KindPlan},
			{ID: "3.2", Level: 2, Number: "（二）", Title: "建设交通强省", Kind: luoshi.KindPlan},
		},
		Commitments: []luoshi.Commitment{
			{ID: "c0001", Section: "3.1", Text: "完成重点项目投资1000亿元以上。", Targets: []int{0},
				SuggestedUnits: []luoshi.Suggestion{{Unit: "省发展改革委", Score: 0.9, Matched: []string{"投资"}}}},
			{ID: "c0002", Section: "3.2", Text: "推进成渝中线高铁建设。", Targets: []int{}},
			{ID: "c0003", Section: "3.2", Text: "新改建农村公路1万公里，新增高速公路通车里程500公里。", Targets: []int{1, 2}},
		},
		Targets: []luoshi.Target{
			{ID: "t0001", Commitment: "c0001", Value: decimal.Int(1000), Unit: "亿元", Comparator: luoshi.CmpAtLeast, Object: "重点项目投资", Text: "1000亿元以上"},
			{ID: "t0002", Commitment: "c0003", Value: decimal.Int(10000), Unit: "公里", Comparator: luoshi.CmpEqual, Object: "新改建农村公路", Text: "1万公里"},
			{ID: "t0003", Commitment: "c0003", Value: decimal.Int(500), Unit: "公里", Comparator: luoshi.CmpEqual, Object: "新增高速公路通车里程", Text: "500公里"},
		},
	}
}

// setup stores the fixture: units, the plan, assignments, a monthly
// calendar for 2025.
func setup(t *testing.T, s luoshi.Store) int64 {
	t.Helper()
	ctx := context.Background()
	if err := s.PutUnits(ctx, fixtureUnits()); err != nil {
		t.Fatalf("PutUnits: %v", err)
	}
	res, err := s.ImportPlan(ctx, fixturePlan("报告全文"), luoshi.ImportOptions{By: "督查室"})
	if err != nil {
		t.Fatalf("ImportPlan: %v", err)
	}
	id := res.Plan.ID
	for _, a := range []luoshi.Assignment{
		{PlanID: id, Commitment: "c0001", Lead: ndrc, Co: []string{chengdu, mianyang}, ConfirmedBy: "督查室"},
		{PlanID: id, Commitment: "c0002", Lead: transport, ConfirmedBy: "督查室"},
		{PlanID: id, Commitment: "c0003", Lead: transport, ConfirmedBy: "督查室"},
	} {
		if err := s.Assign(ctx, a); err != nil {
			t.Fatalf("Assign %s: %v", a.Commitment, err)
		}
	}
	ps, err := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPeriods(ctx, id, ps); err != nil {
		t.Fatalf("SetPeriods: %v", err)
	}
	return id
}

// wantCode fails the test unless err carries the given luoshi error code.
func wantCode(t *testing.T, err error, code string, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := luoshi.ErrorCode(err); got != code {
		t.Fatalf("error code %q, want %q (error: %v)", got, code, err)
	}
	var le *luoshi.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a *luoshi.Error", err)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not mention %q", err, c)
		}
	}
}

// must returns v, or panics (failing the test binary loudly) on an error
// that the test did not expect.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

func report(id int64, item, unit, period, value, vunit string) luoshi.ProgressInput {
	return luoshi.ProgressInput{PlanID: id, Item: item, Unit: unit, Period: period, Value: dec(value), ValueUnit: vunit, Narrative: "进展", Submit: true, By: "填报员"}
}
