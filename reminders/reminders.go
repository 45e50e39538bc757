// Package reminders runs the reminders (催办) of luoshi: it scans plans
// with package remind, delivers what is due with package notify (in the
// application's inbox, by e-mail, by a signed webhook) and records every
// reminder by its key, so that a second run sends nothing twice.
//
// The store (luoshi.Store) has no place for reminders, so the ledger keeps
// them in tables of its own, created in the same database through
// database/sql, as package audit does.
package reminders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"luoshi"
	"luoshi/notify"
	"luoshi/remind"
)

// Dialect names the SQL backend.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// schema creates the ledger's tables; both dialects accept it.
const schema = `
CREATE TABLE IF NOT EXISTS reminders_sent (
	key        TEXT PRIMARY KEY,
	plan_id    BIGINT NOT NULL,
	unit       TEXT NOT NULL,
	period     TEXT NOT NULL,
	kind       TEXT NOT NULL,
	level      TEXT NOT NULL,
	subject    TEXT NOT NULL,
	message    TEXT NOT NULL,
	missing    TEXT NOT NULL,
	deliveries TEXT NOT NULL,
	sent_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reminders_sent_plan ON reminders_sent (plan_id);
CREATE TABLE IF NOT EXISTS reminders_inbox (
	key     TEXT PRIMARY KEY,
	unit    TEXT NOT NULL,
	level   TEXT NOT NULL,
	subject TEXT NOT NULL,
	text    TEXT NOT NULL,
	at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reminders_inbox_unit ON reminders_inbox (unit, at);
`

// Ledger records reminders and keeps the in-application inbox.
type Ledger struct {
	db *sql.DB
	d  Dialect
}

// Open returns the ledger over db, creating its tables if they are missing.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Ledger, error) {
	if d != SQLite && d != Postgres {
		return nil, fmt.Errorf("reminders: unknown dialect %q", d)
	}
	for _, stmt := range strings.Split(schema, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("reminders: create tables: %w", err)
		}
	}
	return &Ledger{db: db, d: d}, nil
}

// q rewrites ? placeholders for PostgreSQL.
func (l *Ledger) q(query string) string {
	if l.d != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Sent returns the keys of the reminders of a plan already sent.
func (l *Ledger) Sent(ctx context.Context, planID int64) (map[string]bool, error) {
	rows, err := l.db.QueryContext(ctx, l.q(`SELECT key FROM reminders_sent WHERE plan_id = ?`), planID)
	if err != nil {
		return nil, fmt.Errorf("reminders: read sent: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("reminders: read sent: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}

// Record stores a reminder with what happened on each channel; a key
// recorded before stays as it was (false is returned).
func (l *Ledger) Record(ctx context.Context, r remind.Reminder, ds []notify.Delivery) (bool, error) {
	dj, err := json.Marshal(ds)
	if err != nil {
		return false, fmt.Errorf("reminders: record: %w", err)
	}
	res, err := l.db.ExecContext(ctx, l.q(`INSERT INTO reminders_sent (key, plan_id, unit, period, kind, level, subject, message, missing, deliveries, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`),
		r.Key, r.PlanID, r.Unit, r.Period, r.Kind, r.Level, r.Subject, r.Message, strings.Join(r.Missing, ","), string(dj), r.At.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return false, fmt.Errorf("reminders: record %s: %w", r.Key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Entry is one recorded reminder.
type Entry struct {
	Reminder   remind.Reminder
	Deliveries []notify.Delivery
}

// Entries returns the reminders recorded for a plan, oldest first.
func (l *Ledger) Entries(ctx context.Context, planID int64) ([]Entry, error) {
	rows, err := l.db.QueryContext(ctx, l.q(`SELECT key, unit, period, kind, level, subject, message, missing, deliveries, sent_at
		FROM reminders_sent WHERE plan_id = ? ORDER BY sent_at, key`), planID)
	if err != nil {
		return nil, fmt.Errorf("reminders: entries: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var missing, ds, at string
		r := &e.Reminder
		if err := rows.Scan(&r.Key, &r.Unit, &r.Period, &r.Kind, &r.Level, &r.Subject, &r.Message, &missing, &ds, &at); err != nil {
			return nil, fmt.Errorf("reminders: entries: %w", err)
		}
		r.PlanID = planID
		if missing != "" {
			r.Missing = strings.Split(missing, ",")
		}
		r.At, _ = time.Parse(time.RFC3339Nano, at)
		if err := json.Unmarshal([]byte(ds), &e.Deliveries); err != nil {
			return nil, fmt.Errorf("reminders: entries: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Post implements notify.Inbox: the message waits in the application for
// the users of its unit (at its level); a key posted twice is kept once.
func (l *Ledger) Post(ctx context.Context, m notify.Message) error {
	_, err := l.db.ExecContext(ctx, l.q(`INSERT INTO reminders_inbox (key, unit, level, subject, text, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`),
		m.Key, m.Unit, m.Level, m.Subject, m.Text, m.At.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("reminders: inbox: %w", err)
	}
	return nil
}

// Inbox returns the newest messages for unit ("" for every unit), at most
// limit.
func (l *Ledger) Inbox(ctx context.Context, unit string, limit int) ([]notify.Message, error) {
	rows, err := l.db.QueryContext(ctx, l.q(`SELECT key, unit, level, subject, text, at FROM reminders_inbox
		WHERE ? = '' OR unit = ? ORDER BY at DESC, key LIMIT ?`), unit, unit, limit)
	if err != nil {
		return nil, fmt.Errorf("reminders: inbox: %w", err)
	}
	defer rows.Close()
	var out []notify.Message
	for rows.Next() {
		var m notify.Message
		var at string
		if err := rows.Scan(&m.Key, &m.Unit, &m.Level, &m.Subject, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("reminders: inbox: %w", err)
		}
		m.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Contacts gives the e-mail addresses of a unit's people at a level
// (remind.ToReporter, ToLeader, ToOffice). The office's are under unit "*".
type Contacts map[string]map[string][]string

// To returns the addresses a reminder goes to: the unit's at its level,
// or for the office level the office's.
func (c Contacts) To(r remind.Reminder) []string {
	if r.Level == remind.ToOffice {
		if a := c[r.Unit][remind.ToOffice]; len(a) > 0 {
			return a
		}
		return c["*"][remind.ToOffice]
	}
	return c[r.Unit][r.Level]
}

// Runner scans plans and sends what is due.
type Runner struct {
	Store  luoshi.Store
	Ledger *Ledger
	Config remind.Config
	// Mail and Webhook may be nil; the application inbox always receives.
	Mail     notify.Channel
	Webhook  notify.Channel
	Contacts Contacts
	Now      func() time.Time
	DryRun   bool // compute and return the reminders; send and record nothing
}

// Sent is one reminder a run handled.
type Sent struct {
	Reminder   remind.Reminder
	Deliveries []notify.Delivery
}

// Run scans each plan and sends its due reminders, recording each. A
// reminder is recorded (and not sent again) once any channel took it.
func (rn *Runner) Run(ctx context.Context, plans []int64) ([]Sent, error) {
	if rn.Store == nil || (rn.Ledger == nil && !rn.DryRun) {
		return nil, errors.New("reminders: a store and a ledger are required")
	}
	now := time.Now
	if rn.Now != nil {
		now = rn.Now
	}
	units, err := rn.Store.Units(ctx, luoshi.UnitFilter{})
	if err != nil {
		return nil, err
	}
	var out []Sent
	for _, id := range plans {
		in, err := rn.Store.StatusInput(ctx, id)
		if err != nil {
			return out, fmt.Errorf("plan %d: %w", id, err)
		}
		ri := remind.FromStatus(in, now())
		ri.Units = units
		if rn.Ledger != nil {
			if ri.Sent, err = rn.Ledger.Sent(ctx, id); err != nil {
				return out, err
			}
		}
		due, err := remind.Due(ri, rn.Config)
		if err != nil {
			return out, err
		}
		for _, r := range due {
			if rn.DryRun {
				out = append(out, Sent{Reminder: r})
				continue
			}
			ds := rn.deliver(ctx, r, now)
			ok := false
			for _, d := range ds {
				ok = ok || d.OK()
			}
			if ok {
				if _, err := rn.Ledger.Record(ctx, r, ds); err != nil {
					return out, err
				}
			}
			out = append(out, Sent{Reminder: r, Deliveries: ds})
		}
	}
	return out, nil
}

// deliver sends r on every channel.
func (rn *Runner) deliver(ctx context.Context, r remind.Reminder, now func() time.Time) []notify.Delivery {
	to := rn.Contacts.To(r)
	m := notify.FromReminder(r, to)
	chans := []notify.Channel{notify.App{Inbox: rn.Ledger}}
	if rn.Webhook != nil {
		chans = append(chans, rn.Webhook)
	}
	ds := notify.Deliver(ctx, m, now, chans...)
	if rn.Mail != nil {
		if len(to) == 0 {
			ds = append(ds, notify.Delivery{Key: r.Key, Channel: rn.Mail.Name(), At: now(), Err: "没有该单位此级别的邮件地址"})
		} else {
			ds = append(ds, notify.Deliver(ctx, m, now, rn.Mail)...)
		}
	}
	return ds
}
