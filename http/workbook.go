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
// template, the actor's own unit for a unit's reporter.
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
	t, err := wb.svc.Template(r.Context(), id, unit, q.Get("period"))
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
	Period         luoshi.Period
	Periods        []luoshi.Period
	Plan           int64
	MaxMB          int
	Problems       []xlsx.Problem
	FileError      string
	Marked         string // URL of the marked copy
	MarkedName     string
	Notice         string
}

// form is GET /report/upload: download the template, upload it back.
func (wb *workbooks) form(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	notice := ""
	if n := q.Get("saved"); n != "" {
		notice = fmt.Sprintf("已上传：%s 项已保存（%s）。", n, map[bool]string{true: "已提交，等待审核", false: "草稿"}[q.Get("submit") == "1"])
		if q.Get("dup") == "1" {
			notice = "这份填报此前已上传并提交，未重复写入。"
		}
	}
	wb.render(w, r, nethttp.StatusOK, q.Get("unit"), uploadPage{Notice: notice})
}

// render shows the upload page with d's problems or notice.
func (wb *workbooks) render(w nethttp.ResponseWriter, r *nethttp.Request, status int, chosen string, d uploadPage) {
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
	d.Periods = v.In.Periods
	d.Plan = v.Info.ID
	d.MaxMB = xlsx.MaxUploadBytes >> 20
	if p, ok := workbook.CurrentPeriod(v.In.Periods, s.cfg.Now()); ok {
		d.Period = p
	}
	pg := s.pageFor(r, v, "Excel 填报", "report")
	pg.Notice = d.Notice
	s.render(w, r, status, "upload", pg, d)
}

// upload is POST /report/upload (multipart, field "file"): the workbook is
// checked whole; on success its rows are saved (submitted with
// action=submit) and the page says so, on rejection it lists every
// problem and offers the marked copy. ?plan= requires the workbook to be
// of that plan; without it the workbook's own plan is taken.
func (wb *workbooks) upload(w nethttp.ResponseWriter, r *nethttp.Request) {
	s := wb.s
	if wb.svc == nil {
		s.fail(w, r, errNoKey)
		return
	}
	a := s.actor(r)
	r.Body = nethttp.MaxBytesReader(w, r.Body, xlsx.MaxUploadBytes+1<<20)
	if err := r.ParseMultipartForm(2 << 20); err != nil {
		wb.render(w, r, nethttp.StatusBadRequest, "", uploadPage{FileError: "上传失败：文件超过大小上限或表单不完整，请重新选择文件。"})
		return
	}
	defer r.MultipartForm.RemoveAll()
	chosen := r.PostFormValue("unit")
	if !a.Office() && chosen != "" && chosen != a.Unit {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "%s 不能替其他单位上传", a.Name))
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		wb.render(w, r, nethttp.StatusBadRequest, chosen, uploadPage{FileError: "请选择要上传的 Excel 填报模板（.xlsx）。"})
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
	res, err := wb.svc.Upload(r.Context(), data, workbook.UploadOptions{Unit: a.Unit, PlanID: plan, By: a.Name, Submit: submit})
	if ps := xlsx.Problems(err); ps != nil {
		d := uploadPage{Problems: ps}
		if marked, merr := xlsx.MarkErrors(data, ps); merr == nil {
			id := wb.copies.put(a.Unit, marked)
			d.Marked = "/report/upload/" + id
			d.MarkedName = fh.Filename
		}
		wb.render(w, r, nethttp.StatusUnprocessableEntity, chosen, d)
		return
	}
	var se *workbook.SaveError
	if errors.As(err, &se) {
		s.views.forget()
		wb.render(w, r, nethttp.StatusConflict, chosen, uploadPage{FileError: se.Error()})
		return
	}
	if err != nil {
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		wb.render(w, r, statusOf(err), chosen, uploadPage{FileError: userMessage(err)})
		return
	}
	if len(res.Saved) > 0 {
		s.views.forget()
		if submit {
			wb.rescan.request(s, res.Binding.PlanID)
		}
	}
	q := url.Values{"saved": {strconv.Itoa(len(res.Saved))}}
	if submit {
		q.Set("submit", "1")
	}
	if res.Duplicate {
		q.Set("dup", "1")
	}
	if a.Office() {
		q.Set("unit", res.Binding.Unit)
	}
	nethttp.Redirect(w, r, "/report/upload?"+q.Encode(), nethttp.StatusSeeOther)
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
