// Package sqlite is the embedded backend of luoshi: a pure-Go SQLite
// (modernc.org/sqlite) file in WAL mode with a single-connection write pool
// and a pool of readers, and its embedded migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"

	msqlite "modernc.org/sqlite"

	"luoshi/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// dialect is SQLite's SQL.
type dialect struct{}

func (dialect) Name() string            { return "sqlite" }
func (dialect) Rebind(q string) string  { return q }
func (dialect) Least() string           { return "MIN" }
func (dialect) IsUnique(err error) bool { return isUnique(err) }
func (dialect) Retryable(error) bool    { return false } // one writer: nothing to race
func (dialect) CopyFrom(context.Context, *sql.DB, string, []string, [][]any) (bool, error) {
	return false, nil
}

func isUnique(err error) bool {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code() == 2067 || e.Code() == 1555 // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
	}
	return false
}

// Options tune the backend.
type Options struct {
	sqlstore.Options
	// Synchronous is the PRAGMA synchronous setting: FULL (default) makes
	// every commit durable against power loss, NORMAL only against a crash
	// of the process.
	Synchronous string
	// Readers is the size of the read pool; 2 × GOMAXPROCS when zero.
	Readers int
}

// Open opens (creating if needed) the database file at path, runs the
// migrations it lacks and returns the store.
func Open(ctx context.Context, path string, opt Options) (*sqlstore.DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: bad database path %q", path)
	}
	sync := opt.Synchronous
	if sync == "" {
		sync = "FULL"
	}
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")&_pragma=cache_size(-65536)&_pragma=temp_store(memory)"
	// The writer sets WAL mode first: it is a property of the file.
	wdsn := "file:" + escape(path) + "?_pragma=journal_mode(WAL)&" + common + "&_txlock=immediate"
	write, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := sqlstore.Migrate(ctx, write, sub(), dialect{}, ""); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	read, err := sql.Open("sqlite", "file:"+escape(path)+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	n := opt.Readers
	if n <= 0 {
		n = 2 * runtime.GOMAXPROCS(0)
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)
	so := opt.Options
	so.Writers = 1 // SQLite has one writer; batching is how it goes fast
	return sqlstore.New(write, read, dialect{}, so), nil
}

func sub() fs.FS {
	f, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return f
}

func escape(path string) string {
	return (&url.URL{Path: path}).EscapedPath()
}
