package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"luoshi"
	"luoshi/notify"
	"luoshi/remind"
	"luoshi/reminders"
	"luoshi/store"
)

func init() {
	commands["remind"] = command{
		summary: "send due-soon, overdue and escalation reminders (催办): inbox, e-mail, webhook",
		run:     runRemind,
	}
}

func runRemind(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("remind", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	plan := fs.Int64("plan", 0, "plan ID (default: the newest version of every plan)")
	asOf := fs.String("as-of", "", "take now as noon of this day (2006-01-02, China Standard Time)")
	cfg := remind.DefaultConfig()
	cfg.Office = "省政府督查室"
	fs.IntVar(&cfg.DueSoonDays, "due-soon-days", cfg.DueSoonDays, "remind this many days before the due day ends (0: never)")
	fs.IntVar(&cfg.LeaderAfterDays, "leader-days", cfg.LeaderAfterDays, "escalate to the unit's leader this many days after the due day (0: never)")
	fs.IntVar(&cfg.OfficeAfterDays, "office-days", cfg.OfficeAfterDays, "escalate to the supervision office this many days after the due day (0: never)")
	fs.StringVar(&cfg.Office, "office", cfg.Office, "the supervision office's name in messages")
	var mc notify.MailConfig
	fs.StringVar(&mc.Host, "smtp-host", "", "SMTP server (no e-mail without it)")
	fs.IntVar(&mc.Port, "smtp-port", 25, "SMTP port")
	fs.StringVar(&mc.From, "smtp-from", "", "sender address")
	fs.StringVar(&mc.FromName, "smtp-from-name", "省政府督查室", "sender name")
	fs.StringVar(&mc.Username, "smtp-user", "", "SMTP user (the password is read from $LUOSHI_SMTP_PASSWORD)")
	fs.StringVar(&mc.TLS, "smtp-tls", notify.TLSNone, "none, starttls or tls")
	contacts := fs.String("contacts", "", "file of e-mail addresses: UNIT LEVEL ADDRESS[,ADDRESS…] per line; LEVEL reporter, leader or office; UNIT * for the office")
	var wc notify.WebhookConfig
	fs.StringVar(&wc.URL, "webhook", "", "URL to post reminders to, signed (no webhook without it)")
	secret := fs.String("webhook-secret", "", "webhook signing secret (default: $LUOSHI_WEBHOOK_SECRET)")
	fs.StringVar(&wc.Format, "webhook-format", notify.FormatJSON, "json (the message) or text (an IM bot's text message)")
	dry := fs.Bool("dry-run", false, "print the reminders that are due; send and record nothing")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi remind --db DSN [--smtp-host H --smtp-from A --contacts FILE] [--webhook URL --webhook-secret S] [--dry-run]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q: %w", fs.Args(), errUsage)
	}
	cfg.Location = time.FixedZone("CST", 8*3600)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %w", err, errUsage)
	}
	now := time.Now()
	if *asOf != "" {
		d, err := parseDay(*asOf)
		if err != nil {
			return fmt.Errorf("--as-of %q is not a day like 2025-11-06: %w", *asOf, errUsage)
		}
		now = d.Add(12 * time.Hour)
	}
	rn := reminders.Runner{Config: cfg, Now: func() time.Time { return now }, DryRun: *dry}
	if mc.Host != "" {
		mc.Password = os.Getenv("LUOSHI_SMTP_PASSWORD")
		m, err := notify.NewMail(mc)
		if err != nil {
			return err
		}
		rn.Mail = m
		if *contacts == "" {
			return fmt.Errorf("--smtp-host needs --contacts (whom to write to): %w", errUsage)
		}
	}
	if *contacts != "" {
		c, err := readContacts(*contacts)
		if err != nil {
			return err
		}
		rn.Contacts = c
	}
	if wc.URL != "" {
		s := *secret
		if s == "" {
			s = os.Getenv("LUOSHI_WEBHOOK_SECRET")
		}
		wc.Secret = []byte(s)
		w, err := notify.NewWebhook(wc)
		if err != nil {
			return err
		}
		rn.Webhook = w
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rn.Store = db
	if !*dry {
		sqldb, d, err := openLedgerDB(*dsn)
		if err != nil {
			return err
		}
		defer sqldb.Close()
		if rn.Ledger, err = reminders.Open(ctx, sqldb, d); err != nil {
			return err
		}
	}
	var ids []int64
	if *plan > 0 {
		ids = []int64{*plan}
	} else {
		ps, err := db.Plans(ctx, luoshi.PlanFilter{Latest: true})
		if err != nil {
			return err
		}
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
	}
	sent, err := rn.Run(ctx, ids)
	failed := 0
	for _, s := range sent {
		r := s.Reminder
		var chans []string
		for _, d := range s.Deliveries {
			if d.OK() {
				chans = append(chans, d.Channel+" 成功")
			} else {
				failed++
				chans = append(chans, d.Channel+" 失败（"+d.Err+"）")
			}
		}
		if *dry {
			chans = []string{"未发送（--dry-run）"}
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", r.Key, r.Subject, strings.Join(chans, "；"))
	}
	fmt.Fprintf(e.stdout, "%d 条催办（%d 个计划），%d 次发送失败\n", len(sent), len(ids), failed)
	return err
}

// openLedgerDB opens the store's database for the reminder ledger.
func openLedgerDB(dsn string) (*sql.DB, reminders.Dialect, error) {
	if store.IsPostgres(dsn) {
		db, err := sql.Open("pgx", dsn)
		return db, reminders.Postgres, err
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		path = store.DefaultFile()
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, "", fmt.Errorf("open ledger: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, reminders.SQLite, nil
}

// readContacts reads UNIT LEVEL ADDRESS[,ADDRESS…] lines.
func readContacts(path string) (reminders.Contacts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("contacts: %w", err)
	}
	defer f.Close()
	c := reminders.Contacts{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			return nil, fmt.Errorf("%s:%d: want UNIT LEVEL ADDRESS[,ADDRESS…]", path, n)
		}
		switch fs[1] {
		case remind.ToReporter, remind.ToLeader, remind.ToOffice:
		default:
			return nil, fmt.Errorf("%s:%d: level %q is not reporter, leader or office", path, n, fs[1])
		}
		if c[fs[0]] == nil {
			c[fs[0]] = map[string][]string{}
		}
		for _, a := range strings.Split(fs[2], ",") {
			if !strings.Contains(a, "@") {
				return nil, fmt.Errorf("%s:%d: %q is not an e-mail address", path, n, a)
			}
			c[fs[0]][fs[1]] = append(c[fs[0]][fs[1]], a)
		}
	}
	return c, sc.Err()
}
