package http

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"mime/multipart"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"luoshi"
	"luoshi/catalog"
	"luoshi/reports"
	"luoshi/sqlite"
)

// fixture is a server over a fresh SQLite store holding the embedded 2025
// Sichuan plan.
type fixture struct {
	t      *testing.T
	store  luoshi.Store
	srv    *Server
	planID int64
	now    time.Time
}

func newFixture(t *testing.T, now time.Time, demo bool) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat := catalog.Sichuan()
	id, imported, err := reports.Bootstrap(ctx, db, cat, now)
	if err != nil || !imported {
		t.Fatalf("Bootstrap: %v (imported %v)", err, imported)
	}
	if demo {
		if err := reports.Demo(ctx, db, id); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := New(Config{Store: db, Catalog: cat, Now: func() time.Time { return now }, Demo: demo,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ScanAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, store: db, srv: srv, planID: id, now: now}
}

// do sends a request as the office (unit "") or as a unit's reporter.
func (f *fixture) do(method, target, unit string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	f.t.Helper()
	r := httptest.NewRequest(method, target, body)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if unit != "" {
		r.AddCookie(&nethttp.Cookie{Name: actorCookie, Value: url.QueryEscape(unit)})
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	return w
}

func (f *fixture) get(target, unit string) *httptest.ResponseRecorder {
	return f.do(nethttp.MethodGet, target, unit, nil, "")
}

func (f *fixture) post(target, unit string, form url.Values) *httptest.ResponseRecorder {
	return f.do(nethttp.MethodPost, target, unit, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, code int) {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status %d, want %d; body:\n%.2000s", w.Code, code, w.Body.String())
	}
}

func wantBody(t *testing.T, w *httptest.ResponseRecorder, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(w.Body.String(), s) {
			t.Errorf("body lacks %q", s)
		}
	}
}

var demoNow = reports.DemoAsOf(2025)

func TestPages(t *testing.T) {
	f := newFixture(t, demoNow, true)
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/", []string{"驾驶舱", "主要量化目标", "地区生产总值", "演示数据", "市州完成情况", `href="/tasks?status=behind"`, `<a href="/burden">报表通</a>：各单位共填写 <b>`}},
		{"/tasks", []string{"任务清单", "共 <b>254</b> 项", "导出当前视图为 Excel", "下一页"}},
		{"/tasks?target=1", []string{"只看有量化目标的"}},
		{"/tasks/c0005", []string{"粮食产量", "<mark>", "进度曲线", "填报记录", "分解到市州"}},
		{"/units", []string{"按时报送率"}},
		{"/units/510100", []string{"成都市", "填报事项"}},
		{"/regions", []string{"21 个市州", "阿坝", "攀枝花"}},
		{"/report?unit=510100", []string{"累计完成值", "2025-10", `href="/report/upload"`}},
		{"/review", []string{"待审核填报", "审核通过"}},
		{"/alerts", []string{"处理说明"}},
		{"/import", []string{"上传并提取"}},
		{"/as", []string{"切换身份", "成都市"}},
	} {
		w := f.get(c.path, "")
		wantStatus(t, w, nethttp.StatusOK)
		for _, s := range c.want {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("%s lacks %q", c.path, s)
			}
		}
	}
	// The demo's reports were typed and used: the 报表通 figure is not
	// empty.
	if home := f.get("/", "").Body.String(); strings.Contains(home, "系统报告使用数值 <b>0</b>") {
		t.Error("cockpit shows no values used by the reports")
	}
	wantStatus(t, f.get("/tasks/c9999", ""), nethttp.StatusNotFound)
	wantStatus(t, f.get("/units/999999", ""), nethttp.StatusNotFound)
	wantStatus(t, f.get("/tasks?status=bogus", ""), nethttp.StatusBadRequest)
	wantStatus(t, f.get("/nowhere", ""), nethttp.StatusNotFound)
}

func TestTaskListFilterSortPage(t *testing.T) {
	f := newFixture(t, demoNow, true)
	all := f.get("/tasks?target=1", "")
	wantStatus(t, all, nethttp.StatusOK)
	v, err := f.srv.load(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range v.Plan.Commitments {
		if len(c.Targets) > 0 {
			n++
		}
	}
	wantBody(t, all, "共 <b>"+itoa(n)+"</b> 项")
	q := f.get("/tasks?q="+url.QueryEscape("粮食"), "")
	wantBody(t, q, "粮食产量")
	if strings.Contains(q.Body.String(), "c0001<") {
		t.Error("search for 粮食 shows c0001")
	}
	p2 := f.get("/tasks?page=2", "")
	wantBody(t, p2, "第 51–100 项", `rel="prev"`)
	// The export holds the same rows as the view.
	x := f.get("/tasks.xlsx?target=1", "")
	wantStatus(t, x, nethttp.StatusOK)
	wb, err := excelize.OpenReader(bytes.NewReader(x.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows("任务清单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Errorf("export has %d rows, want %d and a header", len(rows)-1, n)
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestEscaping(t *testing.T) {
	f := newFixture(t, demoNow, false)
	ctx := context.Background()
	evil := `<script>alert("x")</script>推进<b>成渝</b>中线高铁建设。`
	p := &luoshi.Plan{Jurisdiction: "四川省", Year: 2026, Title: "2026年<script>标题</script>", Source: "前文。" + evil + "后文。",
		Sections:    []luoshi.Section{{ID: "1", Level: 1, Number: "一", Title: "<i>重点</i>工作", Kind: luoshi.KindPlan}},
		Commitments: []luoshi.Commitment{{ID: "c0001", Section: "1", Text: evil, Span: luoshi.Span{Start: 3, End: 3 + len([]rune(evil))}, Targets: []int{}}}}
	id, err := reports.Publish(ctx, f.store, p, []luoshi.Assignment{{Commitment: "c0001", Lead: "D:四川省交通运输厅", ConfirmedBy: "test"}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/tasks", "/tasks/c0001", "/", "/units/" + url.PathEscape("D:四川省交通运输厅")} {
		w := f.get(path, "")
		wantStatus(t, w, nethttp.StatusOK)
		body := w.Body.String()
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>成渝") || strings.Contains(body, "<script>标题") {
			t.Errorf("%s renders report text as HTML", path)
		}
		if path != "/" && !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the script as text", path)
		}
	}
	_ = id
}

func TestReportForm(t *testing.T) {
	// 10 April 2025: March's reports are due; the form is for 2025-03.
	now := time.Date(2025, 4, 10, 9, 0, 0, 0, reports.CST)
	f := newFixture(t, now, false)
	v, err := f.srv.load(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	// A unit leading a commitment without targets reports in percent.
	var unit, item string
	for _, c := range v.Plan.Commitments {
		if a, ok := v.Lead[c.ID]; ok && len(c.Targets) == 0 {
			unit, item = a.Lead, c.ID
			break
		}
	}
	form := f.get("/report", unit)
	wantStatus(t, form, nethttp.StatusOK)
	wantBody(t, form, "2025-03", `id="item-`+item+`"`, `<label for="v-`+item+`">`)
	saved := func() []luoshi.Progress {
		ps, err := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.planID, Item: item, Unit: unit})
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	bad := []struct {
		name, value, narrative, action, field, msg string
	}{
		{"not a number", "十二点五", "进展顺利", "submit", "value", "请输入数字"},
		{"empty", "", "进展顺利", "save", "value", "请填写累计完成值"},
		{"negative", "-3", "进展顺利", "submit", "value", "不能为负数"},
		{"over 100", "120", "进展顺利", "submit", "value", "0 到 100"},
		{"no narrative on submit", "30", "  ", "submit", "narrative", "请填写进展情况说明"},
		{"narrative too long", "30", strings.Repeat("长", 2001), "save", "narrative", "不能超过 2000 字"},
	}
	for _, c := range bad {
		w := f.post("/report", unit, url.Values{"item": {item}, "period": {"2025-03"}, "value": {c.value}, "narrative": {c.narrative}, "action": {c.action}})
		if w.Code != nethttp.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", c.name, w.Code)
			continue
		}
		body := w.Body.String()
		prefix := map[string]string{"value": "e-v-", "narrative": "e-n-"}[c.field]
		if !strings.Contains(body, `id="`+prefix+item+`" role="alert">`) || !strings.Contains(body, c.msg) {
			t.Errorf("%s: no message %q beside the %s field", c.name, c.msg, c.field)
		}
		if c.value != "" && !strings.Contains(body, `value="`+c.value+`"`) {
			t.Errorf("%s: the typed value %q is lost", c.name, c.value)
		}
		if n := len(saved()); n != 0 {
			t.Fatalf("%s: %d reports saved, want none", c.name, n)
		}
	}
	// Another unit may not report this unit's item.
	other := "510700"
	w := f.post("/report", other, url.Values{"item": {item}, "period": {"2025-03"}, "value": {"5"}, "narrative": {"x"}, "action": {"submit"}})
	wantStatus(t, w, nethttp.StatusForbidden)
	// A good report, in full-width digits, is submitted.
	w = f.post("/report", unit, url.Values{"item": {item}, "period": {"2025-03"}, "value": {"３０"}, "narrative": {"已完成方案制定"}, "action": {"submit"}})
	wantStatus(t, w, nethttp.StatusSeeOther)
	ps := saved()
	if len(ps) != 1 || ps[0].State != luoshi.StateSubmitted || ps[0].Value.String() != "30" {
		t.Fatalf("saved %+v, want one submitted report of 30", ps)
	}
	// Submitting again is a conflict shown beside the field, not a crash.
	w = f.post("/report", unit, url.Values{"item": {item}, "period": {"2025-03"}, "value": {"40"}, "narrative": {"再次提交"}, "action": {"submit"}})
	wantStatus(t, w, nethttp.StatusConflict)
	wantBody(t, w, `value="40"`, `id="e-v-`+item+`"`)

	// Review: a unit cannot approve; returning needs a reason; the office approves.
	id := itoa(int(ps[0].ID))
	wantStatus(t, f.post("/review/"+id, unit, url.Values{"action": {"approve"}}), nethttp.StatusForbidden)
	w = f.post("/review/"+id, "", url.Values{"action": {"return"}, "reason": {""}})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, "退回时请填写退回原因", `id="re-`+id+`"`)
	if p := saved()[0]; p.State != luoshi.StateSubmitted {
		t.Fatalf("state %s after a failed return, want submitted", p.State)
	}
	// Another unit's leader may not approve it either; the unit's own leader may.
	wantStatus(t, f.post("/review/"+id, leaderPrefix+"510700", url.Values{"action": {"approve"}}), nethttp.StatusForbidden)
	wantBody(t, f.get("/review", leaderPrefix+unit), `action="/review/`+id+`"`)
	if strings.Contains(f.get("/review", leaderPrefix+"510700").Body.String(), `action="/review/`+id+`"`) {
		t.Error("another unit's leader is offered the review")
	}
	wantStatus(t, f.post("/review/"+id, leaderPrefix+unit, url.Values{"action": {"approve"}}), nethttp.StatusSeeOther)
	if p := saved()[0]; p.State != luoshi.StateApproved {
		t.Fatalf("state %s after approval, want approved", p.State)
	}
	// The task now counts 30% against an expected 25% (end of March): on track.
	v, err = f.srv.load(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if st := v.CStatus[item]; st.Status != luoshi.StatusOnTrack || st.Ratio < 0.299 || st.Ratio > 0.301 {
		t.Errorf("status after approval %+v, want on track at 30%%", st)
	}
}

func TestAlertAck(t *testing.T) {
	f := newFixture(t, demoNow, true)
	as, err := f.store.Alerts(context.Background(), luoshi.AlertFilter{PlanID: f.planID, Open: true})
	if err != nil || len(as) == 0 {
		t.Fatalf("alerts %d, %v: the demo should raise some", len(as), err)
	}
	id := itoa(int(as[0].ID))
	w := f.post("/alerts/"+id+"/ack", "", url.Values{"note": {"   "}})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, "请填写处理说明", `id="ne-`+id+`"`)
	long := strings.Repeat("注", 501)
	w = f.post("/alerts/"+id+"/ack", "", url.Values{"note": {long}})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, "不能超过 500 字", long)
	after, _ := f.store.Alerts(context.Background(), luoshi.AlertFilter{PlanID: f.planID, Open: true})
	if len(after) != len(as) {
		t.Fatalf("open alerts %d after bad input, want %d", len(after), len(as))
	}
	other := "510100"
	if as[0].Unit == other {
		other = "510700"
	}
	wantStatus(t, f.post("/alerts/"+id+"/ack", other, url.Values{"note": {"不是我的"}}), nethttp.StatusForbidden)
	wantStatus(t, f.post("/alerts/"+id+"/ack", "", url.Values{"note": {"已电话督促"}}), nethttp.StatusSeeOther)
	after, _ = f.store.Alerts(context.Background(), luoshi.AlertFilter{PlanID: f.planID, Open: true})
	if len(after) != len(as)-1 {
		t.Fatalf("open alerts %d after ack, want %d", len(after), len(as)-1)
	}
	wantStatus(t, f.post("/alerts/abc/ack", "", url.Values{"note": {"x"}}), nethttp.StatusBadRequest)
}

func upload(t *testing.T, name string, data []byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if name != "" {
		fw, err := mw.CreateFormFile("report", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func TestImportReviewPublish(t *testing.T) {
	f := newFixture(t, demoNow, false)
	ctx := context.Background()
	before, _ := f.store.Plans(ctx, luoshi.PlanFilter{})
	// Bad uploads: no file, a file that is not a report, a broken .docx.
	for _, c := range []struct{ name, data, msg string }{
		{"", "", "请选择要导入"},
		{"notes.txt", "今天天气很好。", "无法识别该报告"},
		{"report.docx", "PK\x03\x04 not really a zip", "无法读取该文件"},
	} {
		body, ct := upload(t, c.name, []byte(c.data))
		w := f.do("POST", "/import", "", body, ct)
		wantStatus(t, w, nethttp.StatusBadRequest)
		wantBody(t, w, c.msg, `id="report-error"`)
	}
	// A unit may not import.
	body, ct := upload(t, "r.txt", []byte(reports.Sichuan2025()))
	wantStatus(t, f.do("POST", "/import", "510100", body, ct), nethttp.StatusForbidden)

	text := strings.Replace(reports.Sichuan2025(), "2025年四川省政府工作报告", "2026年四川省政府工作报告", 1)
	text = strings.Replace(text, "粮食产量725亿斤以上", "粮食产量725亿斤以上<script>alert(1)</script>", 1)
	body, ct = upload(t, "sichuan-2026.txt", []byte(text))
	w := f.do("POST", "/import", "", body, ct)
	wantStatus(t, w, nethttp.StatusSeeOther)
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, "/import/") {
		t.Fatalf("redirect to %q", loc)
	}
	// Unpublished: not in the store, not visible to units.
	mid, _ := f.store.Plans(ctx, luoshi.PlanFilter{})
	if len(mid) != len(before) {
		t.Fatalf("an unpublished import reached the store: %d plans, want %d", len(mid), len(before))
	}
	wantStatus(t, f.get(loc, "510100"), nethttp.StatusForbidden)
	page := f.get(loc, "")
	wantStatus(t, page, nethttp.StatusOK)
	wantBody(t, page, `<mark id="src-c0005">`, "&lt;script&gt;alert(1)&lt;/script&gt;", `list="unit-labels"`)
	if strings.Contains(page.Body.String(), "<script>alert(1)") {
		t.Error("review page renders report text as HTML")
	}
	edit := loc + "/commitments/c0005"
	// Unknown lead unit: message beside the field, typed text kept, draft unchanged.
	w = f.post(edit, "", url.Values{"action": {"save"}, "text": {"粮食产量稳定在725亿斤以上。"}, "lead": {"火星开发局"}})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, `id="le-c0005"`, "单位目录中没有“火星开发局”", `value="火星开发局"`, "粮食产量稳定在725亿斤以上。")
	w = f.post(edit, "", url.Values{"action": {"save"}, "text": {"  "}, "lead": {"农业农村厅"}})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, `id="te-c0005"`)
	w = f.post(edit, "", url.Values{"action": {"split"}, "split_at": {"不存在的文字"}})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, `id="se-c0005"`)
	w = f.post(edit, "", url.Values{"action": {"target"}, "target": {firstTarget(t, f, loc, "c0005")}, "value": {"很多"}, "unit": {"亿斤"}})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, "目标值须是数字")
	// Good edits: confirm units, delete c0004.
	wantStatus(t, f.post(edit, "", url.Values{"action": {"save"}, "text": {"粮食产量725亿斤以上。"}, "lead": {"农业农村厅"}, "co": {"省发展改革委、财政厅"}}), nethttp.StatusSeeOther)
	wantStatus(t, f.post(loc+"/commitments/c0004", "", url.Values{"action": {"delete"}}), nethttp.StatusSeeOther)
	d, err := f.srv.drafts.get(strings.TrimPrefix(loc, "/import/"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.Plan.Commitments)
	// Publishing with commitments that have no lead unit asks first.
	w = f.post(loc+"/publish", "", url.Values{})
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, "项任务没有牵头单位", "允许部分任务暂不分配")
	if ps, _ := f.store.Plans(ctx, luoshi.PlanFilter{}); len(ps) != len(before) {
		t.Fatal("a refused publish stored the plan")
	}
	// Publish (allowing commitments the suggester left without a lead).
	w = f.post(loc+"/publish", "", url.Values{"allow_unassigned": {"1"}})
	wantStatus(t, w, nethttp.StatusSeeOther)
	after, _ := f.store.Plans(ctx, luoshi.PlanFilter{})
	if len(after) != len(before)+1 {
		t.Fatalf("%d plans after publishing, want %d", len(after), len(before)+1)
	}
	var pub luoshi.PlanInfo
	for _, p := range after {
		if p.Year == 2026 {
			pub = p
		}
	}
	p, err := f.store.Plan(ctx, pub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Commitments) != n {
		t.Errorf("published %d commitments, want %d", len(p.Commitments), n)
	}
	as, _ := f.store.Assignments(ctx, pub.ID)
	found := false
	for _, a := range as {
		if a.Commitment == "c0005" {
			found = a.Lead == "D:四川省农业农村厅" && len(a.Co) == 2 && a.ConfirmedBy == officeName
		}
	}
	if !found {
		t.Errorf("c0005's confirmed assignment was not published: %+v", as)
	}
	wantStatus(t, f.get(loc, ""), nethttp.StatusNotFound)
	// The newest plan is now the cockpit's.
	wantBody(t, f.get("/", ""), "2026年四川省政府工作报告")
}

func firstTarget(t *testing.T, f *fixture, loc, cid string) string {
	d, err := f.srv.drafts.get(strings.TrimPrefix(loc, "/import/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range d.Plan.Targets {
		if tg.Commitment == cid {
			return tg.ID
		}
	}
	t.Fatalf("%s has no target", cid)
	return ""
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{luoshi.Errorf(luoshi.EInvalid, "x"), 400},
		{luoshi.Errorf(luoshi.ENotFound, "x"), 404},
		{luoshi.Errorf(luoshi.EForbidden, "x"), 403},
		{luoshi.Errorf(luoshi.EConflict, "x"), 409},
		{io.EOF, 500},
	} {
		if got := statusOf(c.err); got != c.want {
			t.Errorf("statusOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if m := userMessage(io.EOF); strings.Contains(m, "EOF") {
		t.Errorf("internal error leaks to users: %q", m)
	}
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"12.5", "12.5", true}, {" 1,234 ", "1234", true}, {"３０", "30", true}, {"365亿", "36500000000", true},
		{"1.4万亿", "1400000000000", true}, {"85 万", "850000", true}, {"十二", "", false}, {"", "", false}, {"12abc", "", false},
	} {
		d, ok := parseNumber(c.in)
		if ok != c.ok || ok && d.String() != c.want {
			t.Errorf("parseNumber(%q) = %s, %v; want %s, %v", c.in, d, ok, c.want, c.ok)
		}
	}
}

func TestRedirectKeepsFragment(t *testing.T) {
	w := httptest.NewRecorder()
	redirect(w, httptest.NewRequest("POST", "/report", nil), "/report?period=2025-03#item-c0001", "submitted")
	if got, want := w.Header().Get("Location"), "/report?period=2025-03&ok=submitted#item-c0001"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
}

func TestCharts(t *testing.T) {
	svg := string(progressChart([]chartPoint{{"2025-01", 0.1, true}, {"2025-02", 0, false}, {"2025-03", 0.3, true}}, `<x>&"`))
	if strings.Contains(svg, "<x>") || !strings.Contains(svg, "&lt;x&gt;&amp;") {
		t.Error("chart title not escaped")
	}
	if n := strings.Count(svg, "<circle"); n != 2 {
		t.Errorf("%d points drawn, want 2 (periods with a report)", n)
	}
	if !strings.Contains(svg, "序时进度") || !strings.Contains(svg, "3月") {
		t.Error("chart lacks the expected line's legend or the month labels")
	}
	tm := string(tileMap([]tile{{Code: "510100", Name: "成都市", Completion: 0.5, Colour: "#2e7d32"}, {Code: "999999", Name: "无"}}))
	if !strings.Contains(tm, `href="/units/510100"`) || strings.Contains(tm, "999999") || !strings.Contains(tm, ">成都<") {
		t.Errorf("tile map: %s", tm)
	}
	if got := string(bar(2, 0.5, "#000")); !strings.Contains(got, `width="100.00"`) {
		t.Errorf("bar over 100%% not clamped: %s", got)
	}
	for in, want := range map[string]string{"3232167353": "32.32亿", "22268": "22268", "850000": "85.00万", "x": "x"} {
		if got := humanNumber(in); got != want {
			t.Errorf("humanNumber(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestFirstPageWeight holds the cockpit with everything it loads under
// 300 KB, and checks that nothing comes from another host.
func TestFirstPageWeight(t *testing.T) {
	f := newFixture(t, demoNow, true)
	w := f.get("/", "")
	wantStatus(t, w, nethttp.StatusOK)
	total := w.Body.Len()
	body := w.Body.String()
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, `src="//`) || strings.Contains(body, `href="//`) {
		t.Error("the cockpit refers to another host")
	}
	for _, asset := range []string{"/static/app.css", "/static/app.js"} {
		if !strings.Contains(body, asset) {
			t.Fatalf("cockpit does not load %s", asset)
		}
		a := f.get(asset, "")
		wantStatus(t, a, nethttp.StatusOK)
		total += a.Body.Len()
	}
	t.Logf("first page weight: %d bytes", total)
	if total > 300<<10 {
		t.Errorf("first page weighs %d bytes, more than 300 KB", total)
	}
}

// docxOf packs text into a minimal .docx, one paragraph a line.
func docxOf(t *testing.T, text string) []byte {
	t.Helper()
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, line := range strings.Split(text, "\n") {
		doc.WriteString(`<w:p><w:r><w:t xml:space="preserve">`)
		xml.EscapeText(&doc, []byte(line))
		doc.WriteString(`</w:t></w:r></w:p>`)
	}
	doc.WriteString(`</w:body></w:document>`)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", doc.String()},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestUnitSeesOwnTasks: a unit's users see its own tasks only.
func TestUnitSeesOwnTasks(t *testing.T) {
	f := newFixture(t, demoNow, true)
	v, err := f.srv.load(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	unit := v.Lead["c0005"].Lead
	mine := v.involved(unit)
	var other string
	for _, c := range v.Plan.Commitments {
		if !mine[c.ID] {
			other = c.ID
			break
		}
	}
	w := f.get("/", unit)
	wantStatus(t, w, nethttp.StatusFound)
	if loc := w.Header().Get("Location"); loc != "/units/"+url.PathEscape(unit) {
		t.Errorf("a unit's cockpit redirects to %q", loc)
	}
	list := f.get("/tasks", unit)
	wantStatus(t, list, nethttp.StatusOK)
	wantBody(t, list, "共 <b>"+itoa(len(mine))+"</b> 项", `href="/tasks/c0005"`)
	wantStatus(t, f.get("/tasks/c0005", unit), nethttp.StatusOK)
	wantStatus(t, f.get("/tasks/"+other, unit), nethttp.StatusForbidden)
	wantStatus(t, f.get("/units", unit), nethttp.StatusForbidden)
	wantStatus(t, f.get("/regions", unit), nethttp.StatusForbidden)
	wantStatus(t, f.get("/units/510100", unit), nethttp.StatusForbidden)
	wantStatus(t, f.get("/units/"+url.PathEscape(unit), unit), nethttp.StatusOK)
	wantStatus(t, f.get("/import", unit), nethttp.StatusForbidden)
	// A city sees the targets it holds quotas of.
	city := f.get("/tasks", "510100")
	wantBody(t, city, `href="/tasks/c0005"`)
}

func TestImportDocx(t *testing.T) {
	f := newFixture(t, demoNow, false)
	body, ct := upload(t, "四川省政府工作报告.docx", docxOf(t, reports.Sichuan2025()))
	w := f.do("POST", "/import", "", body, ct)
	wantStatus(t, w, nethttp.StatusSeeOther)
	page := f.get(w.Header().Get("Location"), "")
	wantStatus(t, page, nethttp.StatusOK)
	wantBody(t, page, "2025年四川省政府工作报告", "四川省政府工作报告.docx", `<mark id="src-c0005">`)
	list := f.get("/import", "")
	wantBody(t, list, "docx")
}

// TestViewCacheRefreshesOnWrite: with a long view TTL, this server's own
// writes still show at once.
func TestViewCacheRefreshesOnWrite(t *testing.T) {
	now := time.Date(2025, 4, 10, 9, 0, 0, 0, reports.CST)
	f := newFixture(t, now, false)
	f.srv.cfg.ViewTTL = time.Hour
	v, err := f.srv.load(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	var unit, item string
	for _, c := range v.Plan.Commitments {
		if a, ok := v.Lead[c.ID]; ok && len(c.Targets) == 0 {
			unit, item = a.Lead, c.ID
			break
		}
	}
	if v2, _ := f.srv.load(httptest.NewRequest("GET", "/", nil)); v2 != v {
		t.Fatal("the view was not reused within its TTL")
	}
	wantStatus(t, f.post("/report", unit, url.Values{"item": {item}, "period": {"2025-03"}, "value": {"50"}, "narrative": {"进展"}, "action": {"submit"}}), nethttp.StatusSeeOther)
	ps, _ := f.store.ListProgress(context.Background(), luoshi.ProgressFilter{PlanID: f.planID, Item: item, Unit: unit})
	if len(ps) != 1 {
		t.Fatalf("%d reports", len(ps))
	}
	wantStatus(t, f.post("/review/"+itoa(int(ps[0].ID)), "", url.Values{"action": {"approve"}}), nethttp.StatusSeeOther)
	w := f.get("/tasks/"+item, "")
	wantBody(t, w, "完成 <b>50.0%</b>")
}

func TestTaskListUnitFilter(t *testing.T) {
	f := newFixture(t, demoNow, true)
	v, err := f.srv.load(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, unit := range []string{v.Lead["c0005"].Lead, "510100"} {
		w := f.get("/tasks?unit="+url.QueryEscape(unit), "")
		wantBody(t, w, "共 <b>"+itoa(len(v.involved(unit)))+"</b> 项")
	}
	n := 0
	for _, c := range v.Plan.Commitments {
		if _, ok := v.Lead[c.ID]; !ok {
			n++
		}
	}
	wantBody(t, f.get("/tasks?unit=none", ""), "共 <b>"+itoa(n)+"</b> 项")
}
