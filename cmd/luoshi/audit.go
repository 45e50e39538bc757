package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"luoshi/audit"
	"luoshi/store"
)

func init() {
	commands["audit"] = command{
		summary: "check the audit trail's hash chain (audit verify) or print its head (audit head)",
		run:     runAudit,
	}
}

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "head") {
		fmt.Fprintln(e.stderr, "usage: luoshi audit verify [--db DSN] [--anchor SEQ:HASH]…\n       luoshi audit head [--db DSN]")
		return fmt.Errorf("need verify or head: %w", errUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	var anchors []audit.Anchor
	if sub == "verify" {
		fs.Func("anchor", "a SEQ:HASH printed earlier by `luoshi audit head` that the chain must still pass through (repeatable)", func(s string) error {
			a, err := audit.ParseAnchor(s)
			if err != nil {
				return err
			}
			anchors = append(anchors, a)
			return nil
		})
	}
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q: %w", fs.Args(), errUsage)
	}
	db, d, err := openAuditDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	l := audit.Log{DB: db, Dialect: d}
	if sub == "head" {
		h, err := l.Head(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, h)
		return nil
	}
	r, err := l.Verify(ctx, anchors...)
	if err != nil {
		if errors.Is(err, audit.ErrBroken) {
			return fmt.Errorf("%w（此前 %d 条事件完好）", err, r.Events)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "审计链完整：%d 条事件\n", r.Events)
	if r.Events > 0 {
		fmt.Fprintf(e.stdout, "链头：%s\n", r.Last)
	}
	return nil
}

// openAuditDB opens the database dsn names with database/sql alone,
// read-only, and checks that it has the audit tables: a postgres:// URL,
// else a SQLite file (an optional "sqlite:" prefix allowed) that must exist.
func openAuditDB(ctx context.Context, dsn string) (*sql.DB, audit.Dialect, error) {
	var db *sql.DB
	var d audit.Dialect
	var err error
	if dsn == "" {
		dsn = store.DefaultFile()
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		d = audit.Postgres
		db, err = sql.Open("pgx", dsn)
	} else {
		d = audit.SQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		if _, serr := os.Stat(path); serr != nil {
			return nil, "", fmt.Errorf("数据库文件 %s 无法打开: %w", path, serr)
		}
		db, err = sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=mmap_size(268435456)")
	}
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", dsn, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_head`).Scan(&n); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("数据库 %s 中没有审计表: %w", redact(dsn), err)
	}
	return db, d, nil
}

// redact hides the password of a URL DSN in messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}
