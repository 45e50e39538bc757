package http

import (
	"bytes"
	"html/template"
	"math"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"luoshi"
	"luoshi/monitor"
)

// page is what the layout needs besides a page's own data.
type page struct {
	Title     string
	Nav       string // which menu entry is current
	Demo      bool
	Actor     actor
	AsOf      time.Time
	Period    string // the due period the figures are judged at
	Notice    string // a one-line confirmation after a successful POST
	NoticeKey string // which confirmation: the ?ok= value
	SignedIn  bool   // the request carries an account's session (signin.go)
	Admin     bool   // that account is an administrator
}

// render executes a page template into a buffer first, so a template error
// never leaves half a page on the wire.
func (s *Server) render(w nethttp.ResponseWriter, r *nethttp.Request, status int, name string, p *page, data any) {
	t, ok := s.pages[name]
	if !ok {
		nethttp.Error(w, "no template "+name, nethttp.StatusInternalServerError)
		return
	}
	if p.Actor.Name == "" {
		p.Actor = s.actor(r)
	}
	if p.AsOf.IsZero() {
		p.AsOf = s.cfg.Now()
	}
	p.Demo = p.Demo || s.cfg.Demo
	if p.Notice == "" {
		p.NoticeKey = r.URL.Query().Get("ok")
		p.Notice = noticeText[p.NoticeKey]
	}
	if si := signedInFrom(r); si != nil {
		p.SignedIn, p.Admin = true, si.Account.Role == "admin"
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, map[string]any{"Page": p, "D": data}); err != nil {
		s.cfg.Logger.Error("render", "template", name, "err", err)
		nethttp.Error(w, "页面渲染失败", nethttp.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(withCSRF(buf.Bytes(), s.csrfToken(r)))
}

// noticeText are the confirmations a redirect after POST may ask for with
// ?ok=.
var noticeText = map[string]string{
	"saved":     "已保存草稿。",
	"submitted": "已提交，等待审核。",
	"approved":  "已审核通过。",
	"returned":  "已退回。",
	"acked":     "预警已确认。",
	"published": "计划已发布，各单位现在可以看到并填报。",
	"edited":    "已修改。",
	"discarded": "草稿已删除。",
	"as":        "已切换身份。",
	"created":   "指标已新建。",
	"bound":     "目标已绑定到本指标，已有的报送值即时复用。",
	"unbound":   "已解除绑定。",
}

// redirect answers a successful POST with 303 See Other.
func redirect(w nethttp.ResponseWriter, r *nethttp.Request, path string, ok string) {
	if ok != "" {
		path, frag, hasFrag := strings.Cut(path, "#")
		if strings.Contains(path, "?") {
			path += "&ok=" + ok
		} else {
			path += "?ok=" + ok
		}
		if hasFrag {
			path += "#" + frag
		}
		nethttp.Redirect(w, r, path, nethttp.StatusSeeOther)
		return
	}
	nethttp.Redirect(w, r, path, nethttp.StatusSeeOther)
}

var funcs = template.FuncMap{
	"pct": func(f float64) string {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "—"
		}
		return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
	},
	// width is a ratio as a CSS width percentage, clamped to 0..100.
	"width": func(f float64) string {
		return strconv.FormatFloat(math.Max(0, math.Min(100, 100*f)), 'f', 1, 64)
	},
	"statusLabel": func(s luoshi.Status) string { return s.Label() },
	"statusClass": func(s luoshi.Status) string { return "st-" + string(s) },
	"statuses":    func() []luoshi.Status { return luoshi.Statuses[:] },
	"countOf":     func(c luoshi.Counts, i int) int { return c[i] },
	"short":       monitor.ShortKey,
	"date":        func(t time.Time) string { return t.Format("2006-01-02") },
	"datetime":    func(t time.Time) string { return t.Format("2006-01-02 15:04") },
	"stateLabel":  stateLabel,
	"alertLabel":  alertLabel,
	"add":         func(a, b int) int { return a + b },
	"num":         humanNumber,
	"query": func(base string, kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				v.Set(kv[i], kv[i+1])
			}
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	},
	"bar": func(ratio, expected float64, st luoshi.Status) template.HTML {
		return bar(ratio, expected, statusFill[st])
	},
	"statusFill": func(st luoshi.Status) string { return statusFill[st] },
	"svg":        func(s string) template.HTML { return template.HTML(s) }, // only for SVG built by this package with escaped text
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
	"trunc": func(s string, n int) string {
		r := []rune(s)
		if len(r) <= n {
			return s
		}
		return string(r[:n]) + "…"
	},
}

// statusFill is the colour of each status in charts; the CSS uses the same.
var statusFill = map[luoshi.Status]string{
	luoshi.StatusDone:           "#1565c0",
	luoshi.StatusOnTrack:        "#2e7d32",
	luoshi.StatusBehind:         "#f9a825",
	luoshi.StatusSeverelyBehind: "#c62828",
	luoshi.StatusNotReported:    "#9aa0a6",
}

func stateLabel(s string) string {
	switch s {
	case luoshi.StateDraft:
		return "草稿"
	case luoshi.StateSubmitted:
		return "待审核"
	case luoshi.StateApproved:
		return "已审核"
	case luoshi.StateReturned:
		return "已退回"
	}
	return s
}

func alertLabel(k string) string {
	switch k {
	case luoshi.AlertBehind:
		return "进度滞后"
	case luoshi.AlertOverdue:
		return "逾期未报"
	case luoshi.AlertStale:
		return "长期未更新"
	case luoshi.AlertImplausible:
		return "数据异常"
	case luoshi.AlertDeadlineNear:
		return "即将到期"
	}
	return k
}

// urlPathEscape escapes s for a Content-Disposition filename*.
func urlPathEscape(s string) string { return url.PathEscape(s) }

// humanNumber writes a large decimal the way reports do: 32.32亿, 2.23万;
// smaller numbers and anything unparsable stay as they are.
func humanNumber(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	a := math.Abs(f)
	switch {
	case a >= 1e12:
		return strconv.FormatFloat(f/1e12, 'f', 2, 64) + "万亿"
	case a >= 1e8:
		return strconv.FormatFloat(f/1e8, 'f', 2, 64) + "亿"
	case a >= 1e5:
		return strconv.FormatFloat(f/1e4, 'f', 2, 64) + "万"
	}
	return s
}
