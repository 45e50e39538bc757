-- Materialized roll-up: every commitment's status under the year's current
-- judgement (due period, expected progress, thresholds), and per-plan
-- counts kept up to date on every write, so a region roll-up reads a few
-- rows per plan instead of every commitment.
ALTER TABLE tracker ADD COLUMN year INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tracker ADD COLUMN st INTEGER;
ALTER TABLE tracker ADD COLUMN counted_w REAL NOT NULL DEFAULT 0;
ALTER TABLE tracker ADD COLUMN counted_c REAL NOT NULL DEFAULT 0;
UPDATE tracker SET year = (SELECT p.year FROM plans p WHERE p.id = tracker.plan_id);
CREATE INDEX tracker_year ON tracker (year, kind);

CREATE TABLE judgements (
	year     INTEGER PRIMARY KEY,
	due_seq  INTEGER NOT NULL,
	expected REAL NOT NULL,
	behind   REAL NOT NULL,
	severe   REAL NOT NULL
);

CREATE TABLE plan_counts (
	plan_id BIGINT NOT NULL REFERENCES plans (id),
	st      INTEGER NOT NULL,
	n       INTEGER NOT NULL,
	w       REAL NOT NULL,
	c       REAL NOT NULL,
	PRIMARY KEY (plan_id, st)
);
