package extract

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"luoshi"
)

// Heading styles, in their usual order of rank.
const (
	styleNone     = iota
	stylePart     // an unnumbered part heading: 2025年工作安排建议
	styleNumbered // 一、
	styleParen    // （一）
)

// para is a paragraph of the cleaned text: a line, with the heading it
// starts with if any.
type para struct {
	start, end int // cleaned rune offsets of the line
	style      int
	number     string // 三 or （二）
	title      string
	bodyStart  int // where the body text starts (after a heading's title)
	section    int // index into doc.sections, -1 for none
	kind       string
	lead       string // a short unnumbered heading line above the paragraph
}

// doc is the structure of a report: its paragraphs and sections.
type doc struct {
	c        *cleaned
	title    string
	year     int
	paras    []para
	sections []luoshi.Section
	secKind  []string
}

var chineseDigits = "零〇一二两三四五六七八九十"

// numberedHeading matches 一、 at the start of r and returns its length and
// numeral.
func numberedHeading(r []rune) (int, string) {
	i := 0
	for i < len(r) && i < 4 && strings.ContainsRune(chineseDigits, r[i]) {
		i++
	}
	if i == 0 || i >= len(r) || r[i] != '、' {
		return 0, ""
	}
	return i + 1, string(r[:i])
}

// parenHeading matches （一） at the start of r.
func parenHeading(r []rune) (int, string) {
	if len(r) < 3 || r[0] != '（' {
		return 0, ""
	}
	i := 1
	for i < len(r) && i < 5 && strings.ContainsRune(chineseDigits, r[i]) {
		i++
	}
	if i == 1 || i >= len(r) || r[i] != '）' {
		return 0, ""
	}
	return i + 1, string(r[:i+1])
}

// headingStart reports whether a line opens with a numbered heading, which a
// cut paragraph is never joined to.
func headingStart(r []rune) bool {
	n1, _ := numberedHeading(r)
	n2, _ := parenHeading(r)
	return n1 > 0 || n2 > 0
}

// Words that name the kind of a part of a report by its heading.
var (
	reviewWords     = []string{"工作回顾", "回顾", "过去一年", "过去五年", "主要成绩", "一年来的工作", "工作总结", "发展成就", "取得的成就", "年来的工作"}
	glossaryWords   = []string{"名词解释", "名词注释", "注释", "附注", "注解", "释义"}
	livelihoodWords = []string{"民生实事"}
	planWords       = []string{"工作安排", "工作任务", "总体要求", "主要考虑", "主要目标", "预期目标", "工作建议", "安排建议", "重点任务", "重点工作", "主要任务", "政策取向", "发展目标", "工作部署", "计划", "今后五年", "未来五年", "十五五", "目标任务", "奋斗目标"}
	otherWords      = []string{"自身建设"}
)

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func partKind(title string) string {
	switch {
	case containsAny(title, glossaryWords):
		return luoshi.KindGlossary
	case containsAny(title, reviewWords):
		return luoshi.KindReview
	case containsAny(title, livelihoodWords):
		return luoshi.KindLivelihood
	case containsAny(title, otherWords):
		return luoshi.KindOther
	case containsAny(title, planWords):
		return luoshi.KindPlan
	}
	return ""
}

// maxHeading is the longest line taken as an unnumbered heading.
const maxHeading = 40

func sentenceMark(r rune) bool { return strings.ContainsRune("。！？；", r) }

// structure splits the cleaned text into paragraphs and finds the headings,
// the parts and their kinds.
func structure(c *cleaned) *doc {
	d := &doc{c: c}
	t := c.text
	for s := 0; s <= len(t); {
		e := s
		for e < len(t) && t[e] != '\n' {
			e++
		}
		if e > s {
			d.paras = append(d.paras, classify(t, s, e))
		}
		s = e + 1
	}
	d.findTitle()
	d.assignSections()
	return d
}

func classify(t []rune, s, e int) para {
	r := t[s:e]
	p := para{start: s, end: e, bodyStart: s, section: -1}
	if n, num := numberedHeading(r); n > 0 {
		p.style, p.number = styleNumbered, num
		p.title, p.bodyStart = headTitle(t, s+n, e)
		return p
	}
	if n, num := parenHeading(r); n > 0 {
		p.style, p.number = styleParen, num
		p.title, p.bodyStart = headTitle(t, s+n, e)
		return p
	}
	if len(r) <= maxHeading && !hasSentenceMark(r) && !containsRune(string(r), '，') {
		line := string(r)
		if partKind(line) != "" {
			p.style, p.title, p.bodyStart = stylePart, line, e
		}
	}
	return p
}

func hasSentenceMark(r []rune) bool {
	for _, x := range r {
		if sentenceMark(x) || x == '。' {
			return true
		}
	}
	return false
}

// headTitle returns a numbered heading's title, the text up to its first
// full stop, and where the body after it starts.
func headTitle(t []rune, s, e int) (string, int) {
	for i := s; i < e; i++ {
		if t[i] == '。' || t[i] == '！' || t[i] == '？' {
			return string(t[s:i]), i + 1
		}
	}
	return string(t[s:e]), e
}

// findTitle takes the report's title from its first lines and the year the
// plan is for from the title or the opening lines.
func (d *doc) findTitle() {
	for i, p := range d.paras {
		if i > 8 || p.style != styleNone {
			break
		}
		line := string(d.c.text[p.start:p.end])
		if strings.Contains(line, "工作报告") && utf8.RuneCountInString(line) <= 40 {
			if d.title == "" || utf8.RuneCountInString(line) > utf8.RuneCountInString(d.title) {
				d.title = line
			}
		}
	}
	if y := firstYear(d.title); y > 0 {
		d.year = y
		return
	}
	// The meeting line: （2023年2月12日在米易县第十九届人民代表大会第三次会议上）
	for i, p := range d.paras {
		if i > 10 {
			break
		}
		line := string(d.c.text[p.start:p.end])
		if strings.Contains(line, "会议上") || strings.Contains(line, "代表大会") {
			if y := firstYear(line); y > 0 {
				d.year = y
				return
			}
		}
	}
}

// firstYear returns the first four-digit year (1949–2100) followed by 年.
func firstYear(s string) int {
	r := []rune(s)
	for i := 0; i+4 < len(r); i++ {
		if r[i+4] == '年' && (i == 0 || !isDigit(r[i-1])) {
			if y, err := strconv.Atoi(string(r[i : i+4])); err == nil && y >= 1949 && y <= 2100 {
				return y
			}
		}
	}
	return 0
}

// assignSections gives every heading a level by the rank of its style among
// the styles the report uses, builds the section list, and decides the kind
// of every paragraph.
func (d *doc) assignSections() {
	used := map[int]bool{}
	for _, p := range d.paras {
		if p.style != styleNone && !(p.style == stylePart && partKind(p.title) == luoshi.KindGlossary) {
			used[p.style] = true
		}
	}
	level := map[int]int{}
	n := 0
	for _, s := range []int{stylePart, styleNumbered, styleParen} {
		if used[s] {
			n++
			level[s] = n
		}
	}
	level[stylePart] = 1 // a glossary heading is always a part
	// If no part is named as review or plan, the text is an excerpt of the
	// plan itself (a newspaper page): read everything as plan.
	named := false
	for _, p := range d.paras {
		if p.style != styleNone && level[p.style] == 1 {
			if k := partKind(p.title); k == luoshi.KindReview || k == luoshi.KindPlan {
				named = true
			}
		}
	}
	kind := luoshi.KindPreamble
	if !named {
		kind = luoshi.KindPlan
	}
	var path []int  // section numbers by level
	var stack []int // section indexes by level
	cur := -1
	lead := ""
	for i := range d.paras {
		p := &d.paras[i]
		if p.style != styleNone {
			lv := level[p.style]
			if lv > len(path)+1 {
				lv = len(path) + 1 // a heading never skips a level: （四） before any part is a part
			}
			for len(path) < lv {
				path = append(path, 0)
				stack = append(stack, -1)
			}
			path = path[:lv]
			stack = stack[:lv]
			path[lv-1]++
			k := partKind(p.title)
			switch {
			case lv == 1 && k == luoshi.KindLivelihood && kind == luoshi.KindReview:
				// a review of last year's 民生实事 stays review
			case lv == 1 && k != "":
				kind = k
			case lv == 1:
				if kind == luoshi.KindPreamble {
					kind = luoshi.KindPlan
				}
			case k == luoshi.KindLivelihood && kind != luoshi.KindReview && kind != luoshi.KindGlossary:
				kind = luoshi.KindLivelihood
			case k == luoshi.KindGlossary:
				kind = k
			default:
				if lv > 1 && len(stack) > 1 && stack[0] >= 0 {
					kind = d.secKind[stack[0]]
				}
			}
			ids := make([]string, lv)
			for j := range ids {
				ids[j] = strconv.Itoa(path[j])
			}
			sec := luoshi.Section{
				ID: strings.Join(ids, "."), Level: lv, Number: p.number, Title: p.title,
				Kind: kind, Span: d.c.span(p.start, p.end),
			}
			d.sections = append(d.sections, sec)
			d.secKind = append(d.secKind, kind)
			cur = len(d.sections) - 1
			stack[lv-1] = cur
			lead = ""
		} else if len(d.c.text[p.start:p.end]) <= maxHeading && !hasSentenceMark(d.c.text[p.start:p.end]) {
			// An unnumbered short line inside a part heads the paragraphs
			// below it; the first line is the title.
			if i > 0 && string(d.c.text[p.start:p.end]) != d.title {
				lead = string(d.c.text[p.start:p.end])
			}
			p.kind = kind
			p.section = cur
			p.lead = ""
			p.bodyStart = p.end
			continue
		}
		p.section = cur
		p.kind = kind
		p.lead = lead
	}
}
