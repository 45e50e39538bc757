package http

import (
	"context"
	nethttp "net/http"

	"luoshi/notify"
	"luoshi/reports"
)

// InboxReader gives the reminders (催办) waiting in the application for a
// unit ("" for every unit); *reminders.Ledger is one.
type InboxReader interface {
	Inbox(ctx context.Context, unit string, limit int) ([]notify.Message, error)
}

// inbox is GET /inbox (催办消息): the reminders sent to the actor's unit,
// or every reminder for the supervision office, newest first.
func (s *Server) inbox(w nethttp.ResponseWriter, r *nethttp.Request) {
	a := s.actor(r)
	var ms []notify.Message
	if s.cfg.Inbox != nil {
		var err error
		if ms, err = s.cfg.Inbox.Inbox(r.Context(), a.Unit, 200); err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range ms {
			ms[i].At = ms[i].At.In(reports.CST)
		}
	}
	s.render(w, r, nethttp.StatusOK, "inbox", &page{Title: "催办消息", Nav: "inbox"}, map[string]any{"Messages": ms, "Enabled": s.cfg.Inbox != nil})
}
