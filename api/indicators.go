package api

import (
	"errors"
	"fmt"
	nethttp "net/http"
	"strings"
	"unicode/utf8"

	"luoshi"
)

// This file serves the indicators (指标) of 报表通: every number reported
// once. Anyone may read indicators, their bindings and their values (the
// store returns to a unit's token only the values of the regions it may
// read); only an administrator's token maintains indicators and binds
// targets to them.

// indicatorOut is an indicator with the number of targets bound to it.
type indicatorOut struct {
	luoshi.Indicator
	TargetCount int `json:"target_count"`
}

// boundTarget is one target bound to an indicator.
type boundTarget struct {
	PlanID int64  `json:"plan_id"`
	Target string `json:"target"`
}

// findIndicator returns the indicator with code, and every binding.
func (h *Handler) findIndicator(r *nethttp.Request, code string) (luoshi.Indicator, []luoshi.IndicatorBinding, error) {
	ind, err := h.cfg.Store.Indicator(r.Context(), code)
	if err != nil {
		return luoshi.Indicator{}, nil, err
	}
	bs, err := h.cfg.Store.IndicatorBindings(r.Context(), 0)
	return ind, bs, err
}

// indicators is GET /api/v1/indicators: every indicator, with the number
// of targets bound to it.
func (h *Handler) indicators(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	inds, err := h.cfg.Store.Indicators(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	bs, err := h.cfg.Store.IndicatorBindings(r.Context(), 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n := map[string]int{}
	for _, b := range bs {
		n[b.Indicator]++
	}
	out := make([]indicatorOut, 0, len(inds))
	for _, ind := range inds {
		out = append(out, indicatorOut{ind, n[ind.Code]})
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"indicators": out})
}

// indicator is GET /api/v1/indicators/{code}: one indicator with the
// targets bound to it.
func (h *Handler) indicator(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	ind, bs, err := h.findIndicator(r, r.PathValue("code"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []boundTarget{}
	for _, b := range bs {
		if b.Indicator == ind.Code {
			out = append(out, boundTarget{b.PlanID, b.Target})
		}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"indicator": indicatorOut{ind, len(out)}, "bindings": out})
}

// indicatorValues is GET /api/v1/indicators/{code}/values?region=&period=:
// the values of an indicator, typed or derived, of the regions the caller
// may read.
func (h *Handler) indicatorValues(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	code := r.PathValue("code")
	q := r.URL.Query()
	f := luoshi.IndicatorValueFilter{Indicator: code, Region: q.Get("region"), Period: q.Get("period")}
	for _, p := range []struct{ field, v string }{{"region", f.Region}, {"period", f.Period}} {
		if len(p.v) > 200 || !utf8.ValidString(p.v) {
			h.fail(w, r, &fieldError{p.field, p.field + " 过长或含有无效字符"})
			return
		}
	}
	if _, _, err := h.findIndicator(r, code); err != nil {
		h.fail(w, r, err)
		return
	}
	vs, err := h.cfg.Store.IndicatorValues(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if vs == nil {
		vs = []luoshi.IndicatorValue{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"values": vs})
}

// indicatorInput is the body of PUT /api/v1/indicators/{code}.
type indicatorInput struct {
	Code      *string `json:"code"` // optional: the path's code
	Name      *string `json:"name"`
	Unit      *string `json:"unit"`
	Kind      *string `json:"kind"`
	Aggregate *string `json:"aggregate"`
	Note      *string `json:"note"`
}

// Bounds on an indicator's text, in characters.
const (
	maxIndicatorName = 200
	maxIndicatorUnit = 50
	maxIndicatorNote = 2000
)

// decodeIndicator reads and checks the body of PUT /api/v1/indicators/{code}.
func decodeIndicator(code string, body []byte) (luoshi.Indicator, error) {
	var in indicatorInput
	if err := decodeStrict(body, &in); err != nil {
		return luoshi.Indicator{}, err
	}
	if in.Code != nil && *in.Code != code {
		return luoshi.Indicator{}, &fieldError{"code", fmt.Sprintf("请求体中的指标编码 %q 与路径中的 %q 不一致", *in.Code, code)}
	}
	text := func(p *string, field, what string, max int, required bool) (string, error) {
		if p == nil || strings.TrimSpace(*p) == "" {
			if required {
				return "", &fieldError{field, "缺少" + what}
			}
			return "", nil
		}
		if !utf8.ValidString(*p) || utf8.RuneCountInString(*p) > max {
			return "", &fieldError{field, fmt.Sprintf("%s不能超过 %d 个字符，且不能含有无效字符", what, max)}
		}
		return strings.TrimSpace(*p), nil
	}
	ind := luoshi.Indicator{Code: code}
	var err error
	if ind.Name, err = text(in.Name, "name", "指标名称（name）", maxIndicatorName, true); err != nil {
		return ind, err
	}
	if ind.Unit, err = text(in.Unit, "unit", "计量单位（unit）", maxIndicatorUnit, true); err != nil {
		return ind, err
	}
	if ind.Kind, err = text(in.Kind, "kind", "指标类型（kind：cumulative 或 level）", 64, true); err != nil {
		return ind, err
	}
	if ind.Aggregate, err = text(in.Aggregate, "aggregate", "汇总方式（aggregate：sum、avg、max、min 或 none）", 64, true); err != nil {
		return ind, err
	}
	if ind.Note, err = text(in.Note, "note", "说明（note）", maxIndicatorNote, false); err != nil {
		return ind, err
	}
	return ind, validateIndicator(ind)
}

// validateIndicator applies luoshi.Indicator.Validate a field at a time,
// so that its error names the field at fault: each field of ind in turn
// replaces that of a valid indicator, and the first that makes it invalid
// is the field.
func validateIndicator(ind luoshi.Indicator) error {
	ok := luoshi.Indicator{Code: "x", Name: "x", Unit: "x", Kind: luoshi.IndicatorLevel, Aggregate: luoshi.AggNone}
	steps := []struct {
		field string
		set   func(*luoshi.Indicator)
	}{
		{"code", func(t *luoshi.Indicator) { t.Code = ind.Code }},
		{"name", func(t *luoshi.Indicator) { t.Name = ind.Name }},
		{"unit", func(t *luoshi.Indicator) { t.Unit = ind.Unit }},
		{"kind", func(t *luoshi.Indicator) { t.Kind = ind.Kind }},
		{"aggregate", func(t *luoshi.Indicator) { t.Aggregate = ind.Aggregate }},
	}
	for _, s := range steps {
		s.set(&ok)
		if err := ok.Validate(); err != nil {
			msg := err.Error()
			var le *luoshi.Error
			if errors.As(err, &le) {
				msg = le.Message
			}
			return &fieldError{s.field, msg}
		}
	}
	return ind.Validate()
}

// putIndicator is PUT /api/v1/indicators/{code}: create or update an
// indicator (administrators only), once per Idempotency-Key.
func (h *Handler) putIndicator(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	if !c.admin() {
		h.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "维护指标须使用督查室的管理令牌（可写）；本令牌无此权限"))
		return
	}
	h.write(w, r, c, "PUT "+r.URL.EscapedPath(), h.storeIndicator)
}

// storeIndicator does the work of putIndicator once.
func (h *Handler) storeIndicator(w nethttp.ResponseWriter, r *nethttp.Request, c caller, body []byte) {
	ind, err := decodeIndicator(r.PathValue("code"), body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := nethttp.StatusCreated
	if _, _, err := h.findIndicator(r, ind.Code); err == nil {
		status = nethttp.StatusOK
	} else if luoshi.ErrorCode(err) != luoshi.ENotFound {
		h.fail(w, r, err)
		return
	}
	if err := h.cfg.Store.PutIndicators(r.Context(), []luoshi.Indicator{ind}, c.Name); err != nil {
		h.fail(w, r, err)
		return
	}
	stored, bs, err := h.findIndicator(r, ind.Code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n := 0
	for _, b := range bs {
		if b.Indicator == ind.Code {
			n++
		}
	}
	writeJSON(w, status, map[string]any{"indicator": indicatorOut{stored, n}})
}

// bindings is GET /api/v1/plans/{id}/indicator-bindings: which targets of
// the plan are bound to which indicator.
func (h *Handler) bindings(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	info, err := h.planID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	bs, err := h.cfg.Store.IndicatorBindings(r.Context(), info.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if bs == nil {
		bs = []luoshi.IndicatorBinding{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"bindings": bs})
}

// bindingsInput is the body of PUT /api/v1/plans/{id}/indicator-bindings.
type bindingsInput struct {
	Bindings *[]bindingInput `json:"bindings"`
}

type bindingInput struct {
	PlanID    *int64  `json:"plan_id"` // optional: the path's plan
	Target    *string `json:"target"`
	Indicator *string `json:"indicator"` // "" unbinds
}

// putBindings is PUT /api/v1/plans/{id}/indicator-bindings: bind targets
// of the plan to indicators, or unbind them (administrators only), all or
// none, once per Idempotency-Key.
func (h *Handler) putBindings(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	if !c.admin() {
		h.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "绑定指标须使用督查室的管理令牌（可写）；本令牌无此权限"))
		return
	}
	h.write(w, r, c, "PUT "+r.URL.EscapedPath(), h.storeBindings)
}

// storeBindings does the work of putBindings once. It checks every
// binding against the plan's targets and the indicators first, so that an
// error names the binding and field at fault; the store checks again in
// its transaction.
func (h *Handler) storeBindings(w nethttp.ResponseWriter, r *nethttp.Request, c caller, body []byte) {
	info, err := h.planID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in bindingsInput
	if err := decodeStrict(body, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.Bindings == nil {
		h.fail(w, r, &fieldError{"bindings", "缺少绑定列表（bindings）"})
		return
	}
	p, err := h.cfg.Store.Plan(r.Context(), info.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	units := map[string]string{}
	for _, t := range p.Targets {
		units[t.ID] = t.Unit
	}
	inds, err := h.cfg.Store.Indicators(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	byCode := map[string]luoshi.Indicator{}
	for _, ind := range inds {
		byCode[ind.Code] = ind
	}
	seen := map[string]int{}
	bs := make([]luoshi.IndicatorBinding, 0, len(*in.Bindings))
	for i, b := range *in.Bindings {
		at := fmt.Sprintf("bindings[%d].", i)
		if b.PlanID != nil && *b.PlanID != info.ID {
			h.fail(w, r, &fieldError{at + "plan_id", fmt.Sprintf("计划编号 %d 与路径中的 %d 不一致", *b.PlanID, info.ID)})
			return
		}
		if b.Target == nil || *b.Target == "" {
			h.fail(w, r, &fieldError{at + "target", "缺少目标编号（target）"})
			return
		}
		unit, ok := units[*b.Target]
		if !ok {
			h.fail(w, r, &fieldError{at + "target", fmt.Sprintf("计划 %d 没有目标 %s", info.ID, *b.Target)})
			return
		}
		if j, dup := seen[*b.Target]; dup {
			h.fail(w, r, &fieldError{at + "target", fmt.Sprintf("目标 %s 在第 %d 项已经出现", *b.Target, j+1)})
			return
		}
		seen[*b.Target] = i
		if b.Indicator == nil {
			h.fail(w, r, &fieldError{at + "indicator", "缺少指标编码（indicator）；解除绑定请传空字符串"})
			return
		}
		if code := *b.Indicator; code != "" {
			ind, ok := byCode[code]
			if !ok {
				h.fail(w, r, &fieldError{at + "indicator", fmt.Sprintf("没有编码为 %s 的指标", code)})
				return
			}
			if ind.Unit != unit {
				h.fail(w, r, &fieldError{at + "indicator", fmt.Sprintf("目标 %s 以「%s」计量，指标 %s（%s）以「%s」计量，不能绑定", *b.Target, unit, ind.Code, ind.Name, ind.Unit)})
				return
			}
		}
		bs = append(bs, luoshi.IndicatorBinding{PlanID: info.ID, Target: *b.Target, Indicator: *b.Indicator})
	}
	if err := h.cfg.Store.BindIndicators(r.Context(), bs, c.Name); err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.cfg.Store.IndicatorBindings(r.Context(), info.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if out == nil {
		out = []luoshi.IndicatorBinding{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"bindings": out})
}
