-- Audit trail (审计链) for SQLite: one row per event, hashed in a chain (see
-- package audit), and audit_head holding the last event's seq and hash,
-- updated by every append in the same transaction.
-- at_us is microseconds since the Unix epoch, UTC. before_json and after_json
-- are the JSON states exactly as hashed, NULL when absent.
CREATE TABLE IF NOT EXISTS audit_events (
	seq         INTEGER PRIMARY KEY,
	at_us       INTEGER NOT NULL,
	actor       TEXT NOT NULL,
	address     TEXT NOT NULL,
	action      TEXT NOT NULL,
	object      TEXT NOT NULL,
	unit        TEXT NOT NULL,
	before_json TEXT,
	after_json  TEXT,
	prev        TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_unit ON audit_events (unit, seq);
CREATE INDEX IF NOT EXISTS audit_events_object ON audit_events (object, seq);
CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events (actor, seq);
CREATE TABLE IF NOT EXISTS audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '') ON CONFLICT (id) DO NOTHING;
