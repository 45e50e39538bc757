package sqlite_test

import (
	"os"
	"testing"

	"luoshi/audit"
	"luoshi/auth/sqlauth"
)

// TestMigrationsCarrySchemas checks that the store's migrations hold the
// audit and accounts schemas exactly as their packages define them, on
// both backends.
func TestMigrationsCarrySchemas(t *testing.T) {
	for _, c := range []struct {
		file   string
		schema func(audit.Dialect) (string, error)
		d      audit.Dialect
	}{
		{"migrations/0003_audit.sql", audit.Schema, audit.SQLite},
		{"../postgres/migrations/0003_audit.sql", audit.Schema, audit.Postgres},
		{"migrations/0004_accounts.sql", sqlauth.Schema, audit.SQLite},
		{"../postgres/migrations/0004_accounts.sql", sqlauth.Schema, audit.Postgres},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.schema(c.d)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("%s differs from the package's schema for %s: copy it again", c.file, c.d)
		}
	}
}
