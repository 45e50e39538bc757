package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"luoshi"
	"luoshi/decimal"
	"luoshi/store"
)

func testPlan() *luoshi.Plan {
	p := &luoshi.Plan{Jurisdiction: "四川省", Year: 2025, Title: "2025年四川省政府工作报告", Source: "备份测试",
		Sections: []luoshi.Section{{ID: "3", Level: 1, Number: "三", Title: "重点工作", Kind: luoshi.KindPlan}}}
	for i := 1; i <= 40; i++ {
		p.Commitments = append(p.Commitments, luoshi.Commitment{ID: fmt.Sprintf("c%04d", i), Section: "3", Text: fmt.Sprintf("任务%d。", i), Targets: []int{}})
	}
	return p
}

// TestBackupWhileWriting backs up a SQLite store while reports are being
// submitted: the copy holds every report acknowledged before the backup
// began, exactly the reports its audit chain records, and the chain
// verifies.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "luoshi.db")
	db, err := store.Open(ctx, src, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutUnits(ctx, []luoshi.Unit{{Code: "510000", Name: "四川省", Kind: luoshi.UnitProvince}, {Code: "510700", Name: "绵阳市", Kind: luoshi.UnitCity, Parent: "510000"}}); err != nil {
		t.Fatal(err)
	}
	res, err := db.ImportPlan(ctx, testPlan(), luoshi.ImportOptions{By: "督查室"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Plan.ID
	for i := 1; i <= 40; i++ {
		if err := db.Assign(ctx, luoshi.Assignment{PlanID: id, Commitment: fmt.Sprintf("c%04d", i), Lead: "510700", ConfirmedBy: "督查室"}); err != nil {
			t.Fatal(err)
		}
	}
	ps, _ := luoshi.Calendar(2025, luoshi.Monthly, 5, time.FixedZone("CST", 8*3600))
	if err := db.SetPeriods(ctx, id, ps); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	acked := map[int64]int{} // report → revision acknowledged
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				c := fmt.Sprintf("c%04d", 1+(w*10+n%10))
				period := ps[n/10%12].Key
				p, err := db.SaveProgress(ctx, luoshi.ProgressInput{PlanID: id, Item: c, Unit: "510700", Period: period,
					Value: decimal.Int(int64(n % 100)), ValueUnit: "%", By: "填报员"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked[p.ID] = max(acked[p.ID], p.Revision)
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	before := make(map[int64]int, len(acked))
	for k, v := range acked {
		before[k] = v
	}
	mu.Unlock()
	out := filepath.Join(dir, "backup", "copy.db")
	os.Mkdir(filepath.Dir(out), 0o755)
	br, err := store.Backup(ctx, src, out)
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 {
		t.Fatal("no report was acknowledged before the backup")
	}
	if !br.Audit.OK() || br.Audit.Events == 0 {
		t.Fatalf("backup report %+v", br)
	}

	cp, err := store.Open(ctx, out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	got, err := cp.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id})
	if err != nil {
		t.Fatal(err)
	}
	in := map[int64]int{}
	for _, p := range got {
		in[p.ID] = p.Revision
	}
	for k, rev := range before {
		if in[k] < rev {
			t.Errorf("report %d was acknowledged at revision %d before the backup, the copy has revision %d", k, rev, in[k])
		}
	}
	if info, err := cp.PlanInfo(ctx, id); err != nil || info.Title != res.Plan.Title {
		t.Errorf("plan in the copy: %+v, %v", info, err)
	}
	if as, _ := cp.Assignments(ctx, id); len(as) != 40 {
		t.Errorf("%d assignments in the copy", len(as))
	}
	rep, err := cp.AuditLog().Verify(ctx)
	if err != nil {
		t.Fatalf("the copy's audit chain: %v", err)
	}
	// The copy is one snapshot: every report in it has one event per
	// revision, no more, no less.
	rows, err := cp.AuditLog().Events(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	saves := map[int64]int{}
	for rows.Next() {
		e := rows.Event()
		if e.Action == "progress.save" {
			var pid int64
			fmt.Sscanf(strings.TrimPrefix(e.Object, "progress:"), "%d", &pid)
			saves[pid]++
		}
	}
	rows.Close()
	for k, rev := range in {
		if saves[k] != rev {
			t.Errorf("report %d has revision %d in the copy and %d save events", k, rev, saves[k])
		}
	}
	if len(saves) != len(in) {
		t.Errorf("events name %d reports, the copy holds %d", len(saves), len(in))
	}
	total := 0
	for _, v := range in {
		total += v
	}
	var afterTotal int
	if all, err := db.ListProgress(ctx, luoshi.ProgressFilter{PlanID: id}); err == nil {
		for _, p := range all {
			afterTotal += p.Revision
		}
	}
	if afterTotal <= total {
		t.Errorf("no write ran after the backup began (%d saves in the copy, %d at the end): the test did not back up while writing", total, afterTotal)
	}
	t.Logf("%d reports acknowledged before the backup, %d in the copy, %d events verified", len(before), len(got), rep.Events)

	if _, err := store.Backup(ctx, src, out); luoshi.ErrorCode(err) != luoshi.EConflict {
		t.Errorf("backup over an existing file: %v", err)
	}
	// A tampered database is not backed up silently.
	w, _ := db.Pools()
	if _, err := w.ExecContext(ctx, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Backup(ctx, src, filepath.Join(dir, "bad.db")); err == nil || !strings.Contains(err.Error(), "第 2 条") {
		t.Errorf("backup of a broken chain: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.db")); err == nil {
		t.Error("a backup with a broken chain was kept")
	}
}

func TestBackupPostgresNamesPgDump(t *testing.T) {
	_, err := store.Backup(context.Background(), "postgres://u@h/db", "/tmp/x.dump")
	if err == nil || !strings.Contains(err.Error(), "pg_dump --format=custom") || !strings.Contains(err.Error(), "'postgres://u@h/db'") {
		t.Fatalf("postgres backup: %v", err)
	}
}
