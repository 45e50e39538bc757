package main

import (
	"context"
	"flag"
	"fmt"

	"luoshi/store"
)

func init() {
	commands["backup"] = command{
		summary: "copy the SQLite database consistently while it is being served (PostgreSQL: prints the pg_dump command)",
		run:     runBackup,
	}
}

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi backup [--db DSN] OUT")
		fs.PrintDefaults()
	}
	dsn := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("need the backup file: %w", errUsage)
	}
	r, err := store.Backup(ctx, *dsn, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已备份到 %s（%d 字节）；副本的审计链完整：%d 条事件\n", r.Path, r.Bytes, r.Audit.Events)
	if r.Audit.Events > 0 {
		fmt.Fprintf(e.stdout, "链头：%s（请与备份分开保存，日后可用 luoshi audit verify --anchor 核对）\n", r.Audit.Last)
	}
	return nil
}
