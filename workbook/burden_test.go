package workbook_test

import (
	"context"
	"testing"

	"luoshi"
	"luoshi/workbook"
)

func TestBurdens(t *testing.T) {
	ctx := context.Background()
	s, plan := fixture(t)
	in, err := s.StatusInput(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	bs := workbook.Burdens(in)
	// January is reported (approved, with narratives), nothing else yet.
	if len(bs) != 1 || bs[0].Period != "2025-01" {
		t.Fatalf("burdens %+v", bs)
	}
	jan := bs[0]
	if jan.Duties != 10 || jan.Used == 0 || jan.Used > 10 || jan.Typed < jan.Used {
		t.Fatalf("January %+v", jan)
	}
	// A February draft is typed but not used; a submission is both.
	var t0, c0 string
	for _, r := range in.Plan.Targets {
		t0 = r.ID
		break
	}
	for _, c := range in.Plan.Commitments {
		if len(c.Targets) == 0 {
			c0 = c.ID
			break
		}
	}
	unit := in.Assignments[0].Lead
	tg := in.Plan.Targets[0]
	if _, err := s.SaveProgress(ctx, luoshi.ProgressInput{PlanID: plan, Item: t0, Unit: unit, Period: "2025-02", Value: tg.Value, ValueUnit: tg.Unit, Narrative: "说明", By: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveProgress(ctx, luoshi.ProgressInput{PlanID: plan, Item: c0, Unit: unit, Period: "2025-02", Value: tg.Value.Quo(tg.Value, 0), ValueUnit: luoshi.PercentUnit, Submit: true, By: "x"}); err != nil {
		t.Fatal(err)
	}
	in, err = s.StatusInput(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	bs = workbook.Burdens(in)
	if len(bs) != 2 {
		t.Fatalf("burdens %+v", bs)
	}
	feb := bs[1]
	// Typed: value and narrative of the draft, value of the submission.
	if feb.Period != "2025-02" || feb.Typed != 3 || feb.Used != 1 || feb.Ratio() != 3 {
		t.Fatalf("February %+v", feb)
	}
	// Pre-filled: each target's goal, and every item reported in January.
	if feb.Prefilled < jan.Used {
		t.Fatalf("February pre-filled %d, January used %d", feb.Prefilled, jan.Used)
	}
}
