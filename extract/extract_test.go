package extract

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"luoshi"
	"luoshi/catalog"
)

// TestSeedNoise checks the noisy newspaper excerpt: its five sentences cut
// by page breaks are rejoined, its three repeated passages are reported with
// both places and never yield a commitment twice, and its page markers are
// gone from every commitment.
func TestSeedNoise(t *testing.T) {
	text := readText(t, "seed.txt")
	g := readGold(t, "seed.gold.json")
	p, err := Extract(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, c := range p.Commitments {
		all += c.Text + "\n"
	}
	for _, pb := range g.Noise.PageBreaks {
		joined := fold(strings.Replace(pb, "|", "", 1))
		if !strings.Contains(all, joined) {
			t.Errorf("page break %q not rejoined in any commitment", pb)
		}
	}
	joins := 0
	for _, w := range p.Warnings {
		if w.Code == luoshi.WarnPageBreak {
			joins++
		}
	}
	if joins != len(g.Noise.PageBreaks) {
		t.Errorf("%d page-break warnings, want %d", joins, len(g.Noise.PageBreaks))
	}
	in := []rune(text)
	for _, dup := range g.Noise.Repeats {
		d := fold(dup)
		covered := false
		for _, w := range p.Warnings {
			if w.Code != luoshi.WarnRepeat || w.Other == nil {
				continue
			}
			second := fold(string(in[w.Span.Start:w.Span.End]))
			first := fold(string(in[w.Other.Start:w.Other.End]))
			if second != first {
				t.Errorf("repeat warning spans differ: %q vs %q", clip(second, 20), clip(first, 20))
			}
			if strings.Contains(second, d) || strings.Contains(d, second) {
				covered = true
			}
		}
		if !covered {
			t.Errorf("repeated passage %q has no warning", clip(dup, 20))
		}
	}
	seen := map[string]string{}
	for _, c := range p.Commitments {
		if id, dup := seen[c.Text]; dup {
			t.Errorf("commitment %s repeats %s: %q", c.ID, id, c.Text)
		}
		seen[c.Text] = c.ID
		for _, m := range g.Noise.Markers {
			if strings.Contains(c.Text, fold(m)) || strings.Contains(c.Text, "下转") || strings.Contains(c.Text, "上接") {
				t.Errorf("commitment %s keeps a page marker: %q", c.ID, c.Text)
			}
		}
	}
	for _, nt := range g.NotTargets {
		for _, tg := range p.Targets {
			if tg.Text == nt || strings.Contains(nt, tg.Text) && strings.Contains(nt, tg.Object) {
				t.Errorf("label %q read as target %s %s", nt, tg.Value, tg.Unit)
			}
		}
	}
}

// TestSpans checks that every span points into the input at the text it
// stands for, whatever the input's width forms and line ends.
func TestSpans(t *testing.T) {
	for _, name := range []string{"seed.txt", "sichuan-2025.txt", "miyi-2023.txt"} {
		text := readText(t, name)
		in := []rune(text)
		p, err := Extract(text, Options{})
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, s luoshi.Span, want string) {
			if s.Start < 0 || s.End > len(in) || s.Start > s.End {
				t.Fatalf("%s: %s span %v outside the input of %d characters", name, what, s, len(in))
			}
			got := fold(string(in[s.Start:s.End]))
			// The input may hold removed noise (a marker, a repeat)
			// inside a span; the text must stand at its two ends.
			r := []rune(want)
			h := string(r[:min(4, len(r))])
			tl := string(r[max(0, len(r)-4):])
			if !strings.HasPrefix(got, h) || !strings.HasSuffix(got, tl) {
				t.Errorf("%s: %s span %v holds %q, want %q", name, what, s, clip(got, 30), clip(want, 30))
			}
		}
		for _, c := range p.Commitments {
			check("commitment "+c.ID, c.Span, c.Text)
		}
		for _, tg := range p.Targets {
			check("target "+tg.ID, tg.Span, tg.Text)
		}
		for _, s := range p.Sections {
			if s.Span.End > len(in) || s.Span.Start > s.Span.End {
				t.Errorf("%s: section %s span %v", name, s.ID, s.Span)
			}
		}
	}
}

// TestNoisyForms feeds the same plan in the forms a copy from the web or a
// newspaper takes: CRLF line ends, full-width digits, ASCII punctuation,
// footnote markers, chrome lines.
func TestNoisyForms(t *testing.T) {
	text := "2025年某省政府工作报告\r\n来源：某某日报\r\n责任编辑：张三\r\n2025年工作安排\r\n" +
		"改造老旧小区４０００个以上,城市危旧房3万套^[3]。\r\n(下转第四版)\r\n新建公园１２个；新改建农村公路8000公里。\r\n"
	p, err := Extract(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range p.Targets {
		got = append(got, tg.Value.String()+tg.Unit)
	}
	if strings.Join(got, ",") != "4000个,30000套,12个,8000公里" {
		t.Errorf("targets = %v", got)
	}
	for _, c := range p.Commitments {
		if strings.ContainsAny(c.Text, "^[]\r") || strings.Contains(c.Text, "来源") || strings.Contains(c.Text, "编辑") {
			t.Errorf("commitment keeps noise: %q", c.Text)
		}
	}
	codes := map[string]int{}
	for _, w := range p.Warnings {
		codes[w.Code]++
	}
	if codes[luoshi.WarnChrome] != 2 || codes[luoshi.WarnPageMarker] != 1 {
		t.Errorf("warnings = %v, want 2 chrome and 1 page marker", codes)
	}
}

// TestBadText checks the errors for text that cannot be a report.
func TestBadText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "empty"},
		{"blank", " \n\t\r\n　", "empty"},
		{"no chinese", "lorem ipsum 12345", "no Chinese"},
		{"invalid utf-8", "四川\xff\xfe省", "byte offset 6"},
		{"too long", strings.Repeat("一", MaxRunes+1), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Extract(tt.text, Options{})
			if err == nil {
				t.Fatalf("no error, plan %+v", p)
			}
			var e *luoshi.Error
			if !errors.As(err, &e) || e.Code != luoshi.EInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v (%T), want an invalid error containing %q", err, err, tt.want)
			}
		})
	}
}

// TestSuggestedUnits checks that commitments carry ranked suggestions with
// the words that matched.
func TestSuggestedUnits(t *testing.T) {
	p, err := Extract(readText(t, "sichuan-2025.txt"), Options{Units: catalog.Sichuan()})
	if err != nil {
		t.Fatal(err)
	}
	with := 0
	for _, c := range p.Commitments {
		if len(c.SuggestedUnits) > 3 {
			t.Fatalf("%s has %d suggestions", c.ID, len(c.SuggestedUnits))
		}
		if len(c.SuggestedUnits) > 0 {
			with++
			if len(c.SuggestedUnits[0].Matched) == 0 {
				t.Errorf("%s: top suggestion without matched words", c.ID)
			}
		}
		for i := 1; i < len(c.SuggestedUnits); i++ {
			if c.SuggestedUnits[i].Score > c.SuggestedUnits[i-1].Score {
				t.Errorf("%s: suggestions not ranked", c.ID)
			}
		}
	}
	if with*10 < len(p.Commitments)*8 {
		t.Errorf("only %d of %d commitments have a suggestion", with, len(p.Commitments))
	}
	for _, tg := range p.Targets {
		if tg.Object == "老旧小区" {
			c := p.Commitments[commitmentIndex(p, tg.Commitment)]
			if c.SuggestedUnits[0].Unit != "住房城乡建设厅" {
				t.Errorf("老旧小区 suggested to %v", c.SuggestedUnits)
			}
		}
	}
}

func commitmentIndex(p *luoshi.Plan, id string) int {
	for i, c := range p.Commitments {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// FuzzExtract runs the whole pipeline on mutated reports: it must never
// panic, and what it returns must hold together.
func FuzzExtract(f *testing.F) {
	for _, name := range []string{"seed.txt", "miyi-2023.txt"} {
		b := readText(f, name)
		f.Add(b[:min(len(b), 3000)])
	}
	f.Add("2025年工作安排\n改造老旧小区4000个以上、城市危旧房3万套。")
	f.Add("（一）\n一、\n（上接第二版）\n“”《》5%—6%1—2项十万亿亿")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Extract(s, Options{Units: catalog.Sichuan()})
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(s)
		ids := map[string]bool{}
		for _, c := range p.Commitments {
			ids[c.ID] = true
			if c.Span.Start < 0 || c.Span.End > n || c.Span.Start > c.Span.End {
				t.Fatalf("commitment span %v outside %d", c.Span, n)
			}
			for _, i := range c.Targets {
				if i < 0 || i >= len(p.Targets) || p.Targets[i].Commitment != c.ID {
					t.Fatalf("commitment %s lists target %d wrongly", c.ID, i)
				}
			}
		}
		for _, tg := range p.Targets {
			if !ids[tg.Commitment] || tg.Span.Start < 0 || tg.Span.End > n || tg.Span.Start > tg.Span.End {
				t.Fatalf("target %+v does not hold together", tg)
			}
			if tg.Unit == "" || tg.Value.Sign() < 0 {
				t.Fatalf("target %+v without unit or negative", tg)
			}
		}
		for _, w := range p.Warnings {
			if w.Span.Start < 0 || w.Span.End > n || w.Span.Start > w.Span.End {
				t.Fatalf("warning span %v outside %d", w.Span, n)
			}
		}
	})
}

// BenchmarkExtract reads the full Sichuan 2025 report with lead-unit
// suggestions: the whole pipeline, one core. MB/s is the figure the extract
// issue sets (≥ 5 MB/s).
func BenchmarkExtract(b *testing.B) {
	text := readText(b, "sichuan-2025.txt")
	cat := catalog.Sichuan()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract(text, Options{Units: cat}); err != nil {
			b.Fatal(err)
		}
	}
}
