package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"luoshi/audit"
)

// auditFile makes a SQLite file holding a chain of n events.
func auditFile(t *testing.T, n int) (string, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "luoshi.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if err := audit.EnsureSchema(ctx, db, audit.SQLite); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Append(ctx, tx, audit.SQLite, audit.Event{
			At: time.Now(), Actor: "admin", Action: "progress.report", Object: fmt.Sprintf("target:%d", i),
			After: json.RawMessage(`{"value":"1"}`),
		}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return path, db
}

func TestAuditVerifyCommand(t *testing.T) {
	path, db := auditFile(t, 12)
	code, out, errs := runCmd(t, "audit", "verify", "--db", path)
	if code != 0 || !strings.Contains(out, "审计链完整：12 条事件") {
		t.Fatalf("verify: code %d, stdout %q, stderr %q", code, out, errs)
	}
	code, head, _ := runCmd(t, "audit", "head", "--db", "sqlite:"+path)
	if code != 0 || !strings.HasPrefix(head, "12:") {
		t.Fatalf("head: code %d, %q", code, head)
	}
	anchor := strings.TrimSpace(head)
	if code, out, errs := runCmd(t, "audit", "verify", "--db", path, "--anchor", anchor); code != 0 {
		t.Fatalf("verify with anchor: %d %q %q", code, out, errs)
	}

	if _, err := db.Exec(`UPDATE audit_events SET object = 'target:999' WHERE seq = 5`); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd(t, "audit", "verify", "--db", path)
	if code != 1 || !strings.Contains(errs, "第 5 条事件") || !strings.Contains(errs, "此前 4 条事件完好") || out != "" {
		t.Fatalf("after an edit: code %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, err := db.Exec(`DELETE FROM audit_events WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCmd(t, "audit", "verify", "--db", path)
	if code != 1 || !strings.Contains(errs, "第 3 条事件缺失") {
		t.Fatalf("after a delete: code %d, stderr %q", code, errs)
	}
}

// TestAuditVerifyClosedDatabase verifies a WAL database no process has
// open (its -wal and -shm files gone), read-only.
func TestAuditVerifyClosedDatabase(t *testing.T) {
	path, db := auditFile(t, 3)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Fatalf("%s still there after close", suffix)
		}
	}
	if code, out, errs := runCmd(t, "audit", "verify", "--db", path); code != 0 || !strings.Contains(out, "3 条事件") {
		t.Fatalf("verify a closed database: %d %q %q", code, out, errs)
	}
}

func TestAuditCommandBadInput(t *testing.T) {
	path, _ := auditFile(t, 1)
	empty := filepath.Join(t.TempDir(), "empty.db")
	plain, err := sql.Open("sqlite", empty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Exec(`CREATE TABLE x (a INTEGER)`); err != nil {
		t.Fatal(err)
	}
	plain.Close()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"audit"}, 2, "verify"},
		{[]string{"audit", "nonsense"}, 2, "verify"},
		{[]string{"audit", "verify", "--db", path, "extra"}, 2, "unexpected"},
		{[]string{"audit", "verify", "--db", path, "--anchor", "abc"}, 2, "锚点"},
		{[]string{"audit", "verify", "--db", filepath.Join(t.TempDir(), "missing.db")}, 1, "无法打开"},
		{[]string{"audit", "verify", "--db", empty}, 1, "没有审计表"},
		{[]string{"audit", "verify", "--db", path, "--anchor", "9:" + strings.Repeat("a", 64)}, 1, "第 9 条"},
	}
	for _, tc := range cases {
		code, _, errs := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: code %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

func TestAuditVerifyCommandPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := os.Getenv("LUOSHI_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", dsn)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = admin.PingContext(pctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s unreachable (CI is set): %v", dsn, err)
		}
		t.Skipf("SKIPPING PostgreSQL test: server at %s unreachable: %v", dsn, err)
	}
	schema := fmt.Sprintf("audit_cmd_%d", time.Now().UnixNano())
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
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := audit.EnsureSchema(ctx, db, audit.Postgres); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 7; i++ {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Append(ctx, tx, audit.Postgres, audit.Event{At: time.Now(), Actor: "admin", Action: "unit.edit", Object: fmt.Sprintf("unit:%d", i)}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := runCmd(t, "audit", "verify", "--db", u.String()); code != 0 || !strings.Contains(out, "审计链完整：7 条事件") {
		t.Fatalf("verify: %d %q %q", code, out, errs)
	}
	if _, err := db.Exec(`UPDATE audit_events SET actor = 'x' WHERE seq = 6`); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "audit", "verify", "--db", u.String()); code != 1 || !strings.Contains(errs, "第 6 条事件") {
		t.Fatalf("after an edit: %d %q", code, errs)
	}
}
