package xlsx

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// noPanic fails if ReadUpload recovered from a panic: the guard keeps a
// server up, but a panic is still a bug to find.
func noPanic(t *testing.T, err error) {
	for _, p := range Problems(err) {
		if p.Message == panicMessage {
			t.Fatal("ReadUpload panicked and recovered")
		}
	}
}

// FuzzUploadCells types arbitrary text into the fill-in cells of one row:
// ReadUpload must not panic, an accepted row must obey every rule, and a
// rejection must point at that row's fill-in cells only.
func FuzzUploadCells(f *testing.F) {
	src := writeSample(f, sampleTemplate())
	f.Add("1500", "正常推进", "2025-03-01", "进展顺利")
	f.Add("=cmd|' /C calc'!A0", "=1+1", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0")
	f.Add("１，２００个", "已完成", "2025年3月1日", strings.Repeat("长", 501))
	f.Add("-0", "", "99999999", "\t")
	f.Add("1e400", "滞后", "0", "")
	f.Fuzz(func(t *testing.T, value, status, date, narrative string) {
		b := fill(t, src, func(f *excelize.File) error {
			for c, v := range map[string]string{"J3": value, "K3": status, "L3": date, "M3": narrative} {
				if err := f.SetCellStr(FillSheet, c, v); err != nil {
					return nil // excelize refuses some strings; nothing to test
				}
			}
			return nil
		})
		u, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
		noPanic(t, err)
		if err != nil {
			for _, p := range Problems(err) {
				if p.Sheet != FillSheet || p.Row != 3 || !strings.Contains("JKLM", p.Column) || p.Column == "" {
					t.Fatalf("problem outside the edited row: %v", p)
				}
			}
			if len(Problems(err)) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			return
		}
		for _, r := range u.Rows {
			if r.Item != "T1" {
				continue
			}
			if r.Value.Cmp(*dec("1200")) < 0 {
				t.Fatalf("accepted %s below the previous 1200", r.Value)
			}
			if r.Status != "" && !isStatus(r.Status) {
				t.Fatalf("accepted status %q", r.Status)
			}
			if utf8.RuneCountInString(r.Narrative) > NarrativeMax || formulaLike(r.Narrative) {
				t.Fatalf("accepted narrative %q", r.Narrative)
			}
		}
	})
}

// FuzzSheetXML replaces the XML of the fill-in sheet with arbitrary bytes:
// the parser and the checks must not panic.
func FuzzSheetXML(f *testing.F) {
	filled := fill(f, writeSample(f, sampleTemplate()), set(goodFill()))
	sheet := zipEntry(f, filled, "xl/worksheets/sheet1.xml")
	f.Add(sheet)
	f.Add([]byte(strings.Replace(string(sheet), `<v>1500</v>`, `<f>1+1</f><v>1500</v>`, 1)))
	f.Add([]byte(strings.Replace(string(sheet), `r="J3"`, `r="XFD1048576"`, 1)))
	f.Add([]byte(`<worksheet><sheetData><row r="3"><c r="B3" t="s"><v>99999</v></c></row></sheetData></worksheet>`))
	f.Fuzz(func(t *testing.T, x []byte) {
		b := replaceEntry(t, filled, "xl/worksheets/sheet1.xml", x)
		type result struct {
			u   Upload
			err error
		}
		done := make(chan result, 1)
		go func() {
			u, err := ReadUpload(bytes.NewReader(b), sampleBinding, testKey)
			done <- result{u, err}
		}()
		var u Upload
		var err error
		select {
		case r := <-done:
			u, err = r.u, r.err
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadUpload still running after 5s on %d bytes of sheet XML", len(x))
		}
		noPanic(t, err)
		if err == nil {
			for _, r := range u.Rows {
				if r.Value.Sign() < 0 {
					t.Fatalf("accepted a negative value %s", r.Value)
				}
			}
		} else if len(Problems(err)) == 0 {
			t.Fatalf("error without problems: %v", err)
		}
	})
}

func zipEntry(t testing.TB, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == name {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			data, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

// replaceEntry returns the zip b with the entry name holding data.
func replaceEntry(t testing.TB, b []byte, name string, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == name {
			_, err = w.Write(data)
		} else {
			var rc io.ReadCloser
			if rc, err = zf.Open(); err == nil {
				_, err = io.Copy(w, rc)
				rc.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
