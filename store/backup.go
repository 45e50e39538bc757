package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // driver "sqlite"

	"luoshi"
	"luoshi/audit"
)

// PgDumpCommand is the command that backs up the PostgreSQL database at
// dsn into out: luoshi does not copy a PostgreSQL database itself, pg_dump
// makes a consistent copy while the server runs.
func PgDumpCommand(dsn, out string) string {
	return "pg_dump --format=custom --no-owner --file=" + shellQuote(out) + " " + shellQuote(dsn)
}

// PgRestoreCommand restores what PgDumpCommand wrote into an empty
// database.
func PgRestoreCommand(out, dsn string) string {
	return "pg_restore --no-owner --dbname=" + shellQuote(dsn) + " " + shellQuote(out)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// BackupResult tells what a backup wrote.
type BackupResult struct {
	Path  string       // the copy
	Bytes int64        // its size
	Audit audit.Report // the copy's audit chain, verified
}

// Backup copies the SQLite database dsn names into the new file out, while
// other processes read and write it: VACUUM INTO copies one read
// transaction's snapshot, so the copy holds every transaction committed
// before it began and none after, and the writers are not stopped. The copy
// is written next to out under a temporary name, synced, its audit chain
// verified, and only then renamed to out. An existing out is refused. For
// PostgreSQL it returns an EInvalid error naming the pg_dump command.
func Backup(ctx context.Context, dsn, out string) (BackupResult, error) {
	if IsPostgres(dsn) {
		return BackupResult{}, luoshi.Errorf(luoshi.EInvalid, "PostgreSQL 数据库请用 pg_dump 备份（服务运行时也能得到一致的副本）：\n  %s\n恢复到一个空数据库：\n  %s",
			PgDumpCommand(dsn, out), PgRestoreCommand(out, "postgres://…/新数据库"))
	}
	src := strings.TrimPrefix(dsn, "sqlite:")
	if src == "" {
		src = DefaultFile()
	}
	if out == "" {
		return BackupResult{}, luoshi.Errorf(luoshi.EInvalid, "请给出备份文件的路径")
	}
	if _, err := os.Stat(src); err != nil {
		return BackupResult{}, fmt.Errorf("数据库 %s 无法读取：%w", src, err)
	}
	if _, err := os.Stat(out); err == nil {
		return BackupResult{}, luoshi.Errorf(luoshi.EConflict, "备份文件 %s 已存在，不会覆盖", out)
	}
	if a, errA := filepath.Abs(src); errA == nil {
		if b, errB := filepath.Abs(out); errB == nil && a == b {
			return BackupResult{}, luoshi.Errorf(luoshi.EInvalid, "备份文件不能是数据库本身")
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	os.Remove(tmpName) // VACUUM INTO wants a file that does not exist
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	db, err := sql.Open("sqlite", "file:"+escape(src)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: open %s: %w", src, err)
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, tmpName)
	db.Close()
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: copy %s: %w", src, err)
	}
	if err := syncFile(tmpName); err != nil {
		return BackupResult{}, err
	}
	rep, err := verifyCopy(ctx, tmpName)
	if err != nil {
		return BackupResult{}, err
	}
	if _, err := os.Stat(out); err == nil {
		return BackupResult{}, luoshi.Errorf(luoshi.EConflict, "备份文件 %s 已存在，不会覆盖", out)
	}
	if err := os.Rename(tmpName, out); err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	done = true
	if d, err := os.Open(filepath.Dir(out)); err == nil {
		d.Sync()
		d.Close()
	}
	st, err := os.Stat(out)
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	return BackupResult{Path: out, Bytes: st.Size(), Audit: rep}, nil
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", name, err)
	}
	return nil
}

// verifyCopy checks the audit chain of the copy at path, read only.
func verifyCopy(ctx context.Context, path string) (audit.Report, error) {
	db, err := sql.Open("sqlite", "file:"+escape(path)+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return audit.Report{}, fmt.Errorf("backup: open the copy: %w", err)
	}
	defer db.Close()
	rep, err := audit.Log{DB: db, Dialect: audit.SQLite}.Verify(ctx)
	if err != nil {
		if errors.Is(err, audit.ErrBroken) {
			return rep, fmt.Errorf("备份副本的审计链未通过校验（原数据库的审计链可能已被改动，请运行 luoshi audit verify）：%w", err)
		}
		return rep, fmt.Errorf("backup: verify the copy: %w", err)
	}
	return rep, nil
}

func escape(path string) string { return (&url.URL{Path: path}).EscapedPath() }
