package xlsx

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// resave opens each workbook in LibreOffice Calc and saves it again as
// .xlsx, as a unit's spreadsheet program does, and returns the results.
func resave(t *testing.T, soffice string, books map[string][]byte) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	var names []string
	for name, b := range books {
		p := filepath.Join(dir, name+".xlsx")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := filepath.Join(dir, "out")
	args := append([]string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out}, names...)
	cmd := exec.CommandContext(ctx, soffice, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	got := make(map[string][]byte)
	for name := range books {
		b, err := os.ReadFile(filepath.Join(out, name+".xlsx"))
		if err != nil {
			t.Fatalf("soffice did not save %s: %v", name, err)
		}
		got[name] = b
	}
	return got
}

// TestLibreOfficeRoundTrip checks that a template saved again by a real
// spreadsheet program (LibreOffice Calc, when installed) still reads back:
// metadata, signature, locked cells, numbers, dates and text survive; a
// bad cell is still found; and a marked copy opens in it.
func TestLibreOfficeRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("starts LibreOffice")
	}
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice not installed")
	}
	src := writeSample(t, sampleTemplate())
	good := fill(t, src, set(goodFill()))
	badCells := goodFill()
	badCells["J3"] = "一千五"
	bad := fill(t, src, set(badCells))
	saved := resave(t, soffice, map[string][]byte{"good": good, "bad": bad})

	want, err := ReadUpload(bytes.NewReader(good), sampleBinding, testKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadUpload(bytes.NewReader(saved["good"]), sampleBinding, testKey)
	if err != nil {
		t.Fatalf("workbook saved by LibreOffice refused: %v", err)
	}
	if fmt.Sprintf("%+v", got.Rows) != fmt.Sprintf("%+v", want.Rows) {
		t.Errorf("after LibreOffice:\n%+v\nbefore:\n%+v", got.Rows, want.Rows)
	}
	f := open(t, saved["good"])
	if v, err := f.GetSheetVisible(MetaSheet); err != nil || v {
		t.Errorf("metadata sheet visible after LibreOffice: %v %v", v, err)
	}
	if !strings.Contains(zipPart(t, saved["good"], "xl/worksheets/sheet1.xml"), "<sheetProtection") {
		t.Error("fill-in sheet unprotected after LibreOffice")
	}
	if locked(t, f, FillSheet, "J3") || !locked(t, f, FillSheet, "H3") {
		t.Error("cell protection changed by LibreOffice")
	}

	_, err = ReadUpload(bytes.NewReader(saved["bad"]), sampleBinding, testKey)
	ps := Problems(err)
	if len(ps) != 1 || ps[0].Cell() != "J3" || !strings.Contains(ps[0].Message, "不是数字") {
		t.Fatalf("bad workbook after LibreOffice: %v", ps)
	}
	marked, err := MarkErrors(saved["bad"], ps)
	if err != nil {
		t.Fatal(err)
	}
	again := resave(t, soffice, map[string][]byte{"marked": marked})
	_, err = ReadUpload(bytes.NewReader(again["marked"]), sampleBinding, testKey)
	if ps := Problems(err); len(ps) != 1 || ps[0].Cell() != "J3" {
		t.Errorf("marked copy after LibreOffice: %v", ps)
	}
}
