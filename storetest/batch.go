package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"luoshi"
	"luoshi/monitor"
)

// testRollupFollowsBatches is testRollupFollowsWrites with the submissions
// written in batches (SaveProgressBatch leaves the tracker work of its
// reports to the end of the batch): after each step the store's
// materialized roll-up must equal judging the plan in Go.
func testRollupFollowsBatches(t *testing.T, s luoshi.Store) {
	ctx := context.Background()
	id := setup(t, s)
	b, ok := s.(batchSaver)
	if !ok {
		t.Fatalf("%T has no SaveProgressBatch", s)
	}
	cfg := monitor.DefaultConfig()
	asOf := time.Date(2025, 5, 20, 0, 0, 0, 0, cst)
	r := monitor.Judge(must(s.StatusInput(ctx, id)), asOf, cfg)
	q := luoshi.RollupQuery{Year: 2025, Region: "510000", DueSeq: r.DueSeq, Expected: r.Expected, Behind: cfg.Behind, Severe: cfg.Severe}
	must(s.RegionRollup(ctx, q))
	rng := rand.New(rand.NewPCG(3, 5))
	items := []struct{ item, unit, vunit, max string }{
		{"t0001", ndrc, "亿元", "1100"}, {"c0002", transport, "%", "100"}, {"t0002", transport, "公里", "11000"}, {"t0003", transport, "公里", "550"},
	}
	var ids []int64
	batches := 0
	for step := 0; step < 50; step++ {
		switch op := rng.IntN(10); {
		case op < 6: // a batch of submissions and drafts
			var ins []luoshi.ProgressInput
			for range rng.IntN(5) + 1 {
				it := items[rng.IntN(len(items))]
				in := report(id, it.item, it.unit, fmt.Sprintf("2025-%02d", rng.IntN(6)+1), fmt.Sprint(rng.IntN(mustInt(it.max))), it.vunit)
				in.Submit = rng.IntN(4) > 0
				ins = append(ins, in)
			}
			ps, err := b.SaveProgressBatch(ctx, ins)
			if err == nil {
				batches++
				for _, p := range ps {
					if p.State == luoshi.StateSubmitted {
						ids = append(ids, p.ID)
					}
				}
			} else if luoshi.ErrorCode(err) != luoshi.EConflict {
				t.Fatal(err)
			}
		case op < 9 && len(ids) > 0: // review
			_, err := s.ReviewProgress(ctx, luoshi.Review{ID: ids[rng.IntN(len(ids))], Approve: op < 8, Reason: "补充材料", By: "领导"})
			if err != nil && luoshi.ErrorCode(err) != luoshi.EConflict {
				t.Fatal(err)
			}
		default: // correct
			if len(ids) == 0 {
				continue
			}
			_, err := s.CorrectProgress(ctx, luoshi.Correction{ID: ids[rng.IntN(len(ids))], Value: dec(fmt.Sprint(rng.IntN(100))), Reason: "更正", By: "填报员"})
			if err != nil && luoshi.ErrorCode(err) != luoshi.EConflict {
				t.Fatal(err)
			}
		}
		want := monitor.Counted(monitor.Judge(must(s.StatusInput(ctx, id)), asOf, cfg), "510000")
		got := must(s.RegionRollup(ctx, q))
		if len(got) != 1 || got[0].Counts != want.Counts || !near(got[0].Weight, want.Weight) || !near(got[0].Completion, want.Completion) {
			t.Fatalf("step %d: roll-up %+v, Judge %+v", step, got, want)
		}
	}
	if batches < 10 {
		t.Fatalf("only %d batches were stored; the test checks little", batches)
	}
}
