package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"luoshi"
	"luoshi/workbook"
	"luoshi/xlsx"
)

// workbooks serves the Excel reporting templates (填报模板) of 报表通: a
// unit downloads its template for a period, fills it in Excel and uploads
// it back; a rejected upload lists every problem beside the upload field
// and offers the workbook back with the bad cells marked.
type workbooks struct {
	s      *Server
	svc    *workbook.Service // nil when no template key is configured
	copies markedCopies
	rescan rescanner
}

// newWorkbooks returns the template handlers of s; without
// Config.TemplateKey they answer that templates are not configured.
func newWorkbooks(s *Server) *workbooks {
	wb := &workbooks{s: s, copies: markedCopies{max: 64, ttl: 30 * time.Minute}}
	if len(s.cfg.TemplateKey) > 0 {
		svc, err := workbook.New(workbook.Config{Store: s.cfg.Store, Key: s.cfg.TemplateKey, Now: s.cfg.Now})
		if err == nil {
			wb.svc = svc
		}
	}
	return wb
}

// errNoKey is the answer of the template handlers without a signing key.
var errNoKey = luoshi.Errorf(luoshi.EInvalid, "本系统未配置模板签名密钥，暂不能使用 Excel 模板填报；请联系系统管理员")

// template is GET /report/template.xlsx?unit=&period=&plan=: the unit's
// template, the actor's own unit for a unit's reporter, for the open
// period named (the period being reported now when none is); a closed
// period has no template to download.
func (wb *workbooks) template(w nethttp.ResponseWriter, r *nethttp.Request) {
	s := wb.s
	if wb.svc == nil {
		s.fail(w, r, errNoKey)
		return
	}
	a := s.actor(r)
	q := r.URL.Query()
	if !a.Office() && q.Get("unit") != "" && q.Get("unit") != a.Unit {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "%s 不能下载其他单位的填报模板", a.Name))
		return
	}
	unit := s.reportUnit(r, a, q.Get("unit"))
	if unit == "" {
		s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "请选择填报单位"))
		return
	}
	id, err := s.planID(r.Context(), r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ps, err := s.cfg.Store.Periods(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key := q.Get("period")
	if key == "" {
		cur, ok := workbook.CurrentPeriod(ps, s.cfg.Now())
		if !ok {
			s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "计划尚未设置填报周期"))
			return
		}
		key = cur.Key
	}
	per, err := openPeriod(ps, key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := wb.svc.Template(r.Context(), id, unit, per.Key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := wb.svc.WriteTemplate(&buf, t); err != nil {
		s.fail(w, r, err)
		return
	}
	name := fmt.Sprintf("%s-%s-填报模板.xlsx", t.UnitName, t.Binding.Period)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"template.xlsx\"; filename*=UTF-8''"+urlPathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// uploadPage is what the upload page shows.
type uploadPage struct {
	Unit, UnitName string
	Units, Cities  []option
	Period         luoshi.Period   // the period chosen, preselected in both forms
	Periods        []luoshi.Period // the open periods, the only ones offered
	NoPeriods      bool            // the plan has periods, and every one is closed
	PeriodError    string          // the period asked for cannot be reported
	Plan           int64
	MaxMB          int
	Problems       []xlsx.Problem
	FileError      string
	PeriodHint     string // how to report the period a rejected workbook names
	Marked         string // URL of the marked copy
	MarkedName     string
	Notice         string
}

// form is GET /report/upload?unit=&period=&plan=: download the template of
// an open period, upload it back.
func (wb *workbooks) form(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	notice := ""
	if n := q.Get("saved"); n != "" {
		state := map[bool]string{true: "已提交，等待审核", false: "草稿"}[q.Get("submit") == "1"]
		notice = fmt.Sprintf("已上传：%s 项已保存（%s）。", n, state)
		if p := q.Get("period"); p != "" {
			notice = fmt.Sprintf("已上传：%s 项已保存（%s），填报周期 %s。", n, state, p)
		}
		if t := q.Get("taken"); t != "" {
			notice += fmt.Sprintf("下载模板后，%s 项的数值已由报表通取得（同一指标已由其他单位报送或由下级地区汇总），本次上传中这些项的填写未采用。", t)
		}
		if q.Get("dup") == "1" {
			notice = "这份填报此前已上传并提交，未重复写入。"
		}
	}
	wb.render(w, r, nethttp.StatusOK, q.Get("unit"), q.Get("period"), uploadPage{Notice: notice})
}

// render shows the upload page with d's problems or notice; period is the
// period asked for ("" for the default one). On a page otherwise fine, a
// period that cannot be reported is said beside the period fields.
func (wb *workbooks) render(w nethttp.ResponseWriter, r *nethttp.Request, status int, chosen, period string, d uploadPage) {
	s := wb.s
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := s.actor(r)
	d.Unit = s.reportUnit(r, a, chosen)
	d.UnitName = v.unitName(d.Unit)
	d.Units, d.Cities = unitOptions(v), cityOptions(v)
	d.Plan = v.Info.ID
	d.MaxMB = xlsx.MaxUploadBytes >> 20
	// The periods are read afresh: the view may be older than the closing
	// of a period.
	ps, err := s.cfg.Store.Periods(r.Context(), v.Info.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Periods = openPeriods(ps)
	d.NoPeriods = len(ps) > 0 && len(d.Periods) == 0
	d.Period, _ = defaultPeriod(ps, s.cfg.Now())
	if period != "" {
		p, perr := openPeriod(ps, period)
		switch {
		case perr == nil:
			d.Period = p
		case status == nethttp.StatusOK:
			status, d.PeriodError = statusOf(perr), userMessage(perr)
		}
	}
	pg := s.pageFor(r, v, "Excel 填报", "report")
	pg.Notice = d.Notice
	s.render(w, r, status, "upload", pg, d)
}

// openPeriods returns the periods of ps that still accept reports.
func openPeriods(ps []luoshi.Period) []luoshi.Period {
	var out []luoshi.Period
	for _, p := range ps {
		if !p.Closed() {
			out = append(out, p)
		}
	}
	return out
}

// defaultPeriod returns the period the upload page preselects: the period
// being reported at now (workbook.CurrentPeriod) if it is open, else the
// nearest open period after it, else the nearest before it. ok is false
// when no period is open.
func defaultPeriod(ps []luoshi.Period, now time.Time) (p luoshi.Period, ok bool) {
	cur, ok := workbook.CurrentPeriod(ps, now)
	if !ok {
		return p, false
	}
	if !cur.Closed() {
		return cur, true
	}
	var after, before *luoshi.Period
	for i := range ps {
		q := &ps[i]
		switch {
		case q.Closed():
		case q.Seq > cur.Seq && (after == nil || q.Seq < after.Seq):
			after = q
		case q.Seq < cur.Seq && (before == nil || q.Seq > before.Seq):
			before = q
		}
	}
	if after != nil {
		return *after, true
	}
	if before != nil {
		return *before, true
	}
	return p, false
}

// openPeriod returns the period of ps with key, or an error a user can
// read if there is none or it is closed.
func openPeriod(ps []luoshi.Period, key string) (luoshi.Period, error) {
	for _, p := range ps {
		if p.Key != key {
			continue
		}
		if p.Closed() {
			return luoshi.Period{}, luoshi.Errorf(luoshi.EConflict, "%s 期已关闭，不再接受填报，请选择其他填报周期", p.Key)
		}
		return p, nil
	}
	return luoshi.Period{}, luoshi.Errorf(luoshi.ENotFound, "计划没有填报周期 %q", key)
}

// upload is POST /report/upload (multipart, field "file"): the workbook is
// checked whole; on success its rows are saved (submitted with
// action=submit) and the page says so, on rejection it lists every
// problem and offers the marked copy. ?plan= requires the workbook to be
// of that plan; without it the workbook's own plan is taken. The field
// "period" names the period reported, which must be open and the one the
// workbook is signed for; without it the period being reported now is.
func (wb *workbooks) upload(w nethttp.ResponseWriter, r *nethttp.Request) {
	s := wb.s
	if wb.svc == nil {
		s.fail(w, r, errNoKey)
		return
	}
	a := s.actor(r)
	r.Body = nethttp.MaxBytesReader(w, r.Body, xlsx.MaxUploadBytes+1<<20)
	if err := r.ParseMultipartForm(2 << 20); err != nil {
		wb.render(w, r, nethttp.StatusBadRequest, "", "", uploadPage{FileError: "上传失败：文件超过大小上限或表单不完整，请重新选择文件。"})
		return
	}
	defer r.MultipartForm.RemoveAll()
	chosen, period := r.PostFormValue("unit"), r.PostFormValue("period")
	if !a.Office() && chosen != "" && chosen != a.Unit {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "%s 不能替其他单位上传", a.Name))
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		wb.render(w, r, nethttp.StatusBadRequest, chosen, period, uploadPage{FileError: "请选择要上传的 Excel 填报模板（.xlsx）。"})
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, xlsx.MaxUploadBytes+1))
	f.Close()
	if err != nil {
		s.fail(w, r, fmt.Errorf("read upload: %w", err))
		return
	}
	var plan int64
	if p := r.URL.Query().Get("plan"); p != "" {
		if plan, err = strconv.ParseInt(p, 10, 64); err != nil || plan <= 0 {
			s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "计划编号 %q 无效", p))
			return
		}
	}
	submit := r.PostFormValue("action") == "submit"
	res, err := wb.svc.Upload(r.Context(), data, workbook.UploadOptions{Unit: a.Unit, PlanID: plan, Period: period, By: a.Name, Submit: submit})
	if ps := xlsx.Problems(err); ps != nil {
		d := uploadPage{Problems: ps}
		if len(ps) == 1 && ps[0].Sheet == "" {
			// Perhaps the workbook of another period.
			d.PeriodHint = wb.periodHint(r.Context(), data, a.Unit, plan, period)
		}
		if marked, merr := xlsx.MarkErrors(data, ps); merr == nil {
			id := wb.copies.put(a.Unit, marked)
			d.Marked = "/report/upload/" + id
			d.MarkedName = fh.Filename
		}
		wb.render(w, r, nethttp.StatusUnprocessableEntity, chosen, period, d)
		return
	}
	var se *workbook.SaveError
	if errors.As(err, &se) {
		s.views.forget()
		wb.render(w, r, nethttp.StatusConflict, chosen, period, uploadPage{FileError: se.Error()})
		return
	}
	if err != nil {
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		wb.render(w, r, statusOf(err), chosen, period, uploadPage{FileError: userMessage(err)})
		return
	}
	if len(res.Saved) > 0 {
		s.views.forget()
		if submit {
			wb.rescan.request(s, res.Binding.PlanID)
		}
	}
	q := url.Values{"saved": {strconv.Itoa(len(res.Saved))}, "period": {res.Binding.Period}}
	if plan != 0 {
		q.Set("plan", strconv.FormatInt(plan, 10))
	}
	if submit {
		q.Set("submit", "1")
	}
	if res.Duplicate {
		q.Set("dup", "1")
	}
	if len(res.Taken) > 0 {
		q.Set("taken", strconv.Itoa(len(res.Taken)))
	}
	if a.Office() {
		q.Set("unit", res.Binding.Unit)
	}
	nethttp.Redirect(w, r, "/report/upload?"+q.Encode(), nethttp.StatusSeeOther)
}

// periodHint returns, for a workbook rejected as another period's, how to
// report that period if it is open: the workbook is read again to learn
// the period it is signed for (package xlsx has already said, in the
// problem list, which period it is and which was chosen). It returns ""
// for any other workbook.
func (wb *workbooks) periodHint(ctx context.Context, data []byte, unit string, plan int64, period string) string {
	if period == "" {
		return ""
	}
	// An impossible unit makes ReadUpload stop after the signature, with
	// the signed binding read.
	u, err := xlsx.ReadUpload(bytes.NewReader(data), xlsx.Binding{Unit: "\x00"}, wb.s.cfg.TemplateKey)
	b := u.Binding
	if err == nil || b.Period == "" || b.Period == period || (unit != "" && b.Unit != unit) || (plan != 0 && b.PlanID != plan) {
		return ""
	}
	ps, err := wb.s.cfg.Store.Periods(ctx, b.PlanID)
	if err != nil {
		return ""
	}
	if _, err := openPeriod(ps, b.Period); err != nil {
		return ""
	}
	return fmt.Sprintf("如要报送 %s 期，请在“本文件的填报周期”中选择 %s 期后重新上传；如要报送 %s 期，请下载 %s 期的模板填写。", b.Period, b.Period, period, period)
}

// marked is GET /report/upload/{id}: a marked copy, for the actor who
// uploaded the workbook.
func (wb *workbooks) marked(w nethttp.ResponseWriter, r *nethttp.Request) {
	data, ok := wb.copies.get(r.PathValue("id"), wb.s.actor(r).Unit)
	if !ok {
		wb.s.fail(w, r, notFound("标注副本已过期或不存在，请重新上传以获得新的标注副本。"))
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"marked.xlsx\"; filename*=UTF-8''"+urlPathEscape("填报模板.错误标注.xlsx"))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// markedCopies keeps the marked copies of rejected uploads for a while, at
// most max of them, each for the actor who uploaded it.
type markedCopies struct {
	max int
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]markedCopy
}

type markedCopy struct {
	unit string
	data []byte
	at   time.Time
}

func (c *markedCopies) put(unit string, data []byte) string {
	var b [12]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]markedCopy{}
	}
	now := time.Now()
	for k, v := range c.m {
		if now.Sub(v.at) > c.ttl {
			delete(c.m, k)
		}
	}
	for len(c.m) >= c.max {
		oldest := ""
		for k, v := range c.m {
			if oldest == "" || v.at.Before(c.m[oldest].at) {
				oldest = k
			}
		}
		delete(c.m, oldest)
	}
	c.m[id] = markedCopy{unit: unit, data: data, at: now}
	return id
}

func (c *markedCopies) get(id, unit string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	if !ok || v.unit != unit || time.Since(v.at) > c.ttl {
		return nil, false
	}
	return v.data, true
}

// rescanner refreshes the alerts of plans after submissions, in the
// background: one goroutine scans the plans marked since it last looked,
// one at a time with a pause between scans, so that a rush of uploads at
// the deadline is not slowed by scans of every plan after every upload.
type rescanner struct {
	mu      sync.Mutex
	dirty   map[int64]bool
	running bool
}

// rescanPause is the pause between two background scans.
const rescanPause = 250 * time.Millisecond

func (rs *rescanner) request(s *Server, plan int64) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.dirty == nil {
		rs.dirty = map[int64]bool{}
	}
	rs.dirty[plan] = true
	if !rs.running {
		rs.running = true
		go rs.loop(s)
	}
}

func (rs *rescanner) loop(s *Server) {
	for {
		time.Sleep(rescanPause)
		rs.mu.Lock()
		plan := int64(0)
		for p := range rs.dirty {
			plan = p
			break
		}
		if plan == 0 {
			rs.running = false
			rs.mu.Unlock()
			return
		}
		delete(rs.dirty, plan)
		rs.mu.Unlock()
		ctx := context.Background()
		if v, err := s.judge(ctx, plan); err != nil {
			s.cfg.Logger.Error("alert scan after upload", "plan", plan, "err", err)
		} else if err := s.scan(ctx, v); err != nil {
			s.cfg.Logger.Error("alert scan after upload", "plan", plan, "err", err)
		}
	}
}
