package monitor

import (
	"fmt"
	"math"
	"testing"
	"time"

	"luoshi"
	"luoshi/decimal"
)

var cst = time.FixedZone("CST", 8*3600)

func d(s string) decimal.Decimal { return decimal.MustParse(s) }

func TestCompletion(t *testing.T) {
	tests := []struct {
		value, goal, cmp string
		want             float64
	}{
		{"500", "1000", luoshi.CmpAtLeast, 0.5},
		{"1200", "1000", luoshi.CmpAtLeast, 1.2},
		{"0", "1000", luoshi.CmpEqual, 0},
		{"1.4", "1.4", luoshi.CmpAbout, 1},
		{"2", "3", luoshi.CmpAtMost, 1},    // within the ceiling
		{"4", "3", luoshi.CmpAtMost, 0.75}, // above it
		{"0", "0", luoshi.CmpAtLeast, 1},
		{"-1", "0", luoshi.CmpAtLeast, 0},
		{"1", "3", luoshi.CmpAtLeast, 1.0 / 3},
	}
	for _, tc := range tests {
		got := Completion(d(tc.value), d(tc.goal), tc.cmp)
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Completion(%s, %s, %s) = %v, want %v", tc.value, tc.goal, tc.cmp, got, tc.want)
		}
	}
}

func TestExpected(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, cst)
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, cst)
	day := func(m time.Month, dd int) time.Time { return time.Date(2025, m, dd, 0, 0, 0, 0, cst) }
	back := []luoshi.Milestone{{Date: day(7, 1), Share: d("0.2")}, {Date: day(10, 1), Share: d("0.5")}}
	tests := []struct {
		name string
		at   time.Time
		ms   []luoshi.Milestone
		want float64
	}{
		{"before start", day(1, 1).Add(-time.Hour), nil, 0},
		{"linear mid-year", day(7, 2).Add(12 * time.Hour), nil, 0.5},
		{"linear at end", end, nil, 1},
		{"schedule first leg", day(4, 1), back, 0.2 * float64(day(4, 1).Sub(start)) / float64(day(7, 1).Sub(start))},
		{"schedule at milestone", day(10, 1), back, 0.5},
		{"schedule last leg to 1", day(11, 16).Add(12 * time.Hour), back, 0.5 + 0.5*float64(day(11, 16).Add(12*time.Hour).Sub(day(10, 1)))/float64(end.Sub(day(10, 1)))},
		{"schedule past end", end.Add(24 * time.Hour), back, 1},
	}
	for _, tc := range tests {
		if got := Expected(start, end, tc.at, tc.ms); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Expected = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	c := DefaultConfig()
	tests := []struct {
		ratio, expected float64
		reported        bool
		want            luoshi.Status
	}{
		{1, 0.5, true, luoshi.StatusDone},
		{1.3, 0.5, false, luoshi.StatusDone}, // done needs no further report
		{0.6, 0.5, false, luoshi.StatusNotReported},
		{0.45, 0.5, true, luoshi.StatusOnTrack}, // exactly 90 % of expected
		{0.449, 0.5, true, luoshi.StatusBehind},
		{0.35, 0.5, true, luoshi.StatusBehind}, // exactly 70 %
		{0.349, 0.5, true, luoshi.StatusSeverelyBehind},
		{0, 0, true, luoshi.StatusOnTrack}, // nothing expected yet
		{0, 0.1, true, luoshi.StatusSeverelyBehind},
	}
	for _, tc := range tests {
		if got := Classify(tc.ratio, tc.expected, tc.reported, c); got != tc.want {
			t.Errorf("Classify(%v, %v, %v) = %s, want %s", tc.ratio, tc.expected, tc.reported, got, tc.want)
		}
	}
	if luoshi.StatusSeverelyBehind.Label() != "严重滞后" || luoshi.StatusNotReported.Label() != "未报送" {
		t.Error("labels")
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultConfig()
	bad.Severe = 0.95
	if luoshi.ErrorCode(bad.Validate()) != luoshi.EInvalid {
		t.Error("severe above behind accepted")
	}
}

func TestDuePeriod(t *testing.T) {
	ps, _ := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2025, 2, 5, 23, 59, 0, 0, cst), ""}, // January is due by the end of 5 February
		{time.Date(2025, 2, 6, 0, 0, 0, 0, cst), "2025-01"},
		{time.Date(2025, 7, 10, 0, 0, 0, 0, cst), "2025-06"},
		{time.Date(2026, 3, 1, 0, 0, 0, 0, cst), "2025-12"},
	}
	for _, tc := range tests {
		got := ""
		if i := DuePeriod(ps, tc.at); i >= 0 {
			got = ps[i].Key
		}
		if got != tc.want {
			t.Errorf("DuePeriod(%s) = %q, want %q", tc.at, got, tc.want)
		}
	}
}

// input is a one-commitment, one-target plan reported by one unit.
func input(values ...string) *luoshi.StatusInput {
	ps, _ := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	in := &luoshi.StatusInput{
		Plan: &luoshi.Plan{ID: 1, Year: 2025,
			Commitments: []luoshi.Commitment{{ID: "c0001", Section: "3.1"}, {ID: "c0002", Section: "3.2"}},
			Targets:     []luoshi.Target{{ID: "t0001", Commitment: "c0001", Value: d("1200"), Unit: "亿元", Comparator: luoshi.CmpAtLeast}}},
		Periods:     ps,
		Assignments: []luoshi.Assignment{{Commitment: "c0001", Lead: "D:A"}, {Commitment: "c0002", Lead: "D:B"}},
	}
	for i, v := range values {
		in.Progress = append(in.Progress, luoshi.Progress{Item: "t0001", Unit: "D:A", Period: ps[i].Key, Value: d(v),
			Ratio: Completion(d(v), d("1200"), luoshi.CmpAtLeast), State: luoshi.StateApproved})
	}
	return in
}

func TestJudge(t *testing.T) {
	in := input("100", "200", "300", "400", "500", "580")
	r := Judge(in, time.Date(2025, 7, 10, 0, 0, 0, 0, cst), DefaultConfig())
	if r.DuePeriod != "2025-06" || math.Abs(r.Expected-float64(181)/365) > 1e-9 {
		t.Fatalf("due %s expected %v", r.DuePeriod, r.Expected)
	}
	if s := r.Targets[0]; s.Status != luoshi.StatusOnTrack || s.Period != "2025-06" || s.Unit != "D:A" {
		t.Errorf("target %+v", s)
	}
	if s := r.Commitments[1]; s.Status != luoshi.StatusNotReported || s.Unit != "D:B" {
		t.Errorf("commitment without report %+v", s)
	}
	if r.Total.Counts != (luoshi.Counts{0, 1, 0, 0, 1}) || len(r.BySection) != 3 || r.BySection[0].Key != "3" || r.BySection[0].Counts.Total() != 2 {
		t.Errorf("roll-ups %+v %+v", r.Total, r.BySection)
	}
	// A submitted but unapproved report is reported, yet does not count.
	in.Progress = append(in.Progress, luoshi.Progress{Item: "c0002", Unit: "D:B", Period: "2025-06", Value: d("90"), Ratio: 0.9, State: luoshi.StateSubmitted})
	r = Judge(in, time.Date(2025, 7, 10, 0, 0, 0, 0, cst), DefaultConfig())
	if s := r.Commitments[1]; s.Status != luoshi.StatusSeverelyBehind || s.Ratio != 0 {
		t.Errorf("unapproved report counted: %+v", s)
	}
	// Weights.
	in.Weights = map[string]float64{"c0001": 3}
	r = Judge(in, time.Date(2025, 7, 10, 0, 0, 0, 0, cst), DefaultConfig())
	want := (3 * 580.0 / 1200) / 4
	if math.Abs(r.Total.Completion-want) > 1e-9 {
		t.Errorf("weighted completion %v, want %v", r.Total.Completion, want)
	}
}

func TestAlerts(t *testing.T) {
	cfg := DefaultConfig()
	tests := []struct {
		name   string
		values []string
		asOf   time.Time
		want   []string // kind@period
	}{
		{"steady", []string{"100", "200", "300", "400", "500", "600"}, time.Date(2025, 7, 1, 0, 0, 0, 0, cst),
			[]string{"deadline_near@2025-06", "overdue@2025-05"}},
		{"falling", []string{"100", "200", "150"}, time.Date(2025, 4, 2, 0, 0, 0, 0, cst),
			[]string{"behind@2025-02", "deadline_near@2025-03", "implausible@2025-03", "overdue@2025-02"}},
		{"jump", []string{"100", "200", "300", "400", "1000"}, time.Date(2025, 6, 2, 0, 0, 0, 0, cst),
			[]string{"deadline_near@2025-05", "implausible@2025-05", "overdue@2025-04"}},
		{"stale", []string{"100", "300", "300", "300"}, time.Date(2025, 5, 10, 0, 0, 0, 0, cst),
			[]string{"behind@2025-04", "overdue@2025-04", "stale@2025-04"}},
		{"behind", []string{"10", "20", "30", "40", "50", "60"}, time.Date(2025, 7, 10, 0, 0, 0, 0, cst),
			[]string{"behind@2025-06", "overdue@2025-06"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := input(tc.values...)
			as := Alerts(in, Judge(in, tc.asOf, cfg), cfg)
			var got []string
			for _, a := range as {
				got = append(got, a.Kind+"@"+a.Period)
				if a.Unit == "" || a.Message == "" {
					t.Errorf("alert without unit or message: %+v", a)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("alerts %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRegions(t *testing.T) {
	units := []luoshi.Unit{
		{Code: "510000", Name: "四川省", Kind: luoshi.UnitProvince},
		{Code: "510100", Name: "成都市", Kind: luoshi.UnitCity, Parent: "510000"},
		{Code: "510104", Name: "锦江区", Kind: luoshi.UnitCounty, Parent: "510100"},
		{Code: "510700", Name: "绵阳市", Kind: luoshi.UnitCity, Parent: "510000"},
	}
	plans := []luoshi.PlanCounts{
		{PlanID: 1, Region: "510000", Counts: luoshi.Counts{1, 1, 0, 0, 0}, Weight: 2, Completion: 1.5},
		{PlanID: 2, Region: "510104", Counts: luoshi.Counts{0, 0, 2, 0, 0}, Weight: 2, Completion: 0.5},
	}
	rs := Regions(units, plans, "510000")
	if len(rs) != 3 || rs[0].Code != "510000" || rs[0].Plans != 2 || rs[0].Counts != (luoshi.Counts{1, 1, 2, 0, 0}) || rs[0].Completion != 0.5 {
		t.Fatalf("province %+v", rs)
	}
	if rs[1].Code != "510100" || rs[1].Plans != 1 || rs[1].Completion != 0.25 || rs[2].Code != "510104" {
		t.Errorf("below %+v", rs[1:])
	}
	if rs := Regions(units, plans, "510100"); len(rs) != 2 || rs[0].Code != "510100" {
		t.Errorf("city root %+v", rs)
	}
}
