// Package catalog holds the reference data about units (单位) that luoshi
// carries as files, and suggests a lead unit (牵头单位) for a commitment.
//
// Two kinds of unit are described here:
//
//   - departments and other bodies of a provincial government, read from a
//     tab-separated file (the embedded default is sichuan-departments.tsv,
//     see [Sichuan]; another province replaces the file and calls [Load]);
//   - administrative divisions by GB/T 2260 code (sichuan-regions.tsv, see
//     [SichuanRegions] and [LoadRegions]).
//
// # Department file
//
// One unit a row, with a header row and five columns:
//
//	name      full name (全称), e.g. 四川省住房和城乡建设厅
//	short     short names separated by |, the form documents write first
//	          (住房城乡建设厅|省住房城乡建设厅|省住建厅|住建厅)
//	kind      组成部门, 直属机构, 部门管理机构, 省委机构, 人民团体, 中央驻川单位, …
//	keywords  responsibility phrases (职责关键词) separated by |, written as
//	          report text writes them: 老旧小区改造|城中村|燃气
//	note      category details, sources and how sure the row is; may be empty
//
// Lines starting with # are comments. Short names are unique across the
// file: a short name identifies one unit.
//
// # Naming units
//
// A [luoshi.Suggestion] names its unit by the unit's first short name, the
// form provincial documents write in a list of responsible units (责任单位):
// 省发展改革委, 经济和信息化厅, 住房城乡建设厅 (厅 often without 省; 委, 局
// and 办 with it). [Unit.Label] returns that form and [Catalog.Lookup]
// resolves it, the full name and every other short name back to the unit.
//
// # Suggesting a lead unit
//
// [Catalog.Suggest] finds every keyword and unit name in a commitment's text
// (one map lookup per character, on the pair of characters a pattern starts
// with), keeps the maximal occurrences (高速公路 hides 公路, 新能源汽车 hides
// 新能源), and scores each unit by the sum of the weights of the distinct
// words it matched: a keyword weighs more the longer it is and less the more
// units share it; a unit's own name weighs as much as several keywords. The
// sum s becomes a score 1-exp(-s/2) in (0, 1).
package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Unit is a department or other body that can lead or share a commitment.
type Unit struct {
	Name     string   // full name (全称), unique in a catalog
	Short    []string // short names (简称), the form documents write first
	Kind     string   // 组成部门, 直属机构, …
	Keywords []string // responsibility phrases (职责关键词)
	Note     string   // sources, category details, how sure the row is
}

// Label returns the name documents write for u: its first short name, or
// its full name if it has none.
func (u Unit) Label() string {
	if len(u.Short) > 0 {
		return u.Short[0]
	}
	return u.Name
}

// clone returns a copy of u that shares no slice with it.
func (u Unit) clone() Unit {
	u.Short = append([]string(nil), u.Short...)
	u.Keywords = append([]string(nil), u.Keywords...)
	return u
}

// Catalog is a set of units with an index for [Catalog.Lookup] and
// [Catalog.Suggest]. A Catalog is immutable and safe for concurrent use.
type Catalog struct {
	units  []Unit
	byName map[string]int // full and short names to index into units
	index  *index
}

// minKeywordRunes is the shortest keyword, in characters, a file may hold:
// a single character (锂, 钾) matches far too much report text.
const minKeywordRunes = 2

// Load reads a department file (see the package documentation for the
// format) from r. name is the file name used in error messages. A malformed
// row gives a *ParseError naming the line and column; a full name or short
// name used twice is an error too.
func Load(r io.Reader, name string) (*Catalog, error) {
	t := newTSVReader(r, name, "name", "short", "kind", "keywords", "note")
	c := &Catalog{byName: make(map[string]int)}
	owner := make(map[string]int) // name or short name to line that defined it
	for {
		f, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		u := Unit{Name: f[0], Kind: f[2], Note: f[4]}
		if strings.TrimSpace(u.Name) == "" {
			return nil, t.errf(1, "empty")
		}
		if strings.TrimSpace(u.Name) != u.Name {
			return nil, t.errf(1, "%q has surrounding spaces", u.Name)
		}
		if line, dup := owner[u.Name]; dup {
			return nil, t.errf(1, "duplicate name %q (line %d)", u.Name, line)
		}
		owner[u.Name] = t.line
		if u.Short, err = t.list(2, f[1]); err != nil {
			return nil, err
		}
		for _, s := range u.Short {
			if s == u.Name {
				continue
			}
			if line, dup := owner[s]; dup {
				return nil, t.errf(2, "short name %q already names the unit of line %d", s, line)
			}
			owner[s] = t.line
		}
		if strings.TrimSpace(u.Kind) == "" {
			return nil, t.errf(3, "empty")
		}
		if u.Keywords, err = t.list(4, f[3]); err != nil {
			return nil, err
		}
		seen := make(map[string]bool, len(u.Keywords))
		for _, k := range u.Keywords {
			if utf8.RuneCountInString(k) < minKeywordRunes {
				return nil, t.errf(4, "keyword %q shorter than %d characters", k, minKeywordRunes)
			}
			if seen[k] {
				return nil, t.errf(4, "duplicate keyword %q", k)
			}
			seen[k] = true
		}
		i := len(c.units)
		c.units = append(c.units, u)
		c.byName[u.Name] = i
		for _, s := range u.Short {
			c.byName[s] = i
		}
	}
	if len(c.units) == 0 {
		return nil, &ParseError{File: name, Msg: "no units"}
	}
	c.index = buildIndex(c.units)
	return c, nil
}

//go:embed sichuan-departments.tsv
var sichuanDepartments string

// sichuanCatalog parses the embedded department file once, at first use.
var sichuanCatalog = sync.OnceValue(func() *Catalog {
	c, err := Load(strings.NewReader(sichuanDepartments), "sichuan-departments.tsv")
	if err != nil {
		// The shipped file is checked by the package tests.
		panic(fmt.Sprintf("catalog: embedded department file: %v", err))
	}
	return c
})

// Sichuan returns the embedded catalog of Sichuan provincial units: the 75
// units of shared/reference/sichuan-departments.md with curated keywords.
func Sichuan() *Catalog { return sichuanCatalog() }

// Units returns the units of c in file order. The result is a copy: changing
// it does not change c.
func (c *Catalog) Units() []Unit {
	us := make([]Unit, len(c.units))
	for i, u := range c.units {
		us[i] = u.clone()
	}
	return us
}

// Lookup returns the unit with the given full name or short name. Names are
// also tried with the 省 prefix added or removed (住房城乡建设厅 and
// 省住房城乡建设厅, 省发展改革委 and 发展改革委) and with 四川省 shortened to
// 省, so the forms documents write resolve.
func (c *Catalog) Lookup(name string) (Unit, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Unit{}, false
	}
	candidates := []string{name}
	if rest, ok := strings.CutPrefix(name, "四川省"); ok {
		candidates = append(candidates, "省"+rest, rest)
	} else if rest, ok := strings.CutPrefix(name, "省"); ok {
		candidates = append(candidates, rest)
	} else {
		candidates = append(candidates, "省"+name)
	}
	for _, n := range candidates {
		if i, ok := c.byName[n]; ok && n != "" {
			return c.units[i].clone(), true
		}
	}
	return Unit{}, false
}
