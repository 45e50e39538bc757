package http

import (
	nethttp "net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"luoshi"
)

// taskQuery is the task list's filters, search, sort and page, read from
// the query string so every view is a link.
type taskQuery struct {
	Section, Unit, Status, Q, Sort string
	HasTarget                      bool
	Page                           int
	// Mine, when set, keeps only the tasks this unit leads, shares or
	// holds a quota of: what a unit's own users see.
	Mine string
}

const pageSize = 50

func parseTaskQuery(q url.Values) taskQuery {
	t := taskQuery{Section: q.Get("section"), Unit: q.Get("unit"), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")),
		Sort: q.Get("sort"), HasTarget: q.Get("target") == "1"}
	t.Page, _ = strconv.Atoi(q.Get("page"))
	if t.Page < 1 {
		t.Page = 1
	}
	return t
}

// values returns the query as URL values, without the page.
func (t taskQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"section": t.Section, "unit": t.Unit, "status": t.Status, "q": t.Q, "sort": t.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if t.HasTarget {
		v.Set("target", "1")
	}
	return v
}

// Link returns the list's URL for page n of the same view.
func (t taskQuery) Link(n int) string {
	v := t.values()
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/tasks"
	}
	return "/tasks?" + v.Encode()
}

// SortLink returns the list's URL sorted by key.
func (t taskQuery) SortLink(key string) string {
	t.Sort = key
	return t.Link(1)
}

// Export returns the URL of the Excel file of the same view.
func (t taskQuery) Export() string {
	if v := t.values(); len(v) > 0 {
		return "/tasks.xlsx?" + v.Encode()
	}
	return "/tasks.xlsx"
}

// filter returns the rows of v that match t, sorted.
func (t taskQuery) filter(v *view) []row {
	var out []row
	var mine, ofUnit map[string]bool
	if t.Mine != "" {
		mine = v.involved(t.Mine)
	}
	if t.Unit != "" && t.Unit != "none" {
		ofUnit = v.involved(t.Unit)
	}
	for _, c := range v.Plan.Commitments {
		if mine != nil && !mine[c.ID] {
			continue
		}
		if t.Section != "" && c.Section != t.Section && !strings.HasPrefix(c.Section, t.Section+".") {
			continue
		}
		if t.HasTarget && len(c.Targets) == 0 {
			continue
		}
		rw := v.row(c)
		if t.Unit == "none" && rw.Lead != "" || ofUnit != nil && !ofUnit[c.ID] {
			continue
		}
		if t.Status != "" && string(rw.Status.Status) != t.Status {
			continue
		}
		if t.Q != "" && !strings.Contains(c.Text, t.Q) && !strings.Contains(c.Lead, t.Q) && !strings.Contains(rw.LeadName, t.Q) && c.ID != t.Q {
			continue
		}
		out = append(out, rw)
	}
	switch t.Sort {
	case "status":
		sort.SliceStable(out, func(i, j int) bool { return out[i].Status.Status.Index() > out[j].Status.Status.Index() })
	case "completion":
		sort.SliceStable(out, func(i, j int) bool { return out[i].Status.Ratio < out[j].Status.Ratio })
	case "-completion":
		sort.SliceStable(out, func(i, j int) bool { return out[i].Status.Ratio > out[j].Status.Ratio })
	case "unit":
		sort.SliceStable(out, func(i, j int) bool { return out[i].LeadName < out[j].LeadName })
	}
	return out
}

// tasks is 任务清单: every commitment with its lead unit, targets and
// status, filtered, searched, sorted and paginated by the query string.
func (s *Server) tasks(w nethttp.ResponseWriter, r *nethttp.Request) {
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t := parseTaskQuery(r.URL.Query())
	if t.Status != "" && luoshi.Status(t.Status).Index() < 0 {
		s.fail(w, r, luoshi.Errorf(luoshi.EInvalid, "状态 %q 无效", t.Status))
		return
	}
	t.Mine = s.actor(r).Unit
	rows := t.filter(v)
	pages := max(1, (len(rows)+pageSize-1)/pageSize)
	if t.Page > pages {
		t.Page = pages
	}
	from := (t.Page - 1) * pageSize
	to := min(len(rows), from+pageSize)
	var sections []option
	for _, sec := range v.planSections() {
		label := v.SectionName[sec.ID]
		if sec.Level == 1 {
			label = "【" + sec.Title + "】"
		}
		sections = append(sections, option{sec.ID, label})
	}
	var statuses []option
	for _, st := range luoshi.Statuses {
		statuses = append(statuses, option{string(st), st.Label()})
	}
	s.render(w, r, nethttp.StatusOK, "tasks", s.pageFor(r, v, "任务清单", "tasks"), map[string]any{
		"Q": t, "Rows": rows[from:to], "Count": len(rows), "Pages": pages, "From": from + 1, "To": to,
		"Sections": sections, "Units": unitOptions(v), "Cities": cityOptions(v), "Statuses": statuses,
	})
}
