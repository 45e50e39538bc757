package catalog

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"luoshi"
)

// Weights of the suggester.
const (
	// nameWeight is the raw weight of an explicit mention of a unit's full
	// or short name in the text: it outweighs a few keyword matches.
	nameWeight = 4.0
	// scoreScale turns a raw score into a score in (0, 1): 1-exp(-raw/scale).
	// One specific keyword scores about 0.4, a name mention about 0.86.
	scoreScale = 2.0
)

// posting is one unit a pattern counts for, with its weight.
type posting struct {
	unit   int32
	weight float64
}

// pattern is a string the suggester looks for: a keyword of one or more
// units, or a unit's name.
type pattern struct {
	text     string
	postings []posting
}

// index finds every pattern in a text by the pair of its first two
// characters: one map lookup per character of the text, then a prefix
// comparison for the few patterns that start with that pair (all patterns
// have at least two characters). Patterns under a key are sorted longest
// first.
type index struct {
	patterns []pattern
	byPair   map[uint64][]int32
	labels   []string // Unit.Label of each unit
}

func pairKey(r1, r2 rune) uint64 { return uint64(uint32(r1))<<32 | uint64(uint32(r2)) }

// keywordWeight is the weight of a keyword of n characters shared by df of
// units units: longer keywords are more specific, keywords many units
// share tell them apart less (an inverse document frequency).
func keywordWeight(n, df, units int) float64 {
	length := 0.5 + 0.125*float64(min(n, 8)) // 2 chars 0.75, 4 chars 1, 8+ chars 1.5
	idf := math.Log(1+float64(units)/float64(df)) / math.Log(1+float64(units))
	return length * idf
}

func buildIndex(units []Unit) *index {
	x := &index{byPair: make(map[uint64][]int32), labels: make([]string, len(units))}
	byText := make(map[string]int32)
	add := func(text string, unit int, name bool) {
		if utf8.RuneCountInString(text) < 2 {
			return
		}
		id, ok := byText[text]
		if !ok {
			id = int32(len(x.patterns))
			byText[text] = id
			x.patterns = append(x.patterns, pattern{text: text})
		}
		p := &x.patterns[id]
		for i := range p.postings {
			if p.postings[i].unit == int32(unit) {
				if name { // a name beats a keyword of the same unit
					p.postings[i].weight = -1
				}
				return
			}
		}
		w := 0.0 // keyword weights are set below, once document frequencies are known
		if name {
			w = -1
		}
		p.postings = append(p.postings, posting{unit: int32(unit), weight: w})
	}
	for i, u := range units {
		x.labels[i] = u.Label()
		add(u.Name, i, true)
		for _, s := range u.Short {
			add(s, i, true)
		}
		for _, k := range u.Keywords {
			add(k, i, false)
		}
	}
	for id := range x.patterns {
		p := &x.patterns[id]
		n := utf8.RuneCountInString(p.text)
		df := 0
		for _, ps := range p.postings {
			if ps.weight == 0 {
				df++
			}
		}
		for i := range p.postings {
			if p.postings[i].weight < 0 {
				p.postings[i].weight = nameWeight
			} else {
				p.postings[i].weight = keywordWeight(n, df, len(units))
			}
		}
		r1, w1 := utf8.DecodeRuneInString(p.text)
		r2, _ := utf8.DecodeRuneInString(p.text[w1:])
		k := pairKey(r1, r2)
		x.byPair[k] = append(x.byPair[k], int32(id))
	}
	for _, ids := range x.byPair {
		slices.SortFunc(ids, func(a, b int32) int {
			return cmp.Or(
				cmp.Compare(len(x.patterns[b].text), len(x.patterns[a].text)),
				cmp.Compare(x.patterns[a].text, x.patterns[b].text))
		})
	}
	return x
}

// match is an occurrence of a pattern in a text, as byte offsets.
type match struct {
	start, end int
	pattern    int32
}

// find appends to ms every occurrence of a pattern in text that is not
// strictly inside a longer occurrence (高速公路 hides 公路), in text order.
func (x *index) find(text string, ms []match) []match {
	maxEnd := 0
	r1, w1 := utf8.DecodeRuneInString(text)
	for i := 0; i < len(text); {
		if w1 == 0 {
			break
		}
		j := i + w1
		r2, w2 := utf8.DecodeRuneInString(text[j:])
		if w2 > 0 {
			for _, id := range x.byPair[pairKey(r1, r2)] {
				p := x.patterns[id].text
				if strings.HasPrefix(text[i:], p) {
					end := i + len(p)
					if end > maxEnd { // not inside an earlier, longer match
						ms = append(ms, match{start: i, end: end, pattern: id})
						maxEnd = end
					}
				}
			}
		}
		i, r1, w1 = j, r2, w2
	}
	return ms
}

// Suggest returns up to n candidate lead units for a commitment text, best
// first: score descending, then unit label. A unit scores by the keywords of
// its responsibilities found in the text (longer and more specific keywords
// weigh more, keywords shared by many units less) and, strongly, by an
// explicit mention of its name. Each suggestion carries the words of the
// text that matched, in text order, and a score in (0, 1). Suggest returns
// fewer than n suggestions when fewer units match, and an empty, non-nil
// slice when none does.
func (c *Catalog) Suggest(text string, n int) []luoshi.Suggestion {
	x := c.index
	var buf [32]match
	ms := x.find(text, buf[:0])
	if len(ms) == 0 || n <= 0 {
		return []luoshi.Suggestion{}
	}
	// Units with a score, in order of first match; few units match one
	// text, so a linear search beats a table of all units.
	type acc struct {
		unit    int32
		raw     float64
		matched []string
	}
	var accBuf [8]acc
	accs := accBuf[:0]
	for k, m := range ms {
		p := &x.patterns[m.pattern]
		if slices.ContainsFunc(ms[:k], func(o match) bool { return o.pattern == m.pattern }) {
			continue // a word counts once, however often the text repeats it
		}
		for _, ps := range p.postings {
			i := slices.IndexFunc(accs, func(a acc) bool { return a.unit == ps.unit })
			if i < 0 {
				i = len(accs)
				accs = append(accs, acc{unit: ps.unit})
			}
			accs[i].raw += ps.weight
			accs[i].matched = append(accs[i].matched, p.text)
		}
	}
	out := make([]luoshi.Suggestion, 0, len(accs))
	for _, a := range accs {
		out = append(out, luoshi.Suggestion{
			Unit:    x.labels[a.unit],
			Score:   1 - math.Exp(-a.raw/scoreScale),
			Matched: a.matched,
		})
	}
	slices.SortFunc(out, func(a, b luoshi.Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Unit, b.Unit))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
