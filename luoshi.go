// Package luoshi holds the domain of luoshi (落实): a government work report
// (政府工作报告) read into a plan of sections, commitments and quantitative
// targets, and the types every other package of the project shares.
//
// The package imports no database, web or file-format code; those live in
// packages named after what they wrap (sqlite, postgres, http, xlsx) and
// depend on this one, never the other way round.
package luoshi

import "luoshi/decimal"

// Span is a half-open range [Start, End) of character (Unicode code point)
// offsets into the decoded input text, so a user interface can highlight an
// item in its context.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Len returns the number of characters the span covers.
func (s Span) Len() int { return s.End - s.Start }

// Section kinds: what a numbered part of a report is for.
const (
	KindPreamble   = "preamble"   // text before the first numbered part
	KindReview     = "review"     // review of last year's work: numbers are results
	KindPlan       = "plan"       // this year's (or the period's) plan: commitments and targets
	KindGoals      = "goals"      // overall requirements and main expected targets
	KindGlossary   = "glossary"   // 名词解释 / 注释: definitions, never targets
	KindLivelihood = "livelihood" // 民生实事 list
	KindOther      = "other"      // e.g. the government's own conduct (政府自身建设)
)

// Section is a numbered part of a report: a part (一、二、…) at level 1 or a
// section ((一)(二)…) at level 2.
type Section struct {
	ID     string `json:"id"`     // path such as "3" or "3.2"
	Level  int    `json:"level"`  // 1 for 一、, 2 for (一)
	Number string `json:"number"` // the numeral as written: "三", "（二）"
	Title  string `json:"title"`
	Kind   string `json:"kind"`
	Span   Span   `json:"span"`
}

// Suggestion is a candidate lead unit (牵头单位) for a commitment, with the
// score that ranked it and the words of the commitment that matched the
// unit's responsibilities.
type Suggestion struct {
	Unit    string   `json:"unit"`
	Score   float64  `json:"score"`
	Matched []string `json:"matched"`
}

// Commitment is one thing the government will do: a sentence or clause of
// the plan part of a report.
type Commitment struct {
	ID             string       `json:"id"`
	Section        string       `json:"section"` // Section.ID
	SectionTitle   string       `json:"section_title,omitempty"`
	Lead           string       `json:"lead"` // 标题句 of the paragraph, if any
	Text           string       `json:"text"`
	Span           Span         `json:"span"`
	Targets        []int        `json:"targets"` // indexes into Plan.Targets
	SuggestedUnits []Suggestion `json:"suggested_units"`
}

// Comparators of a target, as TARGETS.md defines them.
const (
	CmpEqual   = "="
	CmpAtLeast = ">="
	CmpAtMost  = "<="
	CmpAbout   = "~"
	CmpRange   = "range"
)

// Target is a quantitative target (量化目标): a number the government commits
// to reach, keep or stay within, for a measurable object.
type Target struct {
	ID         string           `json:"id"`
	Commitment string           `json:"commitment"` // Commitment.ID
	Value      decimal.Decimal  `json:"value"`
	ValueMax   *decimal.Decimal `json:"value_max"` // upper bound of a range, else null
	Unit       string           `json:"unit"`
	Comparator string           `json:"comparator"`
	Strive     bool             `json:"strive"`   // 力争 / 争取
	Deadline   int              `json:"deadline"` // year, 0 for this year
	Object     string           `json:"object"`
	Text       string           `json:"text"` // the number as written, e.g. "1.4万亿斤左右"
	Sentence   string           `json:"sentence"`
	Span       Span             `json:"span"` // span of Text
}

// Warning is something the reader noticed about its input and worked around,
// such as a repeated passage or a sentence rejoined across a page break.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Span    Span   `json:"span"`
	Other   *Span  `json:"other,omitempty"` // the first occurrence, for repeats
}

// Warning codes.
const (
	WarnRepeat     = "repeated_passage"
	WarnPageBreak  = "page_break_joined"
	WarnPageMarker = "page_marker_removed"
	WarnChrome     = "chrome_removed"
	WarnNoPlan     = "no_plan_part"
)

// Plan is a report read into its parts: what `luoshi extract` returns and
// what the store keeps.
type Plan struct {
	ID           int64  `json:"id,omitempty"`           // store key, 0 until stored
	Jurisdiction string `json:"jurisdiction,omitempty"` // e.g. 四川省
	Version      int    `json:"version,omitempty"`      // 1 for the first import of a plan
	SourceHash   string `json:"source_hash,omitempty"`  // hex SHA-256 of Source
	Source       string `json:"-"`                      // the decoded input text; spans index it

	Title       string       `json:"title"`
	Year        int          `json:"year,omitempty"`
	Warnings    []Warning    `json:"warnings"`
	Sections    []Section    `json:"sections"`
	Commitments []Commitment `json:"commitments"`
	Targets     []Target     `json:"targets"`
}
