-- Plans whose public progress page (公开进展页) an administrator opened.
CREATE TABLE public_plans (
	plan_id   BIGINT PRIMARY KEY REFERENCES plans (id),
	opened_by TEXT NOT NULL,
	opened_at TEXT NOT NULL
);
