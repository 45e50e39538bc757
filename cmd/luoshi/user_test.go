package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
	"luoshi/auth/sqlauth"
	"luoshi/store"
)

func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

// TestUserAddBackupVerify adds accounts from the command line, backs the
// database up, verifies the copy's audit chain, then tampers with the
// original and finds verify naming the broken event.
func TestUserAddBackupVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "luoshi.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutUnits(ctx, []luoshi.Unit{{Code: "510000", Name: "四川省", Kind: luoshi.UnitProvince}, {Code: "510700", Name: "绵阳市", Kind: luoshi.UnitCity, Parent: "510000"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	const pw = "绵阳落实-2025-春\n"
	if code, _, errs := runIn(t, "", "user", "add", "--db", path, "--admin", "dcs"); code == 0 || !strings.Contains(errs, "密码") {
		t.Errorf("no password: %d %s", code, errs)
	}
	if code, _, errs := runIn(t, "123456\n", "user", "add", "--db", path, "--admin", "dcs"); code == 0 {
		t.Errorf("a weak password was accepted: %s", errs)
	}
	if code, out, errs := runIn(t, pw, "user", "add", "--db", path, "--admin", "dcs"); code != 0 || !strings.Contains(out, "督查室管理员") {
		t.Fatalf("first admin: %d %s %s", code, out, errs)
	}
	if code, _, errs := runIn(t, pw, "user", "add", "--db", path, "--admin", "DCS"); code == 0 || !strings.Contains(errs, "已存在") {
		t.Errorf("same name again: %d %s", code, errs)
	}
	if code, out, errs := runIn(t, pw, "user", "add", "--db", path, "--role", "reporter", "--unit", "510700", "--name", "张三", "mianyang"); code != 0 {
		t.Fatalf("reporter: %d %s %s", code, out, errs)
	}
	if code, _, errs := runIn(t, pw, "user", "add", "--db", path, "--role", "leader", "--unit", "510600", "deyang"); code == 0 || !strings.Contains(errs, "510600") {
		t.Errorf("unknown unit: %d %s", code, errs)
	}
	if code, _, _ := runIn(t, pw, "user", "add", "--db", path, "--role", "leader", "lonely"); code == 0 {
		t.Error("a leader of no unit was added")
	}

	db, err = store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, r := db.Pools()
	accts := sqlauth.New(w, r, audit.SQLite, nil)
	a, err := accts.AccountByName(ctx, "mianyang")
	if err != nil || a.Role != auth.RoleReporter || len(a.Units) != 1 || a.Units[0] != "510700" || a.DisplayName != "张三" {
		t.Fatalf("reporter account %+v, %v", a, err)
	}
	if ok, _ := auth.CheckPassword(a.PasswordHash, strings.TrimSuffix(pw, "\n")); !ok {
		t.Error("the stored hash does not check the password")
	}
	evs, _ := db.AuditLog().List(ctx, audit.Query{Action: "account."})
	if len(evs) != 2 || !strings.HasPrefix(evs[0].Actor, "cli") {
		t.Errorf("account events %+v", evs)
	}
	db.Close()

	// An API token: shown once, stored hashed, listed by its hint, revoked.
	code, plain, errs := runIn(t, "", "token", "add", "--db", path, "--unit", "510700", "--scope", "report", "--days", "30", "绵阳市数据对接")
	plain = strings.TrimSpace(plain)
	if code != 0 || !strings.HasPrefix(plain, auth.APITokenPrefix) || !strings.Contains(errs, "只显示这一次") {
		t.Fatalf("token add: %d %q %s", code, plain, errs)
	}
	if code, _, errs := runIn(t, "", "token", "add", "--db", path, "--unit", "510700", "--days", "400", "太久"); code == 0 || !strings.Contains(errs, "366") {
		t.Errorf("a token for 400 days: %d %s", code, errs)
	}
	code, list, _ := runIn(t, "", "token", "list", "--db", path)
	if code != 0 || !strings.Contains(list, auth.APITokenHint(plain)) || strings.Contains(list, plain) || !strings.Contains(list, "有效") {
		t.Fatalf("token list: %d %s", code, list)
	}
	if raw, err := sql.Open("sqlite", "file:"+path); err == nil {
		var n int
		raw.QueryRow(`SELECT COUNT(*) FROM auth_api_tokens WHERE hash = ? OR hint = ?`, plain, plain).Scan(&n)
		raw.Close()
		if n != 0 {
			t.Error("the plain token is stored")
		}
	}
	if code, out, errs := runIn(t, "", "token", "revoke", "--db", path, strings.TrimSuffix(auth.APITokenHint(plain), "…")); code != 0 {
		t.Fatalf("token revoke: %d %s %s", code, out, errs)
	}
	if _, list, _ := runIn(t, "", "token", "list", "--db", path); !strings.Contains(list, "吊销") {
		t.Errorf("list after revoke: %s", list)
	}

	out := filepath.Join(dir, "copy.db")
	code, stdout, errs := runIn(t, "", "backup", "--db", path, out)
	if code != 0 || !strings.Contains(stdout, "审计链完整") {
		t.Fatalf("backup: %d %s %s", code, stdout, errs)
	}
	if code, stdout, errs := runIn(t, "", "audit", "verify", "--db", out); code != 0 || !strings.Contains(stdout, "5 条事件") {
		t.Fatalf("verify the copy: %d %s %s", code, stdout, errs)
	}
	if code, _, errs := runIn(t, "", "backup", "--db", "postgres://postgres@127.0.0.1/test", filepath.Join(dir, "pg.dump")); code == 0 || !strings.Contains(errs, "pg_dump") {
		t.Errorf("postgres backup: %d %s", code, errs)
	}

	// Edit, then delete, a row directly in the database file.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_events SET after_json = replace(after_json, 'mianyang', 'deyang') WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runIn(t, "", "audit", "verify", "--db", path); code == 0 || !strings.Contains(errs, "第 3 条事件") {
		t.Errorf("verify after an edit: %d %s", code, errs)
	}
	if _, err := raw.Exec(`DELETE FROM audit_events WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runIn(t, "", "audit", "verify", "--db", path); code == 0 || !strings.Contains(errs, "第 2 条事件缺失") {
		t.Errorf("verify after a deletion: %d %s", code, errs)
	}
}
