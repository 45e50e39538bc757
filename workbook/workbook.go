// Package workbook runs the reporting templates of 报表通 (every number
// reported once) over a luoshi.Store: it builds a unit's signed template for
// a period from what the store knows, and takes a filled-in template back,
// validated as a whole against what the store knows now, then saved.
//
// The command line, the web pages and the load test share it, so that a
// workbook is judged the same way whichever way it arrives.
package workbook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"luoshi"
	"luoshi/xlsx"
)

// Config is what a Service needs.
type Config struct {
	Store luoshi.Store
	// Key signs templates; an upload signed with another key is refused.
	Key []byte
	// Now is the clock that picks the period being reported; time.Now when
	// nil.
	Now func() time.Time
	// PlanTTL is how long a plan's quotas are reused between templates
	// and uploads; 10 seconds when zero, never when negative. Its periods,
	// assignments and the unit's reports are read afresh every time.
	PlanTTL time.Duration
}

// Service builds templates and takes uploads.
type Service struct {
	cfg   Config
	locks sync.Map // "plan/unit/period" -> *sync.Mutex: one upload of a unit's period at a time

	mu    sync.Mutex
	plans map[int64]cachedPlan
}

// cachedPlan is what a Service reuses of a plan for Config.PlanTTL.
type cachedPlan struct {
	in *luoshi.StatusInput // the plan and its quotas only
	at time.Time
}

// New returns a Service, or an error if cfg lacks a store or a key.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("workbook: a store is required")
	}
	if len(cfg.Key) == 0 {
		return nil, errors.New("workbook: a template signing key is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PlanTTL == 0 {
		cfg.PlanTTL = 10 * time.Second
	}
	return &Service{cfg: cfg}, nil
}

// CurrentPeriod returns the period being reported at now: the latest period
// that has ended by now, or the first period if none has. ok is false when
// ps is empty.
func CurrentPeriod(ps []luoshi.Period, now time.Time) (p luoshi.Period, ok bool) {
	if len(ps) == 0 {
		return p, false
	}
	p = ps[0]
	for _, q := range ps {
		if q.Seq < p.Seq {
			p = q
		}
	}
	for _, q := range ps {
		if !q.End.After(now) && q.Seq > p.Seq {
			p = q
		}
	}
	return p, true
}

// build returns unit's template for period from in. The provenance names are
// always the unit's own name by its code, so that a template built again from
// the same data has the same version.
func build(in *luoshi.StatusInput, u luoshi.Unit, period string) (xlsx.Template, error) {
	return xlsx.BuildTemplate(in, u, period, map[string]string{u.Code: u.Name})
}

// input returns what a template of unit on plan for period depends on,
// and the period's key (period, or the period being reported now when
// empty): the plan and its quotas (reused for Config.PlanTTL, since a
// plan's text never changes under its ID), and, read now, its periods, its
// assignments and the unit's own reports of the period and the one before.
func (s *Service) input(ctx context.Context, planID int64, unit, period string) (*luoshi.StatusInput, string, error) {
	st := s.cfg.Store
	s.mu.Lock()
	c, ok := s.plans[planID]
	s.mu.Unlock()
	if !ok || s.cfg.PlanTTL < 0 || time.Since(c.at) > s.cfg.PlanTTL {
		t0 := time.Now()
		p, err := st.Plan(ctx, planID)
		if err != nil {
			return nil, "", err
		}
		in := &luoshi.StatusInput{Plan: p, Quotas: map[string][]luoshi.Quota{}}
		for _, t := range p.Targets {
			qs, err := st.Quotas(ctx, planID, t.ID)
			if err != nil {
				return nil, "", err
			}
			if len(qs) > 0 {
				in.Quotas[t.ID] = qs
			}
		}
		c = cachedPlan{in: in, at: t0}
		s.mu.Lock()
		if s.plans == nil || len(s.plans) >= 4096 {
			s.plans = map[int64]cachedPlan{}
		}
		s.plans[planID] = c
		s.mu.Unlock()
	}
	out := *c.in
	var err error
	if out.Periods, err = st.Periods(ctx, planID); err != nil {
		return nil, "", err
	}
	cur, ok := luoshi.Period{}, false
	if period == "" {
		if cur, ok = CurrentPeriod(out.Periods, s.cfg.Now()); !ok {
			return nil, "", luoshi.Errorf(luoshi.EInvalid, "计划尚未设置填报周期")
		}
	} else {
		for _, p := range out.Periods {
			if p.Key == period {
				cur, ok = p, true
			}
		}
		if !ok {
			return nil, "", luoshi.Errorf(luoshi.ENotFound, "计划没有填报周期 %q", period)
		}
	}
	if out.Assignments, err = st.Assignments(ctx, planID); err != nil {
		return nil, "", err
	}
	// BuildTemplate reads the unit's reports of the period and of the
	// period before it.
	for _, p := range out.Periods {
		if p.Seq == cur.Seq || p.Seq == cur.Seq-1 {
			ps, err := st.ListProgress(ctx, luoshi.ProgressFilter{PlanID: planID, Unit: unit, Period: p.Key})
			if err != nil {
				return nil, "", err
			}
			out.Progress = append(out.Progress, ps...)
		}
	}
	return &out, cur.Key, nil
}

// Template returns unit's template of plan planID for the period with key
// period; an empty period means the period being reported now.
func (s *Service) Template(ctx context.Context, planID int64, unit, period string) (xlsx.Template, error) {
	u, err := s.cfg.Store.Unit(ctx, unit)
	if err != nil {
		return xlsx.Template{}, err
	}
	in, period, err := s.input(ctx, planID, unit, period)
	if err != nil {
		return xlsx.Template{}, err
	}
	t, err := build(in, u, period)
	if err != nil {
		return xlsx.Template{}, err
	}
	if len(t.Rows) == 0 {
		return xlsx.Template{}, luoshi.Errorf(luoshi.ENotFound, "%s在本计划中没有需要填报的事项", u.Name)
	}
	return t, nil
}

// WriteTemplate writes unit's template (as Template returns it) as .xlsx to
// buf, signed with the service's key.
func (s *Service) WriteTemplate(buf *bytes.Buffer, t xlsx.Template) error {
	return xlsx.WriteTemplate(buf, t, s.cfg.Key)
}

// UploadOptions say who uploads and what the upload must be.
type UploadOptions struct {
	// Unit is the uploader's unit; empty for the supervision office, who
	// may upload any unit's workbook.
	Unit string
	// PlanID is the plan the uploader reports on; 0 takes the workbook's.
	PlanID int64
	// Period is the period being reported; empty means the period being
	// reported at the service's clock.
	Period string
	By     string // who uploads, for the reports' history
	Submit bool   // submit the reports (else they are saved as drafts)
}

// Result is what an accepted upload did.
type Result struct {
	Binding   xlsx.Binding
	PlanTitle string
	UnitName  string
	Saved     []luoshi.Progress // in sheet order
	Blank     []string          // items the unit left blank
	Prefilled []string          // items already reported, not read from the upload
	// Taken lists the items whose value the system took from an indicator
	// (报表通) after the workbook was downloaded: what the unit typed in
	// them was not used.
	Taken []string
	// Duplicate is true when the workbook was uploaded and submitted
	// before: every value in it is already stored as it is, and nothing
	// was written again.
	Duplicate bool
}

// SaveError is an upload that passed every check but whose writing failed
// part way: the store has no transaction spanning several reports.
type SaveError struct {
	Saved  []luoshi.Progress // written before the failure
	Failed []string          // items not written
	Err    error             // the first failure
}

func (e *SaveError) Error() string {
	return fmt.Sprintf("填报表已通过校验，但保存时出错：已保存 %d 项，%d 项未保存（%v）；请重新上传同一份文件", len(e.Saved), len(e.Failed), e.Err)
}

// Unwrap returns the store's error.
func (e *SaveError) Unwrap() error { return e.Err }

// outdated is the problem of a workbook whose content no longer matches
// what the store holds; the wording is that of package xlsx.
const outdated = "模板已过期（下载后任务、分工或已报送的数据有调整），请重新下载本期模板，把已填内容复制过去后再上传"

// Upload reads a filled-in workbook and, if it passes every check, saves
// its rows. The checks, all before anything is written: the signature; the
// unit (the uploader's own, unless the office uploads); the plan; the
// period (the one being reported: a template of an earlier period is
// refused); the template's content against a template built now from the
// store (a workbook downloaded before the unit's tasks changed or before
// some of its rows were submitted is refused); and every cell. Any problem
// rejects the whole workbook with an *xlsx.RejectedError listing every
// problem; nothing is stored.
//
// Uploading the same submitted workbook again changes nothing and reports
// Duplicate. Uploads of one unit's period are serialized.
func (s *Service) Upload(ctx context.Context, data []byte, opt UploadOptions) (Result, error) {
	if opt.By == "" {
		return Result{}, luoshi.Errorf(luoshi.EInvalid, "上传须注明填报人")
	}
	expect := xlsx.Binding{PlanID: opt.PlanID, Unit: opt.Unit, Period: opt.Period}
	if expect.Unit == "" || expect.PlanID == 0 {
		// The office, or a caller that does not know the plan: take them
		// from the signed workbook itself.
		u, err := xlsx.ReadUpload(bytes.NewReader(data), xlsx.Binding{Unit: "\x00"}, s.cfg.Key)
		if err == nil || u.Binding.Unit == "" {
			if err == nil {
				err = errors.New("workbook: a workbook matched an impossible unit")
			}
			return Result{}, err
		}
		if expect.Unit == "" {
			expect.Unit = u.Binding.Unit
		}
		if expect.PlanID == 0 {
			expect.PlanID = u.Binding.PlanID
		}
	}
	unit, err := s.cfg.Store.Unit(ctx, expect.Unit)
	if err != nil {
		return Result{}, err
	}
	lock := s.lock(expect)
	lock.Lock()
	defer lock.Unlock()
	// Another unit's report can fill in one of this workbook's rows from
	// an indicator between the checks and the write (the write is then
	// refused whole, as a conflict): check again against the store as it
	// is now, a few times at most.
	var last []luoshi.ProgressInput
	var lastErr error
	for attempt := 0; ; attempt++ {
		res, ins, err := s.check(ctx, data, expect, unit, opt)
		if err != nil || len(ins) == 0 {
			return res, err
		}
		if attempt > 0 && sameItems(ins, last) {
			// Checked again, the workbook writes what was refused: the
			// conflict stands.
			return Result{}, lastErr
		}
		saved, err := s.save(ctx, ins)
		var se *SaveError
		if attempt < 3 && errors.As(err, &se) && luoshi.ErrorCode(se.Err) == luoshi.EConflict {
			last, lastErr = ins, err
			continue
		}
		res.Saved = saved
		return res, err
	}
}

// sameItems reports whether two lists of reports name the same items.
func sameItems(a, b []luoshi.ProgressInput) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Item != b[i].Item {
			return false
		}
	}
	return true
}

// check reads an upload and checks it against the store as it is now; it
// returns what an accepted workbook is to write.
func (s *Service) check(ctx context.Context, data []byte, expect xlsx.Binding, unit luoshi.Unit, opt UploadOptions) (Result, []luoshi.ProgressInput, error) {
	in, key, err := s.input(ctx, expect.PlanID, unit.Code, expect.Period)
	if err != nil {
		return Result{}, nil, err
	}
	expect.Period = key
	for _, p := range in.Periods {
		if p.Key == expect.Period && p.Closed() {
			return Result{}, nil, luoshi.Errorf(luoshi.EConflict, "%s 期已关闭，不再接受填报", p.Key)
		}
	}
	now, err := build(in, unit, expect.Period)
	if err != nil {
		return Result{}, nil, err
	}
	// The version is compared here rather than by ReadUpload, so that a
	// workbook already submitted can be recognized as a repeat.
	up, err := xlsx.ReadUpload(bytes.NewReader(data), expect, s.cfg.Key)
	if err != nil {
		return Result{}, nil, err
	}
	res := Result{Binding: up.Binding, PlanTitle: up.PlanTitle, UnitName: up.UnitName, Blank: up.Blank, Prefilled: up.Prefilled}
	if up.Binding.Version != now.Binding.Version {
		if repeat(in, up) {
			res.Duplicate = true
			return res, nil, nil
		}
		taken, ok := takenSince(now, up)
		if !ok {
			return Result{}, nil, &xlsx.RejectedError{Problems: []xlsx.Problem{{Message: outdated}}}
		}
		// Only values the system took from indicators since the download
		// changed: the workbook is current for everything else.
		rows := up.Rows[:0:0]
		for _, r := range up.Rows {
			if taken[r.Item] {
				res.Taken = append(res.Taken, r.Item)
			} else {
				rows = append(rows, r)
			}
		}
		up.Rows = rows
	}
	return res, up.Inputs(opt.By, opt.Submit), nil
}

// takenSince returns the rows of the template built now that the system
// filled in from an indicator after up was downloaded, if the template at
// download was now's with those rows still open; ok is false when anything
// else changed.
func takenSince(now xlsx.Template, up xlsx.Upload) (map[string]bool, bool) {
	locked := make(map[string]bool, len(up.Prefilled))
	for _, it := range up.Prefilled {
		locked[it] = true
	}
	was := now
	was.Rows = append([]xlsx.TemplateRow(nil), now.Rows...)
	taken := map[string]bool{}
	for i, r := range was.Rows {
		if r.Prefill != nil && r.Prefill.Copied && !locked[r.Item] {
			was.Rows[i].Prefill = nil
			taken[r.Item] = true
		}
	}
	if len(taken) == 0 || was.ContentVersion() != up.Binding.Version {
		return nil, false
	}
	return taken, true
}

// lock returns the mutex of a unit's period.
func (s *Service) lock(b xlsx.Binding) *sync.Mutex {
	k := fmt.Sprintf("%d/%s/%s", b.PlanID, b.Unit, b.Period)
	m, _ := s.locks.LoadOrStore(k, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// repeat reports whether every row of up is already stored, submitted or
// approved, with the same value and narrative: the workbook was accepted
// before.
func repeat(in *luoshi.StatusInput, up xlsx.Upload) bool {
	if len(up.Rows) == 0 {
		return false
	}
	have := make(map[string]luoshi.Progress)
	for _, p := range in.Progress {
		if p.Period == up.Binding.Period && p.Unit == up.Binding.Unit {
			have[p.Item] = p
		}
	}
	for _, r := range up.Rows {
		p, ok := have[r.Item]
		if !ok || (p.State != luoshi.StateSubmitted && p.State != luoshi.StateApproved) ||
			p.Value.Cmp(r.Value) != 0 || p.Narrative != r.Narrative {
			return false
		}
	}
	return true
}

// BatchSaver is a store that writes several reports in one transaction,
// all or none. luoshi.Store has no such method yet; a store that has it is
// used through it, and an upload is then atomic even against writes from
// elsewhere between its checks and its writes.
type BatchSaver interface {
	SaveProgressBatch(ctx context.Context, ins []luoshi.ProgressInput) ([]luoshi.Progress, error)
}

// save writes the reports: through BatchSaver if the store has it, else
// all at once so that the store's writer commits them together. It returns
// what was written in input order, and a *SaveError if any write failed.
func (s *Service) save(ctx context.Context, ins []luoshi.ProgressInput) ([]luoshi.Progress, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	if b, ok := s.cfg.Store.(BatchSaver); ok {
		ps, err := b.SaveProgressBatch(ctx, ins)
		if err != nil {
			failed := make([]string, len(ins))
			for i, in := range ins {
				failed[i] = in.Item
			}
			return nil, &SaveError{Failed: failed, Err: err}
		}
		return ps, nil
	}
	out := make([]luoshi.Progress, len(ins))
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	for i := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = s.cfg.Store.SaveProgress(ctx, ins[i])
		}()
	}
	wg.Wait()
	var se *SaveError
	saved := make([]luoshi.Progress, 0, len(ins))
	for i, err := range errs {
		if err != nil {
			if se == nil {
				se = &SaveError{Err: err}
			}
			se.Failed = append(se.Failed, ins[i].Item)
			continue
		}
		saved = append(saved, out[i])
	}
	if se != nil {
		se.Saved = saved
		return saved, se
	}
	return saved, nil
}
