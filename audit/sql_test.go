package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// backend is a fresh, empty database with the audit schema and a table
// "things" standing for the store's own tables.
type backend struct {
	d     Dialect
	write *sql.DB // the pool appends go through
	raw   *sql.DB // a separate connection for tampering
}

func (b backend) log() Log { return Log{DB: b.raw, Dialect: b.d} }

func backends(t *testing.T) map[Dialect]func(*testing.T) backend {
	return map[Dialect]func(*testing.T) backend{SQLite: openSQLite, Postgres: openPostgres}
}

func openSQLite(t *testing.T) backend {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.db")
	return sqliteAt(t, path)
}

func sqliteAt(t testing.TB, path string) backend {
	t.Helper()
	p := (&url.URL{Path: path}).EscapedPath()
	w, err := sql.Open("sqlite", "file:"+p+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { w.Close() })
	r, err := sql.Open("sqlite", "file:"+p+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	b := backend{d: SQLite, write: w, raw: r}
	setup(t, b)
	return b
}

// postgresDSN is the test server: LUOSHI_TEST_POSTGRES or a local default.
func postgresDSN() string {
	if s := os.Getenv("LUOSHI_TEST_POSTGRES"); s != "" {
		return s
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// openPostgres makes a fresh schema on the test server and returns pools
// whose search_path is that schema. Without a server the test is skipped,
// loudly, unless CI is set: then it fails.
func openPostgres(t *testing.T) backend { return openPostgresTB(t) }

func openPostgresTB(t testing.TB) backend {
	t.Helper()
	dsn := postgresDSN()
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
		t.Skipf("SKIPPING PostgreSQL tests: server at %s unreachable: %v (set LUOSHI_TEST_POSTGRES)", dsn, err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "audit_test_" + hex.EncodeToString(rnd[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	w, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	r, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	b := backend{d: Postgres, write: w, raw: r}
	setup(t, b)
	return b
}

func setup(t testing.TB, b backend) {
	t.Helper()
	ctx := context.Background()
	if err := EnsureSchema(ctx, b.write, b.d); err != nil {
		t.Fatal(err)
	}
	// Twice: the schema is idempotent.
	if err := EnsureSchema(ctx, b.write, b.d); err != nil {
		t.Fatal(err)
	}
	if _, err := b.write.Exec(`CREATE TABLE things (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
}

// write does what a store write does: change a row and append its event
// in the same transaction, then commit (or roll back when fail is set).
func write(ctx context.Context, b backend, id int, fail bool) (Event, error) {
	tx, err := b.write.BeginTx(ctx, nil)
	if err != nil {
		return Event{}, err
	}
	defer tx.Rollback()
	if id%2 == 0 {
		// Half the writers lock the head first, as a batching writer should.
		if err := LockHead(ctx, tx, b.d); err != nil {
			return Event{}, err
		}
	}
	name := fmt.Sprintf("thing %d", id)
	if _, err := tx.ExecContext(ctx, rebind(b.d, `INSERT INTO things (id, name) VALUES (?, ?)`), id, name); err != nil {
		return Event{}, err
	}
	after, _ := json.Marshal(map[string]any{"id": id, "name": name})
	e, err := Append(ctx, tx, b.d, Event{
		At: time.Now(), Actor: "dcs-admin", Address: "10.0.0.1", Action: "thing.create",
		Object: fmt.Sprintf("thing:%d", id), Unit: []string{"510100", "510700", "D:省交通运输厅"}[id%3], After: after,
	})
	if err != nil {
		return Event{}, err
	}
	if fail {
		return e, errors.New("rolled back")
	}
	return e, tx.Commit()
}

func fill(t *testing.T, b backend, n int) []Event {
	t.Helper()
	ctx := context.Background()
	out := make([]Event, 0, n)
	for i := 1; i <= n; i++ {
		e, err := write(ctx, b, i, false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestSQLAppendVerify(t *testing.T) {
	for d, open := range backends(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := open(t)
			if r, err := b.log().Verify(ctx); err != nil || r.Events != 0 {
				t.Fatalf("empty chain: %+v, %v", r, err)
			}
			ev := fill(t, b, 50)
			// A rolled-back write leaves no event and no hole.
			if _, err := write(ctx, b, 1000, true); err == nil {
				t.Fatal("write did not fail")
			}
			ev = append(ev, fill2(t, b, 51, 60)...)
			for i, e := range ev {
				if e.Seq != int64(i+1) {
					t.Fatalf("event %d has seq %d", i+1, e.Seq)
				}
			}
			r, err := b.log().Verify(ctx)
			if err != nil || r.Events != 60 || r.Last.Hash != ev[59].Hash {
				t.Fatalf("Verify = %+v, %v", r, err)
			}
			h, err := b.log().Head(ctx)
			if err != nil || h != r.Last {
				t.Fatalf("Head = %+v, %v; want %+v", h, err, r.Last)
			}
			// Read back equals what Append returned.
			rows, err := b.log().Events(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			if !rows.Next() {
				t.Fatal(rows.Err())
			}
			got, want := rows.Event(), ev[9]
			if got.Hash != want.Hash || !got.At.Equal(want.At) || string(got.After) != string(want.After) || got.Before != nil {
				t.Fatalf("read back %+v\nwant %+v", got, want)
			}
		})
	}
}

func fill2(t *testing.T, b backend, from, to int) []Event {
	t.Helper()
	var out []Event
	for i := from; i <= to; i++ {
		e, err := write(context.Background(), b, i, false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestSQLConcurrentAppend(t *testing.T) {
	for d, open := range backends(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := open(t)
			b.write.SetMaxOpenConns(8)
			if d == SQLite {
				b.write.SetMaxOpenConns(1) // the store's single writer
			}
			const workers, each = 8, 25
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						if _, err := write(ctx, b, w*each+i+1, false); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			r, err := b.log().Verify(ctx)
			if err != nil || r.Events != workers*each {
				t.Fatalf("Verify = %+v, %v", r, err)
			}
		})
	}
}

func TestSQLHostileRoundTrip(t *testing.T) {
	for d, open := range backends(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := open(t)
			hostile := []Event{
				{Actor: "a\x00b", Action: "x", Object: "\xff\xfe\xfd"},
				{Actor: "'; DROP TABLE audit_events; --", Action: "account.create", Object: `"quoted" \ back`},
				{Actor: "用户😀", Address: "[2001:db8::1]:443", Action: "progress.report", Before: json.RawMessage(`{"v":"\u0000","z":"长"}`), After: json.RawMessage(` [1, 2,  3] `)},
				{Actor: strings.Repeat("长", MaxField/3), Action: "y", After: json.RawMessage(`"` + strings.Repeat("é", 100000) + `"`)},
				{Action: "z", Before: json.RawMessage(`null`)},
			}
			for i, e := range hostile {
				e.At = time.Date(2025, 6, 1, 0, 0, i, 999999999, time.UTC)
				tx, err := b.write.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Append(ctx, tx, b.d, e); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			if r, err := b.log().Verify(ctx); err != nil || r.Events != int64(len(hostile)) {
				t.Fatalf("Verify = %+v, %v", r, err)
			}
			if _, err := b.raw.Exec(`SELECT 1 FROM audit_events`); err != nil {
				t.Fatalf("table gone: %v", err)
			}
			// Refused events leave the chain as it was.
			tx, err := b.write.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Append(ctx, tx, b.d, Event{At: time.Now(), Action: "x", After: json.RawMessage(`{`)}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("bad JSON: %v", err)
			}
			tx.Rollback()
		})
	}
}

// TestSQLTamper edits, deletes and reorders rows directly in the database,
// as someone with the file or a database login could, and checks that
// Verify names the first broken event.
func TestSQLTamper(t *testing.T) {
	type tamper struct {
		name  string
		stmts []string
		seq   int64
		kind  string
	}
	cases := []tamper{
		{"update actor", []string{`UPDATE audit_events SET actor = 'intruder' WHERE seq = 7`}, 7, BreakContent},
		{"update after", []string{`UPDATE audit_events SET after_json = '{"id":7,"name":"forged"}' WHERE seq = 7`}, 7, BreakContent},
		{"update time", []string{`UPDATE audit_events SET at_us = at_us + 1 WHERE seq = 12`}, 12, BreakContent},
		{"null out before", []string{`UPDATE audit_events SET after_json = NULL WHERE seq = 3`}, 3, BreakContent},
		{"delete row", []string{`DELETE FROM audit_events WHERE seq = 7`}, 7, BreakGap},
		{"delete first", []string{`DELETE FROM audit_events WHERE seq = 1`}, 1, BreakGap},
		{"delete rows", []string{`DELETE FROM audit_events WHERE seq BETWEEN 5 AND 9`}, 5, BreakGap},
		{"delete last", []string{`DELETE FROM audit_events WHERE seq = 20`}, 20, BreakHead},
		{"delete and renumber", []string{
			`DELETE FROM audit_events WHERE seq = 7`,
			`UPDATE audit_events SET seq = -seq WHERE seq > 7`,
			`UPDATE audit_events SET seq = -seq - 1 WHERE seq < 0`,
			`UPDATE audit_head SET seq = 19`,
		}, 7, BreakContent},
		{"swap seq", []string{
			`UPDATE audit_events SET seq = -1 WHERE seq = 4`,
			`UPDATE audit_events SET seq = 4 WHERE seq = 15`,
			`UPDATE audit_events SET seq = 15 WHERE seq = -1`,
		}, 4, BreakContent},
		{"insert beyond head", []string{
			`INSERT INTO audit_events SELECT 21, at_us, actor, address, action, object, unit, before_json, after_json, hash, hash FROM audit_events WHERE seq = 20`,
		}, 21, BreakContent},
		{"copy hash", []string{`UPDATE audit_events SET hash = (SELECT hash FROM audit_events WHERE seq = 2) WHERE seq = 3`}, 3, BreakContent},
	}
	for d, open := range backends(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					ctx := context.Background()
					b := open(t)
					fill(t, b, 20)
					if _, err := b.log().Verify(ctx); err != nil {
						t.Fatalf("before tampering: %v", err)
					}
					for _, s := range tc.stmts {
						if _, err := b.raw.Exec(s); err != nil {
							t.Fatalf("%s: %v", s, err)
						}
					}
					r, err := b.log().Verify(ctx)
					var be *BreakError
					if !errors.As(err, &be) || be.Break.Seq != tc.seq || be.Break.Kind != tc.kind {
						t.Fatalf("Verify = %+v, %v; want break at %d (%s)", r, err, tc.seq, tc.kind)
					}
					if !strings.Contains(err.Error(), fmt.Sprintf("第 %d 条", tc.seq)) {
						t.Fatalf("message %q does not name event %d", err, tc.seq)
					}
					t.Logf("%s", err)
				})
			}
			// Recomputing every hash after an edit (and the head) passes
			// the chain alone; an anchor kept outside catches it.
			t.Run("rewrite", func(t *testing.T) {
				ctx := context.Background()
				b := open(t)
				ev := fill(t, b, 20)
				anchor := Anchor{Seq: 15, Hash: ev[14].Hash}
				rewriteSQL(t, b, 8)
				if _, err := b.log().Verify(ctx); err != nil {
					t.Fatalf("a consistent rewrite should verify without anchors: %v", err)
				}
				_, err := b.log().Verify(ctx, anchor)
				var be *BreakError
				if !errors.As(err, &be) || be.Break.Seq != 15 || be.Break.Kind != BreakAnchor {
					t.Fatalf("Verify with anchor = %v", err)
				}
			})
		})
	}
}

// rewriteSQL forges event seq and recomputes the chain from it on.
func rewriteSQL(t *testing.T, b backend, seq int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := b.log().Events(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var all []Event
	for rows.Next() {
		all = append(all, rows.Event())
	}
	rows.Close()
	all = rewrite(all, seq)
	for _, e := range all[seq-1:] {
		if _, err := b.raw.Exec(rebind(b.d, `UPDATE audit_events SET object = ?, prev = ?, hash = ? WHERE seq = ?`), e.Object, e.Prev, e.Hash, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	last := all[len(all)-1]
	if _, err := b.raw.Exec(rebind(b.d, `UPDATE audit_head SET hash = ?`), last.Hash); err != nil {
		t.Fatal(err)
	}
}

func TestSQLList(t *testing.T) {
	for d, open := range backends(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := open(t)
			fill(t, b, 30)
			l := b.log()
			all, err := l.List(ctx, Query{Limit: 1000})
			if err != nil || len(all) != 30 || all[0].Seq != 30 {
				t.Fatalf("List all: %d, %v", len(all), err)
			}
			byUnit, err := l.List(ctx, Query{Units: []string{"510700"}})
			if err != nil || len(byUnit) != 10 {
				t.Fatalf("List by units: %d, %v", len(byUnit), err)
			}
			for _, e := range byUnit {
				if e.Unit != "510700" {
					t.Fatalf("unit %q leaked into a scoped list", e.Unit)
				}
			}
			if none, err := l.List(ctx, Query{Units: []string{}}); err != nil || len(none) != 0 {
				t.Fatalf("empty scope listed %d events, %v", len(none), err)
			}
			page, err := l.List(ctx, Query{Before: 11, Limit: 5, Action: "thing."})
			if err != nil || len(page) != 5 || page[0].Seq != 10 || page[4].Seq != 6 {
				t.Fatalf("page: %+v, %v", page, err)
			}
			if got, err := l.List(ctx, Query{Object: "thing:7", Actor: "dcs-admin", Action: "thing.create"}); err != nil || len(got) != 1 || got[0].Seq != 7 {
				t.Fatalf("by object: %+v, %v", got, err)
			}
			if got, err := l.List(ctx, Query{Unit: "' OR 1=1 --"}); err != nil || len(got) != 0 {
				t.Fatalf("hostile unit: %d, %v", len(got), err)
			}
		})
	}
}

// TestSQLSavepoints is the store's writer: several writes in one
// transaction, each in a savepoint, one of them rolled back.
func TestSQLSavepoints(t *testing.T) {
	for d, open := range backends(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := WithWho(context.Background(), Who{Actor: "lisi", Address: "10.1.1.1"})
			b := open(t)
			fill(t, b, 3)
			tx, err := b.write.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			for i := range 5 {
				if _, err := tx.Exec(`SAVEPOINT w`); err != nil {
					t.Fatal(err)
				}
				e, err := Change(ctx, time.Now(), "progress.report", fmt.Sprintf("target:%d", i), "510700",
					map[string]string{"value": "1"}, map[string]string{"value": fmt.Sprint(i)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Append(ctx, tx, b.d, e); err != nil {
					t.Fatal(err)
				}
				if i == 2 {
					if _, err := tx.Exec(`ROLLBACK TO SAVEPOINT w`); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := tx.Exec(`RELEASE SAVEPOINT w`); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			r, err := b.log().Verify(ctx)
			if err != nil || r.Events != 7 {
				t.Fatalf("Verify = %+v, %v", r, err)
			}
			got, err := b.log().List(ctx, Query{Actor: "lisi"})
			if err != nil || len(got) != 4 || got[0].Object != "target:4" || got[0].Address != "10.1.1.1" || string(got[0].Before) != `{"value":"1"}` {
				t.Fatalf("listed %+v, %v", got, err)
			}
			for _, e := range got {
				if e.Object == "target:2" {
					t.Fatal("the rolled-back write's event is there")
				}
			}
		})
	}
}

func TestChange(t *testing.T) {
	at := time.Now()
	e, err := Change(context.Background(), at, "plan.import", "plan:1", "", nil, json.RawMessage(`{"a":1}`))
	if err != nil || e.Actor != "system" || e.Before != nil || string(e.After) != `{"a":1}` {
		t.Fatalf("Change = %+v, %v", e, err)
	}
	if _, err := Change(context.Background(), at, "x", "y", "", func() {}, nil); err == nil {
		t.Fatal("a func marshaled")
	}
	if w, ok := WhoFrom(context.Background()); ok || w != (Who{}) {
		t.Fatal("WhoFrom on an empty context")
	}
}

// TestSQLiteCopyWhileWriting takes a copy of the database (VACUUM INTO, one
// read transaction) while events are being appended, and checks that the
// copy's chain verifies up to its own head: a consistent backup.
func TestSQLiteCopyWhileWriting(t *testing.T) {
	ctx := context.Background()
	b := openSQLite(t)
	fill(t, b, 100)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 101; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := write(ctx, b, i, false); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	out := filepath.Join(t.TempDir(), "copy.db")
	if _, err := b.raw.Exec(`VACUUM INTO ?`, out); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cp := sqliteCopy(t, out)
	r, err := Log{DB: cp, Dialect: SQLite}.Verify(ctx)
	if err != nil || r.Events < 100 {
		t.Fatalf("copy: %+v, %v", r, err)
	}
	var things int64
	if err := cp.QueryRow(`SELECT COUNT(*) FROM things`).Scan(&things); err != nil || things != r.Events {
		t.Fatalf("copy has %d things for %d events (%v)", things, r.Events, err)
	}
	t.Logf("copy taken at event %d", r.Events)
}

func sqliteCopy(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUnknownDialect(t *testing.T) {
	ctx := context.Background()
	b := openSQLite(t)
	tx, err := b.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := LockHead(ctx, tx, "mysql"); err == nil {
		t.Error("LockHead accepted mysql")
	}
	if _, err := Append(ctx, tx, "mysql", Event{At: time.Now(), Action: "x"}); err == nil {
		t.Error("Append accepted mysql")
	}
	if _, err := Schema("oracle"); err == nil {
		t.Error("Schema accepted oracle")
	}
	if err := EnsureSchema(ctx, b.raw, ""); err == nil {
		t.Error("EnsureSchema accepted no dialect")
	}
	if got := rebind(Postgres, "a = ? AND b = ?"); got != "a = $1 AND b = $2" {
		t.Errorf("rebind = %q", got)
	}
}
