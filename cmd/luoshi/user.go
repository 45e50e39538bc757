package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
)

func init() {
	commands["user"] = command{
		summary: "add an account: the first administrator (user add --admin NAME) or a unit's reporter, leader or viewer",
		run:     runUser,
	}
}

const userUsage = `usage: luoshi user add [--db DSN] --admin NAME
       luoshi user add [--db DSN] --role reporter|leader|viewer --unit CODE [--unit CODE]… [--name 显示名] NAME
The password is read from the first line of standard input (a prompt is shown on a terminal).`

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(e.stderr, userUsage)
		return fmt.Errorf("need add: %w", errUsage)
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprintln(e.stderr, userUsage); fs.PrintDefaults() }
	dsn := dbFlag(fs)
	admin := fs.String("admin", "", "create the administrator NAME (督查室): the first account, or another administrator when run locally")
	role := fs.String("role", "", "role of the account: reporter (填报员), leader (负责人) or viewer (查看者)")
	display := fs.String("name", "", "display name (姓名), the login name when empty")
	var units []string
	fs.Func("unit", "code of a unit the account belongs to (repeatable)", func(s string) error {
		units = append(units, strings.TrimSpace(s))
		return nil
	})
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	var name string
	var r auth.Role
	switch {
	case *admin != "" && (*role != "" || fs.NArg() != 0):
		return fmt.Errorf("--admin takes the name and no --role or other argument: %w", errUsage)
	case *admin != "":
		name, r = *admin, auth.RoleAdmin
	case fs.NArg() != 1 || *role == "":
		fs.Usage()
		return fmt.Errorf("need --role and one NAME, or --admin NAME: %w", errUsage)
	default:
		name = fs.Arg(0)
		var err error
		if r, err = auth.ParseRole(*role); err != nil {
			return err
		}
		if r == auth.RoleAdmin {
			return fmt.Errorf("an administrator is added with --admin NAME: %w", errUsage)
		}
	}
	if err := auth.ValidateAccountName(name); err != nil {
		return err
	}
	if (r == auth.RoleReporter || r == auth.RoleLeader) && len(units) == 0 {
		return luoshi.Errorf(luoshi.EInvalid, "%s 必须属于至少一个单位（--unit 单位代码）", r.Label())
	}
	if r == auth.RoleAdmin && len(units) > 0 {
		return luoshi.Errorf(luoshi.EInvalid, "督查室管理员不限单位，不需要 --unit")
	}
	password, err := readPassword(e, name)
	if err != nil {
		return err
	}
	if err := auth.ValidatePassword(password, name); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, u := range units {
		if _, err := db.Unit(ctx, u); err != nil {
			return fmt.Errorf("单位 %s：%w", u, err)
		}
	}
	hash, err := auth.HashPassword(password, auth.DefaultParams())
	if err != nil {
		return err
	}
	accounts := accountsOf(db)
	ctx = audit.WithWho(ctx, audit.Who{Actor: cliActor()})
	a := auth.Account{Name: name, DisplayName: *display, Role: r, Units: units, PasswordHash: hash}
	if r == auth.RoleAdmin {
		err = accounts.CreateFirstAdmin(ctx, a)
		if luoshi.ErrorCode(err) == luoshi.EConflict {
			if _, lookErr := accounts.AccountByName(ctx, name); lookErr == nil {
				return luoshi.Errorf(luoshi.EConflict, "账号 %s 已存在", name)
			}
			// Run locally, by someone who can open the database: another
			// administrator is allowed.
			err = accounts.CreateAccount(ctx, a)
		}
	} else {
		err = accounts.CreateAccount(ctx, a)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已添加账号 %s（%s", name, r.Label())
	if len(units) > 0 {
		fmt.Fprintf(e.stdout, "，单位 %s", strings.Join(units, "、"))
	}
	fmt.Fprintln(e.stdout, "）")
	return nil
}

// readPassword reads the first line of standard input, prompting when it
// is a terminal.
func readPassword(e *env, name string) (string, error) {
	if f, ok := e.stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(e.stderr, "账号 %s 的密码（输入后回车）：", name)
		}
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", luoshi.Errorf(luoshi.EInvalid, "没有读到密码：请在标准输入的第一行给出密码")
	}
	return pw, nil
}

// cliActor names who ran a command in the audit trail.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}
