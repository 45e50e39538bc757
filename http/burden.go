package http

import (
	nethttp "net/http"

	"luoshi/workbook"
)

// burden is GET /burden (报表通减负): per period, the fields units typed
// against the values the system's reports used, and what the system
// pre-filled instead of asking.
func (s *Server) burden(w nethttp.ResponseWriter, r *nethttp.Request) {
	a := s.actor(r)
	if err := requireOffice(a, "查看填报负担统计"); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.load(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bs := workbook.Burdens(v.In)
	var total workbook.Burden
	for _, b := range bs {
		total.Duties += b.Duties
		total.Typed += b.Typed
		total.Used += b.Used
		total.Prefilled += b.Prefilled
		total.Copied += b.Copied
	}
	s.render(w, r, nethttp.StatusOK, "burden", s.pageFor(r, v, "报表通：填报负担", "report"), map[string]any{"Info": v.Info, "Periods": bs, "Total": total})
}
