package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"luoshi/monitor"
	"luoshi/sqlstore"
	"luoshi/store"
)

// dbFlag adds the --db flag every command that touches the store has.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "store: a SQLite file path or a postgres:// URL (default: luoshi.db next to the binary)")
}

func openDB(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// configFlags adds the judgement's thresholds as flags.
func configFlags(fs *flag.FlagSet) *monitor.Config {
	c := monitor.DefaultConfig()
	fs.Float64Var(&c.Behind, "behind", c.Behind, "completion below this share of expected progress is 滞后")
	fs.Float64Var(&c.Severe, "severe", c.Severe, "completion below this share of expected progress is 严重滞后")
	fs.IntVar(&c.StalePeriods, "stale", c.StalePeriods, "reports with the same value this many periods running are stale")
	fs.IntVar(&c.DeadlineDays, "deadline-days", c.DeadlineDays, "warn this many days before a report is due")
	return &c
}

// parseDay reads a date (2006-01-02) in China Standard Time; empty is now.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	return time.ParseInLocation("2006-01-02", s, time.FixedZone("CST", 8*3600))
}
