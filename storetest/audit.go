package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
)

// Audited is what the audit and scope tests need of a store besides
// luoshi.Store: its audit trail, views bound to a principal, and its pools
// (to tamper with the trail behind the store's back).
type Audited interface {
	luoshi.Store
	AuditLog() audit.Log
	For(p auth.Principal) luoshi.Store
	Pools() (write, read *sql.DB)
}

func audited(t *testing.T, s luoshi.Store) Audited {
	t.Helper()
	a, ok := s.(Audited)
	if !ok {
		t.Fatalf("%T keeps no audit trail or scoped views", s)
	}
	return a
}

// events returns the whole chain, oldest first.
func events(t *testing.T, s Audited) []audit.Event {
	t.Helper()
	es, err := s.AuditLog().List(context.Background(), audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func actions(es []audit.Event) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return strings.Join(out, " ")
}

// testAuditChain makes one write of every kind and finds one event per
// write, with who, where, what and the states before and after, in a chain
// that verifies; failed writes leave no event.
func testAuditChain(t *testing.T, st luoshi.Store) {
	s := audited(t, st)
	ctx := audit.WithWho(context.Background(), audit.Who{Actor: "王督查", Address: "10.0.0.8"})
	noErr(t, s.PutUnits(ctx, fixtureUnits()))
	res := must(s.ImportPlan(ctx, fixturePlan("报告全文"), luoshi.ImportOptions{By: "督查室"}))
	id := res.Plan.ID
	noErr(t, s.Assign(ctx,
		luoshi.Assignment{PlanID: id, Commitment: "c0001", Lead: ndrc, Co: []string{chengdu, mianyang}, ConfirmedBy: "督查室"},
		luoshi.Assignment{PlanID: id, Commitment: "c0003", Lead: transport, ConfirmedBy: "督查室"}))
	noErr(t, s.SetQuotas(ctx, id, "t0001", []luoshi.Quota{{Unit: chengdu, Value: dec("600")}, {Unit: mianyang, Value: dec("400")}}, "督查室"))
	noErr(t, s.SetWeight(ctx, id, "c0002", 2))
	noErr(t, s.SetSchedule(ctx, id, "t0002", nil))
	ps, err := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	noErr(t, err)
	noErr(t, s.SetPeriods(ctx, id, ps))
	draft := report(id, "t0001", ndrc, "2025-03", "250", "亿元")
	draft.Submit = false
	p := must(s.SaveProgress(ctx, draft))
	draft.Submit = true
	must(s.SaveProgress(ctx, draft))
	must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Reason: "请附清单", By: "领导"}))
	must(s.SaveProgress(ctx, draft))
	must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "领导"}))
	must(s.CorrectProgress(ctx, luoshi.Correction{ID: p.ID, Value: dec("260"), Reason: "口径调整", By: "填报员"}))
	must(s.AddEvidence(ctx, luoshi.Evidence{ProgressID: p.ID, Name: "清单.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 清单"), By: "填报员"}))
	noErr(t, s.SaveAlerts(ctx, []luoshi.Alert{{PlanID: id, Kind: luoshi.AlertBehind, Item: "t0001", Unit: ndrc, Period: "2025-03", Message: "滞后", CreatedAt: p.CreatedAt}}))
	al := must(s.Alerts(ctx, luoshi.AlertFilter{PlanID: id}))
	noErr(t, s.AckAlert(ctx, al[0].ID, "督查室", "已督办"))
	noErr(t, s.ClosePeriod(ctx, id, "2025-03", "督查室"))
	noErr(t, s.BulkProgress(ctx, []luoshi.Progress{{PlanID: id, Item: "t0003", Unit: transport, Period: "2025-04", Value: dec("100"), ValueUnit: "公里", State: luoshi.StateApproved, CreatedBy: "迁移", UpdatedBy: "迁移"}}))
	// Failed writes record nothing.
	_, err = s.SaveProgress(ctx, report(id, "t0001", ndrc, "2025-03", "1", "亿元"))
	wantCode(t, err, luoshi.EConflict)
	wantCode(t, s.SetWeight(ctx, id, "c9999", 1), luoshi.ENotFound)

	es := events(t, s)
	want := "units.put plan.import assignment.set assignment.set quota.set weight.set schedule.set periods.set " +
		"progress.save progress.submit progress.return progress.submit progress.approve progress.correct evidence.add alert.ack period.close progress.bulk"
	if got := actions(es); got != want {
		t.Fatalf("audit actions\n got %s\nwant %s", got, want)
	}
	for i, e := range es {
		if e.Seq != int64(i+1) || e.Actor != "王督查" || e.Address != "10.0.0.8" || e.At.IsZero() {
			t.Errorf("event %d: %+v", i+1, e)
		}
	}
	ret := es[10]
	if ret.Object != "progress:"+itoa(p.ID) || ret.Unit != ndrc {
		t.Errorf("return event %+v", ret)
	}
	var before, after luoshi.Progress
	noErr(t, json.Unmarshal(ret.Before, &before))
	noErr(t, json.Unmarshal(ret.After, &after))
	if before.State != luoshi.StateSubmitted || after.State != luoshi.StateReturned || after.Reason != "请附清单" {
		t.Errorf("return event before %+v after %+v", before, after)
	}
	if es[8].Before != nil || es[1].Unit != "510000" || es[2].Unit != ndrc {
		t.Errorf("creation has a before state, or units are wrong: %+v %+v %+v", es[8], es[1], es[2])
	}
	if strings.Contains(string(es[14].After), "PDF") {
		t.Errorf("evidence event holds the file: %s", es[14].After)
	}
	r, err := s.AuditLog().Verify(context.Background())
	if err != nil || r.Events != int64(len(es)) {
		t.Fatalf("verify: %+v, %v", r, err)
	}
	// Without a Who in the context the write's own By is the actor.
	must(s.SaveProgress(context.Background(), report(id, "t0003", transport, "2025-05", "10", "公里")))
	if e := events(t, s); e[len(e)-1].Actor != "填报员" || e[len(e)-1].Address != "" {
		t.Errorf("actor from By: %+v", e[len(e)-1])
	}
}

// testAuditTamper edits and deletes events behind the store's back, and
// Verify names the first broken event each time.
func testAuditTamper(t *testing.T, st luoshi.Store) {
	s := audited(t, st)
	ctx := context.Background()
	id := setup(t, s)
	p := must(s.SaveProgress(ctx, report(id, "t0001", ndrc, "2025-03", "250", "亿元")))
	must(s.ReviewProgress(ctx, luoshi.Review{ID: p.ID, Approve: true, By: "领导"}))
	n := len(events(t, s))
	if n < 6 {
		t.Fatalf("only %d events", n)
	}
	w, _ := s.Pools()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := w.ExecContext(ctx, rebind(s.AuditLog().Dialect, q), args...); err != nil {
			t.Fatal(err)
		}
	}
	wantBreak := func(seq int64, kind string) {
		t.Helper()
		r, err := s.AuditLog().Verify(ctx)
		var be *audit.BreakError
		if !errors.As(err, &be) || !errors.Is(err, audit.ErrBroken) {
			t.Fatalf("verify after tampering: %+v, %v", r, err)
		}
		if be.Break.Seq != seq || be.Break.Kind != kind || !strings.Contains(be.Error(), "第 "+itoa(seq)+" 条") {
			t.Fatalf("break %+v, want event %d (%s)", be.Break, seq, kind)
		}
	}
	var actor string
	noErr(t, w.QueryRowContext(ctx, rebind(s.AuditLog().Dialect, `SELECT actor FROM audit_events WHERE seq = ?`), 4).Scan(&actor))
	exec(`UPDATE audit_events SET actor = ? WHERE seq = ?`, "mallory", 4)
	wantBreak(4, audit.BreakContent)
	exec(`UPDATE audit_events SET actor = ? WHERE seq = ?`, actor, 4)
	if _, err := s.AuditLog().Verify(ctx); err != nil {
		t.Fatalf("restored: %v", err)
	}
	exec(`UPDATE audit_events SET after_json = ? WHERE seq = ?`, `{"state":"approved","value":999}`, n)
	wantBreak(int64(n), audit.BreakContent)
	exec(`DELETE FROM audit_events WHERE seq = ?`, 3)
	wantBreak(3, audit.BreakGap)
	exec(`DELETE FROM audit_events WHERE seq >= ?`, 3)
	wantBreak(3, audit.BreakHead)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// rebind turns ? into $1, $2 … for PostgreSQL.
func rebind(d audit.Dialect, q string) string {
	if d != audit.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// batchSaver is a store that writes several reports at once, all or none.
type batchSaver interface {
	SaveProgressBatch(ctx context.Context, ins []luoshi.ProgressInput) ([]luoshi.Progress, error)
}

// testBatch: a batch of reports is stored whole with one audit event per
// report, or not at all (nor its events) when one report fails — a report
// of a unit the principal may not write included.
func testBatch(t *testing.T, st luoshi.Store) {
	s := audited(t, st)
	ctx := context.Background()
	id := setup(t, s)
	b, ok := st.(batchSaver)
	if !ok {
		t.Fatalf("%T has no SaveProgressBatch", st)
	}
	n0 := len(events(t, s))
	bad := []luoshi.ProgressInput{report(id, "t0001", ndrc, "2025-03", "100", "亿元"), report(id, "t0002", transport, "2025-03", "5", "亿元")}
	_, err := b.SaveProgressBatch(ctx, bad)
	wantCode(t, err, luoshi.EInvalid)
	if l := must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})); len(l) != 0 {
		t.Fatalf("a failed batch stored %d reports", len(l))
	}
	if n := len(events(t, s)); n != n0 {
		t.Fatalf("a failed batch left %d audit events", n-n0)
	}
	good := []luoshi.ProgressInput{report(id, "t0001", ndrc, "2025-03", "100", "亿元"), report(id, "t0002", transport, "2025-03", "5000", "公里")}
	ps, err := b.SaveProgressBatch(ctx, good)
	noErr(t, err)
	if len(ps) != 2 || ps[0].Item != "t0001" || ps[1].Item != "t0002" || ps[1].State != luoshi.StateSubmitted {
		t.Fatalf("batch %+v", ps)
	}
	if es := events(t, s); len(es) != n0+2 || es[n0].Action != "progress.submit" || es[n0+1].Object != "progress:"+itoa(ps[1].ID) {
		t.Fatalf("batch events %s", actions(es[n0:]))
	}
	// Through a scoped view a report of another unit fails the whole batch.
	rep := s.For(auth.Principal{Account: "交通填报员", Role: auth.RoleReporter, Units: []string{transport}})
	rb, ok := rep.(batchSaver)
	if !ok {
		t.Fatalf("%T has no SaveProgressBatch", rep)
	}
	_, err = rb.SaveProgressBatch(ctx, []luoshi.ProgressInput{report(id, "t0003", transport, "2025-03", "10", "公里"), report(id, "t0001", ndrc, "2025-04", "1", "亿元")})
	wantForbidden(t, err)
	if l := must(s.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id, Item: "t0003"})); len(l) != 0 {
		t.Errorf("the forbidden batch stored its allowed report too")
	}
	if _, err := s.AuditLog().Verify(ctx); err != nil {
		t.Fatal(err)
	}
}
