package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"luoshi/store"
)

// templateKeyEnv names the environment variable that holds the template
// signing key (hex or any text of at least 16 bytes).
const templateKeyEnv = "LUOSHI_TEMPLATE_KEY"

// keyFlags are the flags that say where the template signing key is.
type keyFlags struct {
	file *string
}

// addKeyFlags adds --template-key-file to fs.
func addKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{file: fs.String("template-key-file", "", "file holding the key that signs Excel templates (default: $"+templateKeyEnv+", else NAME.template-key next to a SQLite database, created on first use)")}
}

// templateKey returns the key that signs the Excel templates of the store
// dsn: the named key file, else the environment variable (getenv), else a
// key file next to a SQLite database, created with a random key on first
// use. A PostgreSQL store shared by several instances needs the same key
// on each: the file or the variable.
func templateKey(dsn string, kf keyFlags, getenv func(string) string) ([]byte, error) {
	path := ""
	if kf.file != nil {
		path = *kf.file
	}
	if path == "" {
		if v := strings.TrimSpace(getenv(templateKeyEnv)); v != "" {
			if len(v) < 16 {
				return nil, fmt.Errorf("$%s is shorter than 16 characters", templateKeyEnv)
			}
			return []byte(v), nil
		}
		if store.IsPostgres(dsn) {
			return nil, fmt.Errorf("a PostgreSQL store needs the template signing key in $%s or --template-key-file", templateKeyEnv)
		}
		db := strings.TrimPrefix(dsn, "sqlite:")
		if db == "" {
			db = store.DefaultFile()
		}
		path = db + ".template-key"
		if err := createKey(path); err != nil {
			return nil, err
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template key: %w", err)
	}
	k := strings.TrimSpace(string(b))
	if len(k) < 16 {
		return nil, fmt.Errorf("template key file %s holds fewer than 16 characters", path)
	}
	return []byte(k), nil
}

// createKey writes a random key to path unless the file exists.
func createKey(path string) error {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("template key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("template key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("template key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(b[:]) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("template key: %w", err)
	}
	return f.Close()
}

// derivedKey derives a 32-byte key for one purpose from the deployment's
// secret (the template signing key), so that the CSRF tokens of a form
// survive a restart and several instances sharing a store (and so the key)
// accept each other's forms.
func derivedKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
