package api

import (
	"net/http/httptest"
	"slices"
	"testing"

	"luoshi/audit"
	"luoshi/auth"
)

// TestCallerScoped: every handler runs with the caller's principal in its
// context, which the store applies to every query and write.
func TestCallerScoped(t *testing.T) {
	for _, c := range []struct {
		c     caller
		role  auth.Role
		units []string
	}{
		{caller{Name: "督查室", Report: true}, auth.RoleAdmin, nil},
		{caller{Name: "督查室只读"}, auth.RoleViewer, nil},
		{caller{Name: "绵阳市", Unit: "510700", Report: true}, auth.RoleReporter, []string{"510700"}},
		{caller{Name: "绵阳市只读", Unit: "510700"}, auth.RoleViewer, []string{"510700"}},
	} {
		r := httptest.NewRequest("GET", "/api/v1/plans", nil)
		r.RemoteAddr = "10.1.2.3:4567"
		ctx := c.c.scoped(r).Context()
		p, ok := auth.PrincipalFrom(ctx)
		if !ok || p.Role != c.role || !slices.Equal(p.Units, c.units) || p.Account != c.c.Name {
			t.Errorf("%s: principal %+v", c.c.Name, p)
		}
		if c.c.Unit == "510700" && (p.CanRead("510600") || p.CanWrite("510600")) {
			t.Errorf("%s reaches 德阳市", c.c.Name)
		}
		if w, ok := audit.WhoFrom(ctx); !ok || w.Actor != c.c.Name || w.Address != "10.1.2.3" {
			t.Errorf("%s: who %+v", c.c.Name, w)
		}
	}
}
