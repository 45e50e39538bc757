package synth_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"luoshi"
	"luoshi/delivery"
	"luoshi/monitor"
	"luoshi/sqlite"
	"luoshi/synth"
)

// TestMain turns the test binary into the burst child of
// TestBurstSurvivesSIGKILL when LUOSHI_BURST_CHILD names a database.
func TestMain(m *testing.M) {
	if path := os.Getenv("LUOSHI_BURST_CHILD"); path != "" {
		os.Exit(burstChild(path))
	}
	os.Exit(m.Run())
}

// burstChild submits reports as fast as it can and prints a line for every
// acknowledged one, until it is killed.
func burstChild(path string) int {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	keys, err := synth.PrepareBurst(ctx, s, 2026, 4)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var mu sync.Mutex
	st := synth.Burst(ctx, s, keys, 32, time.Minute, func(p luoshi.Progress) {
		mu.Lock()
		// Unbuffered: the line reaches the pipe before the next submission.
		fmt.Fprintf(os.Stdout, "ack %d %d %s %s %s %s\n", p.ID, p.PlanID, p.Item, p.Unit, p.Period, p.Value)
		mu.Unlock()
	})
	fmt.Fprintf(os.Stderr, "burst ended before the kill: %+v\n", st)
	return 0
}

// TestBurstSurvivesSIGKILL kills a process in the middle of a burst of
// submissions and checks, after reopening the database, that every
// submission the store acknowledged is there, whole.
func TestBurstSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process for a few seconds")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "burst.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	units, _ := synth.Units("tiny")
	if err := s.PutUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	if _, err := synth.PrepareBurst(ctx, s, 2026, 4); err != nil {
		t.Fatal(err)
	}
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LUOSHI_BURST_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type ack struct {
		id                        int64
		plan                      int64
		item, unit, period, value string
	}
	var acks []ack
	sc := bufio.NewScanner(out)
	killed := false
	start := time.Now()
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 7 || f[0] != "ack" {
			continue
		}
		id, _ := strconv.ParseInt(f[1], 10, 64)
		plan, _ := strconv.ParseInt(f[2], 10, 64)
		acks = append(acks, ack{id, plan, f[3], f[4], f[5], f[6]})
		if !killed && (len(acks) >= 3000 || time.Since(start) > 20*time.Second) {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the child ended on its own (%v) after %d acknowledgements: %s", err, len(acks), stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v", cmd.ProcessState)
	}
	t.Logf("killed the child after %d acknowledged submissions (%s)", len(acks), time.Since(start).Round(time.Millisecond))

	// Reopen: every acknowledged report is there with its key and value.
	s, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, a := range acks {
		p, err := s.Progress(ctx, a.id)
		if err != nil {
			t.Fatalf("acknowledged report %d lost: %v", a.id, err)
		}
		if p.PlanID != a.plan || p.Item != a.item || p.Unit != a.unit || p.Period != a.period || p.Value.String() != a.value || p.State != luoshi.StateSubmitted {
			t.Fatalf("report %d differs: stored %+v, acknowledged %+v", a.id, p, a)
		}
	}
	all, err := s.ListProgress(ctx, luoshi.ProgressFilter{State: luoshi.StateSubmitted})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < len(acks) {
		t.Fatalf("%d reports stored, %d acknowledged", len(all), len(acks))
	}
	t.Logf("%d reports stored, %d acknowledged: none lost", len(all), len(acks))
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var ok string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity check: %q %v", ok, err)
	}
}

// TestGenerateTiny generates the tiny scale and checks that the materialized
// roll-up agrees with judging every plan in Go.
func TestGenerateTiny(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tiny.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := synth.Generate(ctx, s, synth.Spec{Scale: "tiny", Commitments: 40, Periods: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Plans != 7 || st.Commitments != 280 || st.Targets != 56 || st.Progress < 7*(40)*7*95/100 {
		t.Fatalf("stats %+v", st)
	}
	asOf := time.Date(2025, 8, 10, 0, 0, 0, 0, synth.CST)
	cfg := monitor.DefaultConfig()
	v, err := delivery.RegionView(ctx, s, "510000", 2025, asOf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Report.DuePeriod != "2025-07" || len(v.Regions) != 7 || v.Regions[0].Plans != 7 {
		t.Fatalf("view: due %s, regions %+v", v.Report.DuePeriod, v.Regions)
	}
	var sum luoshi.Counts
	plans, _ := s.Plans(ctx, luoshi.PlanFilter{Year: 2025, Latest: true})
	for _, p := range plans {
		in, err := s.StatusInput(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := monitor.Judge(in, asOf, cfg)
		for i, n := range r.Total.Counts {
			sum[i] += n
		}
	}
	if sum != v.Regions[0].Counts {
		t.Errorf("materialized roll-up %v, Judge on every plan %v", v.Regions[0].Counts, sum)
	}
	if sum[luoshi.StatusBehind.Index()] == 0 || sum[luoshi.StatusOnTrack.Index()] == 0 {
		t.Errorf("synthetic data has no spread of statuses: %v", sum)
	}
}
