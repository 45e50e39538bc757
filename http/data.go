package http

import (
	"context"
	nethttp "net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"luoshi"
	"luoshi/auth"
	"luoshi/catalog"
	"luoshi/monitor"
	"luoshi/reports"
)

// view is one plan judged at the server's clock: what most pages show.
type view struct {
	Info        luoshi.PlanInfo
	Plan        *luoshi.Plan
	In          *luoshi.StatusInput
	Report      *monitor.Report
	Units       map[string]luoshi.Unit
	Lead        map[string]luoshi.Assignment // by commitment
	Commitment  map[string]int               // index into Plan.Commitments
	Target      map[string]int               // index into Plan.Targets
	CStatus     map[string]monitor.ItemStatus
	TStatus     map[string]monitor.ItemStatus
	SectionName map[string]string
	Demo        bool
	cat         *catalog.Catalog

	alertsOnce sync.Once
	alertKeys  map[string]bool // keys of the alerts a scan finds now

	regionsOnce sync.Once
	regions     []figure
	byPlans     bool
	regionsErr  error
}

// planID picks the plan a request is about: ?plan=, else the latest plan of
// the province.
func (s *Server) planID(ctx context.Context, r *nethttp.Request) (int64, error) {
	if v := r.URL.Query().Get("plan"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return 0, luoshi.Errorf(luoshi.EInvalid, "计划编号 %q 无效", v)
		}
		return id, nil
	}
	ps, err := s.cfg.Store.Plans(ctx, luoshi.PlanFilter{Region: reports.Province, Latest: true})
	if err != nil {
		return 0, err
	}
	if len(ps) == 0 {
		return 0, notFound("还没有已发布的计划：请先在“计划导入”中导入并发布政府工作报告。")
	}
	var best luoshi.PlanInfo
	for _, p := range ps {
		if p.Region == reports.Province && (p.Year > best.Year || p.Year == best.Year && p.ID > best.ID) {
			best = p
		}
	}
	if best.ID == 0 {
		return 0, notFound("还没有已发布的省级计划：请先在“计划导入”中导入并发布政府工作报告。")
	}
	return best.ID, nil
}

// viewCache keeps judged plans for Config.ViewTTL, one per plan and read
// scope: the store gives a principal limited to units only its units'
// reports (StatusInput), so a view judged for one scope is never served to
// another.
type viewCache struct {
	mu sync.Mutex
	m  map[viewKey]cachedView
}

// viewKey names a cached view: the plan and the read scope it was judged
// for.
type viewKey struct {
	plan  int64
	scope string
}

// scopeKey is the read scope of ctx's principal as a cache key: "*" for
// the unscoped store (no principal: the open pages, whose /as identities
// all read as the office) and for principals who see every unit, else the
// sorted, deduplicated unit codes (empty for a principal who sees none).
func scopeKey(ctx context.Context) string {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return "*"
	}
	all, units := p.ReadScope()
	if all {
		return "*"
	}
	slices.Sort(units)
	return "units:" + strings.Join(slices.Compact(units), ",")
}

type cachedView struct {
	v  *view
	at time.Time
}

// forget drops every cached view: a write of this server changed them.
func (c *viewCache) forget() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// load reads and judges the plan a request is about, or reuses a view of it
// judged less than ViewTTL ago for the same read scope. Views are read-only
// once built.
func (s *Server) load(r *nethttp.Request) (*view, error) {
	ctx := r.Context()
	id, err := s.planID(ctx, r)
	if err != nil {
		return nil, err
	}
	if s.cfg.ViewTTL <= 0 {
		return s.judge(ctx, id)
	}
	key := viewKey{id, scopeKey(ctx)}
	s.views.mu.Lock()
	c, ok := s.views.m[key]
	s.views.mu.Unlock()
	if ok && time.Since(c.at) < s.cfg.ViewTTL {
		return c.v, nil
	}
	start := time.Now()
	v, err := s.judge(ctx, id)
	if err != nil {
		return nil, err
	}
	s.views.mu.Lock()
	if s.views.m == nil {
		s.views.m = map[viewKey]cachedView{}
	}
	s.views.m[key] = cachedView{v, start}
	s.views.mu.Unlock()
	return v, nil
}

// judge reads plan id with everything its judgement needs and judges it at
// the server's clock.
func (s *Server) judge(ctx context.Context, id int64) (*view, error) {
	in, err := s.cfg.Store.StatusInput(ctx, id)
	if err != nil {
		return nil, err
	}
	info, err := s.cfg.Store.PlanInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	us, err := s.cfg.Store.Units(ctx, luoshi.UnitFilter{})
	if err != nil {
		return nil, err
	}
	v := &view{Info: info, Plan: in.Plan, In: in, Report: monitor.Judge(in, s.cfg.Now(), s.cfg.Monitor),
		Units: make(map[string]luoshi.Unit, len(us)), cat: s.cfg.Catalog, Lead: map[string]luoshi.Assignment{},
		Commitment: map[string]int{}, Target: map[string]int{}, CStatus: map[string]monitor.ItemStatus{},
		TStatus: map[string]monitor.ItemStatus{}, SectionName: map[string]string{}}
	for _, u := range us {
		v.Units[u.Code] = u
	}
	for _, a := range in.Assignments {
		v.Lead[a.Commitment] = a
	}
	for i, c := range in.Plan.Commitments {
		v.Commitment[c.ID] = i
	}
	for i, t := range in.Plan.Targets {
		v.Target[t.ID] = i
	}
	for _, st := range v.Report.Commitments {
		v.CStatus[st.Item] = st
	}
	for _, st := range v.Report.Targets {
		v.TStatus[st.Item] = st
	}
	for _, sec := range in.Plan.Sections {
		v.SectionName[sec.ID] = strings.TrimSpace(sec.Number + " " + sec.Title)
	}
	for i := range in.Progress {
		if in.Progress[i].CreatedBy == reports.DemoBy {
			v.Demo = true
			break
		}
	}
	return v, nil
}

// page returns the layout data for a page about v.
func (s *Server) pageFor(r *nethttp.Request, v *view, title, nav string) *page {
	p := &page{Title: title, Nav: nav, Actor: s.actor(r), AsOf: s.cfg.Now()}
	if v != nil {
		p.Demo = v.Demo
		p.Period = v.Report.DuePeriod
	}
	return p
}

// unitName returns a unit's name for display.
func (v *view) unitName(code string) string {
	if u, ok := v.Units[code]; ok {
		if u.Kind == luoshi.UnitDepartment {
			if c, ok := v.cat.Lookup(u.Name); ok {
				return c.Label()
			}
		}
		return u.Name
	}
	if code == "" {
		return "未分配"
	}
	return monitor.ShortKey(code)
}

// row is a commitment as the task list and other tables show it.
type row struct {
	ID, Text, Section, SectionName, Lead, LeadName string
	Co                                             []string
	Targets                                        []luoshi.Target
	Status                                         monitor.ItemStatus
}

func (v *view) row(c luoshi.Commitment) row {
	a := v.Lead[c.ID]
	rw := row{ID: c.ID, Text: c.Text, Section: c.Section, SectionName: v.SectionName[c.Section], Lead: a.Lead, LeadName: v.unitName(a.Lead), Status: v.CStatus[c.ID]}
	for _, co := range a.Co {
		rw.Co = append(rw.Co, v.unitName(co))
	}
	for _, ti := range c.Targets {
		if ti >= 0 && ti < len(v.Plan.Targets) {
			rw.Targets = append(rw.Targets, v.Plan.Targets[ti])
		}
	}
	return rw
}

// topSections returns the level-1 sections that hold commitments, in order.
func (v *view) planSections() []luoshi.Section {
	has := map[string]bool{}
	for _, c := range v.Plan.Commitments {
		has[c.Section] = true
		if i := strings.IndexByte(c.Section, '.'); i > 0 {
			has[c.Section[:i]] = true
		}
	}
	var out []luoshi.Section
	for _, s := range v.Plan.Sections {
		if has[s.ID] {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return sectionLess(out[i].ID, out[j].ID) })
	return out
}

// sectionLess orders section IDs numerically: 2.9 before 2.10.
func sectionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// involved returns the commitments unit answers for: those it leads or
// shares, and those with a target it holds a quota of.
func (v *view) involved(unit string) map[string]bool {
	m := map[string]bool{}
	for _, a := range v.In.Assignments {
		if a.Lead == unit {
			m[a.Commitment] = true
		}
		for _, c := range a.Co {
			if c == unit {
				m[a.Commitment] = true
			}
		}
	}
	for _, t := range v.Plan.Targets {
		for _, q := range v.In.Quotas[t.ID] {
			if q.Unit == unit {
				m[t.Commitment] = true
			}
		}
	}
	return m
}

// reportState is the latest reports of one item by one unit.
type reportState struct {
	Approved    *luoshi.Progress // latest approved
	ApprovedSeq int
	ReportedSeq int // latest submitted or approved
}

// reportsByDuty indexes the plan's reports by item|unit.
func (v *view) reportsByDuty() map[string]*reportState {
	seq := map[string]int{}
	for _, p := range v.In.Periods {
		seq[p.Key] = p.Seq
	}
	out := map[string]*reportState{}
	for i := range v.In.Progress {
		p := &v.In.Progress[i]
		k := p.Item + "|" + p.Unit
		st := out[k]
		if st == nil {
			st = &reportState{}
			out[k] = st
		}
		sq := seq[p.Period]
		if p.State == luoshi.StateApproved && sq > st.ApprovedSeq {
			st.Approved, st.ApprovedSeq = p, sq
		}
		if (p.State == luoshi.StateApproved || p.State == luoshi.StateSubmitted) && sq > st.ReportedSeq {
			st.ReportedSeq = sq
		}
	}
	return out
}

// figure is a completion against expected progress with its judgement.
type figure struct {
	Key, Name  string
	Completion float64
	Expected   float64
	Counts     luoshi.Counts
	Total      int
	Lagging    int // behind or severely behind
	Status     luoshi.Status
	Duties     int
}

// cityFigures judges each 市州 on what it answers for in the plan: its
// quotas of numeric targets and the commitments it leads.
func (s *Server) cityFigures(v *view) []figure {
	reps := v.reportsByDuty()
	byCity := map[string]*figure{}
	var order []string
	for _, u := range v.Units {
		if u.Kind == luoshi.UnitCity {
			byCity[u.Code] = &figure{Key: u.Code, Name: u.Name}
			order = append(order, u.Code)
		}
	}
	sort.Strings(order)
	exp := v.Report.Expected
	add := func(f *figure, ratio, expected float64, reported bool) {
		st := monitor.Classify(ratio, expected, reported, s.cfg.Monitor)
		f.Counts[st.Index()]++
		f.Duties++
		f.Completion += min(ratio, 1)
		f.Expected += expected
	}
	for tid, qs := range v.In.Quotas {
		for _, q := range qs {
			f := byCity[q.Unit]
			if f == nil {
				continue
			}
			rs := reps[tid+"|"+q.Unit]
			var ratio float64
			reported := v.Report.DueSeq == 0
			if rs != nil {
				if rs.Approved != nil {
					ratio = rs.Approved.Ratio
				}
				reported = reported || rs.ReportedSeq >= v.Report.DueSeq
			}
			add(f, ratio, exp, reported)
		}
	}
	for _, st := range v.Report.Commitments {
		if f := byCity[st.Unit]; f != nil {
			add(f, st.Ratio, st.Expected, st.Reported)
		}
	}
	out := make([]figure, 0, len(order))
	for _, c := range order {
		f := byCity[c]
		f.Total = f.Counts.Total()
		f.Lagging = f.Counts[luoshi.StatusBehind.Index()] + f.Counts[luoshi.StatusSeverelyBehind.Index()]
		if f.Duties > 0 {
			f.Completion /= float64(f.Duties)
			f.Expected /= float64(f.Duties)
			f.Status = monitor.Classify(f.Completion, f.Expected, true, s.cfg.Monitor)
		} else {
			f.Status = luoshi.StatusNotReported
		}
		out = append(out, *f)
	}
	return out
}

// rollupFigure turns a monitor roll-up into a figure.
func (s *Server) rollupFigure(r monitor.Rollup, name string) figure {
	f := figure{Key: r.Key, Name: name, Completion: r.Completion, Expected: r.Expected, Counts: r.Counts, Total: r.Counts.Total()}
	f.Lagging = r.Counts[luoshi.StatusBehind.Index()] + r.Counts[luoshi.StatusSeverelyBehind.Index()]
	f.Status = monitor.Classify(r.Completion, r.Expected, true, s.cfg.Monitor)
	if r.Counts[luoshi.StatusNotReported.Index()] == f.Total {
		f.Status = luoshi.StatusNotReported
	}
	return f
}

// tiles turns city figures into tile-map squares.
func tiles(fs []figure) []tile {
	out := make([]tile, 0, len(fs))
	for _, f := range fs {
		out = append(out, tile{Code: f.Key, Name: f.Name, Completion: f.Completion, Expected: f.Expected, Reported: f.Duties > 0, Colour: statusFill[f.Status]})
	}
	return out
}

// planFigures rolls up the plans of each 市州 (its own and its counties')
// through the store, for provinces whose cities run plans of their own.
// The map is empty when no city has a plan.
func (s *Server) planFigures(ctx context.Context, v *view) (map[string]figure, error) {
	pcs, err := s.cfg.Store.RegionRollup(ctx, luoshi.RollupQuery{Year: v.Info.Year, Region: v.Info.Region, DueSeq: v.Report.DueSeq,
		Expected: v.Report.Expected, Behind: s.cfg.Monitor.Behind, Severe: s.cfg.Monitor.Severe})
	if err != nil {
		return nil, err
	}
	units := make([]luoshi.Unit, 0, len(v.Units))
	for _, u := range v.Units {
		units = append(units, u)
	}
	out := map[string]figure{}
	for _, rr := range monitor.Regions(units, pcs, v.Info.Region) {
		if rr.Kind != luoshi.UnitCity {
			continue
		}
		f := figure{Key: rr.Code, Name: rr.Name, Completion: rr.Completion, Expected: v.Report.Expected, Counts: rr.Counts, Total: rr.Counts.Total(), Duties: rr.Plans}
		f.Lagging = f.Counts[luoshi.StatusBehind.Index()] + f.Counts[luoshi.StatusSeverelyBehind.Index()]
		f.Status = monitor.Classify(f.Completion, f.Expected, true, s.cfg.Monitor)
		out[rr.Code] = f
	}
	return out, nil
}

// regionFigures returns each 市州's figure: the roll-up of its own plans
// when cities run plans, else what it answers for in the province's plan.
func (s *Server) regionFigures(ctx context.Context, v *view) ([]figure, bool, error) {
	v.regionsOnce.Do(func() { v.regions, v.byPlans, v.regionsErr = s.computeRegions(context.WithoutCancel(ctx), v) })
	return append([]figure(nil), v.regions...), v.byPlans, v.regionsErr
}

func (s *Server) computeRegions(ctx context.Context, v *view) ([]figure, bool, error) {
	pf, err := s.planFigures(ctx, v)
	if err != nil {
		return nil, false, err
	}
	cities := s.cityFigures(v)
	if len(pf) == 0 {
		return cities, false, nil
	}
	for i, c := range cities {
		if f, ok := pf[c.Key]; ok {
			cities[i] = f
		}
	}
	return cities, true, nil
}
