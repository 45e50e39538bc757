package http

import (
	"context"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/decimal"
	"luoshi/reports"
)

// TestIndicatorPages walks 报表通's indicator pages: the office creates an
// indicator, binds two targets measured in 个 (a target in 套 is refused
// with the store's message), two cities report one of them, and the
// indicator page shows their typed values and the province's sum; the
// other target's report of 成都 is a read-only copy; units may read but not
// maintain indicators.
func TestIndicatorPages(t *testing.T) {
	// 10 April 2025: March's reports are due.
	now := time.Date(2025, 4, 10, 9, 0, 0, 0, reports.CST)
	f := newFixture(t, now, false)
	ctx := context.Background()
	plan := strconv.FormatInt(f.planID, 10)
	const chengdu, mianyang = "510100", "510700"
	// t0014 老旧小区 4000个, t0018 粮油千亩高产示范片 1000个, t0015 城市危旧房 3万套.
	for _, q := range []struct {
		target string
		quotas []luoshi.Quota
	}{
		{"t0014", []luoshi.Quota{{Unit: chengdu, Value: decimal.Int(2500)}, {Unit: mianyang, Value: decimal.Int(1500)}}},
		{"t0018", []luoshi.Quota{{Unit: chengdu, Value: decimal.Int(1000)}}},
	} {
		if err := f.store.SetQuotas(ctx, f.planID, q.target, q.quotas, "督查室"); err != nil {
			t.Fatal(err)
		}
	}

	// Units read the list but get no form, and may not create.
	w := f.get("/indicators", chengdu)
	wantStatus(t, w, nethttp.StatusOK)
	if strings.Contains(w.Body.String(), `id="new-indicator"`) {
		t.Error("a unit is offered the form to create an indicator")
	}
	wantBody(t, w, `href="/indicators"`) // the menu entry
	create := url.Values{"code": {"ZB900"}, "name": {"老旧小区改造"}, "unit": {"个"}, "kind": {luoshi.IndicatorCumulative}, "aggregate": {luoshi.AggSum}, "note": {"含城中村"}}
	wantStatus(t, f.post("/indicators", chengdu, create), nethttp.StatusForbidden)
	// The store's refusal shows on the form, with what was typed.
	bad := url.Values{"code": {"ZB900"}, "name": {" "}, "unit": {"个"}, "kind": {luoshi.IndicatorCumulative}, "aggregate": {luoshi.AggSum}}
	w = f.post("/indicators", "", bad)
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, `id="e-new" role="alert">指标 ZB900 缺少名称`, `value="ZB900"`)
	// Created.
	w = f.post("/indicators", "", create)
	wantStatus(t, w, nethttp.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/indicators/ZB900?ok=created" {
		t.Errorf("after create at %q", loc)
	}
	// A code in use is refused rather than overwritten.
	w = f.post("/indicators", "", url.Values{"code": {"ZB900"}, "name": {"别的"}, "unit": {"套"}, "kind": {luoshi.IndicatorLevel}, "aggregate": {luoshi.AggNone}})
	wantStatus(t, w, nethttp.StatusConflict)
	wantBody(t, w, "指标编码 ZB900 已被使用")
	w = f.get("/indicators", "")
	wantBody(t, w, `<tr id="ind-ZB900"><td><a href="/indicators/ZB900">ZB900</a></td><td><a href="/indicators/ZB900">老旧小区改造</a><div class="sub">含城中村</div></td><td>个</td><td>累计值</td><td>下级合计</td><td class="num">0</td><td class="num">0</td></tr>`)

	// Binding: a unit may not; a target in 套 is refused with the store's message.
	bind := func(unit, target string) *httptest.ResponseRecorder {
		return f.post("/indicators/ZB900/bind", unit, url.Values{"plan": {plan}, "target": {target}})
	}
	wantStatus(t, bind(chengdu, "t0014"), nethttp.StatusForbidden)
	w = bind("", "t0015")
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, `id="e-bind" role="alert">目标 t0015 以「套」计量，指标 ZB900（老旧小区改造）以「个」计量，不能绑定`)
	page := f.get("/indicators/ZB900", "")
	wantStatus(t, page, nethttp.StatusOK)
	wantBody(t, page, `id="no-values">尚无报送值`, `<option value="t0014">`, `<option value="t0018">`)
	if strings.Contains(page.Body.String(), `<option value="t0015">`) {
		t.Error("the bind form offers a target measured in 套")
	}
	for _, tg := range []string{"t0014", "t0018"} {
		w = bind("", tg)
		wantStatus(t, w, nethttp.StatusSeeOther)
	}

	// Two cities report t0014 on the reporting form.
	for _, r := range []struct{ unit, value string }{{chengdu, "120"}, {mianyang, "80"}} {
		w = f.post("/report", r.unit, url.Values{"item": {"t0014"}, "period": {"2025-03"}, "value": {r.value}, "narrative": {"一季度开工"}, "action": {"submit"}})
		wantStatus(t, w, nethttp.StatusSeeOther)
	}
	page = f.get("/indicators/ZB900", "")
	wantStatus(t, page, nethttp.StatusOK)
	body := page.Body.String()
	wantBody(t, page,
		`<tr id="bound-`+plan+`-t0014"><td>2025年四川省政府工作报告</td><td><b>t0014</b> 老旧小区 4000个以上</td><td><a href="/tasks/c0080?plan=`+plan+`">任务 c0080</a></td>`,
		`<a href="/tasks/c0087?plan=`+plan+`">任务 c0087</a>`,
		`<th scope="col" class="num">2025-03</th>`,
		`id="v-510100-2025-03"><b>120</b>`,
		`<a href="/report?period=2025-03&amp;plan=`+plan+`&amp;unit=510100#item-t0014">成都市</a> 填报`,
		`id="v-510700-2025-03"><b>80</b>`,
		`id="v-510000-2025-03"><b>200</b>`,
		`汇总 · 2 个地区`,
		`<span class="state">已报送</span>`,
	)
	if strings.Contains(body, "尚无报送值") {
		t.Error("the empty state shows beside values")
	}
	if p, c, m := strings.Index(body, `id="region-510000"`), strings.Index(body, `id="region-510100"`), strings.Index(body, `id="region-510700"`); p < 0 || !(p < c && c < m) {
		t.Errorf("rows not province, then cities by code: %d %d %d", p, c, m)
	}
	// A unit reads the values; only its own report is linked.
	w = f.get("/indicators/ZB900", mianyang)
	wantBody(t, w, `<a href="/report?period=2025-03&amp;plan=`+plan+`#item-t0014">绵阳市</a> 填报`, `成都市 填报`)
	if strings.Contains(w.Body.String(), `id="edit-indicator"`) || strings.Contains(w.Body.String(), `action="/indicators/ZB900/bind"`) {
		t.Error("a unit is offered the forms to edit or bind")
	}
	// The list counts the bindings and the values.
	wantBody(t, f.get("/indicators", ""), `<td>下级合计</td><td class="num">2</td><td class="num">3</td></tr>`)

	// 成都's report on t0018 is the copy of its t0014 value: read-only,
	// saying where it comes from.
	form := f.get("/report?unit=510100&period=2025-03", "")
	wantStatus(t, form, nethttp.StatusOK)
	wantBody(t, form, `id="copied-t0018"`, `<b id="v-t0018">120 个</b>`, "报表通：指标「老旧小区改造」已由成都市于")
	if strings.Contains(form.Body.String(), `<input id="v-t0018"`) {
		t.Error("the copied report is an editable field")
	}
	if !strings.Contains(form.Body.String(), `<input id="v-t0014"`) {
		t.Error("the typed report has no field") // locked, but shown as typed
	}
	// The task page names the indicator of each bound target.
	wantBody(t, f.get("/tasks/c0080", ""), `报表通指标：<a href="/indicators/ZB900">ZB900 老旧小区改造</a>（个，累计值，下级合计）`)

	// Edit: a unit may not; changing the unit of a bound indicator is
	// refused with the store's message; the aggregate and name change.
	edit := url.Values{"name": {"老旧小区改造（个）"}, "unit": {"个"}, "kind": {luoshi.IndicatorCumulative}, "aggregate": {luoshi.AggMax}, "note": {"只计开工"}}
	wantStatus(t, f.post("/indicators/ZB900", chengdu, edit), nethttp.StatusForbidden)
	w = f.post("/indicators/ZB900", "", url.Values{"name": {"老旧小区改造"}, "unit": {"套"}, "kind": {luoshi.IndicatorCumulative}, "aggregate": {luoshi.AggSum}})
	wantStatus(t, w, nethttp.StatusConflict)
	wantBody(t, w, `id="e-edit" role="alert">指标 ZB900 已绑定 2 个目标，不能把计量单位由「个」改为「套」`, `id="e-unit" name="unit" value="套"`)
	wantStatus(t, f.post("/indicators/ZB900", "", edit), nethttp.StatusSeeOther)
	page = f.get("/indicators/ZB900?ok=edited", "")
	wantBody(t, page, "<h1>指标 ZB900 老旧小区改造（个）</h1>", "<dd>下级最大值</dd>", "<dd>只计开工</dd>", `id="v-510000-2025-03"><b>120</b>`, "已修改。")

	// Unbind: a unit may not; a target not bound here is not found.
	unbind := url.Values{"plan": {plan}, "target": {"t0018"}}
	wantStatus(t, f.post("/indicators/ZB900/unbind", chengdu, unbind), nethttp.StatusForbidden)
	wantStatus(t, f.post("/indicators/ZB900/unbind", "", url.Values{"plan": {plan}, "target": {"t0015"}}), nethttp.StatusNotFound)
	wantStatus(t, f.post("/indicators/ZB900/unbind", "", unbind), nethttp.StatusSeeOther)
	page = f.get("/indicators/ZB900", "")
	if strings.Contains(page.Body.String(), `id="bound-`+plan+`-t0018"`) {
		t.Error("t0018 still listed after unbinding")
	}
	wantBody(t, page, `id="bound-`+plan+`-t0014"`, `<option value="t0018">`)
	wantStatus(t, f.get("/indicators/ZB404", ""), nethttp.StatusNotFound)
}
