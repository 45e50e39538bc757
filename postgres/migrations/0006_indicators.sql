-- Indicators (指标) of 报表通: a measure reported once per region and
-- period, whatever targets use it.
CREATE TABLE indicators (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	unit       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	aggregate  TEXT NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	updated_by TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- The indicator each bound target of a plan takes its value from.
CREATE TABLE indicator_bindings (
	plan_id   BIGINT NOT NULL REFERENCES plans (id),
	target    TEXT NOT NULL,
	indicator TEXT NOT NULL REFERENCES indicators (code),
	bound_by  TEXT NOT NULL,
	bound_at  TEXT NOT NULL,
	PRIMARY KEY (plan_id, target)
);
CREATE INDEX indicator_bindings_indicator ON indicator_bindings (indicator, plan_id);

-- The quotas a region holds, for the values it reports on them.
CREATE INDEX quotas_unit ON quotas (unit, plan_id, target);

-- A unit's reports of a plan in a period: its template, its upload.
CREATE INDEX progress_unit_period ON progress (plan_id, unit, period);

-- The value of an indicator for a region and period, typed in one report
-- (source) or derived from the regions under it (source 0, parts > 0).
CREATE TABLE indicator_values (
	indicator TEXT NOT NULL REFERENCES indicators (code),
	region    TEXT NOT NULL,
	period    TEXT NOT NULL,
	value     TEXT NOT NULL,
	state     TEXT NOT NULL,
	source    BIGINT NOT NULL DEFAULT 0,
	plan_id   BIGINT NOT NULL DEFAULT 0,
	item      TEXT NOT NULL DEFAULT '',
	unit      TEXT NOT NULL DEFAULT '',
	parts     INTEGER NOT NULL DEFAULT 0,
	by_whom   TEXT NOT NULL,
	at        TEXT NOT NULL,
	PRIMARY KEY (indicator, region, period)
);

-- A report whose value the system took from an indicator (报表通) says
-- where from; empty for a typed report.
ALTER TABLE progress ADD COLUMN origin TEXT NOT NULL DEFAULT '';
