-- luoshi schema for SQLite. Decimal values are kept as text (exact);
-- instants as fixed-width RFC 3339 text in UTC.
CREATE TABLE units (
	id     INTEGER PRIMARY KEY,
	code   TEXT NOT NULL UNIQUE,
	name   TEXT NOT NULL,
	kind   TEXT NOT NULL,
	parent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX units_parent ON units (parent);
CREATE INDEX units_name ON units (name);

CREATE TABLE plans (
	id           INTEGER PRIMARY KEY,
	jurisdiction TEXT NOT NULL,
	region       TEXT NOT NULL,
	year         INTEGER NOT NULL,
	version      INTEGER NOT NULL,
	latest       INTEGER NOT NULL DEFAULT 1,
	source_hash  TEXT NOT NULL,
	source       TEXT NOT NULL,
	title        TEXT NOT NULL,
	warnings     TEXT NOT NULL DEFAULT '[]',
	imported_by  TEXT NOT NULL DEFAULT '',
	imported_at  TEXT NOT NULL,
	UNIQUE (region, year, version)
);
CREATE INDEX plans_year_latest ON plans (year, latest, region);

CREATE TABLE sections (
	plan_id    INTEGER NOT NULL REFERENCES plans (id),
	id         TEXT NOT NULL,
	ord        INTEGER NOT NULL,
	level      INTEGER NOT NULL,
	number     TEXT NOT NULL,
	title      TEXT NOT NULL,
	kind       TEXT NOT NULL,
	span_start INTEGER NOT NULL,
	span_end   INTEGER NOT NULL,
	PRIMARY KEY (plan_id, id)
);

CREATE TABLE commitments (
	plan_id       INTEGER NOT NULL REFERENCES plans (id),
	id            TEXT NOT NULL,
	ord           INTEGER NOT NULL,
	section       TEXT NOT NULL,
	section_title TEXT NOT NULL,
	lead          TEXT NOT NULL,
	text          TEXT NOT NULL,
	span_start    INTEGER NOT NULL,
	span_end      INTEGER NOT NULL,
	suggested     TEXT NOT NULL DEFAULT '[]',
	PRIMARY KEY (plan_id, id)
);

CREATE TABLE targets (
	plan_id    INTEGER NOT NULL REFERENCES plans (id),
	id         TEXT NOT NULL,
	ord        INTEGER NOT NULL,
	commitment TEXT NOT NULL,
	value      TEXT NOT NULL,
	value_max  TEXT,
	unit       TEXT NOT NULL,
	comparator TEXT NOT NULL,
	strive     INTEGER NOT NULL,
	deadline   INTEGER NOT NULL,
	object     TEXT NOT NULL,
	text       TEXT NOT NULL,
	sentence   TEXT NOT NULL,
	span_start INTEGER NOT NULL,
	span_end   INTEGER NOT NULL,
	PRIMARY KEY (plan_id, id)
);

CREATE TABLE assignments (
	plan_id      INTEGER NOT NULL REFERENCES plans (id),
	commitment   TEXT NOT NULL,
	unit         TEXT NOT NULL REFERENCES units (code),
	role         TEXT NOT NULL,
	confirmed_by TEXT NOT NULL,
	confirmed_at TEXT NOT NULL,
	PRIMARY KEY (plan_id, commitment, unit)
);
CREATE INDEX assignments_unit ON assignments (unit, plan_id);

CREATE TABLE quotas (
	plan_id INTEGER NOT NULL REFERENCES plans (id),
	target  TEXT NOT NULL,
	unit    TEXT NOT NULL REFERENCES units (code),
	value   TEXT NOT NULL,
	set_by  TEXT NOT NULL,
	set_at  TEXT NOT NULL,
	PRIMARY KEY (plan_id, target, unit)
);

CREATE TABLE schedules (
	plan_id INTEGER NOT NULL REFERENCES plans (id),
	item    TEXT NOT NULL,
	ord     INTEGER NOT NULL,
	at      TEXT NOT NULL,
	share   TEXT NOT NULL,
	PRIMARY KEY (plan_id, item, ord)
);

CREATE TABLE periods (
	plan_id   INTEGER NOT NULL REFERENCES plans (id),
	key       TEXT NOT NULL,
	seq       INTEGER NOT NULL,
	start_at  TEXT NOT NULL,
	end_at    TEXT NOT NULL,
	due       TEXT NOT NULL,
	closed_at TEXT,
	closed_by TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (plan_id, key)
);

CREATE TABLE progress (
	id         INTEGER PRIMARY KEY,
	plan_id    INTEGER NOT NULL REFERENCES plans (id),
	item       TEXT NOT NULL,
	unit       TEXT NOT NULL,
	period     TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	value      TEXT NOT NULL,
	value_unit TEXT NOT NULL,
	ratio      REAL NOT NULL,
	narrative  TEXT NOT NULL,
	state      TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	revision   INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (plan_id, item, unit, period)
);

CREATE TABLE progress_events (
	progress_id INTEGER NOT NULL REFERENCES progress (id),
	revision    INTEGER NOT NULL,
	action      TEXT NOT NULL,
	state       TEXT NOT NULL,
	value       TEXT NOT NULL,
	narrative   TEXT NOT NULL,
	reason      TEXT NOT NULL,
	by_whom     TEXT NOT NULL,
	at          TEXT NOT NULL,
	PRIMARY KEY (progress_id, revision)
);

CREATE TABLE evidence (
	id           INTEGER PRIMARY KEY,
	progress_id  INTEGER NOT NULL REFERENCES progress (id),
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	data         BLOB NOT NULL,
	by_whom      TEXT NOT NULL,
	at           TEXT NOT NULL
);
CREATE INDEX evidence_progress ON evidence (progress_id);

-- tracker holds, per target and commitment, what the judgement needs from
-- the counted (lead) unit's reports, kept up to date on every write, so a
-- roll-up reads one row per item instead of the history.
CREATE TABLE tracker (
	plan_id      INTEGER NOT NULL REFERENCES plans (id),
	item         TEXT NOT NULL,
	kind         TEXT NOT NULL,
	commitment   TEXT NOT NULL,
	section      TEXT NOT NULL,
	unit         TEXT NOT NULL DEFAULT '',
	weight       REAL NOT NULL DEFAULT 1,
	reported_seq INTEGER,
	approved_seq INTEGER,
	ratio        REAL,
	PRIMARY KEY (plan_id, item)
);
CREATE INDEX tracker_commitment ON tracker (plan_id, commitment);

CREATE TABLE alerts (
	id         INTEGER PRIMARY KEY,
	plan_id    INTEGER NOT NULL REFERENCES plans (id),
	kind       TEXT NOT NULL,
	item       TEXT NOT NULL,
	unit       TEXT NOT NULL,
	period     TEXT NOT NULL,
	message    TEXT NOT NULL,
	created_at TEXT NOT NULL,
	ack_by     TEXT NOT NULL DEFAULT '',
	ack_note   TEXT NOT NULL DEFAULT '',
	ack_at     TEXT,
	UNIQUE (plan_id, kind, item, unit, period)
);
CREATE INDEX alerts_unit ON alerts (unit);
