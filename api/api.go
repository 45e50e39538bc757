// Package api is luoshi's system API: versioned JSON under /api/v1 for
// other systems (a city's own platform, a statistics bureau's database) to
// read plans, their commitments and targets, alerts and progress, and the
// indicators (指标) of 报表通 with their bindings and values; to submit
// progress; and, with an administrator's token, to maintain indicators and
// bind targets to them. An OpenAPI 3 document is at /api/openapi.json.
//
// Every call carries a bearer token: an API token of the accounts store
// (auth.APIToken, looked up by its hash) or one of the tokens configured
// for the deployment. Errors are JSON:
//
//	{"error": {"code": "invalid", "message": "…", "field": "value"}}
//
// with the codes of package luoshi (invalid, not_found, forbidden,
// conflict, internal) and unauthorized, too_large and unsupported for what
// only HTTP knows.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"luoshi"
	"luoshi/auth"
	"luoshi/decimal"
	"luoshi/httperr"
)

//go:embed openapi.json
var openapiDoc []byte

// TokenLookup finds an API token by the hash auth.APITokenHash returns;
// *sqlauth.Store fits.
type TokenLookup interface {
	APIToken(ctx context.Context, hash string) (auth.APIToken, error)
}

// StaticToken is a token configured for the deployment, for systems that
// call before accounts exist.
type StaticToken struct {
	Token  string // at least 16 characters
	Name   string // who uses it, for the reports' history
	Unit   string // the unit it acts for; "" for the supervision office (every unit)
	Report bool   // may submit progress (else read only)
}

// Config is what the API needs.
type Config struct {
	Store  luoshi.Store
	Tokens TokenLookup   // may be nil
	Static []StaticToken // may be empty
	// Idempotency remembers the answers to POSTs by Idempotency-Key;
	// NewMemoryIdempotency(24h, 100000) when nil.
	Idempotency Idempotency
	Now         func() time.Time // time.Now when nil
	// MaxBody bounds a request body, in bytes; 64 KiB when zero.
	MaxBody int64
	Logger  *slog.Logger
}

// route is one operation the API serves; the OpenAPI document must list
// exactly these.
type route struct {
	Method, Path string
	handle       func(h *Handler, w nethttp.ResponseWriter, r *nethttp.Request, c caller)
}

// routes are the operations, in the OpenAPI document's path syntax.
var routes = []route{
	{"GET", "/api/v1/plans", (*Handler).plans},
	{"GET", "/api/v1/plans/{id}", (*Handler).plan},
	{"GET", "/api/v1/plans/{id}/alerts", (*Handler).alerts},
	{"GET", "/api/v1/plans/{id}/progress", (*Handler).progress},
	{"POST", "/api/v1/plans/{id}/progress", (*Handler).submit},
	{"GET", "/api/v1/plans/{id}/indicator-bindings", (*Handler).bindings},
	{"PUT", "/api/v1/plans/{id}/indicator-bindings", (*Handler).putBindings},
	{"GET", "/api/v1/indicators", (*Handler).indicators},
	{"GET", "/api/v1/indicators/{code}", (*Handler).indicator},
	{"PUT", "/api/v1/indicators/{code}", (*Handler).putIndicator},
	{"GET", "/api/v1/indicators/{code}/values", (*Handler).indicatorValues},
}

// Handler serves the API.
type Handler struct {
	cfg Config
	mux *nethttp.ServeMux
}

// New returns the API handler; it serves /api/openapi.json and /api/v1/….
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: a store is required")
	}
	for _, t := range cfg.Static {
		if len(t.Token) < 16 {
			return nil, fmt.Errorf("api: configured token %q is shorter than 16 characters", t.Name)
		}
	}
	if cfg.Idempotency == nil {
		cfg.Idempotency = NewMemoryIdempotency(24*time.Hour, 100000)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{cfg: cfg, mux: nethttp.NewServeMux()}
	h.mux.HandleFunc("GET /api/openapi.json", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openapiDoc)
	})
	for _, rt := range routes {
		h.mux.HandleFunc(rt.Method+" "+rt.Path, func(w nethttp.ResponseWriter, r *nethttp.Request) {
			c, err := h.authenticate(r)
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="luoshi"`)
				writeError(w, nethttp.StatusUnauthorized, "unauthorized", err.Error(), "")
				return
			}
			rt.handle(h, w, c.scoped(r), c)
		})
	}
	h.mux.HandleFunc("/api/", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		for _, rt := range routes {
			if pathMatches(rt.Path, r.URL.Path) {
				w.Header().Set("Allow", allowed(r.URL.Path))
				writeError(w, nethttp.StatusMethodNotAllowed, "unsupported", "此接口不支持 "+r.Method+" 方法", "")
				return
			}
		}
		writeError(w, nethttp.StatusNotFound, luoshi.ENotFound, "没有这个接口："+r.URL.Path, "")
	})
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w nethttp.ResponseWriter, r *nethttp.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

func pathMatches(pattern, path string) bool {
	ps, qs := strings.Split(pattern, "/"), strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(ps) != len(qs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != qs[i] {
			return false
		}
	}
	return true
}

func allowed(path string) string {
	var ms []string
	for _, rt := range routes {
		if pathMatches(rt.Path, path) {
			ms = append(ms, rt.Method)
		}
	}
	return strings.Join(ms, ", ")
}

// caller is who makes a request.
type caller struct {
	Name   string
	Unit   string // "" for the supervision office
	Report bool
}

func (c caller) office() bool { return c.Unit == "" }

// authenticate finds the caller of a request from its bearer token.
func (h *Handler) authenticate(r *nethttp.Request) (caller, error) {
	tok := auth.BearerToken(r)
	if tok == "" {
		return caller{}, errors.New("缺少访问令牌：请在请求头中提供 Authorization: Bearer <令牌>")
	}
	for _, t := range h.cfg.Static {
		if len(tok) == len(t.Token) && subtleEqual(tok, t.Token) {
			return caller{Name: t.Name, Unit: t.Unit, Report: t.Report}, nil
		}
	}
	if h.cfg.Tokens != nil {
		if hash, err := auth.APITokenHash(tok); err == nil {
			t, err := h.cfg.Tokens.APIToken(r.Context(), hash)
			if err == nil {
				if err := t.Usable(h.cfg.Now()); err != nil {
					return caller{}, err
				}
				return caller{Name: "API令牌 " + t.Name, Unit: t.Unit, Report: t.Scope == auth.ScopeReport}, nil
			}
			if luoshi.ErrorCode(err) != luoshi.ENotFound {
				h.cfg.Logger.Error("api token lookup", "err", err)
			}
		}
	}
	return caller{}, errors.New("访问令牌无效、已过期或已被吊销")
}

// subtleEqual compares two strings of equal length in constant time.
func subtleEqual(a, b string) bool {
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// apiError is the body of every error answer.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeJSON(w nethttp.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, nethttp.StatusInternalServerError, luoshi.EInternal, "服务器内部错误", "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w nethttp.ResponseWriter, status int, code, msg, field string) {
	b, _ := json.Marshal(apiError{errorBody{Code: code, Message: msg, Field: field}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// fieldError is an EInvalid error about one field of a request.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// fail answers err: its field and message for a field error, its code and
// message for a luoshi error, a generic message (and a log line) for
// anything else.
func (h *Handler) fail(w nethttp.ResponseWriter, r *nethttp.Request, err error) {
	var fe *fieldError
	if errors.As(err, &fe) {
		writeError(w, nethttp.StatusBadRequest, luoshi.EInvalid, fe.msg, fe.field)
		return
	}
	code := luoshi.ErrorCode(err)
	var le *luoshi.Error
	if code == luoshi.EInternal || !errors.As(err, &le) {
		h.cfg.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, nethttp.StatusInternalServerError, luoshi.EInternal, "服务器内部错误，请稍后重试", "")
		return
	}
	writeError(w, httperr.Status(err), code, le.Message, "")
}

// planID reads the {id} of the path and checks the plan exists.
func (h *Handler) planID(r *nethttp.Request) (luoshi.PlanInfo, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return luoshi.PlanInfo{}, &fieldError{"id", "计划编号须为正整数"}
	}
	return h.cfg.Store.PlanInfo(r.Context(), id)
}

// plans is GET /api/v1/plans?year=&region=: the newest version of every
// plan.
func (h *Handler) plans(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	f := luoshi.PlanFilter{Latest: true, Region: r.URL.Query().Get("region")}
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 2200 {
			h.fail(w, r, &fieldError{"year", "年度须为四位数字，例如 2025"})
			return
		}
		f.Year = n
	}
	ps, err := h.cfg.Store.Plans(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ps == nil {
		ps = []luoshi.PlanInfo{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"plans": ps})
}

// commitmentOut is a commitment with who answers for it.
type commitmentOut struct {
	ID      string   `json:"id"`
	Section string   `json:"section"`
	Text    string   `json:"text"`
	Lead    string   `json:"lead_unit,omitempty"`
	Co      []string `json:"co_units,omitempty"`
	Targets []string `json:"targets"`
}

// plan is GET /api/v1/plans/{id}: the plan with its commitments, targets
// and periods.
func (h *Handler) plan(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	info, err := h.planID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.cfg.Store.Plan(r.Context(), info.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	as, err := h.cfg.Store.Assignments(r.Context(), info.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ps, err := h.cfg.Store.Periods(r.Context(), info.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lead := map[string]luoshi.Assignment{}
	for _, a := range as {
		lead[a.Commitment] = a
	}
	cs := make([]commitmentOut, 0, len(p.Commitments))
	for _, cm := range p.Commitments {
		o := commitmentOut{ID: cm.ID, Section: cm.Section, Text: cm.Text, Lead: lead[cm.ID].Lead, Co: lead[cm.ID].Co, Targets: []string{}}
		for _, i := range cm.Targets {
			if i >= 0 && i < len(p.Targets) {
				o.Targets = append(o.Targets, p.Targets[i].ID)
			}
		}
		cs = append(cs, o)
	}
	ts := p.Targets
	if ts == nil {
		ts = []luoshi.Target{}
	}
	if ps == nil {
		ps = []luoshi.Period{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"plan": info, "commitments": cs, "targets": ts, "periods": ps})
}

// alerts is GET /api/v1/plans/{id}/alerts?unit=&kind=&open=: a unit's
// token sees its own alerts only.
func (h *Handler) alerts(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	info, err := h.planID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := luoshi.AlertFilter{PlanID: info.ID, Unit: q.Get("unit"), Kind: q.Get("kind")}
	if o := q.Get("open"); o != "" {
		b, err := strconv.ParseBool(o)
		if err != nil {
			h.fail(w, r, &fieldError{"open", "open 须为 true 或 false"})
			return
		}
		f.Open = b
	}
	if !c.office() {
		if f.Unit != "" && f.Unit != c.Unit {
			h.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "本令牌只能查看本单位（%s）的预警", c.Unit))
			return
		}
		f.Unit = c.Unit
	}
	as, err := h.cfg.Store.Alerts(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if as == nil {
		as = []luoshi.Alert{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"alerts": as})
}

// progress is GET /api/v1/plans/{id}/progress?unit=&period=&item=&state=.
func (h *Handler) progress(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	info, err := h.planID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := luoshi.ProgressFilter{PlanID: info.ID, Unit: q.Get("unit"), Period: q.Get("period"), Item: q.Get("item"), State: q.Get("state")}
	if !c.office() {
		if f.Unit != "" && f.Unit != c.Unit {
			h.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "本令牌只能查看本单位（%s）的填报", c.Unit))
			return
		}
		f.Unit = c.Unit
	}
	ps, err := h.cfg.Store.ListProgress(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ps == nil {
		ps = []luoshi.Progress{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"progress": ps})
}

// submission is the body of POST /api/v1/plans/{id}/progress.
type submission struct {
	Item      *string         `json:"item"`
	Unit      *string         `json:"unit"`
	Period    *string         `json:"period"`
	Value     json.RawMessage `json:"value"`
	ValueUnit *string         `json:"value_unit"`
	Narrative *string         `json:"narrative"`
	Submit    *bool           `json:"submit"`
}

// MaxNarrative is the most characters a narrative may have.
const MaxNarrative = 2000

// decodeStrict decodes body, one JSON object without unknown fields, into
// v; its errors are field errors.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return &fieldError{te.Field, fmt.Sprintf("字段类型错误：应为 %s", jsonType(te.Type.String()))}
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return &fieldError{"", "请求体不是有效的 JSON 对象"}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &fieldError{f, "未知字段：" + f}
		}
		return &fieldError{"", "请求体不是有效的 JSON 对象"}
	}
	if dec.More() {
		return &fieldError{"", "请求体只能包含一个 JSON 对象"}
	}
	return nil
}

// decode reads and checks a submission.
func decode(body []byte) (submission, decimal.Decimal, error) {
	var s submission
	var zero decimal.Decimal
	if err := decodeStrict(body, &s); err != nil {
		return s, zero, err
	}
	need := func(p *string, field, what string) error {
		if p == nil || strings.TrimSpace(*p) == "" {
			return &fieldError{field, "缺少" + what}
		}
		if len(*p) > 200 || !utf8.ValidString(*p) {
			return &fieldError{field, what + "过长或含有无效字符"}
		}
		return nil
	}
	if err := need(s.Item, "item", "事项编号（item）"); err != nil {
		return s, zero, err
	}
	if err := need(s.Period, "period", "填报周期（period）"); err != nil {
		return s, zero, err
	}
	if err := need(s.ValueUnit, "value_unit", "计量单位（value_unit）"); err != nil {
		return s, zero, err
	}
	if len(s.Value) == 0 || string(s.Value) == "null" {
		return s, zero, &fieldError{"value", "缺少累计完成值（value）"}
	}
	raw := string(s.Value)
	if strings.HasPrefix(raw, `"`) {
		if err := json.Unmarshal(s.Value, &raw); err != nil {
			return s, zero, &fieldError{"value", "累计完成值须为数字或数字字符串"}
		}
	}
	if len(raw) > 64 {
		return s, zero, &fieldError{"value", "累计完成值过长"}
	}
	v, err := decimal.Parse(strings.TrimSpace(raw))
	if err != nil {
		return s, zero, &fieldError{"value", "累计完成值须为数字，例如 12.5 或 \"12.5\""}
	}
	if v.Sign() < 0 {
		return s, zero, &fieldError{"value", "累计完成值不能为负数"}
	}
	if s.Narrative != nil && (utf8.RuneCountInString(*s.Narrative) > MaxNarrative || !utf8.ValidString(*s.Narrative)) {
		return s, zero, &fieldError{"narrative", fmt.Sprintf("进展情况说明不能超过 %d 字", MaxNarrative)}
	}
	if s.Unit != nil && len(*s.Unit) > 200 {
		return s, zero, &fieldError{"unit", "单位代码过长"}
	}
	return s, v, nil
}

// jsonType names a Go type as JSON calls it.
func jsonType(t string) string {
	switch {
	case t == "string" || t == "*string":
		return "字符串"
	case t == "bool" || t == "*bool":
		return "true 或 false"
	case strings.Contains(t, "int") || strings.Contains(t, "float"):
		return "数字"
	}
	return "JSON 对象"
}

// submit is POST /api/v1/plans/{id}/progress: save (or, with "submit":
// true, submit) a unit's report, once per Idempotency-Key (see write).
func (h *Handler) submit(w nethttp.ResponseWriter, r *nethttp.Request, c caller) {
	if !c.Report {
		h.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "本令牌只有只读权限，不能填报"))
		return
	}
	h.write(w, r, c, r.PathValue("id"), h.save)
}

// write reads the JSON body of a write (at most MaxBody bytes) and hands
// it to do. With an Idempotency-Key header, the same key and body answer
// the first answer again without writing; the same key with another body,
// or on another operation, is a conflict. scope names the operation in the
// body's hash.
func (h *Handler) write(w nethttp.ResponseWriter, r *nethttp.Request, c caller, scope string,
	do func(w nethttp.ResponseWriter, r *nethttp.Request, c caller, body []byte)) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		writeError(w, nethttp.StatusUnsupportedMediaType, "unsupported", "请求体须为 application/json", "")
		return
	}
	body, err := io.ReadAll(nethttp.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		var me *nethttp.MaxBytesError
		if errors.As(err, &me) {
			writeError(w, nethttp.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("请求体超过 %d 字节的上限", h.cfg.MaxBody), "")
			return
		}
		h.fail(w, r, &fieldError{"", "请求体读取失败"})
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		h.fail(w, r, &fieldError{"Idempotency-Key", "Idempotency-Key 不能超过 200 个字符"})
		return
	}
	var idem string
	if key != "" {
		sum := sha256.Sum256(append([]byte(scope+"\x00"), body...))
		idem = c.Name + "\x00" + c.Unit + "\x00" + key
		prior, ok, err := h.cfg.Idempotency.Begin(r.Context(), idem, hex.EncodeToString(sum[:]))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if ok {
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(prior.Status)
			w.Write(prior.Body)
			return
		}
	}
	rec := &recorder{ResponseWriter: w}
	do(rec, r, c, body)
	if idem != "" {
		if rec.status >= 500 {
			h.cfg.Idempotency.Abandon(r.Context(), idem)
		} else {
			h.cfg.Idempotency.Finish(r.Context(), idem, Answer{Status: rec.status, Body: rec.body.Bytes()})
		}
	}
}

// save does the work of submit once.
func (h *Handler) save(w nethttp.ResponseWriter, r *nethttp.Request, c caller, body []byte) {
	info, err := h.planID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, v, err := decode(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	unit := c.Unit
	if s.Unit != nil && *s.Unit != "" {
		if !c.office() && *s.Unit != c.Unit {
			h.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "本令牌只能填报本单位（%s）的进展", c.Unit))
			return
		}
		unit = *s.Unit
	}
	if unit == "" {
		h.fail(w, r, &fieldError{"unit", "督查室令牌须注明填报单位（unit）"})
		return
	}
	in := luoshi.ProgressInput{PlanID: info.ID, Item: *s.Item, Unit: unit, Period: *s.Period, Value: v, ValueUnit: *s.ValueUnit, By: c.Name}
	if s.Narrative != nil {
		in.Narrative = strings.TrimSpace(*s.Narrative)
	}
	if s.Submit != nil {
		in.Submit = *s.Submit
	}
	p, err := h.cfg.Store.SaveProgress(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusCreated, map[string]any{"progress": p})
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	nethttp.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = nethttp.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Routes returns the operations the handler serves, as "METHOD /path" in
// the OpenAPI document's path syntax.
func Routes() []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.Method + " " + r.Path
	}
	return out
}
