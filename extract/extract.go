// Package extract reads a government work report (政府工作报告) into a plan:
// its title and year, its parts and sections, every commitment of the plan
// part with its place in the text, every quantitative target as
// ../shared/eval/TARGETS.md defines it, and suggested lead units.
//
// The package is pure: it takes text and returns values, with no I/O. The
// source package turns files (UTF-8, GB18030, .docx) into text for it.
//
// Reading runs in four steps: normalize (page markers, chrome, page breaks,
// repeated passages, full-width forms; every rune keeps its input offset),
// structure (headings, parts and their kinds: review, plan, glossary …),
// sentences (leads and commitments) and targets (numbers, units,
// comparators, deadlines, and the checks that tell a target from a label).
package extract

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"luoshi"
)

// Suggester proposes lead units for a commitment's text; *catalog.Catalog
// is one.
type Suggester interface {
	Suggest(text string, n int) []luoshi.Suggestion
}

// Options configure Extract.
type Options struct {
	// Units suggests lead units; nil leaves suggestions empty.
	Units Suggester
	// Suggestions is how many candidate lead units to keep per commitment;
	// 0 means 3.
	Suggestions int
	// Year is the year the plan is for, when the text does not say; 0
	// takes it from the title.
	Year int
}

// MaxRunes is the longest text Extract reads: reports run to about 40,000
// characters, so anything past this is not a report.
const MaxRunes = 2 << 20

// Extract reads text as a work report. It fails only for text that cannot
// be a report (empty, too long, no Chinese text); everything it worked
// around is in Plan.Warnings.
func Extract(text string, opt Options) (*luoshi.Plan, error) {
	if !utf8.ValidString(text) {
		off := 0
		for off < len(text) {
			r, size := utf8.DecodeRuneInString(text[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, luoshi.Errorf(luoshi.EInvalid, "text is not valid UTF-8 at byte offset %d", off)
	}
	if strings.TrimSpace(text) == "" {
		return nil, luoshi.Errorf(luoshi.EInvalid, "text is empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxRunes {
		return nil, luoshi.Errorf(luoshi.EInvalid, "text has %d characters, more than the %d a report can have", n, MaxRunes)
	}
	c := normalize(text)
	han := 0
	for _, r := range c.text {
		if isHan(r) {
			han++
		}
	}
	if han == 0 {
		return nil, luoshi.Errorf(luoshi.EInvalid, "text has no Chinese characters: not a work report")
	}
	d := structure(c)
	if opt.Year > 0 {
		d.year = opt.Year
	}
	p := &luoshi.Plan{
		Title:        d.title,
		Year:         d.year,
		Jurisdiction: jurisdiction(d.title),
		Source:       text,
		Sections:     d.sections,
		Warnings:     c.warnings,
		Commitments:  []luoshi.Commitment{},
		Targets:      []luoshi.Target{},
	}
	if p.Sections == nil {
		p.Sections = []luoshi.Section{}
	}
	if p.Warnings == nil {
		p.Warnings = []luoshi.Warning{}
	}
	d.commitments(p, opt)
	if len(p.Commitments) == 0 {
		p.Warnings = append(p.Warnings, luoshi.Warning{Code: luoshi.WarnNoPlan, Message: "未找到工作安排部分，没有提取到任务"})
	}
	return p, nil
}

// jurisdiction takes the place a report is for from its title:
// 2025年四川省政府工作报告 → 四川省.
func jurisdiction(title string) string {
	r := []rune(title)
	for i, x := range r {
		if !strings.ContainsRune("省市县区州旗盟", x) {
			continue
		}
		// Walk back over the place name.
		s := i
		for s > 0 && isHan(r[s-1]) && !strings.ContainsRune("年度", r[s-1]) && i-s < 8 {
			s--
		}
		if i-s >= 1 {
			name := string(r[s : i+1])
			if x == '市' && strings.HasSuffix(string(r[:i+1]), "城市") {
				continue
			}
			return name
		}
	}
	if strings.Contains(title, "国务院") || strings.Contains(title, "全国") {
		return "全国"
	}
	return ""
}

// planKinds are the kinds of part whose sentences are commitments.
func planKind(k string) bool {
	return k == luoshi.KindPlan || k == luoshi.KindLivelihood || k == luoshi.KindOther || k == luoshi.KindGoals
}

// maxLead is the longest first sentence taken as a paragraph's lead (标题句).
const maxLead = 25

// commitments splits the plan paragraphs into sentences and clauses, finds
// leads, and turns every clause that commits to something into a
// commitment with its targets.
func (d *doc) commitments(p *luoshi.Plan, opt Options) {
	t := d.c.text
	nSuggest := opt.Suggestions
	if nSuggest == 0 {
		nSuggest = 3
	}
	// A part with sections opens with its framing (总体要求, the outlook):
	// there only sentences with targets are commitments.
	parent := make([]bool, len(d.sections))
	for i := 1; i < len(d.sections); i++ {
		if d.sections[i].Level > d.sections[i-1].Level {
			parent[i-1] = true
		}
	}
	for _, para := range d.paras {
		if !planKind(para.kind) || para.bodyStart >= para.end {
			continue
		}
		secID, secTitle := "", ""
		if para.section >= 0 {
			secID, secTitle = d.sections[para.section].ID, d.sections[para.section].Title
		}
		lead := para.lead
		if para.style != styleNone && para.style != stylePart {
			lead = para.title
		}
		framing := para.section >= 0 && parent[para.section]
		ss := sentences(t, para.bodyStart, para.end)
		for k, s := range ss {
			text := string(t[s.start:s.end])
			// The sentence for targets is the whole sentence up to its full
			// stop, so that a list's object stays with every item.
			cands := sentenceTargets(t, s.start, s.end, d.year)
			if len(cands) == 0 && (k == 0 && len(ss) > 1 && para.style == styleNone && isLead(t[s.start:s.end]) || ordinalLead(t[s.start:s.end])) {
				lead = strings.TrimRight(text, "。")
				continue
			}
			if framing && len(cands) == 0 {
				continue
			}
			if len(cands) == 0 && !commits(t[s.start:s.end]) {
				continue
			}
			id := fmt.Sprintf("c%04d", len(p.Commitments)+1)
			cm := luoshi.Commitment{
				ID: id, Section: secID, SectionTitle: secTitle, Lead: lead,
				Text: text, Span: d.c.span(s.start, s.end), Targets: []int{},
				SuggestedUnits: []luoshi.Suggestion{},
			}
			full := string(t[s.full0:s.full1])
			for _, c := range cands {
				tg := luoshi.Target{
					ID:         fmt.Sprintf("t%04d", len(p.Targets)+1),
					Commitment: id, Value: c.n.value, Unit: c.unit, Comparator: c.cmp,
					Strive: c.strive, Deadline: c.deadline, Object: c.object,
					Text: string(t[c.n.start:c.end]), Sentence: full,
					Span: d.c.span(c.n.start, c.end),
				}
				if c.max != nil {
					v := c.max.value
					tg.ValueMax = &v
				}
				cm.Targets = append(cm.Targets, len(p.Targets))
				p.Targets = append(p.Targets, tg)
			}
			if opt.Units != nil {
				// The commitment's own words decide; the lead only when they
				// name no unit's duty.
				ss := opt.Units.Suggest(text, nSuggest)
				if len(ss) == 0 && lead != "" {
					ss = opt.Units.Suggest(lead+"。"+text, nSuggest)
				}
				for i := range ss {
					ss[i].Score = math.Round(ss[i].Score*1000) / 1000
				}
				if ss != nil {
					cm.SuggestedUnits = ss
				}
			}
			p.Commitments = append(p.Commitments, cm)
		}
	}
}

// isLead reports whether a paragraph's first sentence is a lead (标题句):
// short, with no comma, ending in a full stop.
func isLead(r []rune) bool {
	if len(r) == 0 || len(r) > maxLead || r[len(r)-1] != '。' {
		return false
	}
	for _, x := range r {
		if x == '，' || x == '；' || x == '：' {
			return false
		}
	}
	return true
}

// ordinalLead reports whether a sentence is an enumerated lead such as
// 二是保持高质量发展战略定力。
func ordinalLead(r []rune) bool {
	return len(r) >= 3 && len(r) <= maxLead && chineseDigit(r[0]) > 0 && r[1] == '是' && isLead(r)
}

// nonCommitments open sentences that frame the plan rather than commit to
// anything.
var nonCommitments = []string{"今年是", "各位代表", "做好今年", "做好政府工作", "完成全年", "在千头万绪", "重点做好", "我们要深刻", "让我们", "当前", "同时，我们也", "回顾过去"}

// commits reports whether a sentence without targets is a commitment.
func commits(r []rune) bool {
	if len(r) < 6 {
		return false
	}
	last := r[len(r)-1]
	if last == '：' || last == '！' {
		return false
	}
	s := string(r)
	for _, w := range nonCommitments {
		if strings.HasPrefix(s, w) {
			return false
		}
	}
	return true
}

// sentence is a clause to read as a commitment [start, end), and the whole
// sentence around it [full0, full1).
type sentence struct{ start, end, full0, full1 int }

// sentences splits t[s:e] at full stops and semicolons that stand outside
// quotes and brackets.
func sentences(t []rune, s, e int) []sentence {
	var out []sentence
	depth := 0
	start := s
	fullStart := len(out)
	full0 := s
	flush := func(end int, full bool) {
		a, b := start, end
		for a < b && (t[a] == ' ' || t[a] == '，') {
			a++
		}
		for b > a && t[b-1] == ' ' {
			b--
		}
		if b > a {
			out = append(out, sentence{start: a, end: b, full0: full0})
		}
		start = end
		if full {
			for k := fullStart; k < len(out); k++ {
				out[k].full1 = end
			}
			fullStart = len(out)
			full0 = end
		}
	}
	for i := s; i < e; i++ {
		switch t[i] {
		case '“', '（', '《', '「', '‘':
			depth++
		case '”', '）', '》', '」', '’':
			if depth > 0 {
				depth--
			}
		case '。', '！', '？':
			if depth == 0 {
				flush(i+1, true)
			}
		case '；':
			if depth == 0 {
				flush(i+1, false)
			}
		}
	}
	flush(e, true)
	return out
}
