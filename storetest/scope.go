package storetest

import (
	"context"
	"strings"
	"testing"

	"luoshi"
	"luoshi/auth"
)

const deyang = "510600"

// wantForbidden fails unless err is the store's own refusal (EForbidden
// naming the missing permission), not some other check's.
func wantForbidden(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, luoshi.EForbidden)
	if !strings.Contains(err.Error(), "没有权限") && !strings.Contains(err.Error(), "不能审核自己") && !strings.Contains(err.Error(), "请先登录") {
		t.Fatalf("forbidden for another reason: %v", err)
	}
}

// testScope walks every forbidden path through views bound to principals:
// the reporter of 绵阳市 neither reads nor writes 德阳市's progress, alerts,
// quotas or assignments; a viewer writes nothing; a leader approves only
// its own unit's reports; a reporter cannot approve its own returned
// report; only the administrator changes the plan.
func testScope(t *testing.T, st luoshi.Store) {
	s := audited(t, st)
	ctx := context.Background()
	id := setup(t, s)
	noErr(t, s.PutUnits(ctx, []luoshi.Unit{{Code: deyang, Name: "德阳市", Kind: luoshi.UnitCity, Parent: "510000"}}))
	noErr(t, s.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "c0001", Lead: ndrc, Co: []string{chengdu, mianyang, deyang}, ConfirmedBy: "督查室"}))
	noErr(t, s.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "c0002", Lead: transport, Co: []string{deyang}, ConfirmedBy: "督查室"}))
	dy := must(s.SaveProgress(ctx, report(id, "t0001", deyang, "2025-03", "50", "亿元")))
	must(s.ReviewProgress(ctx, luoshi.Review{ID: dy.ID, Approve: true, By: "德阳领导"}))
	noErr(t, s.SaveAlerts(ctx, []luoshi.Alert{
		{PlanID: id, Kind: luoshi.AlertBehind, Item: "t0001", Unit: deyang, Period: "2025-03", Message: "德阳滞后", CreatedAt: dy.CreatedAt},
		{PlanID: id, Kind: luoshi.AlertOverdue, Item: "t0001", Unit: mianyang, Period: "2025-03", Message: "绵阳逾期", CreatedAt: dy.CreatedAt},
	}))
	var dyAlert, myAlert int64
	for _, a := range must(s.Alerts(ctx, luoshi.AlertFilter{PlanID: id})) {
		switch a.Unit {
		case deyang:
			dyAlert = a.ID
		case mianyang:
			myAlert = a.ID
		}
	}
	noErr(t, s.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("500")}, {Unit: mianyang, Value: dec("300")}, {Unit: deyang, Value: dec("200")}}, "督查室"))

	reporter := s.For(auth.Principal{Account: "绵阳填报员", Role: auth.RoleReporter, Units: []string{mianyang}})
	leader := s.For(auth.Principal{Account: "绵阳领导", Role: auth.RoleLeader, Units: []string{mianyang}})
	dyLeader := s.For(auth.Principal{Account: "德阳领导", Role: auth.RoleLeader, Units: []string{deyang}})
	viewer := s.For(auth.Principal{Account: "观察员", Role: auth.RoleViewer})
	myViewer := s.For(auth.Principal{Account: "绵阳观察员", Role: auth.RoleViewer, Units: []string{mianyang}})
	nobody := s.For(auth.Principal{})
	admin := s.For(auth.Principal{Account: "督查室", Role: auth.RoleAdmin})

	t.Run("reporter reads only its unit", func(t *testing.T) {
		my := must(reporter.SaveProgress(ctx, report(id, "t0001", mianyang, "2025-03", "80", "亿元")))
		for _, f := range []luoshi.ProgressFilter{{PlanID: id}, {PlanID: id, Unit: deyang}, {}} {
			for _, p := range must(reporter.ListProgress(ctx, f)) {
				if p.Unit != mianyang {
					t.Errorf("ListProgress(%+v) shows %s's report %d", f, p.Unit, p.ID)
				}
			}
		}
		if l := must(reporter.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})); len(l) != 1 || l[0].ID != my.ID {
			t.Errorf("own reports %+v", l)
		}
		_, err := reporter.Progress(ctx, dy.ID)
		wantCode(t, err, luoshi.ENotFound)
		_, err = reporter.ProgressHistory(ctx, dy.ID)
		wantCode(t, err, luoshi.ENotFound)
		for _, a := range must(reporter.Alerts(ctx, luoshi.AlertFilter{PlanID: id})) {
			if a.Unit != mianyang {
				t.Errorf("alert of %s visible", a.Unit)
			}
		}
		if q := must(reporter.Quotas(ctx, id, "t0001")); len(q) != 1 || q[0].Unit != mianyang {
			t.Errorf("quotas %+v", q)
		}
		as := must(reporter.Assignments(ctx, id))
		if len(as) != 1 || as[0].Commitment != "c0001" {
			t.Errorf("assignments %+v", as)
		}
		// A context carrying the principal scopes the store itself.
		pctx := auth.WithPrincipal(ctx, auth.Principal{Account: "绵阳填报员", Role: auth.RoleReporter, Units: []string{mianyang}})
		if l := must(s.ListProgress(pctx, luoshi.ProgressFilter{PlanID: id})); len(l) != 1 || l[0].Unit != mianyang {
			t.Errorf("ListProgress with the principal in the context: %+v", l)
		}
		_, err = s.SaveProgress(pctx, report(id, "t0001", deyang, "2025-05", "60", "亿元"))
		wantForbidden(t, err)
		if got := must(s.Progress(ctx, my.ID)); got.UpdatedBy != "填报员" {
			t.Logf("stored by %s", got.UpdatedBy)
		}
	})
	t.Run("reporter writes only its unit", func(t *testing.T) {
		before := len(must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})))
		_, err := reporter.SaveProgress(ctx, report(id, "t0001", deyang, "2025-04", "60", "亿元"))
		wantForbidden(t, err)
		_, err = reporter.SaveProgress(ctx, report(id, "c0002", deyang, "2025-03", "10", "%"))
		wantForbidden(t, err)
		_, err = reporter.CorrectProgress(ctx, luoshi.Correction{ID: dy.ID, Value: dec("1"), Reason: "改", By: "绵阳填报员"})
		wantCode(t, err, luoshi.ENotFound)
		_, err = reporter.AddEvidence(ctx, luoshi.Evidence{ProgressID: dy.ID, Name: "a.pdf", ContentType: "application/pdf", Data: []byte("%PDF"), By: "绵阳填报员"})
		wantCode(t, err, luoshi.ENotFound)
		wantCode(t, reporter.AckAlert(ctx, dyAlert, "绵阳填报员", "看过"), luoshi.ENotFound)
		if after := len(must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id}))); after != before {
			t.Errorf("a forbidden write stored a report: %d → %d", before, after)
		}
		if p := must(s.Progress(ctx, dy.ID)); p.Value.String() != "50" || p.State != luoshi.StateApproved {
			t.Errorf("德阳's report changed: %+v", p)
		}
		noErr(t, reporter.AckAlert(ctx, myAlert, "绵阳填报员", "正在整改"))
	})
	t.Run("only the administrator changes the plan", func(t *testing.T) {
		for name, v := range map[string]luoshi.Store{"reporter": reporter, "leader": leader, "viewer": viewer, "nobody": nobody} {
			_, err := v.ImportPlan(ctx, fixturePlan("另一稿"), luoshi.ImportOptions{By: name})
			wantForbidden(t, err)
			wantForbidden(t, v.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: "c0002", Lead: mianyang, ConfirmedBy: name}))
			wantForbidden(t, v.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: mianyang, Value: dec("1000")}}, name))
			wantForbidden(t, v.SetWeight(ctx, id, "t0001", 9))
			wantForbidden(t, v.SetSchedule(ctx, id, "t0001", nil))
			wantForbidden(t, v.ClosePeriod(ctx, id, "2025-03", name))
			wantForbidden(t, v.PutUnits(ctx, []luoshi.Unit{{Code: deyang, Name: "德阳", Kind: luoshi.UnitCity, Parent: "510000"}}))
			wantForbidden(t, v.BulkProgress(ctx, []luoshi.Progress{{PlanID: id, Item: "t0001", Unit: mianyang, Period: "2025-05", Value: dec("1"), ValueUnit: "亿元"}}))
		}
		if u := must(s.Unit(ctx, deyang)); u.Name != "德阳市" {
			t.Errorf("unit renamed by a forbidden write: %+v", u)
		}
		noErr(t, admin.SetWeight(ctx, id, "t0001", 3))
	})
	t.Run("viewer cannot write", func(t *testing.T) {
		if l := must(viewer.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})); len(l) < 2 {
			t.Errorf("a viewer of every unit sees %d reports", len(l))
		}
		for _, p := range must(myViewer.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})) {
			if p.Unit != mianyang {
				t.Errorf("a viewer of 绵阳市 sees %s's report", p.Unit)
			}
		}
		for _, v := range []luoshi.Store{viewer, myViewer} {
			_, err := v.SaveProgress(ctx, report(id, "t0001", mianyang, "2025-04", "90", "亿元"))
			wantForbidden(t, err)
			_, err = v.ReviewProgress(ctx, luoshi.Review{ID: dy.ID, Approve: true, By: "观察员"})
			if luoshi.ErrorCode(err) != luoshi.ENotFound {
				wantForbidden(t, err)
			}
			wantForbidden(t, v.AckAlert(ctx, myAlert, "观察员", "x"))
		}
		if l := must(nobody.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})); len(l) != 0 {
			t.Errorf("an anonymous view sees %d reports", len(l))
		}
	})
	t.Run("status input holds only the principal's units", func(t *testing.T) {
		full := must(s.StatusInput(ctx, id))
		units := func(in *luoshi.StatusInput) (reports, quotas map[string]bool) {
			reports, quotas = map[string]bool{}, map[string]bool{}
			for _, p := range in.Progress {
				reports[p.Unit] = true
			}
			for _, qs := range in.Quotas {
				for _, q := range qs {
					quotas[q.Unit] = true
				}
			}
			return reports, quotas
		}
		if r, q := units(full); !r[deyang] || !r[mianyang] || !q[deyang] || !q[mianyang] || !q[chengdu] {
			t.Fatalf("the unscoped store's input lacks a unit: reports %v, quotas %v", r, q)
		}
		pctx := auth.WithPrincipal(ctx, auth.Principal{Account: "绵阳填报员", Role: auth.RoleReporter, Units: []string{mianyang}})
		limited := map[string]func() (*luoshi.StatusInput, error){
			"reporter":             func() (*luoshi.StatusInput, error) { return reporter.StatusInput(ctx, id) },
			"leader":               func() (*luoshi.StatusInput, error) { return leader.StatusInput(ctx, id) },
			"viewer of 绵阳市":        func() (*luoshi.StatusInput, error) { return myViewer.StatusInput(ctx, id) },
			"principal in context": func() (*luoshi.StatusInput, error) { return s.StatusInput(pctx, id) },
		}
		for name, read := range limited {
			in := must(read())
			r, q := units(in)
			for u := range r {
				if u != mianyang {
					t.Errorf("%s: StatusInput holds a report of %s", name, u)
				}
			}
			for u := range q {
				if u != mianyang {
					t.Errorf("%s: StatusInput holds the quota of %s", name, u)
				}
			}
			if !r[mianyang] || !q[mianyang] {
				t.Errorf("%s: StatusInput lacks 绵阳市's own reports or quota: reports %v, quotas %v", name, r, q)
			}
			// What judging its own items needs is whole.
			if len(in.Plan.Commitments) != len(full.Plan.Commitments) || len(in.Plan.Targets) != len(full.Plan.Targets) ||
				len(in.Periods) != len(full.Periods) || len(in.Assignments) != len(full.Assignments) || in.Region != full.Region {
				t.Errorf("%s: StatusInput lost plan data: %d/%d commitments, %d/%d targets, %d/%d periods, %d/%d assignments, region %q",
					name, len(in.Plan.Commitments), len(full.Plan.Commitments), len(in.Plan.Targets), len(full.Plan.Targets),
					len(in.Periods), len(full.Periods), len(in.Assignments), len(full.Assignments), in.Region)
			}
		}
		for name, v := range map[string]luoshi.Store{"administrator": admin, "viewer of every unit": viewer} {
			in := must(v.StatusInput(ctx, id))
			if len(in.Progress) != len(full.Progress) {
				t.Errorf("%s: %d reports, want all %d", name, len(in.Progress), len(full.Progress))
			}
			if r, q := units(in); !r[deyang] || !q[deyang] || !q[chengdu] {
				t.Errorf("%s: StatusInput lacks another unit: reports %v, quotas %v", name, r, q)
			}
		}
		in := must(nobody.StatusInput(ctx, id))
		if len(in.Progress) != 0 || len(in.Quotas) != 0 {
			t.Errorf("an anonymous view's StatusInput holds %d reports and quotas %v", len(in.Progress), in.Quotas)
		}
	})
	t.Run("leaders approve their own unit only, reporters never", func(t *testing.T) {
		p := must(reporter.SaveProgress(ctx, report(id, "t0001", mianyang, "2025-04", "120", "亿元")))
		_, err := dyLeader.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "德阳领导"})
		wantCode(t, err, luoshi.ENotFound)
		_, err = reporter.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "绵阳填报员"})
		wantForbidden(t, err)
		r := must(leader.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Reason: "数据口径不对", By: "绵阳领导"}))
		if r.State != luoshi.StateReturned {
			t.Fatalf("returned %+v", r)
		}
		// The returned report cannot be approved by its own reporter.
		_, err = reporter.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "绵阳填报员"})
		wantForbidden(t, err)
		if got := must(s.Progress(ctx, p.ID)); got.State != luoshi.StateReturned {
			t.Errorf("state after the forbidden approval: %s", got.State)
		}
		in := report(id, "t0001", mianyang, "2025-04", "125", "亿元")
		in.By = "绵阳填报员"
		must(reporter.SaveProgress(ctx, in))
		a := must(leader.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "绵阳领导"}))
		if a.State != luoshi.StateApproved {
			t.Fatalf("approved %+v", a)
		}
		// A leader who also wrote the report may not approve it.
		sameLeader := s.For(auth.Principal{Account: "填报员", Role: auth.RoleLeader, Units: []string{mianyang}})
		q := must(s.SaveProgress(ctx, report(id, "t0001", mianyang, "2025-05", "130", "亿元")))
		_, err = sameLeader.ReviewProgress(ctx, luoshi.Review{ID: q.ID, Approve: true, By: "填报员"})
		wantForbidden(t, err)
	})
	t.Run("audit names the principal", func(t *testing.T) {
		es := events(t, s)
		var found bool
		for _, e := range es {
			if e.Action == "progress.approve" && e.Actor == "绵阳领导" && e.Unit == mianyang {
				found = true
			}
			if e.Unit == deyang && (e.Actor == "绵阳填报员" || e.Actor == "观察员") {
				t.Errorf("a forbidden write left an event: %+v", e)
			}
		}
		if !found {
			t.Errorf("no approval event by 绵阳领导 in %s", actions(es))
		}
	})
}

// testPublic: a plan's public page is closed until an administrator opens
// it; nobody else may, and opening and closing are audited.
func testPublic(t *testing.T, st luoshi.Store) {
	s := audited(t, st)
	ctx := context.Background()
	id := setup(t, s)
	if on := must(s.Public(ctx, id)); on {
		t.Fatal("a new plan's public page is open")
	}
	for _, p := range []auth.Principal{
		{Account: "绵阳填报员", Role: auth.RoleReporter, Units: []string{mianyang}},
		{Account: "绵阳领导", Role: auth.RoleLeader, Units: []string{mianyang}},
		{Account: "观察员", Role: auth.RoleViewer},
		{},
	} {
		wantForbidden(t, s.For(p).SetPublic(ctx, id, true, p.Account))
	}
	admin := s.For(auth.Principal{Account: "督查室", Role: auth.RoleAdmin})
	noErr(t, admin.SetPublic(ctx, id, true, "督查室"))
	noErr(t, admin.SetPublic(ctx, id, true, "督查室")) // again: nothing changes
	if on := must(s.Public(ctx, id)); !on {
		t.Fatal("the public page did not open")
	}
	wantCode(t, admin.SetPublic(ctx, id+99, true, "督查室"), luoshi.ENotFound)
	noErr(t, admin.SetPublic(ctx, id, false, "督查室"))
	if on := must(s.Public(ctx, id)); on {
		t.Fatal("the public page did not close")
	}
	es := events(t, s)
	var got []string
	for _, e := range es {
		if e.Action == "plan.public" {
			got = append(got, e.Actor+":"+string(e.After))
		}
	}
	if strings.Join(got, " ") != `督查室:{"public":true} 督查室:{"public":false}` {
		t.Errorf("public page events %v", got)
	}
}
