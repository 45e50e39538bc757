package http

import (
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
)

// auditRow is one event as the audit page shows it.
type auditRow struct {
	audit.Event
	UnitName string
}

// auditLog is the administrators' audit page (审计日志): the events of the
// chain, newest first, filtered by unit, person, action and time, with the
// chain's head.
func (s *Server) auditLog(w nethttp.ResponseWriter, r *nethttp.Request) {
	if s.signin == nil || s.cfg.Audit == nil {
		s.fail(w, r, luoshi.Errorf(luoshi.ENotFound, "审计日志需要启用账号登录"))
		return
	}
	p, ok := auth.PrincipalFrom(r.Context())
	if !ok || !p.IsAdmin() {
		s.fail(w, r, p.Forbidden("查看审计日志", ""))
		return
	}
	qv := r.URL.Query()
	q := audit.Query{Unit: strings.TrimSpace(qv.Get("unit")), Actor: strings.TrimSpace(qv.Get("actor")), Action: strings.TrimSpace(qv.Get("action")), Limit: 200}
	cst := time.FixedZone("CST", 8*3600)
	if v := qv.Get("from"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, cst)
		if err != nil {
			s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "起始日期 %q 应写作 2025-03-01", v))
			return
		}
		q.Since = t
	}
	if v := qv.Get("to"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, cst)
		if err != nil {
			s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "截止日期 %q 应写作 2025-03-31", v))
			return
		}
		q.Until = t.AddDate(0, 0, 1)
	}
	if v := qv.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "分页参数无效"))
			return
		}
		q.Before = n
	}
	ctx := r.Context()
	es, err := s.cfg.Audit.List(ctx, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	head, err := s.cfg.Audit.Head(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	units, err := s.cfg.Store.Units(ctx, luoshi.UnitFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.Code] = u.Name
	}
	rows := make([]auditRow, len(es))
	for i, e := range es {
		e.At = e.At.In(cst)
		rows[i] = auditRow{Event: e, UnitName: names[e.Unit]}
	}
	var more string
	if len(es) == q.Limit {
		next := url.Values{}
		for k, v := range qv {
			if k != "before" {
				next[k] = v
			}
		}
		next.Set("before", strconv.FormatInt(es[len(es)-1].Seq, 10))
		more = "/audit?" + next.Encode()
	}
	s.render(w, r, nethttp.StatusOK, "audit", &page{Title: "审计日志", Nav: "audit"}, map[string]any{
		"Rows": rows, "Head": head, "Units": units, "More": more,
		"Unit": q.Unit, "Actor": q.Actor, "Action": q.Action, "From": qv.Get("from"), "To": qv.Get("to"),
	})
}
