package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
	"luoshi/auth/sqlauth"
	web "luoshi/http"
	"luoshi/sqlstore"
)

func init() {
	commands["token"] = command{
		summary: "API tokens for other systems: token add (shown once, stored hashed), token list, token revoke",
		run:     runToken,
	}
}

const tokenUsage = `usage: luoshi token add    [--db DSN] --unit CODE [--scope read|report] [--days N] NAME
       luoshi token list   [--db DSN] [--unit CODE]
       luoshi token revoke [--db DSN] TOKEN-or-HINT`

func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(e.stderr, tokenUsage)
		return fmt.Errorf("need add, list or revoke: %w", errUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprintln(e.stderr, tokenUsage); fs.PrintDefaults() }
	dsn := dbFlag(fs)
	unit := fs.String("unit", "", "code of the unit the token acts for")
	scope := fs.String("scope", "read", "add: read (read the unit's tasks and progress) or report (also submit its reports)")
	days := fs.Int("days", 90, "add: days the token lives (at most 366)")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	want := map[string]int{"add": 1, "list": 0, "revoke": 1}[sub]
	if fs.NArg() != want {
		fs.Usage()
		return fmt.Errorf("token %s takes %d argument(s): %w", sub, want, errUsage)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens := accountsOf(db)
	ctx = audit.WithWho(ctx, audit.Who{Actor: cliActor()})
	switch sub {
	case "add":
		if *unit == "" {
			return luoshi.Errorf(luoshi.EInvalid, "令牌必须属于一个单位（--unit 单位代码）")
		}
		if _, err := db.Unit(ctx, *unit); err != nil {
			return fmt.Errorf("单位 %s：%w", *unit, err)
		}
		plain, t, err := auth.NewAPITokenFor(fs.Arg(0), *unit, auth.Scope(*scope), cliActor(), time.Now(), time.Duration(*days)*24*time.Hour)
		if err != nil {
			return err
		}
		if err := tokens.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "令牌只显示这一次，请立即交给使用方保存；数据库只保存它的哈希。单位 %s，权限 %s，有效期至 %s。\n",
			t.Unit, t.Scope, t.Expires.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"))
		fmt.Fprintln(e.stdout, plain)
		return nil
	case "list":
		ts, err := tokens.APITokens(ctx, *unit)
		if err != nil {
			return err
		}
		now := time.Now()
		for _, t := range ts {
			state := "有效"
			if err := t.Usable(now); err != nil {
				state = err.Error()
			}
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t至 %s\t%s\n", t.Hint, t.Unit, t.Scope, t.Name, t.Expires.Format("2006-01-02"), state)
		}
		return nil
	}
	hash, err := tokenHash(ctx, tokens, fs.Arg(0))
	if err != nil {
		return err
	}
	if err := tokens.RevokeAPIToken(ctx, hash); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "令牌已吊销")
	return nil
}

// accountsOf is the accounts and tokens store in db's database.
func accountsOf(db *sqlstore.DB) *sqlauth.Store {
	w, r := db.Pools()
	return sqlauth.New(w, r, audit.Dialect(db.Dialect().Name()), nil)
}

// tokenHash finds the hash of a token given whole or by its hint (the
// prefix a list shows, with or without the trailing "…").
func tokenHash(ctx context.Context, s *sqlauth.Store, arg string) (string, error) {
	if h, err := auth.APITokenHash(arg); err == nil {
		return h, nil
	}
	hint := strings.TrimSuffix(arg, "…") + "…"
	ts, err := s.APITokens(ctx, "")
	if err != nil {
		return "", err
	}
	var found []auth.APIToken
	for _, t := range ts {
		if t.Hint == hint {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return "", luoshi.Errorf(luoshi.ENotFound, "没有令牌 %s", arg)
	case 1:
		return found[0].Hash, nil
	}
	return "", luoshi.Errorf(luoshi.EConflict, "有 %d 个令牌以 %s 开头，请给出完整的令牌", len(found), arg)
}

// signInWith is the accounts store the web application signs in with:
// none unless serve was asked to (--login).
func signInWith(on bool, s *sqlauth.Store) web.Accounts {
	if !on {
		return nil
	}
	return s
}

// auditLogOf is the audit trail the administrators' page lists.
func auditLogOf(db *sqlstore.DB) *audit.Log {
	l := db.AuditLog()
	return &l
}

// scheme is https when a certificate is given.
func scheme(cert string) string {
	if cert != "" {
		return "https"
	}
	return "http"
}
