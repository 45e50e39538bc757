package http

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"luoshi"
	"luoshi/reports"
)

// chromiumPath returns the browser the end-to-end test drives: $LUOSHI_CHROMIUM
// or Debian's /usr/bin/chromium. Without one the test is skipped loudly, and
// fails when $CI is set (.ci/run installs chromium).
func chromiumPath(t *testing.T) string {
	p := os.Getenv("LUOSHI_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but there is no Chromium at %s: the end-to-end test must run in CI (apt-get install chromium)", p)
		}
		t.Skipf("SKIPPING END-TO-END BROWSER TEST: no Chromium at %s (apt-get install chromium, or set LUOSHI_CHROMIUM)", p)
	}
	return p
}

// artifactDir is where screenshots go: $LUOSHI_ARTIFACTS or
// testdata/screenshots.
func artifactDir(t *testing.T) string {
	d := os.Getenv("LUOSHI_ARTIFACTS")
	if d == "" {
		d = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEndToEnd drives a real Chromium through the year's first loop: import
// a report, review and publish it, report progress as a unit, approve it as
// the unit's leader, and see the cockpit count the task as on track. It keeps a
// screenshot of every main page.
func TestEndToEnd(t *testing.T) {
	exe := chromiumPath(t)
	shots := artifactDir(t)
	report, err := filepath.Abs(filepath.Join("..", "testdata", "eval", "sichuan-2026.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// 10 April 2026: March's reports of the 2026 plan are due.
	now := time.Date(2026, 4, 10, 9, 0, 0, 0, reports.CST)
	f := newFixture(t, now, false)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun, chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelT()

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644)
		})
	}
	// viewShot keeps only what the window shows, for a message in context.
	viewShot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.CaptureScreenshot()(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644)
		})
	}
	run := func(step string, as ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, as...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}

	// 1. Import the 2026 report: upload, see the table beside the source.
	run("upload",
		chromedp.Navigate(ts.URL+"/import"),
		chromedp.WaitVisible(chromedp.CSS(`#report`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#report`), []string{report}),
		chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.source mark`)),
		chromedp.WaitVisible(chromedp.CSS(`footer`)), // the whole page is parsed
	)
	draftURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(draftURL, "/import/") {
		t.Fatalf("after upload at %s, want the review page", draftURL)
	}
	plans, _ := f.store.Plans(ctx, luoshi.PlanFilter{Year: 2026})
	if len(plans) != 0 {
		t.Fatalf("the unpublished 2026 plan is already in the store")
	}
	d, err := f.srv.drafts.get(draftURL[strings.LastIndex(draftURL, "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	// The first commitment without targets that the suggester assigned:
	// we will confirm its lead, then report on it as that unit.
	var cid, lead string
	for _, c := range d.Plan.Commitments {
		if a := d.Assign[c.ID]; a.Lead != "" && len(c.Targets) == 0 && c.Section >= "2" {
			cid, lead = c.ID, a.Lead
			break
		}
	}
	if cid == "" {
		t.Fatal("no assigned commitment without targets in the 2026 report")
	}
	// Bad input first: an unknown unit shows a message beside the field.
	run("bad lead",
		chromedp.SetValue(chromedp.CSS(`#l-`+cid), "火星开发局"),
		chromedp.Click(chromedp.CSS(`#row-`+cid+` button[value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(`#le-`+cid)),
		chromedp.WaitVisible(chromedp.CSS(`footer`)),
		chromedp.ScrollIntoView(chromedp.CSS(`#row-`+cid)),
		viewShot("02-import-review-error"),
	)
	if msg := text(`#le-` + cid); !strings.Contains(msg, "火星开发局") {
		t.Errorf("message beside the lead field %q does not name the unit typed", msg)
	}
	run("confirm lead",
		chromedp.SetValue(chromedp.CSS(`#l-`+cid), lead),
		chromedp.Click(chromedp.CSS(`#row-`+cid+` button[value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice-edited`)),
		chromedp.Navigate(strings.SplitN(draftURL, "?", 2)[0]),
		chromedp.WaitVisible(chromedp.CSS(`.source mark`)),
		chromedp.WaitVisible(chromedp.CSS(`footer`)),
		shot("01-import-review"),
	)
	// 2. Publish.
	run("publish",
		chromedp.Click(chromedp.CSS(`input[name=allow_unassigned]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice-published`)),
	)
	if h := text(`h1`); !strings.Contains(h, "2026") {
		t.Fatalf("cockpit after publishing shows %q, want the 2026 plan", h)
	}
	onTrack := func() int {
		n, err := strconv.Atoi(strings.TrimSpace(text(`.kpis .st-on_track b`)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := onTrack()
	run("cockpit before", shot("03-cockpit-before"))

	// 3. Report as the lead unit.
	code, ok := reports.DepartmentCode(f.srv.cfg.Catalog, lead)
	if !ok {
		t.Fatalf("no unit %s", lead)
	}
	form := `#item-` + cid
	run("act as unit",
		chromedp.Navigate(ts.URL+"/as"),
		chromedp.SetValue(chromedp.CSS(`#as-unit`), code),
		chromedp.Click(chromedp.CSS(`form[action="/as"] button`)),
		chromedp.WaitVisible(chromedp.CSS(form)),
		chromedp.WaitVisible(chromedp.CSS(`footer`)),
	)
	// Submitting without a narrative: a message beside the field, the value kept.
	run("bad report",
		chromedp.SetValue(chromedp.CSS(form+` input[name=value]`), "40"),
		chromedp.Click(chromedp.CSS(form+` button[value=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#e-n-`+cid)),
		chromedp.WaitVisible(chromedp.CSS(`footer`)),
		chromedp.ScrollIntoView(chromedp.CSS(form)),
		viewShot("04-report-error"),
	)
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(form+` input[name=value]`)))
	if err != nil {
		t.Fatal(err)
	}
	if kept != "40" {
		t.Errorf("value after a rejected submit is %q, want 40", kept)
	}
	run("report",
		chromedp.SetValue(chromedp.CSS(form+` textarea[name=narrative]`), "已完成年度实施方案，一季度推进顺利。"),
		chromedp.Click(chromedp.CSS(form+` button[value=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice-submitted`)),
		shot("05-report-submitted"),
	)
	// 4. Approve as the unit's leader.
	run("approve",
		chromedp.Navigate(ts.URL+"/as"),
		chromedp.SetValue(chromedp.CSS(`#as-unit`), code),
		chromedp.Click(chromedp.CSS(`input[name=role][value=leader]`)),
		chromedp.Click(chromedp.CSS(`form[action="/as"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action^="/review/"] button[value=approve]`)),
		shot("06-review"),
		chromedp.Click(chromedp.CSS(`form[action^="/review/"] button[value=approve]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice-approved`)),
	)
	// 5. The cockpit counts the task as on track (40% done, 25% expected).
	run("back to the office",
		chromedp.Navigate(ts.URL+"/as"),
		chromedp.SetValue(chromedp.CSS(`#as-unit`), ""),
		chromedp.Click(chromedp.CSS(`form[action="/as"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice-as`)),
	)
	run("cockpit after", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`.kpis`)), shot("07-cockpit-after"))
	if after := onTrack(); after != before+1 {
		t.Errorf("正常推进 %d after the approved report, want %d", after, before+1)
	}
	run("task", chromedp.Navigate(ts.URL+"/tasks/"+cid), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)), shot("08-task"))
	if s := text(`h1 .badge`); s != "正常推进" {
		t.Errorf("task %s shows %q, want 正常推进", cid, s)
	}
	// Printing hides the menu and the filters.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	run("print", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`.kpis`)), shot("14-cockpit-print"))
	if d, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.top nav")).display`)); err != nil || d != "none" {
		t.Errorf("printed menu display %q (%v), want none", d, err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	// Without JavaScript the filters still work: tick and press 查询.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	run("no script",
		chromedp.Navigate(ts.URL+"/tasks"),
		chromedp.WaitVisible(chromedp.CSS(`form.filters`)),
		chromedp.Click(chromedp.CSS(`input[name=target]`)),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/tasks.xlsx?target=1"]`)), // only on the filtered page
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "target=1") {
		t.Errorf("after filtering without scripts at %q (%v), want target=1", loc, err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	// The other main pages render in the browser too.
	for _, p := range []struct{ path, name, wait string }{
		{"/tasks", "09-tasks", "table"},
		{"/units", "10-units", "table"},
		{"/regions", "11-regions", "svg.tilemap"},
		{"/alerts", "12-alerts", "table"},
		{"/units/" + code, "13-unit", "h1"},
	} {
		run(p.path, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)), shot(p.name))
	}
}

// TestDemoScreens keeps screenshots of the demo (the first command of the
// README with --demo) for a look at a plan in full swing.
func TestDemoScreens(t *testing.T) {
	exe := chromiumPath(t)
	shots := artifactDir(t)
	f := newFixture(t, demoNow, true)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun, chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()
	for _, p := range []struct{ path, name, wait string }{
		{"/", "demo-cockpit", ".kpis"},
		{"/tasks?sort=status", "demo-tasks", "table"},
		{"/tasks/c0005", "demo-task", "svg.chart"},
		{"/regions", "demo-regions", "svg.tilemap"},
		{"/report?unit=510100", "demo-report", "form.form-row"},
		{"/alerts", "demo-alerts", "table"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		demo, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.demo`)))
		if err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if !strings.Contains(demo, "演示数据") {
			t.Errorf("%s is not marked 演示数据", p.path)
		}
		if err := os.WriteFile(filepath.Join(shots, p.name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 报表通: bind 粮食产量 (split across the 市州, reported by them) to an
	// indicator; its page shows 成都's latest value in the region × period
	// table.
	bg := context.Background()
	if err := f.store.PutIndicators(bg, []luoshi.Indicator{{Code: "ZB900", Name: "粮食产量", Unit: "斤", Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum}}, "督查室"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.BindIndicators(bg, []luoshi.IndicatorBinding{{PlanID: f.planID, Target: "t0006", Indicator: "ZB900"}}, "督查室"); err != nil {
		t.Fatal(err)
	}
	vs, err := f.store.IndicatorValues(bg, luoshi.IndicatorValueFilter{Indicator: "ZB900", Region: "510100"})
	if err != nil || len(vs) == 0 {
		t.Fatalf("成都 has no value of 粮食产量 (%v)", err)
	}
	last := vs[len(vs)-1]
	cell := `#v-510100-` + last.Period
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/indicators/ZB900"), chromedp.WaitVisible(chromedp.CSS(cell)), chromedp.ScrollIntoView(chromedp.CSS(cell))); err != nil {
		t.Fatalf("indicator page: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(cell)))
	if err != nil {
		t.Fatal(err)
	}
	if want := humanNumber(last.Value.String()); !strings.Contains(got, want) || !strings.Contains(got, "成都市") {
		t.Errorf("成都's %s cell reads %q, want %s typed by 成都市", last.Period, got, want)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, "demo-indicator.png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
