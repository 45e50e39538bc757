package http

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	nethttp "net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"luoshi"
	"luoshi/xlsx"
)

// workbookServer is a server with a template key over the fixture's store.
func workbookServer(t *testing.T) (*fixture, string) {
	t.Helper()
	f := newFixture(t, demoNow, false)
	srv, err := New(Config{Store: f.store, Now: func() time.Time { return f.now }, TemplateKey: []byte("web-test-key-0123456789"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	in, err := f.store.StatusInput(context.Background(), f.planID)
	if err != nil {
		t.Fatal(err)
	}
	// A department that leads a few items.
	count := map[string]int{}
	for _, a := range in.Assignments {
		count[a.Lead]++
	}
	unit := ""
	for u, n := range count {
		if n >= 2 && len(u) != 6 && (unit == "" || u < unit) {
			unit = u
		}
	}
	if unit == "" {
		t.Fatal("no department leads two commitments")
	}
	return f, unit
}

// fillAll types 1 into every fill-in value cell; bad puts a word into J3.
func fillAll(t *testing.T, data []byte, bad bool) ([]byte, int) {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(xlsx.FillSheet)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := 2; i < len(rows); i++ {
		if err := x.SetCellValue(xlsx.FillSheet, "J"+strconv.Itoa(i+1), 1); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if bad {
		if err := x.SetCellStr(xlsx.FillSheet, "J3", "一点点"); err != nil {
			t.Fatal(err)
		}
	}
	b, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), n
}

func multipartBody(t *testing.T, data []byte, action string) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "填报.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.WriteField("action", action)
	mw.Close()
	return &b, mw.FormDataContentType()
}

var notReported = regexp.MustCompile(`<b>(\d+)</b>未报送`)

func notReportedCount(t *testing.T, f *fixture) int {
	t.Helper()
	w := f.do("GET", "/", "", nil, "")
	m := notReported.FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil {
		t.Fatalf("cockpit: %d, no 未报送 count", w.Code)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestWorkbookUploadRoundTrip(t *testing.T) {
	f, unit := workbookServer(t)
	before := notReportedCount(t, f)

	w := f.do("GET", "/report/template.xlsx", unit, nil, "")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("template: %d %s", w.Code, w.Body.String())
	}
	tpl := w.Body.Bytes()
	// A unit cannot download another unit's template.
	if w := f.do("GET", "/report/template.xlsx?unit=510100", unit, nil, ""); w.Code != nethttp.StatusForbidden {
		t.Fatalf("other unit's template: %d", w.Code)
	}

	// A bad cell: the problem beside the field, a marked copy, nothing stored.
	bad, _ := fillAll(t, tpl, true)
	body, ct := multipartBody(t, bad, "submit")
	w = f.do("POST", "/report/upload", unit, body, ct)
	page := w.Body.String()
	if w.Code != nethttp.StatusUnprocessableEntity || !strings.Contains(page, "填报表!J3") || !strings.Contains(page, "整份未入库") {
		t.Fatalf("bad upload: %d %s", w.Code, page)
	}
	link := regexp.MustCompile(`href="(/report/upload/[0-9a-f]+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no link to the marked copy")
	}
	if w := f.do("GET", link[1], unit, nil, ""); w.Code != 200 || !bytes.HasPrefix(w.Body.Bytes(), []byte("PK")) {
		t.Fatalf("marked copy: %d", w.Code)
	}
	if w := f.do("GET", link[1], "510100", nil, ""); w.Code != nethttp.StatusNotFound {
		t.Fatalf("marked copy for another unit: %d", w.Code)
	}
	if ps, _ := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.planID, Unit: unit}); len(ps) != 0 {
		t.Fatalf("%d reports stored from a rejected upload", len(ps))
	}

	// Another unit uploads this unit's workbook: refused, said why.
	good, n := fillAll(t, tpl, false)
	body, ct = multipartBody(t, good, "submit")
	w = f.do("POST", "/report/upload", "510100", body, ct)
	if w.Code != nethttp.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "不能作为本单位") {
		t.Fatalf("other unit's upload: %d", w.Code)
	}

	body, ct = multipartBody(t, good, "submit")
	w = f.do("POST", "/report/upload", unit, body, ct)
	if w.Code != nethttp.StatusSeeOther {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	w = f.do("GET", w.Header().Get("Location"), unit, nil, "")
	if !strings.Contains(w.Body.String(), "已上传："+strconv.Itoa(n)+" 项已保存（已提交，等待审核）") {
		t.Fatalf("no notice after upload: %s", w.Body.String())
	}
	ps, err := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.planID, Unit: unit})
	if err != nil || len(ps) != n {
		t.Fatalf("stored %d reports, want %d (%v)", len(ps), n, err)
	}
	for _, p := range ps {
		if p.Value.String() != "1" || p.State != luoshi.StateSubmitted || p.Period != "2025-10" {
			t.Errorf("stored %+v", p)
		}
	}
	if after := notReportedCount(t, f); after >= before {
		t.Fatalf("cockpit 未报送 %d before, %d after the upload", before, after)
	}
	// The burden page counts the upload: n values typed (no narratives)
	// and used for 2025-10.
	w = f.do("GET", "/burden", "", nil, "")
	row := regexp.MustCompile(`<td>2025-10</td><td class="num">\d+</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`).FindStringSubmatch(w.Body.String())
	if w.Code != 200 || row == nil || row[1] != strconv.Itoa(n) || row[2] != strconv.Itoa(n) {
		t.Fatalf("burden: %d %v", w.Code, row)
	}
	if w := f.do("GET", "/burden", unit, nil, ""); w.Code != nethttp.StatusForbidden {
		t.Fatalf("burden for a unit: %d", w.Code)
	}
}

func TestWorkbookNoKey(t *testing.T) {
	f := newFixture(t, demoNow, false)
	if w := f.do("GET", "/report/template.xlsx?unit=510100", "", nil, ""); w.Code != nethttp.StatusBadRequest || !strings.Contains(w.Body.String(), "未配置模板签名密钥") {
		t.Fatalf("without a key: %d", w.Code)
	}
}

func TestWorkbookUploadHostile(t *testing.T) {
	f, unit := workbookServer(t)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"not a workbook", []byte("this is not a zip"), "文件无法打开"},
		{"empty", nil, "文件无法打开"},
		{"a zip of nothing", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), "文件无法打开"},
	} {
		body, ct := multipartBody(t, c.data, "submit")
		w := f.do("POST", "/report/upload", unit, body, ct)
		if w.Code != nethttp.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s: %d", c.name, w.Code)
		}
	}
	// No file at all.
	w := f.do("POST", "/report/upload", unit, strings.NewReader("--x--\r\n"), "multipart/form-data; boundary=x")
	if w.Code != nethttp.StatusBadRequest || !strings.Contains(w.Body.String(), "请选择要上传的 Excel 填报模板") {
		t.Errorf("no file: %d", w.Code)
	}
	// Far too big: refused before it is read whole.
	big := bytes.Repeat([]byte("x"), 12<<20)
	body, ct := multipartBody(t, big, "submit")
	if w := f.do("POST", "/report/upload", unit, body, ct); w.Code != nethttp.StatusBadRequest {
		t.Errorf("12 MiB upload: %d", w.Code)
	}
	if ps, _ := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.planID, Unit: unit}); len(ps) != 0 {
		t.Fatalf("%d reports stored from hostile uploads", len(ps))
	}
}
