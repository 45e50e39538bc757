package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"luoshi/catalog"
	web "luoshi/http"
	"luoshi/monitor"
	"luoshi/reports"
	"luoshi/store"
)

func init() {
	commands["loadtest"] = command{
		summary: "measure the web pages' server time (p50/p95/p99) on a store",
		run:     runLoadtest,
	}
}

func runLoadtest(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := fs.String("db", "luoshi.db", "store: a SQLite file path or a postgres:// URL (make one with `luoshi gen`)")
	n := fs.Int("n", 300, "requests per page")
	conc := fs.Int("c", 2, "requests at once")
	paths := fs.String("paths", "/,/tasks,/tasks?status=behind&sort=completion,/tasks?page=3,/regions,/units", "comma-separated pages to request")
	ttl := fs.Duration("view-ttl", 0, "reuse a judged plan for this long, as `luoshi serve --view-ttl` does (default 0: judge every request)")
	asOf := fs.String("as-of", "2025-11-06", "judge progress as of this day (China Standard Time)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi loadtest [--db DSN] [--n 300] [--c 2] [--paths /,/tasks]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	day, err := time.ParseInLocation("2006-01-02", *asOf, reports.CST)
	if err != nil || *n < 1 || *conc < 1 {
		fs.Usage()
		return fmt.Errorf("bad flags: %w", errUsage)
	}
	db, err := store.Open(ctx, *dsn, store.Options{})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	cat := catalog.Sichuan()
	if _, _, err := reports.Bootstrap(ctx, db, cat, time.Now()); err != nil {
		return err
	}
	now := day.Add(12 * time.Hour)
	srv, err := web.New(web.Config{Store: db, Catalog: cat, Now: func() time.Time { return now }, Monitor: monitor.DefaultConfig(), ViewTTL: *ttl,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%-40s %6s %8s %8s %8s %8s %9s %9s\n", "page", "n", "p50", "p95", "p99", "max", "cpu/req", "bytes")
	for _, p := range strings.Split(*paths, ",") {
		p = strings.TrimSpace(p)
		// One warm-up request fills caches as a running server has them.
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", p, nil).WithContext(ctx))
		if w.Code != 200 {
			return fmt.Errorf("GET %s: status %d", p, w.Code)
		}
		size := w.Body.Len()
		ds := make([]time.Duration, *n)
		var wg sync.WaitGroup
		next := make(chan int)
		var failed error
		var mu sync.Mutex
		cpu0 := cpuTime()
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					r := httptest.NewRequest("GET", p, nil).WithContext(ctx)
					w := httptest.NewRecorder()
					t0 := time.Now()
					srv.ServeHTTP(w, r)
					ds[i] = time.Since(t0)
					if w.Code != 200 {
						mu.Lock()
						failed = fmt.Errorf("GET %s: status %d", p, w.Code)
						mu.Unlock()
					}
				}
			}()
		}
		for i := range *n {
			next <- i
		}
		close(next)
		wg.Wait()
		cpu := (cpuTime() - cpu0) / time.Duration(*n)
		if failed != nil {
			return failed
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		q := func(f float64) string {
			return ds[min(len(ds)-1, int(f*float64(len(ds))))].Round(100 * time.Microsecond).String()
		}
		fmt.Fprintf(e.stdout, "%-40s %6d %8s %8s %8s %8s %9s %9d\n", p, *n, q(0.50), q(0.95), q(0.99), ds[len(ds)-1].Round(100*time.Microsecond), cpu.Round(100*time.Microsecond), size)
	}
	return nil
}
