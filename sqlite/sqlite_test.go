package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"luoshi"
	"luoshi/sqlite"
	"luoshi/storetest"
)

func open(t *testing.T) luoshi.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "luoshi.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) { storetest.Run(t, open) }
