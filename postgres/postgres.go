// Package postgres is the scale-out backend of luoshi: PostgreSQL (and the
// databases that speak its protocol) through pgx, with embedded migrations.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"luoshi/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

type dialect struct{}

func (dialect) Name() string  { return "postgres" }
func (dialect) Least() string { return "LEAST" }

// Rebind turns ? placeholders into $1, $2, …; luoshi's queries carry no
// question marks in literals.
func (dialect) Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (dialect) IsUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// Retryable reports deadlocks and serialization failures between the
// concurrent writers.
func (dialect) Retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}

// CopyFrom loads rows with COPY.
func (dialect) CopyFrom(ctx context.Context, db *sql.DB, table string, cols []string, rows [][]any) (bool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return true, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		_, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	return true, err
}

// Options tune the backend.
type Options struct {
	sqlstore.Options
	// Schema, if set, is the schema luoshi's tables live in (created if
	// missing); tests use a fresh one each.
	Schema string
	// MaxConns bounds the pool; 16 when zero.
	MaxConns int
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string), runs the migrations it lacks and returns the store.
func Open(ctx context.Context, dsn string, opt Options) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opt.Schema != "" {
		if err := createSchema(ctx, *cfg, opt.Schema); err != nil {
			return nil, err
		}
		cfg.RuntimeParams["search_path"] = opt.Schema
	}
	db := stdlib.OpenDB(*cfg)
	n := opt.MaxConns
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	f, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := sqlstore.Migrate(ctx, db, f, dialect{}, `SELECT pg_advisory_xact_lock(7433021, hashtext(current_schema()))`); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	so := opt.Options
	if so.Writers == 0 {
		so.Writers = max(1, n/2)
	}
	return sqlstore.New(db, db, dialect{}, so), nil
}

func createSchema(ctx context.Context, cfg pgx.ConnConfig, schema string) error {
	c, err := pgx.ConnectConfig(ctx, &cfg)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
	return err
}

// DropSchema removes a schema and everything in it (for tests).
func DropSchema(ctx context.Context, dsn, schema string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	return err
}
