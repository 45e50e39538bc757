package extract

import (
	"fmt"
	"strings"
	"unicode"

	"luoshi"
)

// cleaned is the input text made regular for reading: one paragraph a line,
// page markers and newspaper chrome removed, sentences cut by page breaks
// rejoined, repeated passages dropped, full-width digits and letters folded
// to ASCII and ASCII punctuation raised to its Chinese form. Every rune of
// text knows its offset in the input, so spans point into what the user gave.
type cleaned struct {
	text     []rune
	orig     []int // orig[i] is the input rune offset of text[i]
	inputLen int
	warnings []luoshi.Warning
}

// span maps the cleaned range [s, e) back to a span of the input.
func (c *cleaned) span(s, e int) luoshi.Span {
	if s >= e || s >= len(c.orig) {
		if s < len(c.orig) {
			return luoshi.Span{Start: c.orig[s], End: c.orig[s]}
		}
		return luoshi.Span{Start: c.inputLen, End: c.inputLen}
	}
	return luoshi.Span{Start: c.orig[s], End: c.orig[e-1] + 1}
}

// line is a line of the input while it is being cleaned.
type line struct {
	r    []rune
	orig []int
	// marker is set when a page marker was removed from the line: the
	// paragraph was cut by the page layout.
	marker bool
}

// pageMarkerWords are the words of a newspaper's continuation marker:
// (上接第二版), (下转第四版), (紧接第一版).
var pageMarkerWords = []string{"上接", "下转", "紧接", "接第", "转第"}

// chromePrefixes start lines that belong to a web page or newspaper, not to
// the report.
var chromePrefixes = []string{"来源：", "责任编辑", "编辑：", "作者：", "本报记者", "记者：", "通讯员", "图片来源", "原标题", "扫一扫", "分享到", "打印本页", "关闭窗口", "【字体", "字号：", "浏览次数", "点击数"}

func normalize(input string) *cleaned {
	in := []rune(input)
	c := &cleaned{inputLen: len(in)}
	var lines []line
	start := 0
	afterSource := false // the line before was a bare 来源：
	for i := 0; i <= len(in); i++ {
		if i < len(in) && in[i] != '\n' && in[i] != '\r' {
			continue
		}
		l, ok := c.cleanLine(in, start, i)
		start = i + 1
		if !ok {
			if len(l.r) > 0 {
				s := string(l.r)
				afterSource = s == "来源" || s == "来源：" || s == "来源:"
			}
			continue
		}
		if afterSource && len(l.r) <= 12 && !hasSentenceMark(l.r) && !strings.ContainsRune(string(l.r), '，') {
			c.warnings = append(c.warnings, luoshi.Warning{
				Code: luoshi.WarnChrome, Message: "非正文内容已删除：" + string(l.r),
				Span: luoshi.Span{Start: l.orig[0], End: l.orig[len(l.orig)-1] + 1},
			})
			afterSource = false
			continue
		}
		afterSource = false
		lines = append(lines, l)
	}
	lines = c.joinBreaks(lines)
	for i, l := range lines {
		if i > 0 {
			c.text = append(c.text, '\n')
			c.orig = append(c.orig, l.orig[0])
		}
		c.text = append(c.text, l.r...)
		c.orig = append(c.orig, l.orig...)
	}
	c.dropRepeats()
	return c
}

// cleanLine folds the runes in[s:e] and strips markers and chrome. It
// reports false for a line that is empty once cleaned.
func (c *cleaned) cleanLine(in []rune, s, e int) (line, bool) {
	l := line{r: make([]rune, 0, e-s), orig: make([]int, 0, e-s)}
	for i := s; i < e; i++ {
		r := foldChar(in, i, s, e)
		if r == 0 {
			continue
		}
		l.r = append(l.r, r)
		l.orig = append(l.orig, i)
	}
	// Footnote markers: ^[3], [3], [^3].
	l = cutAll(l, footnoteAt)
	n := len(l.r)
	l = cutAll(l, pageMarkerAt)
	if len(l.r) != n {
		l.marker = true
		c.warnings = append(c.warnings, luoshi.Warning{
			Code: luoshi.WarnPageMarker, Message: "页码标记已删除",
			Span: luoshi.Span{Start: s, End: e},
		})
	}
	l = trim(l)
	if len(l.r) == 0 {
		return l, false
	}
	if chromeLine(l.r) {
		c.warnings = append(c.warnings, luoshi.Warning{
			Code: luoshi.WarnChrome, Message: fmt.Sprintf("非正文内容已删除：%s", clip(string(l.r), 30)),
			Span: luoshi.Span{Start: l.orig[0], End: l.orig[len(l.orig)-1] + 1},
		})
		return l, false
	}
	return l, true
}

// fold returns the normalized form of in[i], or 0 to drop it.
func foldChar(in []rune, i, s, e int) rune {
	r := in[i]
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		a := r - 0xFF01 + '!'
		if a >= '0' && a <= '9' || a >= 'A' && a <= 'Z' || a >= 'a' && a <= 'z' || a == '%' || a == '.' || a == '+' {
			return a
		}
		return r
	case r == 0x3000 || r == 0xA0 || r == '\t' || r == 0xFEFF || r == 0x200B:
		return ' '
	}
	digitBefore := i > s && isDigit(in[i-1])
	digitAfter := i+1 < e && isDigit(in[i+1])
	switch r {
	case ',':
		if digitBefore && digitAfter && i+3 < e && isDigit(in[i+2]) && isDigit(in[i+3]) {
			return 0 // thousands separator
		}
		return '，'
	case ':':
		if digitBefore && digitAfter {
			return r
		}
		return '：'
	case ';':
		return '；'
	case '(':
		return '（'
	case ')':
		return '）'
	case '?':
		return '？'
	case '!':
		return '！'
	case '~', '～':
		return '～'
	}
	if r < ' ' {
		return 0
	}
	return r
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// cutAll removes every match of at (which returns the match length at i, or
// 0) from l.
func cutAll(l line, at func(r []rune, i int) int) line {
	out := line{r: l.r[:0:0], orig: l.orig[:0:0], marker: l.marker}
	for i := 0; i < len(l.r); {
		if n := at(l.r, i); n > 0 {
			i += n
			continue
		}
		out.r = append(out.r, l.r[i])
		out.orig = append(out.orig, l.orig[i])
		i++
	}
	return out
}

func footnoteAt(r []rune, i int) int {
	j := i
	if j < len(r) && r[j] == '^' {
		j++
	}
	if j >= len(r) || r[j] != '[' {
		return 0
	}
	j++
	if j < len(r) && r[j] == '^' {
		j++
	}
	k := j
	for k < len(r) && isDigit(r[k]) && k-j < 3 {
		k++
	}
	if k == j || k >= len(r) || r[k] != ']' {
		return 0
	}
	return k + 1 - i
}

// pageMarkerAt matches (上接第二版), （下转第4版）, 上接第二版.
func pageMarkerAt(r []rune, i int) int {
	j := i
	paren := j < len(r) && r[j] == '（'
	if paren {
		j++
	}
	ok := false
	for _, w := range pageMarkerWords {
		if hasPrefix(r[j:], w) {
			ok = true
			j += len([]rune(w))
			break
		}
	}
	if !ok {
		return 0
	}
	if j < len(r) && r[j] == '第' {
		j++
	}
	k := j
	for k < len(r) && k-j < 4 && (isDigit(r[k]) || strings.ContainsRune("一二三四五六七八九十零〇", r[k])) {
		k++
	}
	if k == j || k >= len(r) || r[k] != '版' {
		return 0
	}
	k++
	if paren {
		if k >= len(r) || r[k] != '）' {
			return 0
		}
		k++
	}
	return k - i
}

func hasPrefix(r []rune, p string) bool {
	i := 0
	for _, pr := range p {
		if i >= len(r) || r[i] != pr {
			return false
		}
		i++
	}
	return true
}

func trim(l line) line {
	s, e := 0, len(l.r)
	for s < e && unicode.IsSpace(l.r[s]) {
		s++
	}
	for e > s && unicode.IsSpace(l.r[e-1]) {
		e--
	}
	l.r, l.orig = l.r[s:e], l.orig[s:e]
	return l
}

// chromeLine reports whether a line is web or newspaper chrome: a source
// line, an editor's credit, a time stamp, a photo caption.
func chromeLine(r []rune) bool {
	s := string(r)
	for _, p := range chromePrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	if s == "来源" || s == "来源：" || s == "来源:" {
		return true
	}
	if strings.HasPrefix(s, "图为") || strings.HasPrefix(s, "▲") || strings.HasPrefix(s, "△") {
		return true
	}
	if (strings.HasSuffix(s, "摄") || strings.HasSuffix(s, "摄）")) && len(r) < 60 && strings.ContainsAny(s, "记者图") {
		return true
	}
	return timestampLine(r)
}

// timestampLine matches "2026年02月10日 07时41分" and "2026-02-10 07:41".
func timestampLine(r []rune) bool {
	if len(r) > 24 {
		return false
	}
	digits, colon := 0, false
	for _, x := range r {
		switch {
		case isDigit(x):
			digits++
		case x == ':' || x == '时' || x == '分':
			colon = true
		case strings.ContainsRune("年月日-/ 秒", x):
		default:
			return false
		}
	}
	return colon && digits >= 8
}

// terminal runes end a sentence or a paragraph.
func terminal(r rune) bool {
	return strings.ContainsRune("。！？；：…”’」』）)】.!?;:", r)
}

// joinBreaks rejoins paragraphs cut by a page break: a long line that does
// not end a sentence continues on the next line.
func (c *cleaned) joinBreaks(lines []line) []line {
	out := lines[:0:0]
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		for i+1 < len(lines) && cutParagraph(l) && !headingStart(lines[i+1].r) {
			next := lines[i+1]
			c.warnings = append(c.warnings, luoshi.Warning{
				Code:    luoshi.WarnPageBreak,
				Message: fmt.Sprintf("断行已接续：“%s|%s”", tail(l.r, 8), head(next.r, 8)),
				Span:    luoshi.Span{Start: l.orig[len(l.orig)-1], End: next.orig[0] + 1},
			})
			l = line{r: append(append([]rune{}, l.r...), next.r...), orig: append(append([]int{}, l.orig...), next.orig...), marker: next.marker}
			i++
		}
		out = append(out, l)
	}
	return out
}

// minCutLine is the shortest line taken as a paragraph cut by a page break
// when it lacks a final punctuation mark; shorter lines are headings.
const minCutLine = 50

func cutParagraph(l line) bool {
	if len(l.r) == 0 || terminal(l.r[len(l.r)-1]) {
		return false
	}
	return len(l.r) >= minCutLine || openQuote(l.r)
}

// openQuote reports whether a quotation mark or bracket opened in r is
// still open at its end: the line was cut inside it.
func openQuote(r []rune) bool {
	depth := 0
	for _, x := range r {
		switch x {
		case '“', '（', '《':
			depth++
		case '”', '）', '》':
			if depth > 0 {
				depth--
			}
		}
	}
	return depth > 0
}

func tail(r []rune, n int) string {
	if len(r) > n {
		r = r[len(r)-n:]
	}
	return string(r)
}

func head(r []rune, n int) string {
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Repeated passages: a newspaper page sometimes prints a passage twice. A
// run of at least minRepeat runes that already stood earlier is dropped and
// reported, so that it never yields a commitment twice.
const (
	repeatGram = 12
	minRepeat  = 30
)

func (c *cleaned) dropRepeats() {
	t := c.text
	if len(t) < minRepeat*2 {
		return
	}
	first := make(map[uint64]int, len(t))
	type rep struct{ at, n, from int }
	var reps []rep
	for i := 0; i+repeatGram <= len(t); {
		h, ok := gramHash(t[i : i+repeatGram])
		if !ok {
			i++
			continue
		}
		j, seen := first[h]
		if !seen {
			first[h] = i
			i++
			continue
		}
		n := 0
		for i+n < len(t) && j+n < i && t[j+n] == t[i+n] && t[i+n] != '\n' {
			n++
		}
		if n >= minRepeat {
			reps = append(reps, rep{i, n, j})
			i += n
			continue
		}
		i++
	}
	if len(reps) == 0 {
		return
	}
	text := make([]rune, 0, len(t))
	orig := make([]int, 0, len(t))
	last := 0
	for _, r := range reps {
		c.warnings = append(c.warnings, luoshi.Warning{
			Code:    luoshi.WarnRepeat,
			Message: fmt.Sprintf("重复段落已忽略（%d字）：“%s”", r.n, clip(string(t[r.at:r.at+r.n]), 24)),
			Span:    c.span(r.at, r.at+r.n),
			Other:   ptr(c.span(r.from, r.from+r.n)),
		})
		text = append(text, t[last:r.at]...)
		orig = append(orig, c.orig[last:r.at]...)
		last = r.at + r.n
	}
	text = append(text, t[last:]...)
	orig = append(orig, c.orig[last:]...)
	c.text, c.orig = text, orig
}

func ptr[T any](v T) *T { return &v }

// gramHash hashes a run of runes (FNV-1a); it refuses runs that cross a line.
func gramHash(r []rune) (uint64, bool) {
	h := uint64(14695981039346656037)
	for _, x := range r {
		if x == '\n' {
			return 0, false
		}
		h ^= uint64(x)
		h *= 1099511628211
	}
	return h, true
}
