package extract

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"luoshi"
)

// goldFile is a gold file written by testdata/eval/TARGETS.md.
type goldFile struct {
	Source     string       `json:"source"`
	PlanStarts string       `json:"plan_starts_with"`
	Targets    []goldTarget `json:"targets"`
	NotTargets []string     `json:"not_targets"`
	Noise      goldNoise    `json:"noise"`
}

type goldTarget struct {
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Comparator string  `json:"comparator"`
	Strive     bool    `json:"strive"`
	Deadline   int     `json:"deadline"`
	Key        string  `json:"key"`
	Quote      string  `json:"quote"`
	Optional   bool    `json:"optional"`
}

type goldNoise struct {
	Repeats    []string `json:"duplicate_passages"`
	PageBreaks []string `json:"page_breaks_inside_a_sentence"`
	Markers    []string `json:"page_markers"`
}

func readGold(t testing.TB, name string) goldFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "eval", name))
	if err != nil {
		t.Fatal(err)
	}
	var g goldFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return g
}

func readText(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "eval", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scoreResult is what testdata/eval/score.py prints, and the targets behind
// the misses and false alarms.
type scoreResult struct {
	P, R, F1     float64
	TP, FP, FN   int
	Misses       []goldTarget
	FalseAlarms  []luoshi.Target
	MatchedPairs map[int]int // extracted index → gold index
}

func closeTo(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// score is a port of testdata/eval/score.py: a maximum one-to-one matching
// of extracted targets to required gold targets, then of those left over to
// optional gold, which counts neither way.
func score(gold []goldTarget, got []luoshi.Target) scoreResult {
	edges := make([][]int, len(got))
	for x, t := range got {
		v := t.Value.Float64()
		hay := t.Object + "|" + t.Sentence
		for i, g := range gold {
			if closeTo(v, g.Value) && strings.TrimSpace(t.Unit) == g.Unit && strings.Contains(hay, g.Key) {
				edges[x] = append(edges[x], i)
			}
		}
	}
	owner := map[int]int{}
	var augment func(x int, allowed func(int) bool, seen map[int]bool) bool
	augment = func(x int, allowed func(int) bool, seen map[int]bool) bool {
		for _, i := range edges[x] {
			if seen[i] || !allowed(i) {
				continue
			}
			seen[i] = true
			o, taken := owner[i]
			if !taken || augment(o, allowed, seen) {
				owner[i] = x
				return true
			}
		}
		return false
	}
	required := func(i int) bool { return !gold[i].Optional }
	for x := range got {
		augment(x, required, map[int]bool{})
	}
	matched := map[int]bool{}
	for _, x := range owner {
		matched[x] = true
	}
	for x := range got {
		if !matched[x] && augment(x, func(i int) bool { _, taken := owner[i]; return gold[i].Optional && !taken }, map[int]bool{}) {
			matched[x] = true
		}
	}
	var r scoreResult
	r.MatchedPairs = map[int]int{}
	for i, x := range owner {
		r.MatchedPairs[x] = i
		if required(i) {
			r.TP++
		}
	}
	for x, t := range got {
		if !matched[x] {
			r.FalseAlarms = append(r.FalseAlarms, t)
		}
	}
	for i, g := range gold {
		if _, ok := owner[i]; !ok && !g.Optional {
			r.Misses = append(r.Misses, g)
		}
	}
	r.FP, r.FN = len(r.FalseAlarms), len(r.Misses)
	if r.TP+r.FP > 0 {
		r.P = float64(r.TP) / float64(r.TP+r.FP)
	}
	if r.TP+r.FN > 0 {
		r.R = float64(r.TP) / float64(r.TP+r.FN)
	}
	if r.P+r.R > 0 {
		r.F1 = 2 * r.P * r.R / (r.P + r.R)
	}
	return r
}

// TestScoreAgainstGold scores the reader on the seed and the four dev
// reports, as testdata/eval/score.py would, and holds it to the figures the
// extract issue sets: P = R = 1 on the seed, F1 ≥ 0.95 on each report.
func TestScoreAgainstGold(t *testing.T) {
	cases := []struct {
		text, gold string
		minP, minR float64
		minF1      float64
	}{
		{"seed.txt", "seed.gold.json", 1, 1, 1},
		{"miyi-2023.txt", "miyi-2023.gold.json", 0, 0, 0.95},
		{"national-2024.txt", "national-2024.gold.json", 0, 0, 0.95},
		{"sichuan-2025.txt", "sichuan-2025.gold.json", 0, 0, 0.95},
		{"sichuan-2026.txt", "sichuan-2026.gold.json", 0, 0, 0.95},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			p, err := Extract(readText(t, tc.text), Options{})
			if err != nil {
				t.Fatal(err)
			}
			g := readGold(t, tc.gold)
			r := score(g.Targets, p.Targets)
			t.Logf("targets: P=%.3f R=%.3f F1=%.3f (tp=%d fp=%d fn=%d)", r.P, r.R, r.F1, r.TP, r.FP, r.FN)
			for _, m := range r.Misses {
				t.Logf("miss: %v %s %s «%s»", m.Value, m.Unit, m.Key, m.Quote)
			}
			for _, a := range r.FalseAlarms {
				t.Logf("false alarm: %s %s «%s»", a.Value, a.Unit, a.Text)
			}
			if r.P < tc.minP || r.R < tc.minR || r.F1 < tc.minF1 {
				t.Errorf("P=%.3f R=%.3f F1=%.3f, want P≥%.2f R≥%.2f F1≥%.2f", r.P, r.R, r.F1, tc.minP, tc.minR, tc.minF1)
			}
			// Every required gold target found must also have the gold's
			// comparator, strive and deadline: pair each with the extracted
			// target of its value and unit whose object names its key.
			named, required := 0, 0
			for _, gt := range g.Targets {
				if gt.Optional {
					continue
				}
				required++
				var et *luoshi.Target
				for x := range p.Targets {
					c := &p.Targets[x]
					if closeTo(c.Value.Float64(), gt.Value) && c.Unit == gt.Unit && strings.Contains(c.Object, gt.Key) {
						et = c
						break
					}
				}
				if et == nil {
					named++
					t.Logf("object without key %q: %v %s «%s»", gt.Key, gt.Value, gt.Unit, gt.Quote)
					for x := range p.Targets {
						c := &p.Targets[x]
						if closeTo(c.Value.Float64(), gt.Value) && c.Unit == gt.Unit && strings.Contains(fold(gt.Quote), fold(c.Text)) {
							et = c
							break
						}
					}
				}
				if et == nil {
					t.Errorf("no target of %v %s for «%s»", gt.Value, gt.Unit, gt.Quote)
					continue
				}
				if et.Comparator != gt.Comparator || et.Strive != gt.Strive || et.Deadline != gt.Deadline {
					t.Errorf("%s %s «%s»: got comparator %s strive %v deadline %d, gold %s %v %d",
						et.Value, et.Unit, gt.Quote, et.Comparator, et.Strive, et.Deadline, gt.Comparator, gt.Strive, gt.Deadline)
				}
			}
			// The object is what a person reads in the task table: it must
			// name the gold key for nearly every target.
			if required > 0 && float64(named)/float64(required) > 0.05 {
				t.Errorf("%d of %d targets have an object without the gold key", named, required)
			}
		})
	}
}

// TestScorePort checks the Go port of score.py on a hand-made case, so a
// fault in the scorer cannot pass the reader.
func TestScorePort(t *testing.T) {
	gold := []goldTarget{
		{Value: 4000, Unit: "个", Key: "老旧小区"},
		{Value: 30000, Unit: "套", Key: "危旧房"},
		{Value: 39, Unit: "个", Key: "欠发达县域", Optional: true},
	}
	mk := func(v int64, unit, obj string) luoshi.Target {
		d, _ := ParseNumber(strings.TrimSpace(itoa(v)))
		return luoshi.Target{Value: d, Unit: unit, Object: obj}
	}
	got := []luoshi.Target{mk(4000, "个", "老旧小区"), mk(39, "个", "欠发达县域"), mk(5, "个", "别的")}
	r := score(gold, got)
	if r.TP != 1 || r.FP != 1 || r.FN != 1 {
		t.Fatalf("tp=%d fp=%d fn=%d, want 1 1 1", r.TP, r.FP, r.FN)
	}
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// fold folds full-width digits and punctuation the way the reader does, for
// comparing gold quotes with extracted text.
func fold(s string) string {
	r := []rune(s)
	for i := range r {
		if f := foldChar(r, i, 0, len(r)); f != 0 {
			r[i] = f
		}
	}
	return string(r)
}
