package reminders_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"luoshi/notify"
	"luoshi/remind"
	"luoshi/reminders"
)

func TestLedgerSQLite(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	testLedger(t, db, reminders.SQLite)
}

// TestLedgerPostgres runs the same test in a fresh schema of the server at
// $LUOSHI_TEST_POSTGRES (or the local one); it skips when none answers,
// and fails then under CI.
func TestLedgerPostgres(t *testing.T) {
	dsn := os.Getenv("LUOSHI_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s unreachable (CI is set): %v", dsn, err)
		}
		t.Skipf("SKIPPING PostgreSQL test: server at %s unreachable: %v (set LUOSHI_TEST_POSTGRES)", dsn, err)
	}
	defer admin.Close()
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "reminders_test_" + hex.EncodeToString(rnd[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	testLedger(t, db, reminders.Postgres)
}

func testLedger(t *testing.T, db *sql.DB, d reminders.Dialect) {
	ctx := context.Background()
	l, err := reminders.Open(ctx, db, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reminders.Open(ctx, db, d); err != nil {
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
	m := notify.FromReminder(r, nil)
	for i := 0; i < 2; i++ {
		if err := l.Post(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if in, err := l.Inbox(ctx, "510104", 10); err != nil || len(in) != 1 || in[0].Key != r.Key {
		t.Fatalf("inbox %v %v", in, err)
	}
}
