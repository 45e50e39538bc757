package http

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"luoshi/api"
)

// TestAPIMounted checks that Config.API serves /api/ beside the pages.
func TestAPIMounted(t *testing.T) {
	f := newFixture(t, demoNow, false)
	h, err := api.New(api.Config{Store: f.store, Static: []api.StaticToken{{Token: "office-token-0123456789", Name: "督查室"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: f.store, Now: func() time.Time { return f.now }, API: h, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	if w := f.do("GET", "/api/openapi.json", "", nil, ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"openapi"`) {
		t.Fatalf("openapi: %d", w.Code)
	}
	if w := f.do("GET", "/api/v1/plans", "", nil, ""); w.Code != 401 || !strings.Contains(w.Body.String(), `"unauthorized"`) {
		t.Fatalf("plans without a token: %d %s", w.Code, w.Body.String())
	}
	if w := f.do("GET", "/", "", nil, ""); w.Code != 200 {
		t.Fatalf("cockpit: %d", w.Code)
	}
}
