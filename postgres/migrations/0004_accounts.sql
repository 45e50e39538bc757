-- Accounts, sessions and API tokens for PostgreSQL (package auth/sqlauth).
-- Times are microseconds since the Unix epoch, UTC; units is a JSON array of
-- unit codes. name_key is the lower-case name: names are unique regardless
-- of case. Secrets are never stored: password_hash is an argon2id PHC
-- string, auth_sessions.id and auth_api_tokens.hash are SHA-256 hex of the tokens.
CREATE TABLE IF NOT EXISTS auth_accounts (
	name_key         TEXT PRIMARY KEY,
	name             TEXT NOT NULL,
	display_name     TEXT NOT NULL,
	role             TEXT NOT NULL,
	units            TEXT NOT NULL,
	password_hash    TEXT NOT NULL,
	disabled         BOOLEAN NOT NULL,
	created_us       BIGINT NOT NULL,
	password_changed_us BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_sessions (
	id           TEXT PRIMARY KEY,
	account_key  TEXT NOT NULL,
	created_us   BIGINT NOT NULL,
	expires_us   BIGINT NOT NULL,
	last_seen_us BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_sessions_account ON auth_sessions (account_key);
CREATE INDEX IF NOT EXISTS auth_sessions_expires ON auth_sessions (expires_us);
CREATE TABLE IF NOT EXISTS auth_api_tokens (
	hash        TEXT PRIMARY KEY,
	hint        TEXT NOT NULL,
	name        TEXT NOT NULL,
	unit        TEXT NOT NULL,
	scope       TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_us  BIGINT NOT NULL,
	expires_us  BIGINT NOT NULL,
	revoked_us  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_api_tokens_unit ON auth_api_tokens (unit);
