package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"luoshi"
	"luoshi/api"
	"luoshi/decimal"
	"luoshi/synth"
)

// TestUnitTokenScope: a token of 绵阳市 can neither read nor write 德阳市's
// progress through the API, and the store itself refuses the write.
func TestUnitTokenScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const mianyangToken = "mianyang-token-0123456789"
	// 德阳市 has an approved report in the plan.
	if err := f.store.BulkProgress(ctx, []luoshi.Progress{{PlanID: f.plan, Item: f.target.ID, Unit: "510600", Period: "2025-02",
		Value: decimal.Int(1), ValueUnit: f.target.Unit, State: luoshi.StateApproved, CreatedBy: "德阳", UpdatedBy: "德阳"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, synth.CST)
	h, err := api.New(api.Config{Store: f.store, Now: func() time.Time { return now },
		Static: []api.StaticToken{{Token: mianyangToken, Name: "绵阳市", Unit: "510700", Report: true}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	g := *f
	g.srv = srv
	path := fmt.Sprintf("/api/v1/plans/%d/progress", f.plan)

	code, m, _ := g.call("GET", path+"?unit=510600", mianyangToken, "")
	if c, _ := errorOf(m); code != 403 || c != luoshi.EForbidden {
		t.Errorf("绵阳市 reading 德阳市's progress: %d %v", code, m)
	}
	code, m, _ = g.call("GET", path, mianyangToken, "")
	if ps, _ := m["progress"].([]any); code != 200 || len(ps) != 0 {
		t.Errorf("绵阳市's own progress list: %d %v", code, m)
	}
	before, _ := f.store.ListProgress(ctx, luoshi.ProgressFilter{PlanID: f.plan})
	body := fmt.Sprintf(`{"item":%q,"unit":"510600","period":"2025-02","value":5,"value_unit":%q,"narrative":"代填","submit":true}`, f.target.ID, f.target.Unit)
	code, m, _ = g.call("POST", path, mianyangToken, body)
	if c, _ := errorOf(m); code != 403 || c != luoshi.EForbidden {
		t.Errorf("绵阳市 writing 德阳市's progress: %d %v", code, m)
	}
	if after, _ := f.store.ListProgress(ctx, luoshi.ProgressFilter{PlanID: f.plan}); len(after) != len(before) {
		t.Errorf("a forbidden report was stored: %d → %d", len(before), len(after))
	}
}
