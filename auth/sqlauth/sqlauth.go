// Package sqlauth keeps accounts, sessions and API tokens in SQL tables
// (SQLite or PostgreSQL, through database/sql), implementing
// auth.SessionStore and auth.AccountLookup, and records every change to an
// account or a token in the audit trail in the same transaction. The store
// includes Schema in its migrations (with audit.Schema) and hands its
// write and read pools to New.
package sqlauth

import (
	"context"
	"database/sql"
	_ "embed" // the schema files
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
)

var (
	//go:embed schema/sqlite.sql
	schemaSQLite string
	//go:embed schema/postgres.sql
	schemaPostgres string
)

// Schema returns the DDL of the tables for d: idempotent statements, each
// ending with a semicolon at the end of a line.
func Schema(d audit.Dialect) (string, error) {
	switch d {
	case audit.SQLite:
		return schemaSQLite, nil
	case audit.Postgres:
		return schemaPostgres, nil
	}
	return "", fmt.Errorf("sqlauth: unknown dialect %q", d)
}

// EnsureSchema creates the tables, and the audit tables, if missing.
func EnsureSchema(ctx context.Context, db *sql.DB, d audit.Dialect) error {
	if err := audit.EnsureSchema(ctx, db, d); err != nil {
		return err
	}
	s, err := Schema(d)
	if err != nil {
		return err
	}
	if err := audit.ApplyDDL(ctx, db, s); err != nil {
		return fmt.Errorf("sqlauth: schema: %w", err)
	}
	return nil
}

// Store is the tables behind a write pool (the store's single writer on
// SQLite) and a read pool (the same pool on PostgreSQL).
type Store struct {
	write, read *sql.DB
	d           audit.Dialect
	now         func() time.Time
}

// New returns a Store; now is the clock (time.Now when nil).
func New(write, read *sql.DB, d audit.Dialect, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{write: write, read: read, d: d, now: now}
}

var (
	_ auth.SessionStore  = (*Store)(nil)
	_ auth.AccountLookup = (*Store)(nil)
)

func (s *Store) q(query string) string {
	if s.d != audit.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// inTx runs f in a write transaction that has taken the audit head's lock
// first, and commits.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlauth: begin: %w", err)
	}
	defer tx.Rollback()
	if err := audit.LockHead(ctx, tx, s.d); err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlauth: commit: %w", err)
	}
	return nil
}

func (s *Store) record(ctx context.Context, tx *sql.Tx, action, object, unit string, before, after any) error {
	e, err := audit.Change(ctx, s.now(), action, object, unit, before, after)
	if err != nil {
		return err
	}
	_, err = audit.Append(ctx, tx, s.d, e)
	return err
}

func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromUS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func key(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

func isUnique(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Accounts.

const accountColumns = `name, display_name, role, units, password_hash, disabled, created_us, password_changed_us`

func scanAccount(row interface{ Scan(...any) error }) (auth.Account, error) {
	var a auth.Account
	var units string
	var created, changed int64
	if err := row.Scan(&a.Name, &a.DisplayName, &a.Role, &units, &a.PasswordHash, &a.Disabled, &created, &changed); err != nil {
		return auth.Account{}, err
	}
	if err := json.Unmarshal([]byte(units), &a.Units); err != nil {
		return auth.Account{}, fmt.Errorf("sqlauth: account %s: units: %w", a.Name, err)
	}
	a.Created, a.PasswordChanged = fromUS(created), fromUS(changed)
	return a, nil
}

// AccountByName returns the account called name, in any case, or a
// luoshi.Error ENotFound.
func (s *Store) AccountByName(ctx context.Context, name string) (auth.Account, error) {
	a, err := scanAccount(s.read.QueryRowContext(ctx, s.q(`SELECT `+accountColumns+` FROM auth_accounts WHERE name_key = ?`), key(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Account{}, luoshi.Errorf(luoshi.ENotFound, "账号 %s 不存在", name)
	}
	if err != nil {
		return auth.Account{}, fmt.Errorf("sqlauth: account %s: %w", name, err)
	}
	return a, nil
}

// Accounts returns every account, by name.
func (s *Store) Accounts(ctx context.Context) ([]auth.Account, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+accountColumns+` FROM auth_accounts ORDER BY name_key`)
	if err != nil {
		return nil, fmt.Errorf("sqlauth: accounts: %w", err)
	}
	defer rows.Close()
	var out []auth.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlauth: accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// checkAccount validates what an account holds; the password hash must be
// an argon2id PHC string.
func checkAccount(a *auth.Account) error {
	if err := auth.ValidateAccountName(a.Name); err != nil {
		return err
	}
	if a.DisplayName == "" {
		a.DisplayName = a.Name
	}
	if err := auth.ValidateLabel(a.DisplayName, 50); err != nil {
		return err
	}
	if _, err := auth.ParseRole(string(a.Role)); err != nil {
		return err
	}
	for _, u := range a.Units {
		if strings.TrimSpace(u) == "" || len(u) > 100 {
			return luoshi.Errorf(luoshi.EInvalid, "单位代码无效：%q", u)
		}
	}
	if a.Units == nil {
		a.Units = []string{}
	}
	return nil
}

func (s *Store) insertAccount(ctx context.Context, tx *sql.Tx, a auth.Account) error {
	units, _ := json.Marshal(a.Units)
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO auth_accounts (name_key, `+accountColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		key(a.Name), a.Name, a.DisplayName, string(a.Role), string(units), a.PasswordHash, a.Disabled, us(a.Created), us(a.PasswordChanged))
	if err != nil {
		if isUnique(err) {
			return luoshi.Errorf(luoshi.EConflict, "账号 %s 已存在", a.Name)
		}
		return fmt.Errorf("sqlauth: create account %s: %w", a.Name, err)
	}
	return nil
}

// CreateAccount stores a new account (its password already hashed) and
// records "account.create". A name taken in any case is EConflict.
func (s *Store) CreateAccount(ctx context.Context, a auth.Account) error {
	return s.createAccount(ctx, a, false)
}

// CreateFirstAdmin stores a as the first administrator, only while there
// is no account at all (EConflict otherwise): what `luoshi user add
// --admin` and the first-run page call. Two at once cannot both succeed.
func (s *Store) CreateFirstAdmin(ctx context.Context, a auth.Account) error {
	a.Role = auth.RoleAdmin
	return s.createAccount(ctx, a, true)
}

func (s *Store) createAccount(ctx context.Context, a auth.Account, first bool) error {
	if err := checkAccount(&a); err != nil {
		return err
	}
	if !strings.HasPrefix(a.PasswordHash, "$argon2id$") {
		return luoshi.Errorf(luoshi.EInvalid, "账号 %s 没有设置密码", a.Name)
	}
	now := s.now().UTC()
	a.Created, a.PasswordChanged = now, now
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if first {
			// The head lock (inTx) orders concurrent first runs; this
			// statement sees what the one before committed.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_accounts`).Scan(&n); err != nil {
				return fmt.Errorf("sqlauth: count accounts: %w", err)
			}
			if n > 0 {
				return luoshi.Errorf(luoshi.EConflict, "已有账号，不能再创建首个管理员；请用管理员账号登录后添加")
			}
		}
		if err := s.insertAccount(ctx, tx, a); err != nil {
			return err
		}
		action := "account.create"
		if first {
			action = "account.create_first_admin"
		}
		return s.record(ctx, tx, action, "account:"+a.Name, "", nil, a)
	})
}

// UpdateAccount replaces the display name, role, units and disabled flag
// of the account named a.Name (not its password) and records
// "account.update". Disabling an account ends its sessions.
func (s *Store) UpdateAccount(ctx context.Context, a auth.Account) error {
	if err := checkAccount(&a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := scanAccount(tx.QueryRowContext(ctx, s.q(`SELECT `+accountColumns+` FROM auth_accounts WHERE name_key = ?`), key(a.Name)))
		if errors.Is(err, sql.ErrNoRows) {
			return luoshi.Errorf(luoshi.ENotFound, "账号 %s 不存在", a.Name)
		}
		if err != nil {
			return fmt.Errorf("sqlauth: account %s: %w", a.Name, err)
		}
		units, _ := json.Marshal(a.Units)
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE auth_accounts SET display_name = ?, role = ?, units = ?, disabled = ? WHERE name_key = ?`),
			a.DisplayName, string(a.Role), string(units), a.Disabled, key(a.Name)); err != nil {
			return fmt.Errorf("sqlauth: update account %s: %w", a.Name, err)
		}
		if a.Disabled {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM auth_sessions WHERE account_key = ?`), key(a.Name)); err != nil {
				return fmt.Errorf("sqlauth: end sessions of %s: %w", a.Name, err)
			}
		}
		after := before
		after.DisplayName, after.Role, after.Units, after.Disabled = a.DisplayName, a.Role, a.Units, a.Disabled
		return s.record(ctx, tx, "account.update", "account:"+before.Name, "", before, after)
	})
}

// SetPassword stores a new password hash for the account name, ends every
// session of it but keep (a session ID; "" ends them all) in the same
// transaction, and records "account.password" (when, not the hash).
func (s *Store) SetPassword(ctx context.Context, name, hash, keep string) error {
	if !strings.HasPrefix(hash, "$argon2id$") {
		return luoshi.Errorf(luoshi.EInvalid, "密码哈希无效")
	}
	now := s.now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var old int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT password_changed_us FROM auth_accounts WHERE name_key = ?`), key(name)).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return luoshi.Errorf(luoshi.ENotFound, "账号 %s 不存在", name)
		}
		if err != nil {
			return fmt.Errorf("sqlauth: account %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE auth_accounts SET password_hash = ?, password_changed_us = ? WHERE name_key = ?`),
			hash, us(now), key(name)); err != nil {
			return fmt.Errorf("sqlauth: set password of %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM auth_sessions WHERE account_key = ? AND id <> ?`), key(name), keep); err != nil {
			return fmt.Errorf("sqlauth: end sessions of %s: %w", name, err)
		}
		type changed struct {
			PasswordChanged time.Time `json:"password_changed"`
		}
		return s.record(ctx, tx, "account.password", "account:"+key(name), "", changed{fromUS(old)}, changed{now})
	})
}

// RehashPassword replaces the stored hash of name by a new hash of the
// same password (after a login with older parameters): no event, no
// session ends.
func (s *Store) RehashPassword(ctx context.Context, name, oldHash, newHash string) error {
	if !strings.HasPrefix(newHash, "$argon2id$") {
		return luoshi.Errorf(luoshi.EInvalid, "密码哈希无效")
	}
	_, err := s.write.ExecContext(ctx, s.q(`UPDATE auth_accounts SET password_hash = ? WHERE name_key = ? AND password_hash = ?`), newHash, key(name), oldHash)
	if err != nil {
		return fmt.Errorf("sqlauth: rehash %s: %w", name, err)
	}
	return nil
}

// Sessions.

// CreateSession stores s.
func (s *Store) CreateSession(ctx context.Context, x auth.Session) error {
	_, err := s.write.ExecContext(ctx, s.q(`INSERT INTO auth_sessions (id, account_key, created_us, expires_us, last_seen_us) VALUES (?, ?, ?, ?, ?)`),
		x.ID, key(x.Account), us(x.Created), us(x.Expires), us(x.LastSeen))
	if err != nil {
		return fmt.Errorf("sqlauth: create session: %w", err)
	}
	return nil
}

// Session returns the session with id, or a luoshi.Error ENotFound.
func (s *Store) Session(ctx context.Context, id string) (auth.Session, error) {
	x := auth.Session{ID: id}
	var c, e, l int64
	err := s.read.QueryRowContext(ctx, s.q(`SELECT account_key, created_us, expires_us, last_seen_us FROM auth_sessions WHERE id = ?`), id).
		Scan(&x.Account, &c, &e, &l)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, luoshi.Errorf(luoshi.ENotFound, "会话不存在")
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("sqlauth: session: %w", err)
	}
	x.Created, x.Expires, x.LastSeen = fromUS(c), fromUS(e), fromUS(l)
	return x, nil
}

// TouchSession sets the session's LastSeen.
func (s *Store) TouchSession(ctx context.Context, id string, seen time.Time) error {
	if _, err := s.write.ExecContext(ctx, s.q(`UPDATE auth_sessions SET last_seen_us = ? WHERE id = ?`), us(seen), id); err != nil {
		return fmt.Errorf("sqlauth: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.write.ExecContext(ctx, s.q(`DELETE FROM auth_sessions WHERE id = ?`), id); err != nil {
		return fmt.Errorf("sqlauth: end session: %w", err)
	}
	return nil
}

// DeleteAccountSessions ends every session of account except keep.
func (s *Store) DeleteAccountSessions(ctx context.Context, account, keep string) error {
	if _, err := s.write.ExecContext(ctx, s.q(`DELETE FROM auth_sessions WHERE account_key = ? AND id <> ?`), key(account), keep); err != nil {
		return fmt.Errorf("sqlauth: end sessions of %s: %w", account, err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions expired at now and returns
// how many; run it now and then.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.q(`DELETE FROM auth_sessions WHERE expires_us <= ?`), us(now))
	if err != nil {
		return 0, fmt.Errorf("sqlauth: expire sessions: %w", err)
	}
	return res.RowsAffected()
}

// API tokens.

const tokenColumns = `hash, hint, name, unit, scope, created_by, created_us, expires_us, revoked_us`

func scanToken(row interface{ Scan(...any) error }) (auth.APIToken, error) {
	var t auth.APIToken
	var c, e, r int64
	if err := row.Scan(&t.Hash, &t.Hint, &t.Name, &t.Unit, &t.Scope, &t.CreatedBy, &c, &e, &r); err != nil {
		return auth.APIToken{}, err
	}
	t.Created, t.Expires, t.Revoked = fromUS(c), fromUS(e), fromUS(r)
	return t, nil
}

// CreateAPIToken stores t (made by auth.NewAPITokenFor) and records
// "token.create" for its unit.
func (s *Store) CreateAPIToken(ctx context.Context, t auth.APIToken) error {
	if len(t.Hash) != 64 || t.Unit == "" || t.Expires.IsZero() {
		return luoshi.Errorf(luoshi.EInvalid, "令牌无效")
	}
	if _, err := auth.ParseScope(string(t.Scope)); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO auth_api_tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`),
			t.Hash, t.Hint, t.Name, t.Unit, string(t.Scope), t.CreatedBy, us(t.Created), us(t.Expires)); err != nil {
			if isUnique(err) {
				return luoshi.Errorf(luoshi.EConflict, "令牌已存在")
			}
			return fmt.Errorf("sqlauth: create token: %w", err)
		}
		return s.record(ctx, tx, "token.create", "token:"+t.Hint, t.Unit, nil, t)
	})
}

// APIToken returns the token whose hash is hash, or ENotFound.
func (s *Store) APIToken(ctx context.Context, hash string) (auth.APIToken, error) {
	t, err := scanToken(s.read.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM auth_api_tokens WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.APIToken{}, luoshi.Errorf(luoshi.ENotFound, "令牌不存在")
	}
	if err != nil {
		return auth.APIToken{}, fmt.Errorf("sqlauth: token: %w", err)
	}
	return t, nil
}

// APITokens returns the tokens of unit ("" for every unit), newest first.
func (s *Store) APITokens(ctx context.Context, unit string) ([]auth.APIToken, error) {
	q, args := `SELECT `+tokenColumns+` FROM auth_api_tokens`, []any{}
	if unit != "" {
		q, args = q+` WHERE unit = ?`, append(args, unit)
	}
	rows, err := s.read.QueryContext(ctx, s.q(q+` ORDER BY created_us DESC, hash`), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlauth: tokens: %w", err)
	}
	defer rows.Close()
	var out []auth.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlauth: tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes the token whose hash is hash (ENotFound if there
// is none) and records "token.revoke"; revoking it again changes nothing.
func (s *Store) RevokeAPIToken(ctx context.Context, hash string) error {
	now := s.now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		t, err := scanToken(tx.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM auth_api_tokens WHERE hash = ?`), hash))
		if errors.Is(err, sql.ErrNoRows) {
			return luoshi.Errorf(luoshi.ENotFound, "令牌不存在")
		}
		if err != nil {
			return fmt.Errorf("sqlauth: token: %w", err)
		}
		if !t.Revoked.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE auth_api_tokens SET revoked_us = ? WHERE hash = ?`), us(now), hash); err != nil {
			return fmt.Errorf("sqlauth: revoke token: %w", err)
		}
		after := t
		after.Revoked = now
		return s.record(ctx, tx, "token.revoke", "token:"+t.Hint, t.Unit, t, after)
	})
}
