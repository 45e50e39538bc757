package api

import (
	"net"
	nethttp "net/http"

	"luoshi/audit"
	"luoshi/auth"
)

// principal is the store's view of the caller: the office's token as an
// administrator (reading only: a viewer of every unit), a unit's token as
// that unit's reporter (reading only: its viewer).
func (c caller) principal() auth.Principal {
	p := auth.Principal{Account: c.Name, Role: auth.RoleViewer}
	if c.Report {
		p.Role = auth.RoleReporter
	}
	if c.office() {
		if c.Report {
			p.Role = auth.RoleAdmin
		}
		return p
	}
	p.Units = []string{c.Unit}
	return p
}

// scoped returns r with the caller's principal in its context, which the
// store applies to every query and write (a handler that forgets a check
// still cannot reach another unit's data), and who and where for the audit
// trail.
func (c caller) scoped(r *nethttp.Request) *nethttp.Request {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	ctx := auth.WithPrincipal(r.Context(), c.principal())
	ctx = audit.WithWho(ctx, audit.Who{Actor: c.Name, Address: addr})
	return r.WithContext(ctx)
}

// admin reports whether the caller acts as an administrator: the office's
// token with the right to write.
func (c caller) admin() bool { return c.principal().IsAdmin() }
