package extract

import (
	"strings"
	"unicode"

	"luoshi"
)

// units are the measure words a target's number may carry, longest first
// where one is a prefix of another. A multiplier that belongs to the unit
// stays in it (千瓦, 千米); 万 and 亿 are part of the value.
var units = sortLongestFirst([]string{
	"个百分点", "百分点", "微克/立方米", "毫克/升", "美元", "港元", "欧元", "岁", "平方公里", "平方千米", "平方米", "立方米", "千瓦时", "千瓦", "千米", "千克",
	"公里", "公斤", "公顷", "人次", "架次", "标准箱", "标箱", "吨标准煤",
	"%", "‰", "个", "套", "户", "头", "亩", "吨", "人", "所", "家", "项", "座", "张", "次", "条",
	"部", "道", "株", "辆", "台", "处", "间", "斤", "米", "名", "件", "种", "只", "床", "位",
	"支", "场", "宗", "栋", "幢", "片", "棵", "艘", "架", "列", "份", "篇", "元", "批", "门", "首", "对", "组", "块", "根", "盏", "口",
})

func sortLongestFirst(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len([]rune(s[j])) > len([]rune(s[j-1])); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// peopleNouns name people: a number with a multiplier right before one of
// them counts people (为200万中小学生), so its unit is 人.
var peopleNouns = []string{"中小学生", "学生", "群体", "农民工", "毕业生", "人才", "老人", "老年人", "儿童", "职工", "劳动力", "青年", "居民", "群众", "农户", "贫困人口", "脱贫人口"}

// structureNouns follow a count that describes how something is organised,
// not a result to reach: 9个方面, 4个方向, 23个主要指标.
var structureNouns = []string{"方面", "方向", "指标", "主要指标", "维度", "环节", "类", "大类", "层级", "步", "阶段"}

// fromToVerbs after a number mean it is the starting point of a change
// (从77%提高到80%): only the end point is a target.
var fromToVerbs = []string{"提高到", "提高至", "提升到", "提升至", "增加到", "增加至", "增长到", "增长至", "增至", "降至", "降到", "下降到", "下降至", "降低到", "降低至", "减少到", "减少至", "扩大到", "扩大至", "调整到", "调整至", "调整为", "提高为", "上调至", "上调到", "下调至", "下调到"}

// Comparator words: before the number, and after the number and its unit.
var (
	atLeastBefore = []string{"不低于", "不少于", "至少", "超过", "突破", "高于", "大于", "多于", "达到", "超"}
	atMostBefore  = []string{"不超过", "不高于", "不多于", "低于", "少于", "小于"}
	atLeastAfter  = []string{"及以上", "以上"}
	atMostAfter   = []string{"以内", "以下", "之内"}
	aboutAfter    = []string{"左右"}
)

// candidate is a number in a sentence read as a target, before the checks
// that discard labels, ordinals and thresholds.
type candidate struct {
	n         number
	max       *number
	unit      string
	cmp       string
	cmpAfter  bool // the comparator came after the number
	cmpBefore bool // the comparator came before it
	end       int  // end of the number, its unit and comparator
	strive    bool
	deadline  int
	object    string
}

// sentenceTargets finds the targets of the sentence t[ss:se]; planYear is
// the year the report plans for (0 when unknown).
func sentenceTargets(t []rune, ss, se, planYear int) []candidate {
	var out []candidate
	quote := quoteDepths(t, ss, se)
	for i := ss; i < se; i++ {
		var n number
		var ok bool
		switch {
		case isASCIIDigit(t[i]):
			if i > ss && (isASCIIDigit(t[i-1]) || t[i-1] == '.' || isLetter(t[i-1])) {
				continue
			}
			n, ok = scanArabic(t[:se], i)
		case chineseDigit(t[i]) > 0 || t[i] == '十':
			if i > ss && isChineseNumeral(t[i-1]) {
				continue
			}
			n, ok = scanChinese(t[:se], i)
		default:
			continue
		}
		if !ok {
			continue
		}
		c, keep := readCandidate(t, ss, se, n, quote[i-ss], planYear)
		if keep {
			out = append(out, c)
			i = c.end - 1
		} else {
			i = n.end - 1
			if c.end > n.end {
				i = c.end - 1
			}
		}
	}
	out = dropNamedExamples(t, ss, out)
	propagateLists(t, out)
	for i := range out {
		out[i].object = objectOf(t, ss, se, out, i)
	}
	return out
}

func isLetter(r rune) bool { return r < 128 && unicode.IsLetter(r) }

// quoteDepths marks the runes of t[ss:se] that stand inside quotation marks
// or a book title, where numbers are names: “15+N”, 《…2024—2027年》.
func quoteDepths(t []rune, ss, se int) []bool {
	in := make([]bool, se-ss)
	depth := 0
	for i := ss; i < se; i++ {
		switch t[i] {
		case '“', '《', '「', '『', '〈':
			depth++
		case '”', '》', '」', '』', '〉':
			if depth > 0 {
				depth--
			}
		}
		in[i-ss] = depth > 0
	}
	return in
}

func matchUnit(t []rune, j, se int) string {
	if j >= se {
		return ""
	}
	for _, u := range units {
		if hasPrefix(t[j:se], u) {
			return u
		}
	}
	return ""
}

func matchAny(t []rune, j, se int, words []string) string {
	if j >= se || j < 0 {
		return ""
	}
	for _, w := range words {
		if hasPrefix(t[j:se], w) {
			return w
		}
	}
	return ""
}

// endsWithAny reports the word of words that t[:j] ends with, at or after ss.
func endsWithAny(t []rune, ss, j int, words []string) string {
	for _, w := range words {
		n := len([]rune(w))
		if j-n >= ss && hasPrefix(t[j-n:j], w) {
			return w
		}
	}
	return ""
}

func isDash(r rune) bool {
	return r == '—' || r == '－' || r == '-' || r == '～' || r == '~' || r == '至' || r == '–'
}

// readCandidate reads the unit, range and comparator around the number n
// and decides whether it can be a target.
func readCandidate(t []rune, ss, se int, n number, quoted bool, planYear int) (candidate, bool) {
	c := candidate{n: n, cmp: luoshi.CmpEqual, end: n.end}
	j := n.end
	if j < se && (t[j] == '多' || t[j] == '余') {
		c.cmp, c.cmpAfter = luoshi.CmpAtLeast, true
		j++
	}
	u := matchUnit(t, j, se)
	j += len([]rune(u))
	// A range: 5%—6%, 1—2项.
	if j+1 < se && isDash(t[j]) && (isASCIIDigit(t[j+1]) || !n.chinese && chineseDigit(t[j+1]) > 0) {
		var m number
		var ok bool
		if isASCIIDigit(t[j+1]) {
			m, ok = scanArabic(t[:se], j+1)
		} else {
			m, ok = scanChinese(t[:se], j+1)
		}
		if ok {
			k := m.end
			u2 := matchUnit(t, k, se)
			if u == "" || u2 == u || u2 == "" {
				if u == "" {
					u = u2
				}
				k += len([]rune(u2))
				c.max = &m
				c.cmp = luoshi.CmpRange
				j = k
			}
		}
	}
	c.end = j
	if u == "" && n.mult {
		if w := matchAny(t, j, se, peopleNouns); w != "" {
			u = "人"
		}
	}
	c.unit = u
	if u == "" || u == "百分点" {
		if u == "百分点" {
			c.unit = "个百分点"
		} else {
			return c, false
		}
	}
	// Labels, ordinals and names.
	if quoted || n.start > ss && (t[n.start-1] == '第' || t[n.start-1] == '+' || t[n.start-1] == '＋') {
		return c, false
	}
	if n.end < se && (isLetter(t[n.end]) || t[n.end] == '+' || t[n.end] == '＋') {
		return c, false
	}
	if n.chinese && !bigChinese(t[n.start:n.end]) {
		// 两项补贴, 五个专项治理, 十五条硬措施: reports write counts to reach
		// in Arabic digits; small Chinese numerals name things.
		return c, false
	}
	if n.start > ss && (t[n.start-1] == '”' || t[n.start-1] == '’') {
		// “现代种业、现代装备、冷链物流”3个先导性支撑产业: the count of a
		// named set, a label.
		return c, false
	}
	if matchAny(t, j, se, structureNouns) != "" {
		return c, false
	}
	// Ages name groups (0—6岁儿童, 满3岁即入园); only life expectancy is an
	// age to reach (人均预期寿命提高到79岁).
	if u == "岁" && !strings.Contains(string(t[ss:n.start]), "寿命") {
		return c, false
	}
	// Comparator after the unit.
	if c.cmp != luoshi.CmpRange {
		switch w := matchAny(t, j, se, atLeastAfter); {
		case w != "":
			c.cmp, c.cmpAfter = luoshi.CmpAtLeast, true
			j += len([]rune(w))
		case matchAny(t, j, se, atMostAfter) != "":
			c.cmp, c.cmpAfter = luoshi.CmpAtMost, true
			j += 2
		case matchAny(t, j, se, aboutAfter) != "":
			c.cmp, c.cmpAfter = luoshi.CmpAbout, true
			j += 2
		}
	}
	c.end = j
	// A threshold that defines a category: 营收1亿元以上企业, 500万元以上的项目.
	if c.cmpAfter && j < se && (t[j] == '的' || isHan(t[j]) && !strings.ContainsRune("和与及并或、", t[j])) {
		if !strings.ContainsRune("，。；、：）", t[j]) {
			return c, false
		}
	}
	if matchAny(t, j, se, fromToVerbs) != "" {
		return c, false
	}
	clause := clauseStart(t, ss, n.start)
	if pre := string(t[clause:n.start]); strings.Contains(pre, "预计") || strings.Contains(pre, "去年") {
		return c, false // a forecast or last year's figure: context, not a commitment
	}
	// Comparator before the number.
	if c.cmp == luoshi.CmpEqual {
		pre := n.start
		for pre > clause && strings.ContainsRune("在为达到", t[pre-1]) && n.start-pre < 2 {
			pre--
		}
		most := endsWithAny(t, clause, pre, atMostBefore)
		least := endsWithAny(t, clause, pre, atLeastBefore)
		if least == "达到" {
			least = ""
		}
		if most != "" && len(most) >= len(least) {
			c.cmp, c.cmpBefore = luoshi.CmpAtMost, true
		} else if least != "" {
			c.cmp, c.cmpBefore = luoshi.CmpAtLeast, true
		} else if n.start > clause && t[n.start-1] == '约' {
			c.cmp, c.cmpBefore = luoshi.CmpAbout, true
		}
	}
	// 力争 and 争取 mark what the sentence strives for after them; a
	// ceiling (控制在4%以内) is kept, not striven for.
	before := string(t[ss:n.start])
	c.strive = (strings.Contains(before, "力争") || strings.Contains(before, "争取")) &&
		(c.cmp != luoshi.CmpAtMost || strings.Contains(string(t[clause:n.start]), "力争"))
	c.deadline = deadline(t, ss, n.start, planYear)
	return c, true
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// clauseStart returns the start of the clause holding position i: after the
// last comma, semicolon or colon before it.
func clauseStart(t []rune, ss, i int) int {
	for k := i - 1; k >= ss; k-- {
		if strings.ContainsRune("，；：。！？", t[k]) {
			return k + 1
		}
	}
	return ss
}

// deadline returns the year a sentence ties its number to (到2027年,
// 力争2027年, 2027年前), or 0 for this year.
func deadline(t []rune, ss, i, planYear int) int {
	best := 0
	for k := ss; k+4 < i; k++ {
		if !isASCIIDigit(t[k]) || (k > ss && isASCIIDigit(t[k-1])) || t[k+4] != '年' {
			continue
		}
		if !(isASCIIDigit(t[k+1]) && isASCIIDigit(t[k+2]) && isASCIIDigit(t[k+3])) {
			continue
		}
		y := int(t[k]-'0')*1000 + int(t[k+1]-'0')*100 + int(t[k+2]-'0')*10 + int(t[k+3]-'0')
		if y < 2000 || y > 2100 || (planYear > 0 && y <= planYear) {
			continue
		}
		tied := k > ss && strings.ContainsRune("到至在于争", t[k-1])
		if k+5 < len(t) && (t[k+5] == '前' || t[k+5] == '底') {
			tied = true
		}
		if tied {
			best = y
		}
	}
	return best
}

// propagateLists shares a comparator across a list of numbers joined by 、
// (分别增长7.5%、8.5%以上; 不低于60%、55%).
func propagateLists(t []rune, cs []candidate) {
	joined := func(a, b candidate) bool { return listJoined(t, a, b) }
	for i := len(cs) - 2; i >= 0; i-- {
		if joined(cs[i], cs[i+1]) && cs[i].cmp == luoshi.CmpEqual && cs[i+1].cmpAfter && cs[i].unit == cs[i+1].unit {
			cs[i].cmp, cs[i].cmpAfter = cs[i+1].cmp, true
		}
	}
	for i := 1; i < len(cs); i++ {
		if joined(cs[i-1], cs[i]) && cs[i].cmp == luoshi.CmpEqual && cs[i-1].cmpBefore {
			cs[i].cmp, cs[i].cmpBefore = cs[i-1].cmp, true
		}
	}
}

// leadVerbs open a clause whose object follows the number: 实施320个年度共建项目.
var leadVerbs = []string{"新建", "新增", "新改建", "改建", "建成", "建设", "实施", "完成", "打造", "培育", "创建", "建立", "开工", "推进", "支持", "发展", "改造", "引进", "引育", "举办", "开展", "认定", "评定", "新评定", "布局", "设立", "争创", "遴选", "招引", "落地", "提供", "组织", "新开工", "启动", "扶持", "安排", "发行", "培训", "帮助", "吸纳", "加快", "加快发展", "持续实施", "做优做强", "做强", "提升", "达到", "突破", "超过", "力争", "争取", "确保"}

// objectOf names what a target counts. When a noun phrase follows the
// number and its unit (建成6个万亿级产业, 完成137家省重点实验室优化重组) it is
// the object; otherwise the words before the number, back to the start of
// its clause (改造老旧小区4000个以上), with verbs and time words trimmed; a
// list item with no words of its own (7.5%、8.5%) shares its neighbour's.
func objectOf(t []rune, ss, se int, cs []candidate, i int) string {
	c := &cs[i]
	start := objectStart(t, ss, c.n.start)
	if a := afterObject(t, c.end, se); a != "" {
		// 楠木河等3条中小河流治理: the examples before 等 name it too.
		if c.n.start > start && t[c.n.start-1] == '等' {
			k := c.n.start - 1
			for k > start && t[k-1] != '、' && t[k-1] != '和' {
				k--
			}
			if ex := trimObject(removeParens(string(t[k : c.n.start-1]))); ex != "" {
				return ex + "等" + a
			}
		}
		return a
	}
	b := trimObject(removeParens(string(t[start:c.n.start])))
	if b == "" && i > 0 && listJoined(t, cs[i-1], *c) {
		return cs[i-1].object
	}
	if nounless(b) {
		// 发行超长期特别国债，…，今年先发行1万亿元: the verb said earlier in
		// the sentence what it acts on.
		if v := verbAtEnd(removeParens(string(t[start:c.n.start]))); v != "" {
			if o := earlierObject(t, ss, start, v); o != "" {
				return o
			}
		}
		// 农村公路提升行动，新（改）建6000公里: the object is in the clause
		// before.
		if start > ss {
			pb := clauseStart(t, ss, start-1)
			prev := trimObject(removeParens(string(t[pb : start-1])))
			if prev != "" && !nounless(prev) {
				return prev
			}
		}
	}
	return b
}

const objectStops = "，；：。！？"

// objectStart walks back from i to where the object of a number begins: the
// last clause mark, or a 、 that closes an item with a number of its own.
// Brackets are stepped over whole.
func objectStart(t []rune, ss, i int) int {
	depth := 0
	for k := i - 1; k >= ss; k-- {
		switch r := t[k]; {
		case r == '）':
			depth++
		case r == '（':
			if depth == 0 {
				return k + 1
			}
			depth--
		case depth > 0:
		case strings.ContainsRune(objectStops, r):
			return k + 1
		case r == '、':
			// 老旧小区4000个以上、城市危旧房3万套: the item before has its own
			// number. 工业投资、技改投资增长20%: it shares this one.
			p := clauseStart(t, ss, k)
			if hasDigit(t[p:k]) {
				return k + 1
			}
		}
	}
	return ss
}

func hasDigit(r []rune) bool {
	for _, x := range r {
		if isASCIIDigit(x) {
			return true
		}
	}
	return false
}

// afterObject returns the noun phrase after a number's unit, up to the end
// of its clause (or a 、 before another number), or "" when the clause ends
// there or goes on with a verb.
func afterObject(t []rune, j, se int) string {
	var b strings.Builder
	depth := 0
	for k := j; k < se; k++ {
		r := t[k]
		switch {
		case r == '（':
			depth++
			continue
		case r == '）':
			if depth > 0 {
				depth--
			}
			continue
		case depth > 0:
			continue
		case strings.ContainsRune(objectStops, r):
			k = se
			continue
		case r == '、':
			e := k + 1
			for e < se && !strings.ContainsRune(objectStops, t[e]) {
				e++
			}
			if hasDigit(t[k:e]) {
				k = se
				continue
			}
		case isASCIIDigit(r):
			k = se
			continue
		}
		b.WriteRune(r)
	}
	a := b.String()
	if a == "" || matchAny([]rune(a), 0, len([]rune(a)), afterVerbs) != "" {
		return ""
	}
	return trimObject(a)
}

// afterVerbs open words after a number that are not what it counts.
var afterVerbs = []string{"用于", "以上", "以下", "以内", "左右", "的", "和", "与", "及", "并", "或", "其中", "同比", "比上年", "增长", "下降", "提高", "降低", "减少", "增加", "达到", "达", "为", "是", "之一", "等"}

// removeParens drops bracketed asides: 新（改）建 → 新建.
func removeParens(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '（':
			depth++
		case r == '）':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nounless reports whether an object is nothing but verbs and time words.
func nounless(s string) bool {
	if s == "" {
		return true
	}
	for _, w := range leadVerbs {
		if s == w {
			return true
		}
	}
	return len([]rune(s)) <= 1
}

// objectTrim are words trimmed from the ends of an object.
var objectTrimStart = []string{"今年", "全年", "年内", "当年", "累计", "先", "再", "拟", "全省", "全市", "全县", "全区", "持续", "加快", "着力", "努力", "进一步", "力争", "争取", "确保", "推动"}

var objectTrimEnd = []string{"稳定在", "控制在", "保持在", "提高到", "提升到", "达到", "不低于", "不少于", "超过", "突破", "增长", "下降", "降低", "提高", "减少", "涨幅", "分别", "达", "在", "为", "超", "约", "至少", "以上", "以内", "左右", "确保", "力争", "全年", "新增", "的", "等"}

func trimObject(s string) string {
	for changed := true; changed; {
		changed = false
		for _, w := range objectTrimEnd {
			if strings.HasSuffix(s, w) && len(s) > len(w) {
				s, changed = strings.TrimSuffix(s, w), true
			}
		}
		for _, w := range leadVerbs {
			if strings.HasPrefix(s, w) && len(s) > len(w) {
				s, changed = strings.TrimPrefix(s, w), true
			}
		}
		for _, w := range objectTrimStart {
			if strings.HasPrefix(s, w) && len(s) > len(w) {
				s, changed = strings.TrimPrefix(s, w), true
			}
		}
		// A year: 力争2027年建成
		if r := []rune(s); len(r) > 5 && isASCIIDigit(r[0]) && r[4] == '年' && hasDigitsOnly(r[:4]) {
			s, changed = string(r[5:]), true
		}
	}
	for _, w := range append(leadVerbs, objectTrimEnd...) {
		if s == w {
			return ""
		}
	}
	return s
}

// bigChinese reports whether Chinese numerals carry 万 or 亿 (五千亿, 三万),
// the only Chinese numerals reports use for amounts.
func bigChinese(r []rune) bool {
	for _, x := range r {
		if x == '万' || x == '亿' {
			return true
		}
	}
	return false
}

// dropNamedExamples drops numbers that are part of the names in an
// enumeration closed by 等N个: in 确保20万吨电池级磷酸铁及磷酸铁锂等9个重点项目竣工投产
// only 9个 is a target; 20万吨 names a project.
func dropNamedExamples(t []rune, ss int, cs []candidate) []candidate {
	out := cs[:0]
	for i, c := range cs {
		named := false
		for _, d := range cs[i+1:] {
			if d.n.start > ss && t[d.n.start-1] == '等' && clauseStart(t, ss, d.n.start) <= c.n.start && !listJoined(t, c, d) {
				named = true
				break
			}
		}
		if !named {
			out = append(out, c)
		}
	}
	return out
}

// listJoined reports whether nothing but punctuation of a list stands
// between two candidates.
func listJoined(t []rune, a, b candidate) bool {
	between := strings.TrimSpace(string(t[a.end:b.n.start]))
	return between == "、" || between == "和" || between == "及"
}

func hasDigitsOnly(r []rune) bool {
	for _, x := range r {
		if !isASCIIDigit(x) {
			return false
		}
	}
	return true
}

// verbAtEnd returns the lead verb that s ends with, if any.
func verbAtEnd(s string) string {
	best := ""
	for _, v := range leadVerbs {
		if strings.HasSuffix(s, v) && len(v) > len(best) {
			best = v
		}
	}
	return best
}

// earlierObject finds verb v in t[ss:end] and returns the words after it up
// to the end of that clause.
func earlierObject(t []rune, ss, end int, v string) string {
	text := string(t[ss:end])
	i := strings.Index(text, v)
	if i < 0 {
		return ""
	}
	rest := []rune(text[i+len(v):])
	k := 0
	for k < len(rest) && !strings.ContainsRune(objectStops+"、", rest[k]) {
		k++
	}
	o := trimObject(removeParens(string(rest[:k])))
	if nounless(o) {
		return ""
	}
	return o
}
