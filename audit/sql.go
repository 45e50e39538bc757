package audit

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed" // the schema files
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Dialect names the SQL backend: the same names as the store's dialects.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

var (
	//go:embed schema/sqlite.sql
	schemaSQLite string
	//go:embed schema/postgres.sql
	schemaPostgres string
)

// Schema returns the DDL of the audit tables for d: statements that each
// end with a semicolon at the end of a line, idempotent (IF NOT EXISTS), fit
// to be copied into the store's migrations or run by EnsureSchema.
func Schema(d Dialect) (string, error) {
	switch d {
	case SQLite:
		return schemaSQLite, nil
	case Postgres:
		return schemaPostgres, nil
	}
	return "", fmt.Errorf("audit: unknown dialect %q", d)
}

// EnsureSchema creates the audit tables in db if they are missing.
func EnsureSchema(ctx context.Context, db *sql.DB, d Dialect) error {
	s, err := Schema(d)
	if err != nil {
		return err
	}
	if err := ApplyDDL(ctx, db, s); err != nil {
		return fmt.Errorf("audit: schema: %w", err)
	}
	return nil
}

// ApplyDDL runs a re-runnable DDL script (statements ending a line with a
// semicolon; "--" comment lines) in one transaction. Packages that keep
// their own tables in the store's database (auth/sqlauth) use it too.
func ApplyDDL(ctx context.Context, db *sql.DB, ddl string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range Statements(ddl) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Statements splits DDL at semicolons that end a line, dropping comments.
func Statements(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// Limits on what one event may hold.
const (
	MaxField = 4 << 10 // bytes of Actor, Address, Action, Object or Unit
	MaxState = 1 << 20 // bytes of Before or After
)

// ErrInvalid is matched (errors.Is) by Append's errors for an event that
// cannot be recorded as given.
var ErrInvalid = errors.New("audit: invalid event")

// LockHead takes the head row's lock in tx now, on PostgreSQL; on SQLite
// the write transaction already excludes all others and LockHead does
// nothing. A transaction that makes several writes, each with its Append,
// should call it right after BEGIN: every transaction then takes the head
// lock before any row lock, and two of them cannot deadlock over it.
func LockHead(ctx context.Context, tx *sql.Tx, d Dialect) error {
	switch d {
	case SQLite:
		return nil
	case Postgres:
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&seq); err != nil {
			return fmt.Errorf("audit: lock head: %w", err)
		}
		return nil
	}
	return fmt.Errorf("audit: unknown dialect %q", d)
}

// Append records e in the transaction tx, which must also hold the write e
// describes: the event is committed or rolled back with it. It takes the
// next Seq and the previous Hash from the head row, locked (SELECT … FOR
// UPDATE) on PostgreSQL so that concurrent transactions append one after
// another; on SQLite the transaction already holds the database's single
// write lock (the store's writer begins IMMEDIATE transactions), and the
// head row is updated in it.
//
// Strings are made valid UTF-8 without NUL bytes (U+FFFD replaces what is
// not), Before and After must be valid JSON (or empty) and are compacted.
// e.Seq, e.Prev and e.Hash are ignored; e.At must be set. The recorded
// event is returned.
func Append(ctx context.Context, tx *sql.Tx, d Dialect, e Event) (Event, error) {
	e, err := clean(e)
	if err != nil {
		return Event{}, err
	}
	var q string
	switch d {
	case SQLite:
		q = `SELECT seq, hash FROM audit_head WHERE id = 1`
	case Postgres:
		q = `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`
	default:
		return Event{}, fmt.Errorf("audit: unknown dialect %q", d)
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, q).Scan(&seq, &prev); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Event{}, errors.New("audit: the audit_head row is missing (schema not created?)")
		}
		return Event{}, fmt.Errorf("audit: read head: %w", err)
	}
	e.Seq = seq + 1
	e = Seal(prev, e)
	if _, err := tx.ExecContext(ctx, rebind(d, `INSERT INTO audit_events
		(seq, at_us, actor, address, action, object, unit, before_json, after_json, prev, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.Seq, e.At.UnixMicro(), e.Actor, e.Address, e.Action, e.Object, e.Unit,
		nullJSON(e.Before), nullJSON(e.After), e.Prev, e.Hash); err != nil {
		return Event{}, fmt.Errorf("audit: insert event %d: %w", e.Seq, err)
	}
	res, err := tx.ExecContext(ctx, rebind(d, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?`), e.Seq, e.Hash, seq)
	if err != nil {
		return Event{}, fmt.Errorf("audit: update head: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n != 1 {
		return Event{}, fmt.Errorf("audit: head moved while appending event %d", e.Seq)
	}
	return e, nil
}

// clean makes e storable on both backends so that it hashes the same after
// a round trip.
func clean(e Event) (Event, error) {
	if e.At.IsZero() {
		return Event{}, fmt.Errorf("%w: no time", ErrInvalid)
	}
	if e.Action == "" {
		return Event{}, fmt.Errorf("%w: no action", ErrInvalid)
	}
	for _, f := range []*string{&e.Actor, &e.Address, &e.Action, &e.Object, &e.Unit} {
		s := *f
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
		}
		if len(s) > MaxField {
			return Event{}, fmt.Errorf("%w: a field is longer than %d bytes", ErrInvalid, MaxField)
		}
		*f = s
	}
	for _, j := range []*json.RawMessage{&e.Before, &e.After} {
		if len(*j) == 0 {
			*j = nil
			continue
		}
		if len(*j) > MaxState {
			return Event{}, fmt.Errorf("%w: a state is longer than %d bytes", ErrInvalid, MaxState)
		}
		if !utf8.Valid(*j) {
			return Event{}, fmt.Errorf("%w: state is not valid UTF-8", ErrInvalid)
		}
		var b bytes.Buffer
		if err := json.Compact(&b, *j); err != nil {
			return Event{}, fmt.Errorf("%w: state is not JSON: %w", ErrInvalid, err)
		}
		*j = b.Bytes()
	}
	e.Seq, e.Prev, e.Hash = 0, "", ""
	return e, nil
}

func nullJSON(j json.RawMessage) any {
	if len(j) == 0 {
		return nil
	}
	return string(j)
}

// rebind turns ? placeholders into $1, $2 … for PostgreSQL. The queries of
// this package have no ? inside literals.
func rebind(d Dialect, q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
