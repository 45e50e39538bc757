package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"luoshi"
	web "luoshi/http"
	"luoshi/synth"
	"luoshi/workbook"
	"luoshi/xlsx"
)

// init wraps the loadtest command of loadtest.go (whose init runs first:
// files are initialized in name order) so that `luoshi loadtest upload`
// runs the upload load test and anything else runs the page load test.
func init() {
	pages := commands["loadtest"]
	commands["loadtest"] = command{
		summary: pages.summary + "; `loadtest upload`: Excel uploads at the deadline",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 && args[0] == "upload" {
				return runLoadtestUpload(ctx, e, args[1:])
			}
			if pages.run == nil {
				return fmt.Errorf("unknown loadtest %q: %w", strings.Join(args, " "), errUsage)
			}
			return pages.run(ctx, e, args)
		},
	}
}

// uploadJob is one unit's filled-in workbook and what it should store.
type uploadJob struct {
	unit   luoshi.Unit
	plan   int64
	period string
	data   []byte
	want   map[string]string // item -> value
}

// uploadOutcome is what the server answered to one upload.
type uploadOutcome struct {
	job     *uploadJob
	latency time.Duration
	status  int
	err     error
}

func runLoadtestUpload(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("loadtest upload", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	nUnits := fs.Int("units", 0, "upload for at most this many units (default: every county, city and department with items, up to --departments departments)")
	nDepts := fs.Int("departments", 60, "departments of the provincial government that upload")
	conc := fs.Int("c", 16, "uploads at once")
	dur := fs.Duration("duration", 2*time.Minute, "stop starting uploads after this long")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile of the upload phase to this file")
	period := fs.String("period", "", "period to report (default: the first period the province plan has no reports for)")
	inds := fs.Bool("indicators", true, "without --db: bind every synthetic target to an indicator (报表通), so uploads also keep indicator values and their copies")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi loadtest upload [--db DSN] [--units N] [--c 16] [--duration 2m]")
		fmt.Fprintln(e.stderr, "Without --db, generates the synthetic Sichuan (205 plans, January to November reported, targets bound to indicators unless --indicators=false) in a temporary SQLite file.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *conc < 1 || *dur <= 0 || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("bad flags: %w", errUsage)
	}
	path := *dsn
	if path == "" {
		dir, err := os.MkdirTemp("", "luoshi-loadtest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "luoshi.db")
	}
	db, err := openDB(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if *dsn == "" {
		t0 := time.Now()
		st, err := synth.Generate(ctx, db, synth.Spec{Scale: "sichuan", Periods: 11, Indicators: *inds}, nil)
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		fmt.Fprintf(e.stdout, "generated synthetic Sichuan: %d plans, %d reports (%s)\n", st.Plans, st.Progress, time.Since(t0).Round(time.Second))
	}

	// Who uploads, on which plan.
	units, err := db.Units(ctx, luoshi.UnitFilter{})
	if err != nil {
		return err
	}
	plans, err := db.Plans(ctx, luoshi.PlanFilter{Latest: true})
	if err != nil {
		return err
	}
	planOf := map[string]luoshi.PlanInfo{}
	for _, p := range plans {
		if q, ok := planOf[p.Region]; !ok || p.Year > q.Year || p.Year == q.Year && p.ID > q.ID {
			planOf[p.Region] = p
		}
	}
	province, ok := planOf["510000"]
	if !ok {
		return errors.New("the store has no plan of Sichuan (510000): run `luoshi gen --scale sichuan --periods 11` or `luoshi serve` first")
	}
	pin, err := db.StatusInput(ctx, province.ID)
	if err != nil {
		return err
	}
	per, err := pickPeriod(pin, *period)
	if err != nil {
		return err
	}
	// The last hour before the deadline: 23:30 of the due day.
	due := per.Due.In(synth.CST)
	now := time.Date(due.Year(), due.Month(), due.Day(), 23, 30, 0, 0, synth.CST)
	leads := map[string]bool{}
	for _, a := range pin.Assignments {
		leads[a.Lead] = true
	}
	type target struct {
		unit luoshi.Unit
		plan int64
	}
	var counties, cities, depts []target
	for _, u := range units {
		switch {
		case u.Kind == luoshi.UnitCounty && planOf[u.Code].ID != 0:
			counties = append(counties, target{u, planOf[u.Code].ID})
		case u.Kind == luoshi.UnitCity && planOf[u.Code].ID != 0:
			cities = append(cities, target{u, planOf[u.Code].ID})
		case u.Kind == luoshi.UnitDepartment && leads[u.Code] && len(depts) < *nDepts:
			depts = append(depts, target{u, province.ID})
		}
	}
	all := append(append(counties, cities...), depts...)
	if *nUnits > 0 && *nUnits < len(all) {
		all = all[:*nUnits]
	}
	fmt.Fprintf(e.stdout, "period %s, due %s; clock at %s; %d counties, %d cities, %d departments\n",
		per.Key, due.Format("2006-01-02"), now.Format("2006-01-02 15:04 MST"), len(counties), len(cities), len(depts))

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	clock := func() time.Time { return now }
	svc, err := workbook.New(workbook.Config{Store: db, Key: key, Now: clock})
	if err != nil {
		return err
	}
	// Build and fill every workbook first, as the units did during the day.
	t0 := time.Now()
	jobs := make([]*uploadJob, len(all))
	var prepErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j, err := prepareUpload(ctx, svc, all[i].unit, all[i].plan, per.Key)
				mu.Lock()
				if err != nil && prepErr == nil {
					prepErr = fmt.Errorf("%s (%s): %w", all[i].unit.Name, all[i].unit.Code, err)
				}
				jobs[i] = j
				mu.Unlock()
			}
		}()
	}
	for i := range all {
		next <- i
	}
	close(next)
	wg.Wait()
	if prepErr != nil {
		return prepErr
	}
	rows := 0
	for _, j := range jobs {
		rows += len(j.want)
	}
	fmt.Fprintf(e.stdout, "prepared %d filled-in workbooks, %d rows (%s)\n", len(jobs), rows, time.Since(t0).Round(time.Millisecond))

	srv, err := web.New(web.Config{Store: db, Now: clock, TemplateKey: key, ViewTTL: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	hs := httptest.NewServer(srv) // 127.0.0.1, an ephemeral port
	defer hs.Close()
	client := &nethttp.Client{
		Timeout:       time.Minute,
		Transport:     &nethttp.Transport{MaxIdleConnsPerHost: *conc},
		CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse },
	}
	outs := make([]uploadOutcome, 0, len(jobs))
	todo := make(chan *uploadJob)
	deadline := time.Now().Add(*dur)
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start, cpu0 := time.Now(), cpuTime()
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range todo {
				o := postUpload(ctx, client, hs.URL, j)
				mu.Lock()
				outs = append(outs, o)
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		todo <- j
	}
	close(todo)
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0

	var ds []time.Duration
	accepted, failed := 0, 0
	var firstFail error
	for _, o := range outs {
		ds = append(ds, o.latency)
		if o.err != nil {
			failed++
			if firstFail == nil {
				firstFail = fmt.Errorf("%s: %w", o.job.unit.Name, o.err)
			}
			continue
		}
		accepted++
	}
	// Zero lost: every accepted workbook's values are in the store, or
	// the row's report took its value from an indicator (报表通).
	lost, checked, copied := 0, 0, 0
	for _, o := range outs {
		if o.err != nil {
			continue
		}
		ps, err := db.ListProgress(ctx, luoshi.ProgressFilter{PlanID: o.job.plan, Unit: o.job.unit.Code, Period: o.job.period})
		if err != nil {
			return err
		}
		got := map[string]luoshi.Progress{}
		for _, p := range ps {
			got[p.Item] = p
		}
		for item, v := range o.job.want {
			checked++
			p, ok := got[item]
			switch {
			case ok && p.Origin != "" && (p.State == luoshi.StateSubmitted || p.State == luoshi.StateApproved):
				copied++
			case !ok || p.Value.String() != v || p.State != luoshi.StateSubmitted:
				lost++
			}
		}
	}
	rate := float64(len(outs)) / elapsed.Seconds()
	fmt.Fprintf(e.stdout, "uploads: %d sent, %d accepted, %d failed in %s over %d connections: %.1f uploads/s (%.0f rows/s)\n",
		len(outs), accepted, failed, elapsed.Round(time.Millisecond), *conc, rate, float64(checked)/elapsed.Seconds())
	fmt.Fprintf(e.stdout, "latency: p50 %s, p90 %s, p99 %s, max %s\n",
		synth.Percentile(ds, 50).Round(time.Millisecond), synth.Percentile(ds, 90).Round(time.Millisecond),
		synth.Percentile(ds, 99).Round(time.Millisecond), synth.Percentile(ds, 100).Round(time.Millisecond))
	if cpu > 0 && len(outs) > 0 {
		// Processor time is what a loaded machine does not inflate: the
		// cost of an upload (server and load generator together).
		fmt.Fprintf(e.stdout, "cpu: %.1f ms per upload (server and client), %.0f%% of the wall time\n",
			float64(cpu)/float64(len(outs))/1e6, 100*cpu.Seconds()/elapsed.Seconds())
	}
	fmt.Fprintf(e.stdout, "store: %d values of accepted workbooks checked, %d lost", checked, lost)
	if copied > 0 {
		fmt.Fprintf(e.stdout, " (%d rows took their value from an indicator reported elsewhere instead)", copied)
	}
	fmt.Fprintln(e.stdout)
	if firstFail != nil {
		return fmt.Errorf("%d uploads failed, first: %w", failed, firstFail)
	}
	if lost > 0 {
		return fmt.Errorf("%d values of accepted workbooks are not in the store", lost)
	}
	return nil
}

// pickPeriod returns the period named key, or the first period without a
// report of the plan.
func pickPeriod(in *luoshi.StatusInput, key string) (luoshi.Period, error) {
	ps := append([]luoshi.Period(nil), in.Periods...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Seq < ps[j].Seq })
	used := map[string]bool{}
	for _, p := range in.Progress {
		used[p.Period] = true
	}
	for _, p := range ps {
		if key == p.Key || key == "" && !used[p.Key] && !p.Closed() {
			return p, nil
		}
	}
	if key != "" {
		return luoshi.Period{}, fmt.Errorf("the province plan has no period %q", key)
	}
	return luoshi.Period{}, errors.New("every period of the province plan has reports: generate with --periods 11 or fewer")
}

// prepareUpload builds unit's template and fills every open row with a
// plausible value, as the unit would.
func prepareUpload(ctx context.Context, svc *workbook.Service, u luoshi.Unit, plan int64, period string) (*uploadJob, error) {
	t, err := svc.Template(ctx, plan, u.Code, period)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := svc.WriteTemplate(&buf, t); err != nil {
		return nil, err
	}
	want := map[string]string{}
	data, err := workbook.Fill(buf.Bytes(), t, func(r xlsx.TemplateRow) (workbook.Entry, bool) {
		v := workbook.Plausible(r).String()
		want[r.Item] = v
		return workbook.Entry{Value: v, Narrative: "本期按计划推进。"}, true
	})
	if err != nil {
		return nil, err
	}
	for _, r := range t.Rows {
		if r.Prefill != nil {
			delete(want, r.Item)
		}
	}
	return &uploadJob{unit: u, plan: plan, period: period, data: data, want: want}, nil
}

// postUpload uploads one workbook as its unit and submits it.
func postUpload(ctx context.Context, c *nethttp.Client, base string, j *uploadJob) uploadOutcome {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", j.unit.Name+".xlsx")
	if err == nil {
		_, err = fw.Write(j.data)
	}
	if err == nil {
		err = mw.WriteField("action", "submit")
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return uploadOutcome{job: j, err: err}
	}
	req, err := nethttp.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/report/upload?plan=%d", base, j.plan), &body)
	if err != nil {
		return uploadOutcome{job: j, err: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&nethttp.Cookie{Name: "luoshi_as", Value: url.QueryEscape(j.unit.Code)})
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return uploadOutcome{job: j, latency: time.Since(t0), err: err}
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	o := uploadOutcome{job: j, latency: time.Since(t0), status: resp.StatusCode}
	loc := resp.Header.Get("Location")
	// Accepted: every filled-in row saved, or taken by 报表通 from an
	// indicator another unit reported (or the regions below made) since
	// the workbook was prepared.
	var saved, taken int
	if u, err := url.Parse(loc); err == nil {
		saved, _ = strconv.Atoi(u.Query().Get("saved"))
		taken, _ = strconv.Atoi(u.Query().Get("taken"))
	}
	if resp.StatusCode != nethttp.StatusSeeOther || saved+taken != len(j.want) {
		o.err = fmt.Errorf("status %d, location %q: %.300s", resp.StatusCode, loc, msg)
	}
	return o
}
