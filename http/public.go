package http

import (
	nethttp "net/http"
	"strconv"

	"luoshi"
	"luoshi/auth"
)

// publicRow is one commitment as the public page shows it: what was
// promised, who answers for it, how far it is.
type publicRow struct {
	Section, Text, Unit, Label string
	Ratio, Expected            float64
}

// mayPublish reports whether the request may open or close public pages:
// with accounts, an administrator's session; without, the office identity.
func (s *Server) mayPublish(r *nethttp.Request) bool {
	if s.signin != nil {
		p, ok := auth.PrincipalFrom(r.Context())
		return ok && p.IsAdmin()
	}
	return s.actor(r).Office()
}

// publicPage is GET /public/{id}: a plan's progress for the public (公开进展),
// served only once an administrator opened it, and open to visitors
// without an account. It shows each commitment's text, lead unit, status
// and completion — no narratives, evidence or reporters' names.
func (s *Server) publicPage(w nethttp.ResponseWriter, r *nethttp.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, luoshi.Errorf(luoshi.ENotFound, "没有这个公开页"))
		return
	}
	open, err := s.cfg.Store.Public(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	admin := s.mayPublish(r)
	if !open && !admin {
		s.fail(w, r, luoshi.Errorf(luoshi.ENotFound, "该计划的进展尚未公开"))
		return
	}
	v, err := s.judge(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]publicRow, 0, len(v.Report.Commitments))
	for _, st := range v.Report.Commitments {
		row := publicRow{Section: v.SectionName[st.Section], Label: st.Status.Label(), Ratio: st.Ratio, Expected: st.Expected}
		if i, ok := v.Commitment[st.Item]; ok {
			row.Text = v.Plan.Commitments[i].Text
		}
		row.Unit = v.Units[st.Unit].Name
		rows = append(rows, row)
	}
	p := &page{Title: v.Info.Title + " 进展公开", Nav: "public"}
	if !admin {
		p.Actor = actor{Name: "公众"}
	}
	s.render(w, r, nethttp.StatusOK, "public", p, map[string]any{
		"Info": v.Info, "Rows": rows, "Total": v.Report.Total, "DuePeriod": v.Report.DuePeriod, "Open": open, "Admin": admin,
	})
}

// publicSet is POST /public/{id}: an administrator opens (open=1) or closes
// the plan's public page. The store checks the role again.
func (s *Server) publicSet(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, luoshi.Errorf(luoshi.ENotFound, "没有这个计划"))
		return
	}
	if !s.mayPublish(r) {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "只有督查室可以公开或关闭进展页"))
		return
	}
	a := s.actor(r)
	if err := s.cfg.Store.SetPublic(r.Context(), id, r.PostFormValue("open") == "1", a.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	nethttp.Redirect(w, r, "/public/"+strconv.FormatInt(id, 10), nethttp.StatusSeeOther)
}
