package http

import (
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"luoshi"
	"luoshi/extract"
	"luoshi/reports"
	"luoshi/source"
)

// importForm is 计划导入: the upload form and the imports under review.
func (s *Server) importForm(w nethttp.ResponseWriter, r *nethttp.Request) {
	if err := requireOffice(s.actor(r), "导入和审核计划"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderImport(w, r, nethttp.StatusOK, "")
}

func (s *Server) renderImport(w nethttp.ResponseWriter, r *nethttp.Request, status int, fileErr string) {
	plans, err := s.cfg.Store.Plans(r.Context(), luoshi.PlanFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "import", &page{Title: "计划导入与审核", Nav: "import"}, map[string]any{
		"Drafts": s.drafts.list(), "Plans": plans, "FileError": fileErr, "MaxMB": s.cfg.MaxUpload >> 20,
	})
}

// importUpload reads an uploaded report (.txt or .docx), extracts it and
// keeps it as a draft for review; nothing is stored for units yet.
func (s *Server) importUpload(w nethttp.ResponseWriter, r *nethttp.Request) {
	a := s.actor(r)
	if err := requireOffice(a, "导入计划"); err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = nethttp.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	f, hdr, err := r.FormFile("report")
	if err != nil {
		msg := "请选择要导入的政府工作报告文件（.txt 或 .docx）。"
		var mbe *nethttp.MaxBytesError
		if errors.As(err, &mbe) {
			msg = fmt.Sprintf("文件太大：上限为 %d MB。", s.cfg.MaxUpload>>20)
		}
		s.renderImport(w, r, nethttp.StatusBadRequest, msg)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, s.cfg.MaxUpload+1))
	if err != nil {
		s.renderImport(w, r, nethttp.StatusBadRequest, "读取上传文件失败，请重试。")
		return
	}
	if int64(len(data)) > s.cfg.MaxUpload {
		s.renderImport(w, r, nethttp.StatusBadRequest, fmt.Sprintf("文件太大：上限为 %d MB。", s.cfg.MaxUpload>>20))
		return
	}
	name := filepath.Base(hdr.Filename)
	text, err := source.Decode(name, data)
	if err != nil {
		s.renderImport(w, r, nethttp.StatusBadRequest, "无法读取该文件："+userMessage(err))
		return
	}
	p, err := extract.Extract(text.Text, extract.Options{Units: s.cfg.Catalog})
	if err == nil && (len(p.Commitments) == 0 || p.Title == "" && len(p.Sections) == 0) {
		err = luoshi.Errorf(luoshi.EInvalid, "文件中没有找到政府工作报告的标题、章节和工作任务，请确认上传的是报告全文")
	}
	if err != nil {
		s.renderImport(w, r, nethttp.StatusBadRequest, "无法识别该报告："+userMessage(err))
		return
	}
	if p.Jurisdiction == "" {
		p.Jurisdiction = "四川省"
	}
	d := &draft{ID: newDraftID(), Name: name, Encoding: text.Encoding, Plan: p, Assign: map[string]draftAssignee{}, By: a.Name,
		CreatedAt: s.cfg.Now(), UpdatedAt: s.cfg.Now()}
	for _, c := range p.Commitments {
		if len(c.SuggestedUnits) > 0 {
			d.Assign[c.ID] = draftAssignee{Lead: c.SuggestedUnits[0].Unit}
		}
	}
	if err := s.drafts.put(d); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/import/"+d.ID, "")
}

// segment is a run of source text, highlighted when it is a commitment.
type segment struct {
	Text, ID string
}

// segments cuts the source into plain runs and commitment runs.
func segments(p *luoshi.Plan) []segment {
	rs := []rune(p.Source)
	cs := append([]luoshi.Commitment(nil), p.Commitments...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Span.Start < cs[j].Span.Start })
	var out []segment
	at := 0
	for _, c := range cs {
		if c.Span.Start < at || c.Span.End > len(rs) || c.Span.Start >= c.Span.End {
			continue
		}
		if c.Span.Start > at {
			out = append(out, segment{Text: string(rs[at:c.Span.Start])})
		}
		out = append(out, segment{Text: string(rs[c.Span.Start:c.Span.End]), ID: c.ID})
		at = c.Span.End
	}
	if at < len(rs) {
		out = append(out, segment{Text: string(rs[at:])})
	}
	return out
}

// draftRow is a commitment on the review page with its form values.
type draftRow struct {
	C           luoshi.Commitment
	SectionName string
	Targets     []luoshi.Target
	Lead, Co    string
	Confirmed   bool
	Errors      map[string]string
}

// draftReview shows the extracted table beside the source text, with each
// commitment highlighted in place and a form to edit it.
func (s *Server) draftReview(w nethttp.ResponseWriter, r *nethttp.Request) {
	if err := requireOffice(s.actor(r), "审核导入的计划"); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.drafts.get(r.PathValue("draft"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDraft(w, r, nethttp.StatusOK, d, nil, "")
}

func (s *Server) renderDraft(w nethttp.ResponseWriter, r *nethttp.Request, status int, d *draft, typed *draftRow, publishErr string) {
	names := map[string]string{}
	for _, sec := range d.Plan.Sections {
		names[sec.ID] = strings.TrimSpace(sec.Number + " " + sec.Title)
	}
	rows := make([]draftRow, 0, len(d.Plan.Commitments))
	confirmed, unassigned := 0, 0
	for _, c := range d.Plan.Commitments {
		as := d.Assign[c.ID]
		rw := draftRow{C: c, SectionName: names[c.Section], Lead: as.Lead, Co: strings.Join(as.Co, "、"), Confirmed: as.Confirmed, Errors: map[string]string{}}
		for _, ti := range c.Targets {
			rw.Targets = append(rw.Targets, d.Plan.Targets[ti])
		}
		if typed != nil && typed.C.ID == c.ID {
			rw.C.Text, rw.Lead, rw.Co, rw.Errors = typed.C.Text, typed.Lead, typed.Co, typed.Errors
		}
		if as.Confirmed {
			confirmed++
		}
		if as.Lead == "" {
			unassigned++
		}
		rows = append(rows, rw)
	}
	var labels []string
	for _, u := range s.cfg.Catalog.Units() {
		labels = append(labels, u.Label())
	}
	s.render(w, r, status, "draft", &page{Title: "审核：" + d.Plan.Title, Nav: "import"}, map[string]any{
		"D": d, "Rows": rows, "Segments": segments(d.Plan), "Labels": labels, "Confirmed": confirmed, "Unassigned": unassigned,
		"PublishError": publishErr,
	})
}

// splitUnits reads a list of unit names separated by 、，, ; or spaces.
func splitUnits(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == ' ' || r == '\n' || r == '\t' || r == '　'
	})
	return f
}

// draftEdit changes one commitment of a draft: save its text and units
// (confirming them), split it, merge it with the next one, delete it, or fix
// one of its targets.
func (s *Server) draftEdit(w nethttp.ResponseWriter, r *nethttp.Request) {
	if err := requireOffice(s.actor(r), "修改导入的计划"); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.drafts.get(r.PathValue("draft"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cid := r.PathValue("cid")
	ci := -1
	for i, c := range d.Plan.Commitments {
		if c.ID == cid {
			ci = i
		}
	}
	if ci < 0 {
		s.fail(w, r, notFound("草稿中没有任务 %s", cid))
		return
	}
	p := d.Plan
	typed := &draftRow{C: p.Commitments[ci], Lead: r.PostFormValue("lead"), Co: r.PostFormValue("co"), Errors: map[string]string{}}
	typed.C.Text = r.PostFormValue("text")
	switch r.PostFormValue("action") {
	case "delete":
		p.Commitments = append(p.Commitments[:ci], p.Commitments[ci+1:]...)
		delete(d.Assign, cid)
	case "merge":
		if ci+1 >= len(p.Commitments) || p.Commitments[ci+1].Section != p.Commitments[ci].Section {
			typed.Errors["text"] = "这是本节最后一项任务，没有可合并的下一项。"
			break
		}
		next := p.Commitments[ci+1]
		c := &p.Commitments[ci]
		c.Text += next.Text
		c.Span.End = max(c.Span.End, next.Span.End)
		for j := range p.Targets {
			if p.Targets[j].Commitment == next.ID {
				p.Targets[j].Commitment = c.ID
			}
		}
		p.Commitments = append(p.Commitments[:ci+1], p.Commitments[ci+2:]...)
		delete(d.Assign, next.ID)
	case "split":
		at := r.PostFormValue("split_at")
		c := p.Commitments[ci]
		i := strings.Index(c.Text, at)
		if at == "" || i <= 0 {
			typed.Errors["split_at"] = "请填写第二部分开头的几个字，且须在任务原文中、不在开头。"
			break
		}
		first, second := c.Text[:i], c.Text[i:]
		nc := c
		nc.ID = nextCommitmentID(p)
		nc.Text = second
		cut := c.Span.Start + utf8.RuneCountInString(first)
		nc.Span = luoshi.Span{Start: cut, End: c.Span.End}
		nc.SuggestedUnits = s.cfg.Catalog.Suggest(second, 3)
		p.Commitments[ci].Text = first
		p.Commitments[ci].Span.End = cut
		p.Commitments[ci].SuggestedUnits = s.cfg.Catalog.Suggest(first, 3)
		for j := range p.Targets {
			if p.Targets[j].Commitment == c.ID && p.Targets[j].Span.Start >= cut {
				p.Targets[j].Commitment = nc.ID
			}
		}
		p.Commitments = append(p.Commitments[:ci+1], append([]luoshi.Commitment{nc}, p.Commitments[ci+1:]...)...)
		if len(nc.SuggestedUnits) > 0 {
			d.Assign[nc.ID] = draftAssignee{Lead: nc.SuggestedUnits[0].Unit}
		}
	case "target":
		tid := r.PostFormValue("target")
		ti := -1
		for j, t := range p.Targets {
			if t.ID == tid && t.Commitment == cid {
				ti = j
			}
		}
		if ti < 0 {
			s.fail(w, r, notFound("任务 %s 没有目标 %s", cid, tid))
			return
		}
		val, ok := parseNumber(r.PostFormValue("value"))
		unit := strings.TrimSpace(r.PostFormValue("unit"))
		switch {
		case !ok:
			typed.Errors["target-"+tid] = "目标值须是数字，例如 725 或 5.5。"
		case unit == "":
			typed.Errors["target-"+tid] = "请填写计量单位，例如 亿元、%、公里。"
		default:
			p.Targets[ti].Value, p.Targets[ti].Unit = val, unit
			if obj := strings.TrimSpace(r.PostFormValue("object")); obj != "" {
				p.Targets[ti].Object = obj
			}
		}
	case "target-delete":
		tid := r.PostFormValue("target")
		kept := p.Targets[:0]
		for _, t := range p.Targets {
			if !(t.ID == tid && t.Commitment == cid) {
				kept = append(kept, t)
			}
		}
		p.Targets = kept
	default: // save and confirm
		text := strings.TrimSpace(typed.C.Text)
		switch {
		case text == "":
			typed.Errors["text"] = "任务内容不能为空；要删除这项任务请点“删除”。"
		case utf8.RuneCountInString(text) > 1000:
			typed.Errors["text"] = "任务内容不能超过 1000 字。"
		}
		lead := strings.TrimSpace(typed.Lead)
		var leadLabel string
		if lead == "" {
			typed.Errors["lead"] = "请填写牵头单位。"
		} else if u, ok := s.cfg.Catalog.Lookup(lead); !ok {
			typed.Errors["lead"] = fmt.Sprintf("单位目录中没有“%s”，请从列表中选择。", lead)
		} else {
			leadLabel = u.Label()
		}
		var co []string
		for _, n := range splitUnits(typed.Co) {
			u, ok := s.cfg.Catalog.Lookup(n)
			if !ok {
				typed.Errors["co"] = fmt.Sprintf("单位目录中没有“%s”，请从列表中选择，多个单位用顿号分隔。", n)
				break
			}
			if u.Label() == leadLabel {
				typed.Errors["co"] = "责任单位不要重复填写牵头单位。"
				break
			}
			co = append(co, u.Label())
		}
		if len(typed.Errors) == 0 {
			p.Commitments[ci].Text = text
			d.Assign[cid] = draftAssignee{Lead: leadLabel, Co: co, Confirmed: true}
		}
	}
	if len(typed.Errors) > 0 {
		s.renderDraft(w, r, nethttp.StatusBadRequest, d, typed, "")
		return
	}
	relink(p)
	d.UpdatedAt = s.cfg.Now()
	if err := s.drafts.put(d); err != nil {
		s.fail(w, r, err)
		return
	}
	anchor := cid
	if r.PostFormValue("action") == "delete" && ci < len(p.Commitments) {
		anchor = p.Commitments[ci].ID
	}
	redirect(w, r, "/import/"+d.ID+"?ok=edited#row-"+anchor, "")
}

// draftPublish stores the reviewed plan with its assignments and monthly
// periods: from now on units see and report on it.
func (s *Server) draftPublish(w nethttp.ResponseWriter, r *nethttp.Request) {
	a := s.actor(r)
	if err := requireOffice(a, "发布计划"); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.drafts.get(r.PathValue("draft"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var as []luoshi.Assignment
	var missing []string
	for _, c := range d.Plan.Commitments {
		x, ok := d.Assign[c.ID]
		if !ok || x.Lead == "" {
			missing = append(missing, c.ID)
			continue
		}
		by := a.Name
		if !x.Confirmed {
			by = reports.SuggestedBy
		}
		lead, ok := reports.DepartmentCode(s.cfg.Catalog, x.Lead)
		if !ok {
			missing = append(missing, c.ID)
			continue
		}
		ag := luoshi.Assignment{Commitment: c.ID, Lead: lead, ConfirmedBy: by, ConfirmedAt: s.cfg.Now()}
		for _, co := range x.Co {
			if code, ok := reports.DepartmentCode(s.cfg.Catalog, co); ok {
				ag.Co = append(ag.Co, code)
			}
		}
		as = append(as, ag)
	}
	if len(missing) > 0 && r.PostFormValue("allow_unassigned") != "1" {
		msg := fmt.Sprintf("还有 %d 项任务没有牵头单位（%s）。请先指定，或勾选“允许部分任务暂不分配”后再发布。", len(missing), strings.Join(first(missing, 8), "、"))
		s.renderDraft(w, r, nethttp.StatusBadRequest, d, nil, msg)
		return
	}
	if _, err := reports.Publish(r.Context(), s.cfg.Store, d.Plan, as, a.Name); err != nil {
		if statusOf(err) == nethttp.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		s.renderDraft(w, r, statusOf(err), d, nil, "发布失败："+userMessage(err))
		return
	}
	s.views.forget()
	if err := s.drafts.remove(d.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/", "published")
}

// draftDiscard deletes a draft.
func (s *Server) draftDiscard(w nethttp.ResponseWriter, r *nethttp.Request) {
	if err := requireOffice(s.actor(r), "删除导入的计划"); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.drafts.remove(r.PathValue("draft")); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/import", "discarded")
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], "…")
	}
	return xs
}
