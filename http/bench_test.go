package http

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sort"
	"testing"
	"time"

	"luoshi/catalog"
	"luoshi/reports"
	"luoshi/sqlite"
)

// benchServer opens the store named by LUOSHI_BENCH_DB (a SQLite file made
// by `luoshi gen --scale sichuan`), or the embedded plan with demo data in a
// temporary file when it is unset.
func benchServer(b *testing.B) *Server {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("LUOSHI_BENCH_DB")
	if path == "" {
		path = b.TempDir() + "/bench.db"
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	cat := catalog.Sichuan()
	id, imported, err := reports.Bootstrap(ctx, db, cat, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if imported {
		if err := reports.Demo(ctx, db, id); err != nil {
			b.Fatal(err)
		}
	}
	now := reports.DemoAsOf(2025)
	ttl, _ := time.ParseDuration(os.Getenv("LUOSHI_BENCH_TTL"))
	s, err := New(Config{Store: db, Catalog: cat, Now: func() time.Time { return now }, ViewTTL: ttl, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchPage(b *testing.B, path string) {
	s := benchServer(b)
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		t0 := time.Now()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		ds = append(ds, time.Since(t0))
		if w.Code != 200 {
			b.Fatalf("GET %s: %d", path, w.Code)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[int(0.95*float64(len(ds)-1))].Microseconds())/1000, "p95-ms")
}

func BenchmarkCockpit(b *testing.B)  { benchPage(b, "/") }
func BenchmarkTaskList(b *testing.B) { benchPage(b, "/tasks") }
