package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"luoshi"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestExtractJSON(t *testing.T) {
	code, out, errs := runCmd(t, "extract", "--json", "../../testdata/eval/sichuan-2025.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var p luoshi.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if p.Title != "2025年四川省政府工作报告" || p.Year != 2025 || len(p.Targets) < 19 || len(p.Commitments) < 200 {
		t.Fatalf("title %q year %d: %d targets, %d commitments", p.Title, p.Year, len(p.Targets), len(p.Commitments))
	}
	// The JSON keeps every digit: 725亿斤 is 72500000000, not 7.25e10.
	if !strings.Contains(out, `"value": 72500000000,`) {
		t.Error("exact value of 725亿斤 not in the JSON")
	}
	suggested := 0
	for _, c := range p.Commitments {
		if len(c.SuggestedUnits) > 0 {
			suggested++
		}
	}
	if suggested*2 < len(p.Commitments) {
		t.Errorf("only %d of %d commitments have suggested units", suggested, len(p.Commitments))
	}
}

// TestExtractEncodings reads the same excerpt saved as UTF-8, UTF-8 with a
// BOM and CRLF, GB18030 and UTF-16, and expects the same commitments and
// targets from each; and a .docx written by LibreOffice.
func TestExtractEncodings(t *testing.T) {
	plan := func(name string) *luoshi.Plan {
		code, out, errs := runCmd(t, "extract", "--json", "../../testdata/source/"+name)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		var p luoshi.Plan
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		return &p
	}
	want := plan("sichuan-2025-excerpt.utf8.txt")
	if len(want.Commitments) == 0 {
		t.Fatal("no commitments in the UTF-8 excerpt")
	}
	for _, name := range []string{"sichuan-2025-excerpt.bom.txt", "sichuan-2025-excerpt.gb18030.txt",
		"sichuan-2025-excerpt.utf16le.txt", "sichuan-2025-excerpt.utf16be.txt"} {
		got := plan(name)
		if len(got.Commitments) != len(want.Commitments) || len(got.Targets) != len(want.Targets) {
			t.Errorf("%s: %d commitments, %d targets; UTF-8 gives %d, %d", name,
				len(got.Commitments), len(got.Targets), len(want.Commitments), len(want.Targets))
			continue
		}
		for i := range want.Commitments {
			if got.Commitments[i].Text != want.Commitments[i].Text {
				t.Errorf("%s: commitment %d = %q, want %q", name, i, got.Commitments[i].Text, want.Commitments[i].Text)
				break
			}
		}
	}
	doc := plan("sichuan-2025-excerpt.libreoffice.docx")
	var got []string
	for _, tg := range doc.Targets {
		got = append(got, tg.Value.String()+tg.Unit)
	}
	if strings.Join(got, ",") != "4000个,30000套,100000户,6000公里" || doc.Title != "2025年四川省政府工作报告" {
		t.Errorf(".docx: title %q, targets %v", doc.Title, got)
	}
}

func TestExtractXLSX(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "任务分解表.xlsx")
	code, out, errs := runCmd(t, "extract", "--xlsx", name, "../../testdata/eval/seed.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "项任务") {
		t.Errorf("listing lacks the summary line: %q", out[max(0, len(out)-200):])
	}
	f, err := excelize.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		for _, c := range r {
			if strings.Contains(c, "老旧小区") && strings.Contains(c, "4000个以上") {
				found = true
			}
		}
	}
	if !found || len(rows) < 100 {
		t.Errorf("%d rows; target 老旧小区 4000个以上 found: %v", len(rows), found)
	}
	// Nothing else is left in the folder: the table is written whole or
	// not at all.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want 1", len(entries))
	}
}

// TestExtractBadInput checks that bad files get an error naming the file
// and the place, exit status 1, and no panic.
func TestExtractBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := filepath.Join(dir, "big.txt")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // a sparse 50 MB file
		t.Fatal(err)
	}
	f.Close()
	tests := []struct {
		name, path string
		want       []string
	}{
		{"empty", write("empty.txt", nil), []string{"empty.txt", "empty"}},
		{"binary", write("photo.txt", []byte("四川\x00\x01\x02")), []string{"photo.txt", "NUL byte at byte offset 6"}},
		{"invalid utf-8", write("bad.txt", []byte("四川省\xff\xfe\xfd\xfc报告")), []string{"bad.txt", "byte offset 9"}},
		{"docx not a zip", write("report.docx", []byte("just text")), []string{"report.docx", "not a Word .docx file"}},
		{"50 MB", big, []string{"big.txt", "52428800 bytes", "limit"}},
		{"no chinese", write("en.txt", []byte("hello world 2025")), []string{"en.txt", "no Chinese"}},
		{"missing", filepath.Join(dir, "missing.txt"), []string{"missing.txt", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "extract", "--json", tt.path)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q, want 1 and nothing", code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("error %q lacks %q", errs, w)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := runCmd(t, "extract"); code != 2 {
		t.Errorf("extract without FILE: exit %d, want 2", code)
	}
	if code, _, _ := runCmd(t, "nonsense"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code, out, _ := runCmd(t, "help"); code != 0 || !strings.Contains(out, "extract") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}
