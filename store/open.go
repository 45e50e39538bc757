// Package store opens the luoshi.Store a DSN names: a postgres:// URL for
// PostgreSQL, anything else a SQLite file path.
package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"luoshi/postgres"
	"luoshi/sqlite"
	"luoshi/sqlstore"
)

// DefaultFile is the SQLite file used when no DSN is given: luoshi.db next
// to the binary.
func DefaultFile() string {
	exe, err := os.Executable()
	if err != nil {
		return "luoshi.db"
	}
	return filepath.Join(filepath.Dir(exe), "luoshi.db")
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Options apply to either backend.
type Options = sqlstore.Options

// Open opens the store dsn names (DefaultFile when empty). A "sqlite:"
// prefix on a path is allowed.
func Open(ctx context.Context, dsn string, opt Options) (*sqlstore.DB, error) {
	switch {
	case dsn == "":
		return sqlite.Open(ctx, DefaultFile(), sqlite.Options{Options: opt})
	case IsPostgres(dsn):
		return postgres.Open(ctx, dsn, postgres.Options{Options: opt})
	}
	return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite:"), sqlite.Options{Options: opt})
}
