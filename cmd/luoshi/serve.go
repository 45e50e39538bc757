package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"luoshi/api"
	"luoshi/catalog"
	web "luoshi/http"
	"luoshi/monitor"
	"luoshi/reminders"
	"luoshi/reports"
	"luoshi/store"
)

func init() {
	commands["serve"] = command{
		summary: "run the web application (驾驶舱, 任务清单, 填报, 预警 …)",
		run:     runServe,
	}
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := fs.String("db", "luoshi.db", "store: a SQLite file path or a postgres:// URL")
	demo := fs.Bool("demo", false, "add simulated progress (January to October) for the 21 cities and the departments, marked 演示数据")
	asOf := fs.String("as-of", "", "judge progress as of this day (2006-01-02, China Standard Time) instead of today; a database with demo data defaults it to 6 November of the plan year")
	ttl := fs.Duration("view-ttl", 2*time.Second, "reuse a judged plan for this long (this server's own writes refresh it at once); 0 judges every request")
	drafts := fs.String("drafts", "", "directory for imported reports under review (default: luoshi-drafts next to a SQLite file)")
	kf := addKeyFlags(fs)
	apiTokens := fs.String("api-tokens", "", "file of tokens the system API (/api/v1) accepts: TOKEN UNIT|* read|report NAME, one a line; without it the API answers 401")
	login := fs.Bool("login", false, "require signing in with an account (luoshi user add, or the first-run page /setup while none exists); the account's units scope every query")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM); session cookies are then Secure")
	tlsKey := fs.String("tls-key", "", "the certificate's private key (PEM)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi serve [--addr HOST:PORT] [--db FILE|postgres://…] [--demo] [--as-of DAY]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q: %w", fs.Args(), errUsage)
	}
	var pinned time.Time
	if *asOf != "" {
		t, err := time.ParseInLocation("2006-01-02", *asOf, reports.CST)
		if err != nil {
			return fmt.Errorf("--as-of %q is not a day like 2025-11-06: %w", *asOf, errUsage)
		}
		pinned = t.Add(12 * time.Hour)
	}
	key, err := templateKey(*dsn, kf, os.Getenv)
	if err != nil {
		return err
	}
	start := time.Now()
	// The clock runs from --as-of (or the demo's day) once that is known;
	// the store stamps reports with the same clock.
	var base time.Time
	now := func() time.Time {
		if base.IsZero() {
			return time.Now()
		}
		return base.Add(time.Since(start))
	}
	db, err := store.Open(ctx, *dsn, store.Options{Now: now})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	cat := catalog.Sichuan()
	planID, imported, err := reports.Bootstrap(ctx, db, cat, time.Now())
	if err != nil {
		return err
	}
	if imported {
		fmt.Fprintf(e.stderr, "serve: imported the 2025 Sichuan report as plan %d with suggested lead units\n", planID)
	}
	info, err := db.PlanInfo(ctx, planID)
	if err != nil {
		return err
	}
	if *demo {
		if err := reports.Demo(ctx, db, planID); err != nil {
			return err
		}
		if pinned.IsZero() {
			pinned = reports.DemoAsOf(info.Year)
		}
	}
	hasDemo, err := reports.HasDemo(ctx, db, planID, info.Year)
	if err != nil {
		return err
	}
	if hasDemo && pinned.IsZero() {
		// Simulated data reads right only on the day it simulates.
		pinned = reports.DemoAsOf(info.Year)
	}
	if !pinned.IsZero() {
		base = pinned.Add(-time.Since(start))
	}
	draftDir := *drafts
	if draftDir == "" && !store.IsPostgres(*dsn) {
		draftDir = filepath.Join(filepath.Dir(strings.TrimPrefix(*dsn, "sqlite:")), "luoshi-drafts")
	}
	var static []api.StaticToken
	if *apiTokens != "" {
		if static, err = readAPITokens(*apiTokens); err != nil {
			return err
		}
	}
	accounts := accountsOf(db)
	apiHandler, err := api.New(api.Config{Store: db, Tokens: accounts, Static: static, Now: now, Logger: slog.New(slog.NewTextHandler(e.stderr, nil))})
	if err != nil {
		return err
	}
	ledgerDB, dialect, err := openLedgerDB(*dsn)
	if err != nil {
		return err
	}
	defer ledgerDB.Close()
	inbox, err := reminders.Open(ctx, ledgerDB, dialect)
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{Addr: *addr, Store: db, Catalog: cat, Now: now, Monitor: monitor.DefaultConfig(), Demo: hasDemo,
		DraftDir: draftDir, ViewTTL: *ttl, TemplateKey: key, CSRFKey: derivedKey(key, "luoshi csrf v1"), API: apiHandler, Inbox: inbox, Logger: slog.New(slog.NewTextHandler(e.stderr, nil)),
		Accounts: signInWith(*login, accounts), Audit: auditLogOf(db), TLSCert: *tlsCert, TLSKey: *tlsKey})
	if err != nil {
		return err
	}
	if err := srv.ScanAlerts(ctx); err != nil {
		return fmt.Errorf("scan alerts: %w", err)
	}
	return srv.ListenAndServe(ctx, func(a string) {
		fmt.Fprintf(e.stdout, "luoshi: serving %s (%s) on %s://%s/ (ready in %s)\n", info.Title, *dsn, scheme(*tlsCert), a, time.Since(start).Round(time.Millisecond))
	})
}
