package http

import (
	nethttp "net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"luoshi"
	"luoshi/reports"
)

// indicatorRow is one indicator in the list of /indicators.
type indicatorRow struct {
	luoshi.Indicator
	Targets int // targets bound to it
	Values  int // values reported or derived, every region and period
}

// indicatorForm is what an administrator typed into the create or edit
// form of an indicator, with the store's answer if it refused it.
type indicatorForm struct {
	Code, Name, Unit, Kind, Aggregate, Note string
	Error                                   string
}

func formOf(ind luoshi.Indicator) indicatorForm {
	return indicatorForm{Code: ind.Code, Name: ind.Name, Unit: ind.Unit, Kind: ind.Kind, Aggregate: ind.Aggregate, Note: ind.Note}
}

func (f indicatorForm) indicator() luoshi.Indicator {
	return luoshi.Indicator{Code: f.Code, Name: f.Name, Unit: f.Unit, Kind: f.Kind, Aggregate: f.Aggregate, Note: f.Note}
}

// readIndicatorForm reads the fields of the create or edit form.
func readIndicatorForm(r *nethttp.Request) indicatorForm {
	return indicatorForm{
		Code:      strings.TrimSpace(r.PostFormValue("code")),
		Name:      strings.TrimSpace(r.PostFormValue("name")),
		Unit:      strings.TrimSpace(r.PostFormValue("unit")),
		Kind:      r.PostFormValue("kind"),
		Aggregate: r.PostFormValue("aggregate"),
		Note:      strings.TrimSpace(r.PostFormValue("note")),
	}
}

// indicatorKinds and indicatorAggregates are the choices of the forms.
var (
	indicatorKinds = []option{
		{luoshi.IndicatorCumulative, luoshi.Indicator{Kind: luoshi.IndicatorCumulative}.KindLabel()},
		{luoshi.IndicatorLevel, luoshi.Indicator{Kind: luoshi.IndicatorLevel}.KindLabel()},
	}
	indicatorAggregates = func() []option {
		var out []option
		for _, a := range []string{luoshi.AggSum, luoshi.AggAvg, luoshi.AggMax, luoshi.AggMin, luoshi.AggNone} {
			out = append(out, option{a, luoshi.Indicator{Aggregate: a}.AggregateLabel()})
		}
		return out
	}()
)

// mayAdminister reports whether the request may maintain indicators: with
// accounts, an administrator's session; without, the office identity. The
// store checks the role again.
func (s *Server) mayAdminister(r *nethttp.Request) bool { return s.mayPublish(r) }

// indicators is GET /indicators (指标): every indicator with its
// definition, how many targets are bound to it and how many values it has.
func (s *Server) indicators(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.renderIndicators(w, r, nethttp.StatusOK, nil)
}

func (s *Server) renderIndicators(w nethttp.ResponseWriter, r *nethttp.Request, status int, form *indicatorForm) {
	ctx := r.Context()
	inds, err := s.cfg.Store.Indicators(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bs, err := s.cfg.Store.IndicatorBindings(ctx, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.cfg.Store.IndicatorValues(ctx, luoshi.IndicatorValueFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	targets, values := map[string]int{}, map[string]int{}
	for _, b := range bs {
		targets[b.Indicator]++
	}
	for _, v := range vs {
		values[v.Indicator]++
	}
	rows := make([]indicatorRow, 0, len(inds))
	for _, ind := range inds {
		rows = append(rows, indicatorRow{ind, targets[ind.Code], values[ind.Code]})
	}
	if form == nil {
		form = &indicatorForm{Kind: luoshi.IndicatorCumulative, Aggregate: luoshi.AggSum}
	}
	s.render(w, r, status, "indicators", &page{Title: "指标", Nav: "indicators"}, map[string]any{
		"Rows": rows, "Admin": s.mayAdminister(r), "Form": form, "Kinds": indicatorKinds, "Aggregates": indicatorAggregates,
	})
}

// indicatorCreate is POST /indicators: an administrator adds an indicator.
// A code already in use is refused: PutIndicators would overwrite it.
func (s *Server) indicatorCreate(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.mayAdminister(r) {
		s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "只有督查室可以新建指标；当前身份为%s。", s.actor(r).Name))
		return
	}
	f := readIndicatorForm(r)
	if _, err := s.cfg.Store.Indicator(r.Context(), f.Code); err == nil {
		f.Error = "指标编码 " + f.Code + " 已被使用：请换一个编码，或到该指标的页面修改它。"
		s.renderIndicators(w, r, nethttp.StatusConflict, &f)
		return
	} else if luoshi.ErrorCode(err) != luoshi.ENotFound {
		s.fail(w, r, err)
		return
	}
	if err := s.cfg.Store.PutIndicators(r.Context(), []luoshi.Indicator{f.indicator()}, s.actor(r).Name); err != nil {
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		f.Error = userMessage(err)
		s.renderIndicators(w, r, statusOf(err), &f)
		return
	}
	redirect(w, r, "/indicators/"+url.PathEscape(f.Code), "created")
}

// boundRow is a target bound to the indicator shown.
type boundRow struct {
	PlanID                 int64
	PlanTitle              string
	Target, Text, Task     string
	Link                   string
	TargetUnit, TargetGoal string
}

// valueCell is one region's value of the indicator in one period.
type valueCell struct {
	Has        bool
	Value      string
	Derived    bool
	Parts      int
	UnitName   string // the unit that typed it
	Link       string // its report on the reporting form, if the reader may open it
	State      string
	StateLabel string
	At         string
}

// valueRow is one region's line of the values table.
type valueRow struct {
	Region, Name string
	Cells        []valueCell
}

// indicatorPage is what the indicator page shows besides the layout.
type indicatorPage struct {
	Ind        luoshi.Indicator
	Bound      []boundRow
	Periods    []string
	Rows       []valueRow
	Admin      bool
	Edit       indicatorForm
	Kinds      []option
	Aggregates []option
	// The bind form: the plans to choose from, the chosen one, and its
	// targets measured in the indicator's unit and not yet bound to it.
	Plans     []luoshi.PlanInfo
	BindPlan  int64
	Targets   []option
	BindError string
}

// indicator is GET /indicators/{code}: the definition, the targets bound
// to it, and its values by region and period.
func (s *Server) indicator(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.renderIndicator(w, r, nethttp.StatusOK, nil, "", 0)
}

// stateWord names the state of an indicator value.
func stateWord(state string) string {
	switch state {
	case luoshi.StateApproved:
		return "已审核"
	case luoshi.StateSubmitted:
		return "已报送"
	}
	return stateLabel(state)
}

func (s *Server) renderIndicator(w nethttp.ResponseWriter, r *nethttp.Request, status int, edit *indicatorForm, bindErr string, bindPlan int64) {
	ctx := r.Context()
	ind, err := s.cfg.Store.Indicator(ctx, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := indicatorPage{Ind: ind, Admin: s.mayAdminister(r), Kinds: indicatorKinds, Aggregates: indicatorAggregates, BindError: bindErr}
	if edit != nil {
		d.Edit = *edit
	} else {
		d.Edit = formOf(ind)
	}
	units, err := s.cfg.Store.Units(ctx, luoshi.UnitFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unitByCode := make(map[string]luoshi.Unit, len(units))
	for _, u := range units {
		unitByCode[u.Code] = u
	}
	bs, err := s.cfg.Store.IndicatorBindings(ctx, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	plans := map[int64]*luoshi.Plan{}
	plan := func(id int64) (*luoshi.Plan, error) {
		if p, ok := plans[id]; ok {
			return p, nil
		}
		p, err := s.cfg.Store.Plan(ctx, id)
		if err != nil {
			return nil, err
		}
		plans[id] = p
		return p, nil
	}
	infos, err := s.cfg.Store.Plans(ctx, luoshi.PlanFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	infoByID := map[int64]luoshi.PlanInfo{}
	for _, pi := range infos {
		infoByID[pi.ID] = pi
	}
	// Regions that owe a value: the region of every plan with a bound
	// target, and every region holding a quota of one.
	owes := map[string]bool{}
	boundHere := map[string]bool{} // plan|target bound to this indicator
	boundTo := map[string]string{} // plan|target → indicator, any
	for _, b := range bs {
		key := strconv.FormatInt(b.PlanID, 10) + "|" + b.Target
		boundTo[key] = b.Indicator
		if b.Indicator != ind.Code {
			continue
		}
		boundHere[key] = true
		p, err := plan(b.PlanID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		br := boundRow{PlanID: b.PlanID, PlanTitle: infoByID[b.PlanID].Title, Target: b.Target}
		if br.PlanTitle == "" {
			br.PlanTitle = p.Title
		}
		for _, t := range p.Targets {
			if t.ID == b.Target {
				br.Text = strings.TrimSpace(t.Object + " " + t.Text)
				br.Task = t.Commitment
				br.Link = "/tasks/" + url.PathEscape(t.Commitment) + "?plan=" + strconv.FormatInt(b.PlanID, 10)
			}
		}
		d.Bound = append(d.Bound, br)
		if reg := infoByID[b.PlanID].Region; reg != "" {
			owes[reg] = true
		}
		qs, err := s.cfg.Store.Quotas(ctx, b.PlanID, b.Target)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, q := range qs {
			owes[q.Unit] = true
		}
	}
	vs, err := s.cfg.Store.IndicatorValues(ctx, luoshi.IndicatorValueFilter{Indicator: ind.Code})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := s.actor(r)
	byKey := map[string]luoshi.IndicatorValue{}
	periodSeen := map[string]bool{}
	regions := map[string]bool{}
	for _, v := range vs {
		byKey[v.Region+"|"+v.Period] = v
		if !periodSeen[v.Period] {
			periodSeen[v.Period] = true
			d.Periods = append(d.Periods, v.Period)
		}
		regions[v.Region] = true
	}
	sort.Strings(d.Periods)
	if len(vs) > 0 {
		// Regions that owe a value but have none show as gaps only once
		// something is reported.
		for reg := range owes {
			if unitByCode[reg].IsRegion() {
				regions[reg] = true
			}
		}
	}
	codes := make([]string, 0, len(regions))
	for reg := range regions {
		codes = append(codes, reg)
	}
	sort.Slice(codes, func(i, j int) bool {
		di, dj := regionOrder(unitByCode[codes[i]].Kind), regionOrder(unitByCode[codes[j]].Kind)
		if di != dj {
			return di < dj
		}
		return codes[i] < codes[j]
	})
	for _, reg := range codes {
		row := valueRow{Region: reg, Name: reg}
		if u, ok := unitByCode[reg]; ok {
			row.Name = u.Name
		}
		for _, per := range d.Periods {
			v, ok := byKey[reg+"|"+per]
			if !ok {
				row.Cells = append(row.Cells, valueCell{})
				continue
			}
			c := valueCell{Has: true, Value: v.Value.String(), Derived: v.Derived(), Parts: v.Parts, State: v.State, StateLabel: stateWord(v.State),
				At: v.At.In(reports.CST).Format("2006-01-02")}
			if !c.Derived {
				c.UnitName = v.Unit
				if u, ok := unitByCode[v.Unit]; ok {
					c.UnitName = u.Name
				}
				if a.Office() || a.Unit == v.Unit {
					q := url.Values{"plan": {strconv.FormatInt(v.PlanID, 10)}, "period": {v.Period}}
					if a.Office() {
						q.Set("unit", v.Unit)
					}
					c.Link = "/report?" + q.Encode() + "#item-" + v.Item
				}
			}
			row.Cells = append(row.Cells, c)
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Admin {
		d.Plans = infos
		sort.SliceStable(d.Plans, func(i, j int) bool {
			if d.Plans[i].Year != d.Plans[j].Year {
				return d.Plans[i].Year > d.Plans[j].Year
			}
			return d.Plans[i].ID < d.Plans[j].ID
		})
		d.BindPlan = bindPlan
		if d.BindPlan == 0 {
			if id, err := strconv.ParseInt(r.URL.Query().Get("bindplan"), 10, 64); err == nil {
				d.BindPlan = id
			}
		}
		if _, ok := infoByID[d.BindPlan]; !ok {
			d.BindPlan = 0
			if id, err := s.planID(ctx, r); err == nil {
				d.BindPlan = id
			}
		}
		if d.BindPlan != 0 {
			p, err := plan(d.BindPlan)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, t := range p.Targets {
				key := strconv.FormatInt(d.BindPlan, 10) + "|" + t.ID
				if t.Unit != ind.Unit || boundHere[key] {
					continue
				}
				label := t.ID + " " + strings.TrimSpace(t.Object+" "+t.Text)
				if other := boundTo[key]; other != "" {
					label += "（现绑定 " + other + "，将改绑）"
				}
				d.Targets = append(d.Targets, option{t.ID, label})
			}
		}
	}
	s.render(w, r, status, "indicator", &page{Title: "指标 " + ind.Code + " " + ind.Name, Nav: "indicators"}, d)
}

// regionOrder puts the province first, then cities, then counties, then
// anything else.
func regionOrder(kind string) int {
	if l := luoshi.RegionLevel(kind); l > 0 {
		return l
	}
	return 4
}

// requireAdminister fails the request unless it may maintain indicators.
func (s *Server) requireAdminister(w nethttp.ResponseWriter, r *nethttp.Request, what string) bool {
	if s.mayAdminister(r) {
		return true
	}
	s.fail(w, r, luoshi.Errorf(luoshi.EForbidden, "只有督查室可以%s；当前身份为%s。", what, s.actor(r).Name))
	return false
}

// indicatorEdit is POST /indicators/{code}: an administrator changes an
// indicator's name, unit, kind, aggregate or note.
func (s *Server) indicatorEdit(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.requireAdminister(w, r, "修改指标") {
		return
	}
	code := r.PathValue("code")
	if _, err := s.cfg.Store.Indicator(r.Context(), code); err != nil {
		s.fail(w, r, err)
		return
	}
	f := readIndicatorForm(r)
	f.Code = code
	if err := s.cfg.Store.PutIndicators(r.Context(), []luoshi.Indicator{f.indicator()}, s.actor(r).Name); err != nil {
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		f.Error = userMessage(err)
		s.renderIndicator(w, r, statusOf(err), &f, "", 0)
		return
	}
	s.views.forget()
	redirect(w, r, "/indicators/"+url.PathEscape(code), "edited")
}

// postedTarget reads the plan and target of a bind or unbind form.
func postedTarget(r *nethttp.Request) (int64, string, error) {
	id, err := strconv.ParseInt(r.PostFormValue("plan"), 10, 64)
	if err != nil || id <= 0 {
		return 0, "", luoshi.Errorf(luoshi.EInvalid, "请选择计划")
	}
	target := strings.TrimSpace(r.PostFormValue("target"))
	if target == "" {
		return id, "", luoshi.Errorf(luoshi.EInvalid, "请选择要绑定的目标")
	}
	return id, target, nil
}

// indicatorBind is POST /indicators/{code}/bind: an administrator binds a
// target of a plan to the indicator. The store refuses a target measured in
// another unit; its message shows beside the form.
func (s *Server) indicatorBind(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.requireAdminister(w, r, "绑定指标") {
		return
	}
	code := r.PathValue("code")
	if _, err := s.cfg.Store.Indicator(r.Context(), code); err != nil {
		s.fail(w, r, err)
		return
	}
	planID, target, err := postedTarget(r)
	if err == nil {
		err = s.cfg.Store.BindIndicators(r.Context(), []luoshi.IndicatorBinding{{PlanID: planID, Target: target, Indicator: code}}, s.actor(r).Name)
	}
	if err != nil {
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		s.renderIndicator(w, r, statusOf(err), nil, userMessage(err), planID)
		return
	}
	s.views.forget()
	redirect(w, r, "/indicators/"+url.PathEscape(code)+"?bindplan="+strconv.FormatInt(planID, 10)+"#bound", "bound")
}

// indicatorUnbind is POST /indicators/{code}/unbind: an administrator
// unbinds a target from the indicator.
func (s *Server) indicatorUnbind(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.requireAdminister(w, r, "解除指标绑定") {
		return
	}
	code := r.PathValue("code")
	planID, target, err := postedTarget(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bs, err := s.cfg.Store.IndicatorBindings(r.Context(), planID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bound := false
	for _, b := range bs {
		bound = bound || b.Target == target && b.Indicator == code
	}
	if !bound {
		s.fail(w, r, notFound("计划 %d 的目标 %s 没有绑定指标 %s", planID, target, code))
		return
	}
	if err := s.cfg.Store.BindIndicators(r.Context(), []luoshi.IndicatorBinding{{PlanID: planID, Target: target}}, s.actor(r).Name); err != nil {
		s.fail(w, r, err)
		return
	}
	s.views.forget()
	redirect(w, r, "/indicators/"+url.PathEscape(code)+"#bound", "unbound")
}
