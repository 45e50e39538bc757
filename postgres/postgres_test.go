package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"luoshi"
	"luoshi/postgres"
	"luoshi/storetest"
)

// dsn is the server the tests use: $LUOSHI_TEST_POSTGRES, or the local one.
func dsn() string {
	if d := os.Getenv("LUOSHI_TEST_POSTGRES"); d != "" {
		return d
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// open gives each test a fresh schema, dropped afterwards, so tests run in
// parallel and repeatedly. Without a server the tests skip loudly, unless
// $CI is set: in CI a missing server is a failure.
func open(t *testing.T) luoshi.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "luoshi_test_" + hex.EncodeToString(b)
	s, err := postgres.Open(ctx, dsn(), postgres.Options{Schema: schema, MaxConns: 4})
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s is required in CI: %v", dsn(), err)
		}
		t.Skipf("\n*** SKIPPING PostgreSQL store tests: no server answers at %s (%v).\n*** Set LUOSHI_TEST_POSTGRES or start PostgreSQL; in CI (CI set) this is a failure. ***", dsn(), err)
	}
	t.Cleanup(func() {
		s.Close()
		if err := postgres.DropSchema(context.Background(), dsn(), schema); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return s
}

func TestStore(t *testing.T) { storetest.Run(t, open) }
