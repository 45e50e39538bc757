package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchEvents is how many events the Verify benchmarks chain: 1,000,000
// unless LUOSHI_AUDIT_BENCH_N says otherwise.
func benchEvents(b *testing.B) int {
	if s := os.Getenv("LUOSHI_AUDIT_BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("LUOSHI_AUDIT_BENCH_N=%q", s)
		}
		return n
	}
	return 1_000_000
}

// benchEvent is a typical progress report event (about 300 bytes hashed).
func benchEvent(i int) Event {
	return Event{
		Seq:     int64(i + 1),
		At:      time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Actor:   "reporter-" + strconv.Itoa(i%500),
		Address: "10.20." + strconv.Itoa(i%250) + "." + strconv.Itoa(i%200),
		Action:  "progress.report",
		Object:  "target:" + strconv.Itoa(i%2000),
		Unit:    "5107" + strconv.Itoa(10+i%80),
		Before:  json.RawMessage(`{"period":"2025-03","value":"` + strconv.Itoa(i) + `.5","note":"按序时推进"}`),
		After:   json.RawMessage(`{"period":"2025-03","value":"` + strconv.Itoa(i+1) + `.25","note":"已完成年度目标的百分之六十，项目开工率达到预期"}`),
	}
}

// BenchmarkVerifySQLite verifies a chain of benchEvents events stored in a
// SQLite file (generated first, not timed): reading, scanning and hashing.
func BenchmarkVerifySQLite(b *testing.B) {
	n := benchEvents(b)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	be := sqliteAt(b, path)
	start := time.Now()
	tx, err := be.write.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO audit_events (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	prev := ""
	for i := range n {
		e := Seal(prev, benchEvent(i))
		if _, err := stmt.Exec(e.Seq, e.At.UnixMicro(), e.Actor, e.Address, e.Action, e.Object, e.Unit,
			string(e.Before), string(e.After), e.Prev, e.Hash); err != nil {
			b.Fatal(err)
		}
		prev = e.Hash
	}
	stmt.Close()
	if _, err := tx.Exec(`UPDATE audit_head SET seq = ?, hash = ?`, n, prev); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d events in %v", n, time.Since(start).Round(time.Millisecond))
	for _, c := range []struct{ name, pragmas string }{
		{"default", ""},
		{"mmap", "&_pragma=mmap_size(1073741824)"},
	} {
		b.Run(c.name, func(b *testing.B) {
			db, err := sql.Open("sqlite", "file:"+path+"?mode=ro"+c.pragmas)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			l := Log{DB: db, Dialect: SQLite}
			cpu := cpuTime()
			for b.Loop() {
				r, err := l.Verify(ctx)
				if err != nil || r.Events != int64(n) {
					b.Fatalf("Verify = %+v, %v", r, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkVerifyMemory is the hashing alone: the same chain held in memory.
func BenchmarkVerifyMemory(b *testing.B) {
	n := benchEvents(b)
	ev := make([]Event, n)
	prev := ""
	for i := range ev {
		ev[i] = Seal(prev, benchEvent(i))
		prev = ev[i].Hash
	}
	b.ResetTimer()
	for b.Loop() {
		if r, err := Verify(context.Background(), NewSlice(ev)); err != nil || r.Events != int64(n) {
			b.Fatalf("Verify = %+v, %v", r, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSeal is the cost of hashing one event on append.
func BenchmarkSeal(b *testing.B) {
	e := benchEvent(1)
	b.SetBytes(int64(len(Encode("", e))))
	for b.Loop() {
		Seal("0000000000000000000000000000000000000000000000000000000000000000", e)
	}
}

// BenchmarkVerifyPostgres is BenchmarkVerifySQLite on the PostgreSQL test
// server (skipped without one).
func BenchmarkVerifyPostgres(b *testing.B) {
	n := benchEvents(b)
	ctx := context.Background()
	be := openPostgresTB(b)
	start := time.Now()
	const rows = 500
	prev := ""
	for i := 0; i < n; i += rows {
		m := min(rows, n-i)
		args := make([]any, 0, m*11)
		var q strings.Builder
		q.WriteString(`INSERT INTO audit_events (` + columns + `) VALUES `)
		for j := range m {
			e := Seal(prev, benchEvent(i+j))
			prev = e.Hash
			if j > 0 {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+9, k+10, k+11)
			args = append(args, e.Seq, e.At.UnixMicro(), e.Actor, e.Address, e.Action, e.Object, e.Unit, string(e.Before), string(e.After), e.Prev, e.Hash)
		}
		if _, err := be.write.ExecContext(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := be.write.Exec(`UPDATE audit_head SET seq = $1, hash = $2`, n, prev); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d events in %v", n, time.Since(start).Round(time.Millisecond))
	l := Log{DB: be.raw, Dialect: Postgres}
	cpu := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		r, err := l.Verify(ctx)
		if err != nil || r.Events != int64(n) {
			b.Fatalf("Verify = %+v, %v", r, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}
