package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"luoshi"
)

// PutUnits implements luoshi.Store.
func (db *DB) PutUnits(ctx context.Context, units []luoshi.Unit) error {
	for _, u := range units {
		if u.Code == "" || u.Name == "" {
			return luoshi.Errorf(luoshi.EInvalid, "a unit needs a code and a name (got code %q, name %q)", u.Code, u.Name)
		}
		switch u.Kind {
		case luoshi.UnitDepartment, luoshi.UnitProvince, luoshi.UnitCity, luoshi.UnitCounty:
		default:
			return luoshi.Errorf(luoshi.EInvalid, "unit %s has unknown kind %q", u.Code, u.Kind)
		}
		if u.Parent == u.Code {
			return luoshi.Errorf(luoshi.EInvalid, "unit %s cannot be its own parent", u.Code)
		}
	}
	defer db.regionTree.Store(nil)
	return db.update(ctx, func(ctx context.Context, t *tx) error {
		if err := mayAdmin(ctx, "维护单位"); err != nil {
			return err
		}
		db.regionTree.Store(nil)
		known := map[string]bool{}
		for _, u := range units {
			known[u.Code] = true
		}
		for _, u := range units {
			if u.Parent != "" && !known[u.Parent] {
				var n int
				if err := t.row(ctx, `SELECT COUNT(*) FROM units WHERE code = ?`, u.Parent).Scan(&n); err != nil {
					return internal(err, "look up unit %s", u.Parent)
				}
				if n == 0 {
					return luoshi.Errorf(luoshi.EInvalid, "unit %s (%s) names parent %s, which is not stored", u.Code, u.Name, u.Parent)
				}
				known[u.Parent] = true
			}
			if _, err := t.exec(ctx, `INSERT INTO units (code, name, kind, parent) VALUES (?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent = excluded.parent`,
				u.Code, u.Name, u.Kind, u.Parent); err != nil {
				return internal(err, "store unit %s", u.Code)
			}
		}
		return t.record(ctx, "", "units.put", "units", "", nil, units)
	})
}

// Unit implements luoshi.Store.
func (db *DB) Unit(ctx context.Context, code string) (luoshi.Unit, error) {
	var u luoshi.Unit
	err := db.row(ctx, `SELECT id, code, name, kind, parent FROM units WHERE code = ?`, code).Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.Parent)
	if errors.Is(err, sql.ErrNoRows) {
		return u, luoshi.Errorf(luoshi.ENotFound, "no unit with code %q", code)
	}
	return u, internal(err, "read unit %s", code)
}

// Units implements luoshi.Store.
func (db *DB) Units(ctx context.Context, f luoshi.UnitFilter) ([]luoshi.Unit, error) {
	var rows *sql.Rows
	var err error
	if f.Under != "" {
		rows, err = db.query(ctx, `WITH RECURSIVE sub (code) AS (
				SELECT CAST(? AS TEXT) UNION ALL SELECT u.code FROM units u JOIN sub ON u.parent = sub.code WHERE u.kind <> 'department')
			SELECT id, code, name, kind, parent FROM units
			WHERE code IN (SELECT code FROM sub) AND (? = '' OR kind = ?) AND (? = '' OR parent = ?) ORDER BY code`, f.Under, f.Kind, f.Kind, f.Parent, f.Parent)
	} else {
		rows, err = db.query(ctx, `SELECT id, code, name, kind, parent FROM units
			WHERE (? = '' OR kind = ?) AND (? = '' OR parent = ?) ORDER BY code`, f.Kind, f.Kind, f.Parent, f.Parent)
	}
	if err != nil {
		return nil, internal(err, "list units")
	}
	defer rows.Close()
	out := []luoshi.Unit{}
	for rows.Next() {
		var u luoshi.Unit
		if err := rows.Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.Parent); err != nil {
			return nil, internal(err, "list units")
		}
		out = append(out, u)
	}
	return out, internal(rows.Err(), "list units")
}
