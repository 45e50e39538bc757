package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"luoshi"

	"luoshi/audit"
)

// auditDialect is the audit package's name for the backend.
func (db *DB) auditDialect() audit.Dialect { return audit.Dialect(db.d.Name()) }

// AuditLog returns the audit trail of the store's database, read through
// the read pool.
func (db *DB) AuditLog() audit.Log { return audit.Log{DB: db.read, Dialect: db.auditDialect()} }

// record appends the audit event of a write to the write's own
// transaction, so that the write and its event commit or roll back
// together. The actor is who the context names (audit.WithWho), else the
// principal the store view acts for, else by (the write's own By field),
// else "system"; the address comes from the context.
//
// It chains the events exactly as audit.Append does, but keeps the head in
// the transaction's memory and writes the head row once, before the commit
// (flushHead): one batch of many writes reads and updates it once. The
// events themselves are inserted together at the end of the write
// (flushAudit). The writer restores the head, and drops the events not
// inserted, when a write's savepoint is rolled back.
func (t *tx) record(ctx context.Context, by, action, object, unit string, before, after any) error {
	if _, ok := audit.WhoFrom(ctx); !ok {
		w := audit.Who{Actor: by}
		if p, ok := principalFrom(ctx); ok && p.Account != "" {
			w.Actor = p.Account
		}
		if w.Actor == "" {
			w.Actor = "system"
		}
		ctx = audit.WithWho(ctx, w)
	}
	e, err := audit.Change(ctx, t.db.now(), action, object, unit, before, after)
	if err != nil {
		return internal(err, "audit %s %s", action, object)
	}
	for _, f := range []*string{&e.Actor, &e.Address, &e.Action, &e.Object, &e.Unit} {
		if !utf8.ValidString(*f) || strings.IndexByte(*f, 0) >= 0 {
			*f = strings.ReplaceAll(strings.ToValidUTF8(*f, "\uFFFD"), "\x00", "\uFFFD")
		}
		if len(*f) > audit.MaxField {
			*f = strings.ToValidUTF8((*f)[:audit.MaxField], "")
		}
	}
	if len(e.Before) > audit.MaxState || len(e.After) > audit.MaxState {
		return luoshi.Errorf(luoshi.EInvalid, "the change to %s is too large to record", object)
	}
	if !t.head.loaded {
		if err := t.row(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&t.head.seq, &t.head.hash); err != nil {
			return internal(err, "read the audit head (schema not migrated?)")
		}
		t.head.loaded, t.head.stored = true, t.head.seq
	}
	e.Seq = t.head.seq + 1
	e = audit.Seal(t.head.hash, e)
	t.pending = append(t.pending, []any{e.Seq, e.At.UnixMicro(), e.Actor, e.Address, e.Action, e.Object, e.Unit, nullJSON(e.Before), nullJSON(e.After), e.Prev, e.Hash})
	t.head.seq, t.head.hash = e.Seq, e.Hash
	return nil
}

// flushAudit inserts the audit events recorded since the last flush,
// several per statement; the writer calls it at the end of each write, so
// that a write's events commit or roll back with it.
func (t *tx) flushAudit(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	if err := t.insertRows(ctx, "audit_events", []string{"seq", "at_us", "actor", "address", "action", "object", "unit", "before_json", "after_json", "prev", "hash"}, t.pending); err != nil {
		return fmt.Errorf("record audit events %v to %v: %w", t.pending[0][0], t.pending[len(t.pending)-1][0], err)
	}
	t.pending = t.pending[:0]
	return nil
}

// auditHead is the chain's head as a transaction sees it.
type auditHead struct {
	loaded bool
	stored int64 // seq of the head row when read
	seq    int64
	hash   string
}

// flushHead writes the head row if the transaction appended events.
func (t *tx) flushHead(ctx context.Context) error {
	h := t.head
	if !h.loaded || h.seq == h.stored {
		return nil
	}
	res, err := t.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?`, h.seq, h.hash, h.stored)
	if err != nil {
		return internal(err, "update the audit head")
	}
	if n, err := res.RowsAffected(); err == nil && n != 1 {
		return luoshi.Errorf(luoshi.EInternal, "the audit head moved while events %d to %d were appended", h.stored+1, h.seq)
	}
	t.head.stored = h.seq
	return nil
}

func nullJSON(j json.RawMessage) any {
	if len(j) == 0 {
		return nil
	}
	return string(j)
}

// Pools returns the store's write and read pools, for the packages that
// keep their own tables in the same database (auth/sqlauth: accounts,
// sessions, API tokens). On SQLite the write pool is the single writer
// connection: their transactions queue behind the store's batches.
func (db *DB) Pools() (write, read *sql.DB) { return db.write, db.read }
