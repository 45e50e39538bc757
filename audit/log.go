package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Log reads the audit tables of a database. Give it a pool that reads (the
// store's read pool on SQLite): it never writes.
type Log struct {
	DB      *sql.DB
	Dialect Dialect
}

// Head returns the seq and hash of the last appended event as the head row
// records them; Seq is 0 for an empty chain.
func (l Log) Head(ctx context.Context) (Anchor, error) {
	return head(ctx, l.DB)
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func head(ctx context.Context, q queryer) (Anchor, error) {
	var a Anchor
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&a.Seq, &a.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Anchor{}, errors.New("audit: the audit_head row is missing")
	}
	if err != nil {
		return Anchor{}, fmt.Errorf("audit: read head: %w", err)
	}
	return a, nil
}

const columns = `seq, at_us, actor, address, action, object, unit, before_json, after_json, prev, hash`

// Rows is an Iterator over events read from the database. Close it.
type Rows struct {
	rows *sql.Rows
	e    Event
	err  error
}

// Events returns the events from Seq from on, in Seq order.
func (l Log) Events(ctx context.Context, from int64) (*Rows, error) {
	return events(ctx, l.DB, l.Dialect, from)
}

func events(ctx context.Context, q queryer, d Dialect, from int64) (*Rows, error) {
	rows, err := q.QueryContext(ctx, rebind(d, `SELECT `+columns+` FROM audit_events WHERE seq >= ? ORDER BY seq`), from)
	if err != nil {
		return nil, fmt.Errorf("audit: read events: %w", err)
	}
	return &Rows{rows: rows}, nil
}

// Next advances to the next event.
func (r *Rows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	r.e, r.err = scan(r.rows)
	return r.err == nil
}

// Event returns the current event.
func (r *Rows) Event() Event { return r.e }

// Err returns the error that stopped the iteration.
func (r *Rows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// Close releases the rows.
func (r *Rows) Close() error { return r.rows.Close() }

func scan(rows *sql.Rows) (Event, error) {
	var e Event
	var at int64
	var before, after []byte
	if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Address, &e.Action, &e.Object, &e.Unit,
		&before, &after, &e.Prev, &e.Hash); err != nil {
		return Event{}, fmt.Errorf("audit: scan event: %w", err)
	}
	e.At = time.UnixMicro(at).UTC()
	if len(before) > 0 {
		e.Before = before
	}
	if len(after) > 0 {
		e.After = after
	}
	return e, nil
}

// Verify checks the whole chain and its head row, and the anchors given,
// inside one read transaction so that appends made meanwhile do not count.
func (l Log) Verify(ctx context.Context, anchors ...Anchor) (Report, error) {
	var opt *sql.TxOptions
	if l.Dialect == Postgres {
		opt = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := l.DB.BeginTx(ctx, opt)
	if err != nil {
		return Report{}, fmt.Errorf("audit: begin: %w", err)
	}
	defer tx.Rollback()
	h, err := head(ctx, tx)
	if err != nil {
		return Report{}, err
	}
	rows, err := events(ctx, tx, l.Dialect, 1)
	if err != nil {
		return Report{}, err
	}
	defer rows.Close()
	return VerifyWith(ctx, rows, Options{Head: &h, Anchors: anchors})
}

// Query selects events for a listing; zero fields match everything.
type Query struct {
	Units  []string // only these units' events; nil is every unit, empty none
	Unit   string
	Object string
	Actor  string
	Action string    // an exact action, or a prefix ending in "." ("progress.")
	Before int64     // only events with a Seq below this (paging backwards)
	Since  time.Time // only events at or after this instant (zero: no bound)
	Until  time.Time // only events before this instant (zero: no bound)
	Limit  int       // at most this many, newest first; 100 when 0, 1000 at most
}

// List returns the events q selects, newest first.
func (l Log) List(ctx context.Context, q Query) ([]Event, error) {
	if q.Units != nil && len(q.Units) == 0 {
		return nil, nil
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.Units != nil {
		add("unit IN (?"+strings.Repeat(", ?", len(q.Units)-1)+")", anys(q.Units)...)
	}
	if q.Unit != "" {
		add("unit = ?", q.Unit)
	}
	if q.Object != "" {
		add("object = ?", q.Object)
	}
	if q.Actor != "" {
		add("actor = ?", q.Actor)
	}
	if strings.HasSuffix(q.Action, ".") {
		add("action >= ? AND action < ?", q.Action, q.Action[:len(q.Action)-1]+"/")
	} else if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.Before > 0 {
		add("seq < ?", q.Before)
	}
	if !q.Since.IsZero() {
		add("at_us >= ?", q.Since.UnixMicro())
	}
	if !q.Until.IsZero() {
		add("at_us < ?", q.Until.UnixMicro())
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	s := `SELECT ` + columns + ` FROM audit_events`
	if len(where) > 0 {
		s += ` WHERE ` + strings.Join(where, " AND ")
	}
	s += fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, limit)
	rows, err := l.DB.QueryContext(ctx, rebind(l.Dialect, s), args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
