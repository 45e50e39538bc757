package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"luoshi/extract"
)

// TestImportVersions imports the 2025 Sichuan report into a fresh SQLite
// store, imports it again (nothing changes), then a revised text (a new
// version that names what changed).
func TestImportVersions(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "luoshi.db")
	src, err := os.ReadFile("../../testdata/eval/sichuan-2025.txt")
	if err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "v1.txt")
	if err := os.WriteFile(first, src, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "import", "--db", db, "--region", "510000", first)
	if code != 0 || !regexp.MustCompile(`imported plan 1: .* 2025, version 1, \d{3} commitments, \d+ targets`).MatchString(out) {
		t.Fatalf("first import: %d %q %q", code, out, errs)
	}
	code, out, _ = runCmd(t, "import", "--db", db, "--region", "510000", first)
	if code != 0 || !strings.HasPrefix(out, "unchanged: plan 1") {
		t.Fatalf("second import: %d %q", code, out)
	}
	// Revise: change the first digit of the first target the reader finds.
	p, err := readReport(first, extract.Options{})
	if err != nil || len(p.Targets) == 0 {
		t.Fatalf("read: %v", err)
	}
	tg := p.Targets[0]
	runes := []rune(p.Source)
	span := append([]rune(nil), runes[tg.Span.Start:tg.Span.End]...)
	for i, r := range span {
		if r >= '0' && r <= '9' {
			span[i] = '9'
			if r == '9' {
				span[i] = '8'
			}
			break
		}
	}
	text := string(runes[:tg.Span.Start]) + string(span) + string(runes[tg.Span.End:])
	revised := filepath.Join(dir, "v2.txt")
	if err := os.WriteFile(revised, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd(t, "import", "--db", db, "--region", "510000", revised)
	if code != 0 || !strings.Contains(out, "version 2: 0 added, 0 removed,") || !strings.Contains(out, "~ target "+tg.ID+"→"+tg.ID+" "+string(span)) {
		t.Fatalf("revised import: %d %q %q", code, out, errs)
	}
	code, out, errs = runCmd(t, "status", "--db", db, "--as-of", "2025-03-01")
	if code != 0 || !strings.Contains(out, "第2版") {
		t.Fatalf("status: %d %q %q", code, out, errs)
	}
}
