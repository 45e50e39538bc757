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

// multipartBody is the upload form with data as its file; fields are
// further name, value pairs.
func multipartBody(t *testing.T, data []byte, action string, fields ...string) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "填报.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.WriteField("action", action)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
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

// signedPeriod returns the period a downloaded template is signed for.
func signedPeriod(t *testing.T, data []byte) string {
	t.Helper()
	// An impossible unit stops the reading after the signature.
	u, err := xlsx.ReadUpload(bytes.NewReader(data), xlsx.Binding{Unit: "\x00"}, []byte("web-test-key-0123456789"))
	if err == nil || u.Binding.Period == "" {
		t.Fatalf("template not signed: %v", err)
	}
	return u.Binding.Period
}

// periodOptions returns the periods the select id of the upload page
// offers, and the one selected.
func periodOptions(t *testing.T, page, id string) (keys []string, selected string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="` + id + `" name="period"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no select #%s on the page", id)
	}
	for _, o := range regexp.MustCompile(`<option value="([^"]+)" (selected)?`).FindAllStringSubmatch(m[1], -1) {
		keys = append(keys, o[1])
		if o[2] != "" {
			selected = o[1]
		}
	}
	return keys, selected
}

func storedPeriods(t *testing.T, f *fixture, unit string) map[string]int {
	t.Helper()
	ps, err := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.planID, Unit: unit})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, p := range ps {
		n[p.Period]++
	}
	return n
}

// A unit picks any open period: the page offers the open periods only
// (the current one preselected), downloads that period's template and
// uploads it for that period; a workbook of another period, and a closed
// period, are refused and said why.
func TestWorkbookChoosePeriod(t *testing.T) {
	f, unit := workbookServer(t)
	ctx := context.Background()
	// demoNow reports 2025-10; 2025-08 is closed.
	if err := f.store.ClosePeriod(ctx, f.planID, "2025-08", "督查室"); err != nil {
		t.Fatal(err)
	}

	w := f.do("GET", "/report/upload", unit, nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	for _, id := range []string{"t-period", "u-period"} {
		keys, sel := periodOptions(t, w.Body.String(), id)
		if sel != "2025-10" || len(keys) != 11 || strings.Contains(strings.Join(keys, " "), "2025-08") || keys[0] != "2025-01" {
			t.Fatalf("#%s offers %v, selects %q; want the 11 open periods, 2025-10 selected", id, keys, sel)
		}
	}
	w = f.do("GET", "/report/upload?period=2025-09", unit, nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	if _, sel := periodOptions(t, w.Body.String(), "u-period"); sel != "2025-09" {
		t.Fatalf("?period=2025-09 selects %q", sel)
	}
	wantBody(t, w, "2025-09（")

	// Templates of the current period and of another open one.
	w = f.do("GET", "/report/template.xlsx", unit, nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	current := w.Body.Bytes()
	w = f.do("GET", "/report/template.xlsx?period=2025-09", unit, nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, "2025-09") {
		t.Fatalf("2025-09 template named %q", cd)
	}
	sept := w.Body.Bytes()
	if p := signedPeriod(t, current); p != "2025-10" {
		t.Fatalf("default template signed for %s", p)
	}
	if p := signedPeriod(t, sept); p != "2025-09" {
		t.Fatalf("2025-09 template signed for %s", p)
	}

	// The 2025-10 template uploaded as 2025-09: refused, naming both
	// periods, with the way to report 2025-10; nothing stored.
	filled, _ := fillAll(t, current, false)
	body, ct := multipartBody(t, filled, "submit", "period", "2025-09")
	w = f.do("POST", "/report/upload", unit, body, ct)
	wantStatus(t, w, nethttp.StatusUnprocessableEntity)
	wantBody(t, w, "这是 2025-10 期的模板，当前填报的是 2025-09 期", "整份未入库", "如要报送 2025-10 期，请在“本文件的填报周期”中选择 2025-10 期后重新上传")
	if _, sel := periodOptions(t, w.Body.String(), "u-period"); sel != "2025-09" {
		t.Fatalf("after the refusal the page selects %q, want the period chosen", sel)
	}
	if n := storedPeriods(t, f, unit); len(n) != 0 {
		t.Fatalf("stored %v from a refused upload", n)
	}

	// The 2025-09 template uploaded as 2025-09: stored for 2025-09 only.
	filled, n := fillAll(t, sept, false)
	body, ct = multipartBody(t, filled, "save", "period", "2025-09")
	w = f.do("POST", "/report/upload?plan="+strconv.FormatInt(f.planID, 10), unit, body, ct)
	wantStatus(t, w, nethttp.StatusSeeOther)
	loc := w.Header().Get("Location")
	if !strings.Contains(loc, "period=2025-09") {
		t.Fatalf("redirect to %s", loc)
	}
	w = f.do("GET", loc, unit, nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	wantBody(t, w, "已上传："+strconv.Itoa(n)+" 项已保存（草稿），填报周期 2025-09。")
	if _, sel := periodOptions(t, w.Body.String(), "u-period"); sel != "2025-09" {
		t.Fatalf("after the upload the page selects %q", sel)
	}
	if got := storedPeriods(t, f, unit); len(got) != 1 || got["2025-09"] != n {
		t.Fatalf("stored %v, want %d reports of 2025-09", got, n)
	}
	ps, err := f.store.ListProgress(ctx, luoshi.ProgressFilter{PlanID: f.planID, Unit: unit, Period: "2025-09"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Value.String() != "1" || p.State != luoshi.StateDraft {
			t.Errorf("stored %+v", p)
		}
	}

	// A closed period: not downloadable, the page says so, an upload
	// naming it is refused.
	w = f.do("GET", "/report/template.xlsx?period=2025-08", unit, nil, "")
	wantStatus(t, w, nethttp.StatusConflict)
	wantBody(t, w, "2025-08 期已关闭，不再接受填报")
	w = f.do("GET", "/report/upload?period=2025-08", unit, nil, "")
	wantStatus(t, w, nethttp.StatusConflict)
	wantBody(t, w, "2025-08 期已关闭，不再接受填报")
	if keys, sel := periodOptions(t, w.Body.String(), "u-period"); sel != "2025-10" || strings.Contains(strings.Join(keys, " "), "2025-08") {
		t.Fatalf("closed period asked: offers %v, selects %q", keys, sel)
	}
	body, ct = multipartBody(t, filled, "submit", "period", "2025-08")
	w = f.do("POST", "/report/upload", unit, body, ct)
	wantStatus(t, w, nethttp.StatusConflict)
	wantBody(t, w, "2025-08 期已关闭，不再接受填报")
	// A period the plan does not have.
	w = f.do("GET", "/report/template.xlsx?period=2024-13", unit, nil, "")
	wantStatus(t, w, nethttp.StatusNotFound)
	if got := storedPeriods(t, f, unit); len(got) != 1 {
		t.Fatalf("stored %v after the refusals", got)
	}

	// The office, for the unit, picks 2025-11.
	w = f.do("GET", "/report/upload?unit="+unit+"&period=2025-11", "", nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	if _, sel := periodOptions(t, w.Body.String(), "t-period"); sel != "2025-11" {
		t.Fatalf("office page selects %q", sel)
	}
	w = f.do("GET", "/report/template.xlsx?unit="+unit+"&period=2025-11", "", nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	filled, n = fillAll(t, w.Body.Bytes(), false)
	body, ct = multipartBody(t, filled, "submit", "unit", unit, "period", "2025-11")
	w = f.do("POST", "/report/upload", "", body, ct)
	wantStatus(t, w, nethttp.StatusSeeOther)
	if got := storedPeriods(t, f, unit); got["2025-11"] != n || got["2025-09"] == 0 || len(got) != 2 {
		t.Fatalf("stored %v, want %d reports of 2025-11 besides 2025-09", got, n)
	}
}

// With every period closed, nothing is offered and the page says why.
func TestWorkbookAllPeriodsClosed(t *testing.T) {
	f, unit := workbookServer(t)
	ctx := context.Background()
	ps, err := f.store.Periods(ctx, f.planID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := f.store.ClosePeriod(ctx, f.planID, p.Key, "督查室"); err != nil {
			t.Fatal(err)
		}
	}
	w := f.do("GET", "/report/upload", unit, nil, "")
	wantStatus(t, w, nethttp.StatusOK)
	wantBody(t, w, "各填报周期均已关闭")
	if strings.Contains(w.Body.String(), `<option value="2025-`) {
		t.Fatal("a closed period is offered")
	}
	w = f.do("GET", "/report/template.xlsx", unit, nil, "")
	wantStatus(t, w, nethttp.StatusConflict)
	wantBody(t, w, "2025-10 期已关闭")
}

func TestDefaultPeriod(t *testing.T) {
	ps, err := luoshi.Calendar(2025, luoshi.Monthly, 5, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC) // 2025-10 is being reported
	closed := func(keys ...string) []luoshi.Period {
		out := append([]luoshi.Period(nil), ps...)
		at := now
		for i := range out {
			for _, k := range keys {
				if out[i].Key == k {
					out[i].ClosedAt = &at
				}
			}
		}
		return out
	}
	for _, c := range []struct {
		closed []string
		want   string
	}{
		{nil, "2025-10"},
		{[]string{"2025-10"}, "2025-11"},
		{[]string{"2025-10", "2025-11", "2025-12"}, "2025-09"},
		{[]string{"2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"}, ""},
	} {
		p, ok := defaultPeriod(closed(c.closed...), now)
		if p.Key != c.want || ok != (c.want != "") {
			t.Errorf("closed %v: %q %v, want %q", c.closed, p.Key, ok, c.want)
		}
	}
}
