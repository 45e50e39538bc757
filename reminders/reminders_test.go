package reminders_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"luoshi/notify"
	"luoshi/remind"
	"luoshi/reminders"
)

func TestLedger(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := reminders.Open(ctx, db, reminders.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reminders.Open(ctx, db, reminders.SQLite); err != nil {
		t.Fatalf("second Open: %v", err)
	}
	at := time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)
	r := remind.Reminder{Key: remind.Key(1, "510104", "2025-02", remind.DueSoon), PlanID: 1, Unit: "510104", Period: "2025-02",
		Kind: remind.DueSoon, Level: remind.ToReporter, Missing: []string{"c0001", "t0002"}, Subject: "s", Message: "m", At: at}
	ds := []notify.Delivery{{Key: r.Key, Channel: "app", At: at}, {Key: r.Key, Channel: "mail", At: at, Err: "refused"}}
	if ok, err := l.Record(ctx, r, ds); !ok || err != nil {
		t.Fatalf("first record: %v %v", ok, err)
	}
	if ok, err := l.Record(ctx, r, nil); ok || err != nil {
		t.Fatalf("second record of the key: %v %v", ok, err)
	}
	sent, err := l.Sent(ctx, 1)
	if err != nil || !sent[r.Key] || len(sent) != 1 {
		t.Fatalf("sent %v %v", sent, err)
	}
	es, err := l.Entries(ctx, 1)
	if err != nil || len(es) != 1 || len(es[0].Deliveries) != 2 || es[0].Deliveries[1].OK() || len(es[0].Reminder.Missing) != 2 {
		t.Fatalf("entries %+v %v", es, err)
	}
	c := reminders.Contacts{"510104": {remind.ToReporter: {"a@x.cn"}}, "*": {remind.ToOffice: {"o@x.cn"}}}
	if to := c.To(r); len(to) != 1 || to[0] != "a@x.cn" {
		t.Fatalf("reporter: %v", to)
	}
	r.Level = remind.ToOffice
	if to := c.To(r); len(to) != 1 || to[0] != "o@x.cn" {
		t.Fatalf("office: %v", to)
	}
	r.Level = remind.ToLeader
	if to := c.To(r); len(to) != 0 {
		t.Fatalf("leader without address: %v", to)
	}
}
