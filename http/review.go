package http

import (
	nethttp "net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"luoshi"
	"luoshi/monitor"
)

// pendingRow is a submitted report waiting for review.
type pendingRow struct {
	luoshi.Progress
	UnitName, Task, TaskText, Goal string
	Error, Reason                  string // a failed return: message and what was typed
}

// reviewList is 审核: the submitted reports of the plan, each to approve or
// return with a reason.
func (s *Server) reviewList(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderReview(w, r, v, nethttp.StatusOK, 0, "", "")
}

func (s *Server) renderReview(w nethttp.ResponseWriter, r *nethttp.Request, v *view, status int, failed int64, msg, reason string) {
	ps, err := s.cfg.Store.ListProgress(r.Context(), luoshi.ProgressFilter{PlanID: v.Info.ID, State: luoshi.StateSubmitted})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unit := r.URL.Query().Get("unit")
	if a := s.actor(r); !a.Office() {
		unit = a.Unit
	}
	var rows []pendingRow
	for _, p := range ps {
		if (unit != "" && p.Unit != unit) || p.Origin != "" {
			// A value copied from an indicator is reviewed at its source.
			continue
		}
		rw := pendingRow{Progress: p, UnitName: v.unitName(p.Unit), Task: p.Item}
		if i, ok := v.Target[p.Item]; ok {
			t := v.Plan.Targets[i]
			rw.Task, rw.Goal = t.Commitment, t.Object+" "+t.Text
		}
		if i, ok := v.Commitment[rw.Task]; ok {
			rw.TaskText = v.Plan.Commitments[i].Text
		}
		if p.ID == failed {
			rw.Error, rw.Reason = msg, reason
		}
		rows = append(rows, rw)
	}
	total := len(rows)
	if len(rows) > 100 {
		rows = rows[:100]
	}
	s.render(w, r, status, "review", s.pageFor(r, v, "审核", "review"), map[string]any{"Rows": rows, "Total": total})
}

// reviewSave approves a submitted report or returns it with a reason.
func (s *Server) reviewSave(w nethttp.ResponseWriter, r *nethttp.Request) {
	a := s.actor(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "填报编号 %q 无效", r.PathValue("id")))
		return
	}
	p, err := s.cfg.Store.Progress(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !a.CanReview(p.Unit) {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "只有督查室或%s负责人可以审核这条填报；当前身份为%s。", monitor.ShortKey(p.Unit), a.Label()))
		return
	}
	approve := r.PostFormValue("action") == "approve"
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	msg := ""
	switch {
	case !approve && reason == "":
		msg = "退回时请填写退回原因。"
	case utf8.RuneCountInString(reason) > 500:
		msg = "退回原因不能超过 500 字。"
	}
	if msg == "" {
		_, err = s.cfg.Store.ReviewProgress(r.Context(), luoshi.Review{ID: id, Approve: approve, Reason: reason, By: a.Name})
		if err == nil {
			s.views.forget()
			if v, err := s.load(r); err == nil {
				if err := s.scan(r.Context(), v); err != nil {
					s.cfg.Logger.Error("alert scan", "err", err)
				}
			}
			ok := "returned"
			if approve {
				ok = "approved"
			}
			redirect(w, r, "/review", ok)
			return
		}
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		msg = userMessage(err)
	}
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderReview(w, r, v, nethttp.StatusBadRequest, id, msg, r.PostFormValue("reason"))
}
