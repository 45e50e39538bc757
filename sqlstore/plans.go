package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"luoshi"
	"luoshi/decimal"
)

type querier interface {
	row(ctx context.Context, query string, args ...any) *sql.Row
	query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// insertRows inserts rows with multi-row VALUES statements of a few fixed
// sizes (rowChunks), which stay prepared.
func (t *tx) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	one := "(" + placeholders(len(cols)) + ")"
	for _, n := range rowChunks(len(rows)) {
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := t.exec(ctx, head+strings.TrimSuffix(strings.Repeat(one+", ", n), ", "), args...); err != nil {
			return internal(err, "insert into %s", table)
		}
		rows = rows[n:]
	}
	return nil
}

const planInfoCols = `id, jurisdiction, region, year, version, source_hash, title, imported_by, imported_at`

func scanPlanInfo(s interface{ Scan(...any) error }) (luoshi.PlanInfo, error) {
	var p luoshi.PlanInfo
	var at string
	err := s.Scan(&p.ID, &p.Jurisdiction, &p.Region, &p.Year, &p.Version, &p.SourceHash, &p.Title, &p.ImportedBy, &at)
	p.ImportedAt = parseTS(at)
	return p, err
}

// ImportPlan implements luoshi.Store.
func (db *DB) ImportPlan(ctx context.Context, p *luoshi.Plan, opt luoshi.ImportOptions) (luoshi.ImportResult, error) {
	var res luoshi.ImportResult
	if p == nil {
		return res, luoshi.Errorf(luoshi.EInvalid, "no plan to import")
	}
	if p.Year < 1949 || p.Year > 2200 {
		return res, luoshi.Errorf(luoshi.EInvalid, "plan %q has no plausible year (%d)", p.Title, p.Year)
	}
	if err := checkPlan(p); err != nil {
		return res, err
	}
	hash := luoshi.SourceHash(p.Source)
	defer db.dropOwes()
	err := db.update(ctx, func(ctx context.Context, t *tx) error {
		db.dropOwes()
		res = luoshi.ImportResult{}
		if err := mayAdmin(ctx, "导入政府工作报告"); err != nil {
			return err
		}
		region := opt.Region
		if region == "" {
			err := t.row(ctx, `SELECT code FROM units WHERE name = ? AND kind <> ? ORDER BY code LIMIT 1`, p.Jurisdiction, luoshi.UnitDepartment).Scan(&region)
			if errors.Is(err, sql.ErrNoRows) {
				return luoshi.Errorf(luoshi.EInvalid, "jurisdiction %q is not a stored region; give its GB/T 2260 code", p.Jurisdiction)
			} else if err != nil {
				return internal(err, "look up jurisdiction")
			}
		}
		var jur string
		err := t.row(ctx, `SELECT name FROM units WHERE code = ?`, region).Scan(&jur)
		if errors.Is(err, sql.ErrNoRows) {
			return luoshi.Errorf(luoshi.EInvalid, "region %q is not a stored unit", region)
		} else if err != nil {
			return internal(err, "look up region")
		}
		if p.Jurisdiction != "" {
			jur = p.Jurisdiction
		}
		prev, err := scanPlanInfo(t.row(ctx, `SELECT `+planInfoCols+` FROM plans WHERE region = ? AND year = ? AND latest = 1`, region, p.Year))
		hasPrev := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return internal(err, "look up previous version")
		}
		if hasPrev && prev.SourceHash == hash {
			res.Plan, res.Unchanged = prev, true
			return nil
		}
		version := 1
		var old *luoshi.Plan
		if hasPrev {
			version = prev.Version + 1
			if old, err = loadPlan(ctx, t, prev.ID); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE plans SET latest = 0 WHERE id = ?`, prev.ID); err != nil {
				return internal(err, "retire version %d", prev.Version)
			}
		}
		warnings, _ := json.Marshal(nonNil(p.Warnings))
		now := ts(db.now())
		var id int64
		if err := t.row(ctx, `INSERT INTO plans (jurisdiction, region, year, version, latest, source_hash, source, title, warnings, imported_by, imported_at)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) RETURNING id`,
			jur, region, p.Year, version, hash, p.Source, p.Title, string(warnings), opt.By, now).Scan(&id); err != nil {
			if db.d.IsUnique(err) {
				return luoshi.Errorf(luoshi.EConflict, "another import of the %d plan of %s stored version %d at the same time; import again", p.Year, region, version)
			}
			return internal(err, "store plan")
		}
		if err := insertParts(ctx, t, id, p); err != nil {
			return err
		}
		res.Plan, err = scanPlanInfo(t.row(ctx, `SELECT `+planInfoCols+` FROM plans WHERE id = ?`, id))
		if err != nil {
			return internal(err, "read plan back")
		}
		if old != nil {
			res.Diff = luoshi.DiffPlans(old, p)
			if err := t.carryOver(ctx, prev.ID, id, res.Diff); err != nil {
				return err
			}
		}
		var before any
		if hasPrev {
			before = prev
		}
		after := struct {
			luoshi.PlanInfo
			Commitments int `json:"commitments"`
			Targets     int `json:"targets"`
		}{res.Plan, len(p.Commitments), len(p.Targets)}
		return t.record(ctx, opt.By, "plan.import", fmt.Sprintf("plan:%d", id), region, before, after)
	})
	return res, err
}

// carryOver copies what people decided about the previous version to the
// new one: the calendar, the assignments of commitments kept or changed,
// the quotas of targets kept (their value is the same), and the weights and
// schedules of items kept or changed. Reports stay with the version they
// were made against.
func (t *tx) carryOver(ctx context.Context, from, to int64, d *luoshi.PlanDiff) error {
	if _, err := t.exec(ctx, `INSERT INTO periods (plan_id, key, seq, start_at, end_at, due, closed_at, closed_by)
		SELECT ?, key, seq, start_at, end_at, due, closed_at, closed_by FROM periods WHERE plan_id = ?`, to, from); err != nil {
		return internal(err, "carry over the calendar")
	}
	pairs := append(append([]luoshi.Change(nil), d.Kept...), d.Changed...)
	for _, c := range pairs {
		if c.Kind == "commitment" {
			if _, err := t.exec(ctx, `INSERT INTO assignments (plan_id, commitment, unit, role, confirmed_by, confirmed_at)
				SELECT ?, ?, unit, role, confirmed_by, confirmed_at FROM assignments WHERE plan_id = ? AND commitment = ?`, to, c.New, from, c.Old); err != nil {
				return internal(err, "carry over assignments")
			}
			if _, err := t.exec(ctx, `UPDATE tracker SET unit = COALESCE((SELECT unit FROM assignments WHERE plan_id = ? AND commitment = ? AND role = 'lead'), '')
				WHERE plan_id = ? AND commitment = ?`, to, c.New, to, c.New); err != nil {
				return internal(err, "carry over assignments")
			}
		}
		if _, err := t.exec(ctx, `UPDATE tracker SET weight = (SELECT o.weight FROM tracker o WHERE o.plan_id = ? AND o.item = ?) WHERE plan_id = ? AND item = ?
			AND EXISTS (SELECT 1 FROM tracker o WHERE o.plan_id = ? AND o.item = ?)`, from, c.Old, to, c.New, from, c.Old); err != nil {
			return internal(err, "carry over weights")
		}
		if _, err := t.exec(ctx, `INSERT INTO schedules (plan_id, item, ord, at, share) SELECT ?, ?, ord, at, share FROM schedules WHERE plan_id = ? AND item = ?`, to, c.New, from, c.Old); err != nil {
			return internal(err, "carry over schedules")
		}
	}
	for _, c := range pairs {
		if c.Kind == "target" {
			// A target kept or changed measures the same thing: it keeps
			// its indicator, if still measured in the indicator's unit.
			if _, err := t.exec(ctx, `INSERT INTO indicator_bindings (plan_id, target, indicator, bound_by, bound_at)
				SELECT ?, ?, b.indicator, b.bound_by, b.bound_at FROM indicator_bindings b
				JOIN indicators i ON i.code = b.indicator
				JOIN targets tg ON tg.plan_id = ? AND tg.id = ? AND tg.unit = i.unit
				WHERE b.plan_id = ? AND b.target = ?`, to, c.New, to, c.New, from, c.Old); err != nil {
				return internal(err, "carry over indicator bindings")
			}
		}
	}
	for _, c := range d.Kept {
		if c.Kind == "target" {
			if _, err := t.exec(ctx, `INSERT INTO quotas (plan_id, target, unit, value, set_by, set_at)
				SELECT ?, ?, unit, value, set_by, set_at FROM quotas WHERE plan_id = ? AND target = ?`, to, c.New, from, c.Old); err != nil {
				return internal(err, "carry over quotas")
			}
		}
	}
	return t.recountPlan(ctx, to)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// checkPlan checks that a plan's parts refer to each other consistently.
func checkPlan(p *luoshi.Plan) error {
	cs := map[string]bool{}
	for _, c := range p.Commitments {
		if c.ID == "" || cs[c.ID] {
			return luoshi.Errorf(luoshi.EInvalid, "commitment ID %q is empty or repeated", c.ID)
		}
		cs[c.ID] = true
	}
	ts := map[string]bool{}
	for _, t := range p.Targets {
		if t.ID == "" || ts[t.ID] || cs[t.ID] {
			return luoshi.Errorf(luoshi.EInvalid, "target ID %q is empty or repeated", t.ID)
		}
		ts[t.ID] = true
		if !cs[t.Commitment] {
			return luoshi.Errorf(luoshi.EInvalid, "target %s belongs to commitment %q, which the plan does not have", t.ID, t.Commitment)
		}
	}
	return nil
}

func insertParts(ctx context.Context, t *tx, id int64, p *luoshi.Plan) error {
	rows := make([][]any, 0, len(p.Sections))
	for i, s := range p.Sections {
		rows = append(rows, []any{id, s.ID, i, s.Level, s.Number, s.Title, s.Kind, s.Span.Start, s.Span.End})
	}
	if err := t.insertRows(ctx, "sections", []string{"plan_id", "id", "ord", "level", "number", "title", "kind", "span_start", "span_end"}, rows); err != nil {
		return err
	}
	section := map[string]string{}
	rows = rows[:0]
	track := make([][]any, 0, len(p.Commitments)+len(p.Targets))
	for i, c := range p.Commitments {
		sug, _ := json.Marshal(nonNil(c.SuggestedUnits))
		rows = append(rows, []any{id, c.ID, i, c.Section, c.SectionTitle, c.Lead, c.Text, c.Span.Start, c.Span.End, string(sug)})
		section[c.ID] = c.Section
		track = append(track, []any{id, c.ID, "commitment", c.ID, c.Section, p.Year})
	}
	if err := t.insertRows(ctx, "commitments", []string{"plan_id", "id", "ord", "section", "section_title", "lead", "text", "span_start", "span_end", "suggested"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for i, g := range p.Targets {
		var vmax any
		if g.ValueMax != nil {
			vmax = g.ValueMax.String()
		}
		strive := 0
		if g.Strive {
			strive = 1
		}
		rows = append(rows, []any{id, g.ID, i, g.Commitment, g.Value.String(), vmax, g.Unit, g.Comparator, strive, g.Deadline, g.Object, g.Text, g.Sentence, g.Span.Start, g.Span.End})
		track = append(track, []any{id, g.ID, "target", g.Commitment, section[g.Commitment], p.Year})
	}
	if err := t.insertRows(ctx, "targets", []string{"plan_id", "id", "ord", "commitment", "value", "value_max", "unit", "comparator", "strive", "deadline", "object", "text", "sentence", "span_start", "span_end"}, rows); err != nil {
		return err
	}
	if err := t.insertRows(ctx, "tracker", []string{"plan_id", "item", "kind", "commitment", "section", "year"}, track); err != nil {
		return err
	}
	return t.recountPlan(ctx, id)
}

// PlanInfo implements luoshi.Store.
func (db *DB) PlanInfo(ctx context.Context, id int64) (luoshi.PlanInfo, error) {
	p, err := scanPlanInfo(db.row(ctx, `SELECT `+planInfoCols+` FROM plans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, luoshi.Errorf(luoshi.ENotFound, "no plan with id %d", id)
	}
	return p, internal(err, "read plan %d", id)
}

// Plans implements luoshi.Store.
func (db *DB) Plans(ctx context.Context, f luoshi.PlanFilter) ([]luoshi.PlanInfo, error) {
	latest := 0
	if f.Latest {
		latest = 1
	}
	rows, err := db.query(ctx, `WITH RECURSIVE sub (code) AS (
			SELECT CAST(? AS TEXT) UNION ALL SELECT u.code FROM units u JOIN sub ON u.parent = sub.code WHERE u.kind <> 'department')
		SELECT `+planInfoCols+` FROM plans
		WHERE (? = 0 OR year = ?) AND (? = 0 OR latest = 1) AND (? = '' OR region IN (SELECT code FROM sub))
		ORDER BY year, region, version`, f.Region, f.Year, f.Year, latest, f.Region)
	if err != nil {
		return nil, internal(err, "list plans")
	}
	defer rows.Close()
	out := []luoshi.PlanInfo{}
	for rows.Next() {
		p, err := scanPlanInfo(rows)
		if err != nil {
			return nil, internal(err, "list plans")
		}
		out = append(out, p)
	}
	return out, internal(rows.Err(), "list plans")
}

// Plan implements luoshi.Store.
func (db *DB) Plan(ctx context.Context, id int64) (*luoshi.Plan, error) {
	return loadPlan(ctx, db, id)
}

func loadPlan(ctx context.Context, q querier, id int64) (*luoshi.Plan, error) {
	p := &luoshi.Plan{ID: id}
	var warnings string
	err := q.row(ctx, `SELECT jurisdiction, version, source_hash, source, title, year, warnings FROM plans WHERE id = ?`, id).
		Scan(&p.Jurisdiction, &p.Version, &p.SourceHash, &p.Source, &p.Title, &p.Year, &warnings)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, luoshi.Errorf(luoshi.ENotFound, "no plan with id %d", id)
	} else if err != nil {
		return nil, internal(err, "read plan %d", id)
	}
	if err := json.Unmarshal([]byte(warnings), &p.Warnings); err != nil {
		return nil, internal(err, "read warnings of plan %d", id)
	}
	p.Sections, p.Commitments, p.Targets = []luoshi.Section{}, []luoshi.Commitment{}, []luoshi.Target{}
	rows, err := q.query(ctx, `SELECT id, level, number, title, kind, span_start, span_end FROM sections WHERE plan_id = ? ORDER BY ord`, id)
	if err != nil {
		return nil, internal(err, "read sections")
	}
	for rows.Next() {
		var s luoshi.Section
		if err := rows.Scan(&s.ID, &s.Level, &s.Number, &s.Title, &s.Kind, &s.Span.Start, &s.Span.End); err != nil {
			rows.Close()
			return nil, internal(err, "read sections")
		}
		p.Sections = append(p.Sections, s)
	}
	rows.Close()
	rows, err = q.query(ctx, `SELECT id, section, section_title, lead, text, span_start, span_end, suggested FROM commitments WHERE plan_id = ? ORDER BY ord`, id)
	if err != nil {
		return nil, internal(err, "read commitments")
	}
	index := map[string]int{}
	for rows.Next() {
		var c luoshi.Commitment
		var sug string
		if err := rows.Scan(&c.ID, &c.Section, &c.SectionTitle, &c.Lead, &c.Text, &c.Span.Start, &c.Span.End, &sug); err != nil {
			rows.Close()
			return nil, internal(err, "read commitments")
		}
		if err := json.Unmarshal([]byte(sug), &c.SuggestedUnits); err != nil {
			rows.Close()
			return nil, internal(err, "read suggestions")
		}
		c.Targets = []int{}
		index[c.ID] = len(p.Commitments)
		p.Commitments = append(p.Commitments, c)
	}
	rows.Close()
	rows, err = q.query(ctx, `SELECT id, commitment, value, value_max, unit, comparator, strive, deadline, object, text, sentence, span_start, span_end
		FROM targets WHERE plan_id = ? ORDER BY ord`, id)
	if err != nil {
		return nil, internal(err, "read targets")
	}
	defer rows.Close()
	for rows.Next() {
		var t luoshi.Target
		var v string
		var vmax sql.NullString
		var strive int
		if err := rows.Scan(&t.ID, &t.Commitment, &v, &vmax, &t.Unit, &t.Comparator, &strive, &t.Deadline, &t.Object, &t.Text, &t.Sentence, &t.Span.Start, &t.Span.End); err != nil {
			return nil, internal(err, "read targets")
		}
		if t.Value, err = decimal.Parse(v); err != nil {
			return nil, internal(err, "read target %s", t.ID)
		}
		if vmax.Valid {
			m, err := decimal.Parse(vmax.String)
			if err != nil {
				return nil, internal(err, "read target %s", t.ID)
			}
			t.ValueMax = &m
		}
		t.Strive = strive != 0
		if i, ok := index[t.Commitment]; ok {
			p.Commitments[i].Targets = append(p.Commitments[i].Targets, len(p.Targets))
		}
		p.Targets = append(p.Targets, t)
	}
	return p, internal(rows.Err(), "read targets")
}
