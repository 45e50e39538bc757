package remind

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"luoshi"
)

var shanghai = time.FixedZone("CST", 8*3600)

// at returns a time of 2025 in Shanghai.
func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2025, month, day, hour, min, 0, 0, shanghai)
}

// testPlan has three commitments without targets.
func testPlan() *luoshi.Plan {
	return &luoshi.Plan{ID: 7, Title: "2025年四川省政府工作报告",
		Commitments: []luoshi.Commitment{{ID: "C1"}, {ID: "C2"}, {ID: "C3"}}}
}

// fixture: March is due on 5 April (reports accepted until the end of that
// day); 绵阳市 leads C1 and C2, 省交通运输厅 leads C3 with 绵阳市 as co-unit.
func fixture(t *testing.T) Input {
	t.Helper()
	ps, err := luoshi.Calendar(2025, luoshi.Monthly, 5, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	closed := at(3, 10, 0, 0)
	feb := ps[1]
	feb.ClosedAt = &closed
	return Input{
		PlanID:    7,
		PlanTitle: "2025年四川省政府工作报告",
		Periods:   []luoshi.Period{feb, ps[2]},
		Units: []luoshi.Unit{
			{Code: "510700", Name: "绵阳市", Kind: luoshi.UnitCity},
			{Code: "D:省交通运输厅", Name: "省交通运输厅", Kind: luoshi.UnitDepartment},
		},
		Duties: Duties(testPlan(), []luoshi.Assignment{
			{PlanID: 7, Commitment: "C1", Lead: "510700"},
			{PlanID: 7, Commitment: "C2", Lead: "510700"},
			{PlanID: 7, Commitment: "C3", Lead: "D:省交通运输厅", Co: []string{"510700"}},
		}, nil),
	}
}

func report(unit, item, state string) luoshi.Progress {
	return luoshi.Progress{PlanID: 7, Unit: unit, Item: item, Period: "2025-03", State: state}
}

func summary(rs []Reminder) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s %s %s %s %d %s", r.Unit, r.Period, r.Kind, r.Level, r.DaysOverdue, strings.Join(r.Missing, ",")))
	}
	return strings.Join(s, "; ")
}

func TestDue(t *testing.T) {
	const (
		city = "510700"
		dept = "D:省交通运输厅"
	)
	cases := []struct {
		name    string
		now     time.Time
		cfg     func(*Config)
		reports []luoshi.Progress
		sent    []string
		edit    func(*Input)
		want    string
	}{
		{name: "long before", now: at(4, 2, 23, 59), want: ""},
		{name: "due soon starts", now: at(4, 3, 0, 0),
			want: "510700 2025-03 due_soon reporter 0 C1,C2; D:省交通运输厅 2025-03 due_soon reporter 0 C3"},
		{name: "due soon on the due day", now: at(4, 5, 23, 59),
			want: "510700 2025-03 due_soon reporter 0 C1,C2; D:省交通运输厅 2025-03 due_soon reporter 0 C3"},
		{name: "overdue the day after", now: at(4, 6, 0, 0),
			want: "510700 2025-03 overdue reporter 1 C1,C2; D:省交通运输厅 2025-03 overdue reporter 1 C3"},
		{name: "still overdue", now: at(4, 8, 23, 59),
			want: "510700 2025-03 overdue reporter 3 C1,C2; D:省交通运输厅 2025-03 overdue reporter 3 C3"},
		{name: "escalated to the leader", now: at(4, 9, 0, 0),
			want: "510700 2025-03 escalated_leader leader 4 C1,C2; D:省交通运输厅 2025-03 escalated_leader leader 4 C3"},
		{name: "escalated to the office", now: at(4, 13, 8, 0),
			want: "510700 2025-03 escalated_office office 8 C1,C2; D:省交通运输厅 2025-03 escalated_office office 8 C3"},
		{name: "nothing for submitted and approved", now: at(4, 6, 0, 0),
			reports: []luoshi.Progress{report(city, "C1", luoshi.StateSubmitted), report(city, "C2", luoshi.StateApproved)},
			want:    "D:省交通运输厅 2025-03 overdue reporter 1 C3"},
		{name: "draft and returned still missing", now: at(4, 6, 0, 0),
			reports: []luoshi.Progress{report(city, "C1", luoshi.StateDraft), report(city, "C2", luoshi.StateReturned), report(dept, "C3", luoshi.StateSubmitted)},
			want:    "510700 2025-03 overdue reporter 1 C1,C2"},
		{name: "another period's report does not count", now: at(4, 6, 0, 0),
			reports: []luoshi.Progress{{PlanID: 7, Unit: dept, Item: "C3", Period: "2025-02", State: luoshi.StateApproved}},
			want:    "510700 2025-03 overdue reporter 1 C1,C2; D:省交通运输厅 2025-03 overdue reporter 1 C3"},
		{name: "nothing twice", now: at(4, 6, 0, 0),
			sent: []string{"7/510700/2025-03/overdue"},
			want: "D:省交通运输厅 2025-03 overdue reporter 1 C3"},
		{name: "a skipped stage is not sent late", now: at(4, 9, 0, 0),
			sent: []string{"7/510700/2025-03/due_soon"},
			want: "510700 2025-03 escalated_leader leader 4 C1,C2; D:省交通运输厅 2025-03 escalated_leader leader 4 C3"},
		{name: "targets and quotas", now: at(4, 6, 0, 0),
			edit: func(in *Input) {
				p := testPlan()
				p.Commitments[2].Targets = []int{0}
				p.Targets = []luoshi.Target{{ID: "T1", Commitment: "C3"}}
				in.Duties = Duties(p, []luoshi.Assignment{{Commitment: "C3", Lead: dept, Co: []string{city}}},
					map[string][]luoshi.Quota{"T1": {{Unit: city}}})
			},
			want: "510700 2025-03 overdue reporter 1 T1; D:省交通运输厅 2025-03 overdue reporter 1 T1"},
		{name: "assigned after the deadline", now: at(4, 20, 0, 0),
			edit: func(in *Input) {
				in.Duties = Duties(testPlan(), []luoshi.Assignment{{Commitment: "C3", Lead: dept, ConfirmedAt: at(4, 10, 0, 0)}}, nil)
			},
			want: ""},
		{name: "assigned before the deadline", now: at(4, 20, 0, 0),
			edit: func(in *Input) {
				in.Duties = Duties(testPlan(), []luoshi.Assignment{{Commitment: "C3", Lead: dept, ConfirmedAt: at(4, 1, 0, 0)}}, nil)
			},
			want: "D:省交通运输厅 2025-03 escalated_office office 15 C3"},
		{name: "closed period", now: at(4, 6, 0, 0),
			edit: func(in *Input) {
				c := at(4, 5, 0, 0)
				in.Periods[1].ClosedAt = &c
			},
			want: ""},
		{name: "no due-soon reminders", now: at(4, 5, 12, 0), cfg: func(c *Config) { c.DueSoonDays = 0 }, want: ""},
		{name: "no leader escalation", now: at(4, 10, 0, 0), cfg: func(c *Config) { c.LeaderAfterDays = 0 },
			want: "510700 2025-03 overdue reporter 5 C1,C2; D:省交通运输厅 2025-03 overdue reporter 5 C3"},
		{name: "no office escalation", now: at(5, 30, 0, 0), cfg: func(c *Config) { c.OfficeAfterDays = 0 },
			want: "510700 2025-03 escalated_leader leader 55 C1,C2; D:省交通运输厅 2025-03 escalated_leader leader 55 C3"},
		{name: "due day stored as a UTC date", now: at(4, 5, 23, 59),
			edit: func(in *Input) { in.Periods[1].Due = time.Date(2025, 4, 5, 0, 0, 0, 0, time.UTC) },
			want: "510700 2025-03 due_soon reporter 0 C1,C2; D:省交通运输厅 2025-03 due_soon reporter 0 C3"},
		{name: "due day counted in the configured zone", now: at(4, 6, 7, 59), cfg: func(c *Config) { c.Location = time.UTC },
			edit: func(in *Input) { in.Periods[1].Due = time.Date(2025, 4, 5, 0, 0, 0, 0, time.UTC) },
			want: "510700 2025-03 due_soon reporter 0 C1,C2; D:省交通运输厅 2025-03 due_soon reporter 0 C3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := fixture(t)
			in.Now = c.now
			in.Reports = c.reports
			in.Sent = map[string]bool{}
			for _, k := range c.sent {
				in.Sent[k] = true
			}
			if c.edit != nil {
				c.edit(&in)
			}
			cfg := DefaultConfig()
			cfg.Location = shanghai
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			rs, err := Due(in, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(rs); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			for _, r := range rs {
				if r.Key != Key(7, r.Unit, r.Period, r.Kind) || !r.At.Equal(c.now) {
					t.Errorf("reminder %+v: bad key or time", r)
				}
			}
		})
	}
}

func TestDueIsIdempotent(t *testing.T) {
	in := fixture(t)
	cfg := DefaultConfig()
	cfg.Location = shanghai
	in.Sent = map[string]bool{}
	var log []string
	// Scan every six hours from 1 April to 20 April, twice each time,
	// recording what is sent as a store would.
	for now := at(4, 1, 0, 0); now.Before(at(4, 20, 0, 0)); now = now.Add(6 * time.Hour) {
		in.Now = now
		for range 2 {
			rs, err := Due(in, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if in.Sent[r.Key] {
					t.Fatalf("%s sent twice", r.Key)
				}
				in.Sent[r.Key] = true
				log = append(log, r.Unit+" "+r.Kind+" "+now.Format("01-02 15"))
			}
		}
	}
	want := []string{
		"510700 due_soon 04-03 00", "D:省交通运输厅 due_soon 04-03 00",
		"510700 overdue 04-06 00", "D:省交通运输厅 overdue 04-06 00",
		"510700 escalated_leader 04-09 00", "D:省交通运输厅 escalated_leader 04-09 00",
		"510700 escalated_office 04-13 00", "D:省交通运输厅 escalated_office 04-13 00",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

func TestMessages(t *testing.T) {
	in := fixture(t)
	in.Duties = nil
	for i := 1; i <= 7; i++ {
		in.Duties = append(in.Duties, Duty{Unit: "510700", Item: fmt.Sprintf("C%d", i)})
	}
	in.Duties = append(in.Duties, Duty{Unit: "999999", Item: "C1"})
	cfg := DefaultConfig()
	cfg.Location = shanghai
	cfg.Office = "省政府督查室"
	checks := []struct {
		now  time.Time
		unit string
		has  []string
	}{
		{at(4, 4, 9, 0), "510700", []string{"【催办提醒】绵阳市 2025-03期", "绵阳市：《2025年四川省政府工作报告》2025-03 期进展填报将于 2025年4月5日 截止", "剩余不足 2 天", "尚有 7 项未报送（C1、C2、C3、C4、C5 等 7 项）"}},
		{at(4, 7, 9, 0), "510700", []string{"【逾期提醒】", "已逾期 2 天", "请尽快填报"}},
		{at(4, 10, 9, 0), "510700", []string{"【催办升级】绵阳市 2025-03期进展填报逾期 5 天", "绵阳市负责同志：本单位", "请督促尽快报送"}},
		{at(4, 14, 9, 0), "510700", []string{"【督办】", "省政府督查室：绵阳市《2025年四川省政府工作报告》2025-03 期", "逾期 9 天", "请跟进督办"}},
		{at(4, 7, 9, 0), "999999", []string{"999999：", "尚有 1 项未报送（C1）"}},
	}
	for _, c := range checks {
		in.Now = c.now
		rs, err := Due(in, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var r *Reminder
		for i := range rs {
			if rs[i].Unit == c.unit {
				r = &rs[i]
			}
		}
		if r == nil {
			t.Fatalf("%v: no reminder for %s", c.now, c.unit)
		}
		text := r.Subject + "\n" + r.Message
		for _, h := range c.has {
			if !strings.Contains(text, h) {
				t.Errorf("%v: %q lacks %q", c.now, text, h)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{
		{DueSoonDays: -1},
		{LeaderAfterDays: -2},
		{LeaderAfterDays: 5, OfficeAfterDays: 5},
		{LeaderAfterDays: 5, OfficeAfterDays: 3},
	}
	for _, c := range bad {
		if err := c.Validate(); luoshi.ErrorCode(err) != luoshi.EInvalid {
			t.Errorf("%+v: %v, want invalid", c, err)
		}
		if _, err := Due(Input{}, c); err == nil {
			t.Errorf("Due accepted %+v", c)
		}
	}
	for _, c := range []Config{DefaultConfig(), {}, {OfficeAfterDays: 2}, {LeaderAfterDays: 2}} {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestFromStatus(t *testing.T) {
	ps, _ := luoshi.Calendar(2025, luoshi.Monthly, 5, shanghai)
	st := &luoshi.StatusInput{
		Plan:        testPlan(),
		Periods:     ps,
		Assignments: []luoshi.Assignment{{Commitment: "C2", Lead: "510700"}},
		Progress:    []luoshi.Progress{report("510700", "C2", luoshi.StateSubmitted)},
	}
	now := at(4, 6, 0, 0)
	in := FromStatus(st, now)
	if in.PlanID != 7 || len(in.Periods) != 12 || len(in.Duties) != 1 || in.Duties[0].Item != "C2" || len(in.Reports) != 1 || !in.Now.Equal(now) {
		t.Errorf("input = %+v", in)
	}
	cfg := DefaultConfig()
	cfg.Location = shanghai
	rs, err := Due(in, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// March is reported; January and February are escalated to the office.
	if got := summary(rs); got != "510700 2025-01 escalated_office office 60 C2; 510700 2025-02 escalated_office office 32 C2" {
		t.Errorf("reminders = %s", got)
	}
	if in := FromStatus(nil, now); in.Now != now || len(in.Duties) != 0 {
		t.Errorf("nil input = %+v", in)
	}
}
