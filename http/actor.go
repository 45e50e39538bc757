package http

import (
	nethttp "net/http"
	"net/url"
	"strings"

	"luoshi"
)

// actor is who is using the pages. Until accounts exist (a later issue) the
// user picks an identity on /as: the supervision office (督查室), which sees
// and reviews everything, or a unit's reporter, who reports its own tasks.
type actor struct {
	Unit   string // Unit.Code; empty for the supervision office
	Name   string
	Leader bool // the unit's leader (负责人), who approves its reports
}

// Office reports whether the actor is the supervision office.
func (a actor) Office() bool { return a.Unit == "" }

// Reviewer reports whether the actor may review reports at all.
func (a actor) Reviewer() bool { return a.Office() || a.Leader }

// CanReview reports whether the actor may approve or return a report of
// unit: the office any, a leader its own unit's.
func (a actor) CanReview(unit string) bool { return a.Office() || a.Leader && a.Unit == unit }

// Label is how the header names the actor.
func (a actor) Label() string {
	if a.Leader {
		return a.Name + "（负责人）"
	}
	if a.Office() {
		return a.Name
	}
	return a.Name + "（填报员）"
}

// leaderPrefix marks a leader's identity in the cookie.
const leaderPrefix = "leader:"

const actorCookie = "luoshi_as"

// officeName is the supervision office as users name it.
const officeName = "省政府督查室"

// actor reads the identity cookie; an unknown unit falls back to the office.
func (s *Server) actor(r *nethttp.Request) actor {
	if a, ok := s.sessionActor(r); ok {
		return a
	}
	c, err := r.Cookie(actorCookie)
	if err != nil || c.Value == "" {
		return actor{Name: officeName}
	}
	code, err := url.QueryUnescape(c.Value)
	if err != nil {
		return actor{Name: officeName}
	}
	code, leader := strings.CutPrefix(code, leaderPrefix)
	u, err := s.cfg.Store.Unit(r.Context(), code)
	if err != nil {
		return actor{Name: officeName}
	}
	return actor{Unit: u.Code, Name: u.Name, Leader: leader}
}

// requireOffice returns an EForbidden error unless the office is acting.
func requireOffice(a actor, what string) error {
	if !a.Office() {
		return luoshi.Errorf(luoshi.EForbidden, "只有督查室可以%s；当前身份为%s。", what, a.Name)
	}
	return nil
}

func (s *Server) actAsForm(w nethttp.ResponseWriter, r *nethttp.Request) {
	us, err := s.cfg.Store.Units(r.Context(), luoshi.UnitFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var depts, cities []luoshi.Unit
	for _, u := range us {
		switch u.Kind {
		case luoshi.UnitDepartment:
			depts = append(depts, u)
		case luoshi.UnitCity:
			cities = append(cities, u)
		}
	}
	s.render(w, r, nethttp.StatusOK, "as", &page{Title: "切换身份", Nav: "as"}, map[string]any{"Departments": depts, "Cities": cities})
}

func (s *Server) actAs(w nethttp.ResponseWriter, r *nethttp.Request) {
	code := r.PostFormValue("unit")
	value := code
	next := "/"
	if code != "" {
		if _, err := s.cfg.Store.Unit(r.Context(), code); err != nil {
			s.fail(w, r, err)
			return
		}
		next = "/report"
		if r.PostFormValue("role") == "leader" {
			value, next = leaderPrefix+code, "/review"
		}
	}
	nethttp.SetCookie(w, &nethttp.Cookie{Name: actorCookie, Value: url.QueryEscape(value), Path: "/", HttpOnly: true, SameSite: nethttp.SameSiteLaxMode})
	redirect(w, r, next, "as")
}
