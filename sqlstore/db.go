// Package sqlstore implements luoshi.Store over database/sql for both SQL
// backends. It imports no driver: package sqlite and package postgres open
// the connections, run their own embedded migrations and hand over a
// Dialect for the few places where the SQL differs.
//
// Every write goes through one writer goroutine that groups the writes
// waiting for it into a single transaction, each inside its own savepoint:
// one commit (one fsync) acknowledges many writes, and a write that fails
// rolls back to its savepoint without touching the others. A caller is
// answered only after the commit, so every acknowledged write is durable.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"luoshi"
	"luoshi/audit"
)

// Dialect is what differs between the backends.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Rebind turns the ? placeholders of q into the backend's own.
	Rebind(q string) string
	// Least is the name of the scalar minimum function: MIN or LEAST.
	Least() string
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique(err error) bool
	// Retryable reports whether err aborted a transaction that may simply
	// be run again (a deadlock or serialization failure between writers).
	Retryable(err error) bool
	// CopyFrom loads rows into table quickly if the backend has a way to
	// (PostgreSQL's COPY); ok is false when it has none.
	CopyFrom(ctx context.Context, db *sql.DB, table string, cols []string, rows [][]any) (ok bool, err error)
}

// Options configure a store.
type Options struct {
	Evidence luoshi.EvidenceLimits
	// MaxBatch bounds how many writes share one transaction.
	MaxBatch int
	// Writers is how many writer goroutines (each with its own transaction)
	// run at once: 1 for SQLite, its single writer; more for PostgreSQL.
	Writers int
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// DB is a luoshi.Store over a write pool and a read pool (the same pool for
// PostgreSQL; one connection for writes and several for reads for SQLite).
type DB struct {
	write, read *sql.DB
	d           Dialect
	opt         Options

	jobs      chan *job
	done      chan struct{}
	closeOnce sync.Once
	stmts     sync.Map // query → rebound query
	wstmts    sync.Map // query → *sql.Stmt prepared on the write pool

	// regionTree caches the region units for the indicator layer; PutUnits
	// drops it.
	regionTree atomic.Pointer[map[string]region]
	// owes caches, by indicator, the regions that owe it; writes to
	// quotas, bindings and plans drop it.
	owesMu sync.Mutex
	owes   map[string]map[string]bool
	// missing caches, for a region's value of an indicator that could not
	// be derived, the regions under it that lacked a value then; a write
	// that gives one of them a value reads them again. The writes that
	// change what is owed, or many values at once, drop it.
	missing map[ivKey]map[string]bool
}

// dropOwes forgets the cached owing regions of every indicator, and what
// derived values lack.
func (db *DB) dropOwes() {
	db.owesMu.Lock()
	db.owes, db.missing = nil, nil
	db.owesMu.Unlock()
}

var _ luoshi.Store = (*DB)(nil)

// New returns a store over the given pools; migrations must have run. The
// store owns the pools and closes them on Close.
func New(write, read *sql.DB, d Dialect, opt Options) *DB {
	if opt.Evidence.MaxBytes == 0 {
		opt.Evidence = luoshi.DefaultEvidenceLimits()
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 512
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	db := &DB{write: write, read: read, d: d, opt: opt, jobs: make(chan *job, 4096), done: make(chan struct{})}
	if opt.Writers <= 0 {
		opt.Writers = 1
	}
	db.opt = opt
	var wg sync.WaitGroup
	for i := 0; i < opt.Writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.writer()
		}()
	}
	go func() {
		wg.Wait()
		close(db.done)
	}()
	return db
}

// Dialect returns the backend's dialect.
func (db *DB) Dialect() Dialect { return db.d }

// Close stops the writer and closes the pools.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		close(db.jobs)
		<-db.done
		db.wstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
		err = db.write.Close()
		if db.read != db.write {
			if e := db.read.Close(); err == nil {
				err = e
			}
		}
	})
	return err
}

// q rebinds a query for the backend, once per distinct query.
func (db *DB) q(query string) string {
	if v, ok := db.stmts.Load(query); ok {
		return v.(string)
	}
	r := db.d.Rebind(query)
	db.stmts.Store(query, r)
	return r
}

// tx is a transaction (or savepoint) handed to a write.
type tx struct {
	db         *DB
	t          *sql.Tx
	unprepared []string
	head       auditHead // the audit chain's head in this transaction
	pending    [][]any   // audit events recorded, not inserted yet (flushAudit)
	// missing holds the changes to DB.missing made by the committed
	// writes of the transaction so far, and jobMissing those of the write
	// running; they reach DB.missing only when the transaction commits.
	missing, jobMissing map[ivKey]map[string]bool
	stmts               map[string]*sql.Stmt // query → statement bound to t
}

// stmt returns the statement for query bound to the transaction: prepared
// once on the write pool (one connection for SQLite, so it is parsed once)
// and reused. A query seen for the first time is prepared in the
// transaction; the writer prepares it for good after the commit, when the
// connection is free again. Either way the statement bound to the
// transaction is kept for the transaction's other uses of query, so that a
// batch of many writes binds (or prepares) it once.
func (t *tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	if v, ok := t.db.wstmts.Load(query); ok {
		s = t.t.StmtContext(ctx, v.(*sql.Stmt))
	} else {
		var err error
		if s, err = t.t.PrepareContext(ctx, t.db.q(query)); err != nil {
			return nil, err
		}
		t.unprepared = append(t.unprepared, query)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = s
	return s, nil
}

// prepare prepares queries on the write pool for later transactions.
func (db *DB) prepare(queries []string) {
	for _, q := range queries {
		if _, ok := db.wstmts.Load(q); ok {
			continue
		}
		s, err := db.write.PrepareContext(context.Background(), db.q(q))
		if err != nil {
			continue // prepared in each transaction instead
		}
		if _, loaded := db.wstmts.LoadOrStore(q, s); loaded {
			s.Close()
		}
	}
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (t *tx) row(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return t.t.QueryRowContext(ctx, t.db.q(query), args...) // reports the error
	}
	return s.QueryRowContext(ctx, args...)
}

// reader runs read queries on the read pool.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.q(query), args...)
}

func (db *DB) row(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.q(query), args...)
}

// job is one write waiting for the writer.
type job struct {
	ctx  context.Context
	fn   func(ctx context.Context, t *tx) error
	done chan error
}

// errClosed is returned for writes after Close.
var errClosed = luoshi.Errorf(luoshi.EInternal, "store is closed")

// update runs fn in the writer's next transaction and returns once that
// transaction has committed (or fn failed and was rolled back).
func (db *DB) update(ctx context.Context, fn func(ctx context.Context, t *tx) error) (err error) {
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	defer func() {
		if recover() != nil { // send on closed channel
			err = errClosed
		}
	}()
	select {
	case db.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-j.done
}

// writer runs the write jobs, grouping those that wait into one transaction.
func (db *DB) writer() {
	batch := make([]*job, 0, db.opt.MaxBatch)
	errs := make([]error, 0, db.opt.MaxBatch)
	for j := range db.jobs {
		batch = append(batch[:0], j)
	fill:
		for len(batch) < db.opt.MaxBatch {
			select {
			case j, ok := <-db.jobs:
				if !ok {
					break fill
				}
				batch = append(batch, j)
			default:
				break fill
			}
		}
		errs = errs[:len(batch)]
		db.run(batch, errs)
		for i, j := range batch {
			j.done <- errs[i]
		}
	}
}

// run executes one batch in one transaction, again when concurrent writers
// made the backend abort it (a few times at most).
func (db *DB) run(batch []*job, errs []error) {
	for attempt := 0; ; attempt++ {
		if !db.runOnce(batch, errs) || attempt == 4 {
			return
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
}

// runOnce executes one batch in one transaction; it reports whether the
// transaction was aborted in a way worth retrying (and rolled back).
func (db *DB) runOnce(batch []*job, errs []error) (retry bool) {
	ctx := context.Background()
	fail := func(err error) {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i := range errs {
		errs[i] = nil
	}
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return false
	}
	// Every write appends to the audit chain: take its head first, so that
	// concurrent writers queue on it before any row lock and cannot deadlock.
	if err := audit.LockHead(ctx, t, db.auditDialect()); err != nil {
		_ = t.Rollback()
		fail(err)
		return db.d.Retryable(err)
	}
	x := &tx{db: db, t: t}
	single := len(batch) == 1
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if single {
			errs[i] = j.fn(j.ctx, x)
			if errs[i] == nil {
				errs[i] = x.flushAudit(ctx)
			}
			if errs[i] == nil {
				x.keepMissing()
			}
			continue
		}
		if _, err := t.ExecContext(ctx, "SAVEPOINT w"); err != nil {
			errs[i] = fmt.Errorf("savepoint: %w", err)
			continue
		}
		head := x.head
		err := j.fn(j.ctx, x)
		if err == nil {
			err = x.flushAudit(ctx)
		}
		if err == nil {
			x.keepMissing()
		}
		if err != nil {
			errs[i] = err
			x.head = head // its events are rolled back with it
			x.pending = x.pending[:0]
			x.jobMissing = nil
			if _, err := t.ExecContext(ctx, "ROLLBACK TO SAVEPOINT w"); err != nil {
				_ = t.Rollback()
				fail(fmt.Errorf("rollback to savepoint: %w", err))
				return db.d.Retryable(err)
			}
		}
		if _, err := t.ExecContext(ctx, "RELEASE SAVEPOINT w"); err != nil {
			_ = t.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return db.d.Retryable(err)
		}
	}
	for _, err := range errs {
		if err != nil && db.d.Retryable(err) {
			_ = t.Rollback()
			return true
		}
	}
	if single && errs[0] != nil {
		_ = t.Rollback()
		db.prepare(x.unprepared)
		return false
	}
	if err := x.flushHead(ctx); err != nil {
		_ = t.Rollback()
		fail(err)
		return db.d.Retryable(err)
	}
	if err := t.Commit(); err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("commit: %w", err)
		}
		return db.d.Retryable(err)
	}
	db.prepare(x.unprepared)
	if len(x.missing) > 0 {
		db.owesMu.Lock()
		if db.missing == nil {
			db.missing = map[ivKey]map[string]bool{}
		}
		for k, m := range x.missing {
			if m == nil {
				delete(db.missing, k)
			} else {
				db.missing[k] = m
			}
		}
		db.owesMu.Unlock()
	}
	return false
}

// keepMissing adds the changes to DB.missing of the write that just
// succeeded to those of the transaction.
func (t *tx) keepMissing() {
	if len(t.jobMissing) == 0 {
		return
	}
	if t.missing == nil {
		t.missing = map[ivKey]map[string]bool{}
	}
	for k, m := range t.jobMissing {
		t.missing[k] = m
	}
	t.jobMissing = nil
}

// lacking returns what the cache says k's value lacks, as this write sees
// it (its own changes first, then the transaction's, then the store's);
// ok is false when nothing is known.
func (t *tx) lacking(k ivKey) (map[string]bool, bool) {
	if m, ok := t.jobMissing[k]; ok {
		return m, m != nil
	}
	if m, ok := t.missing[k]; ok {
		return m, m != nil
	}
	t.db.owesMu.Lock()
	defer t.db.owesMu.Unlock()
	m, ok := t.db.missing[k]
	return m, ok
}

// setLacking records what k's value lacks (nil: unknown), for the store
// once the transaction commits.
func (t *tx) setLacking(k ivKey, m map[string]bool) {
	if t.jobMissing == nil {
		t.jobMissing = map[ivKey]map[string]bool{}
	}
	t.jobMissing[k] = m
}

// Internal wraps an unexpected backend error.
func internal(err error, what string, args ...any) error {
	if err == nil {
		return nil
	}
	var le *luoshi.Error
	if errors.As(err, &le) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &luoshi.Error{Code: luoshi.EInternal, Message: fmt.Sprintf(what, args...), Err: err}
}

// Time format of stored instants: UTC, fixed width, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(timeFormat)
}

func parseTS(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

func (db *DB) now() time.Time { return db.opt.Now().UTC() }

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// padIn returns the placeholders of an IN list of vals and its arguments,
// the list padded (with its last value repeated, which changes nothing) to
// the next of a few sizes, so that the statements built with it are few
// and worth keeping prepared. vals must not be empty.
func padIn(vals []any) (string, []any) {
	n := 1
	for n < len(vals) {
		n *= 2
	}
	out := make([]any, n)
	copy(out, vals)
	for i := len(vals); i < n; i++ {
		out[i] = vals[len(vals)-1]
	}
	return placeholders(n), out
}

// rowChunks splits n rows into chunks of a few fixed sizes (64, 16, 4, 1),
// for multi-row statements that are worth keeping prepared.
func rowChunks(n int) []int {
	var out []int
	for _, size := range []int{64, 16, 4, 1} {
		for n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}
