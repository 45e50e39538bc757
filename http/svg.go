package http

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Charts are SVG drawn here rather than by a JavaScript library: they show
// without scripts, print sharply, weigh a few hundred bytes, need no build
// step, and every text in them goes through html.EscapeString.

// clamp01 limits f to [0, 1], NaN to 0.
func clamp01(f float64) float64 {
	if math.IsNaN(f) || f < 0 {
		return 0
	}
	return math.Min(f, 1)
}

// bar draws a horizontal progress bar with the expected progress (序时进度)
// as a dark tick, labelled for screen readers.
func bar(ratio, expected float64, colour string) template.HTML {
	r, e := clamp01(ratio), clamp01(expected)
	label := fmt.Sprintf("完成 %.1f%%，序时进度 %.1f%%", 100*ratio, 100*expected)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="%s"><title>%s</title>`, label, label)
	b.WriteString(`<rect width="100" height="10" fill="#e8eaed"/>`)
	fmt.Fprintf(&b, `<rect width="%.2f" height="10" fill="%s"/>`, 100*r, colour)
	if e > 0 {
		fmt.Fprintf(&b, `<rect x="%.2f" width="0.8" height="10" fill="#202124"/>`, math.Min(100*e, 99.2))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartPoint is one period's completion on the progress chart.
type chartPoint struct {
	Label string  // period key
	Ratio float64 // completion, 0..
	Has   bool    // a report counts for this period
}

// progressChart draws completion by period against the expected line, which
// rises linearly from 0 at the start of the year to 1 at its end.
func progressChart(points []chartPoint, title string) template.HTML {
	const w, h, left, right, top, bottom = 640.0, 240.0, 44.0, 12.0, 16.0, 36.0
	n := len(points)
	if n == 0 {
		return ""
	}
	pw, ph := w-left-right, h-top-bottom
	maxY := 1.0
	for _, p := range points {
		maxY = math.Max(maxY, math.Min(p.Ratio, 1.5))
	}
	x := func(i float64) float64 { return left + pw*i/float64(n) }
	y := func(v float64) float64 { return top + ph*(1-math.Min(v, maxY)/maxY) }
	var b strings.Builder
	t := html.EscapeString(title)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h, t, t)
	for _, g := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#dadce0"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#5f6368">%d%%</text>`,
			left, w-right, y(g), y(g), left-6, y(g)+4, int(g*100))
	}
	for i, p := range points {
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="11" text-anchor="middle" fill="#5f6368">%s</text>`, x(float64(i)+1), h-bottom+16, html.EscapeString(shortPeriod(p.Label)))
	}
	// expected line: 0 at the start, 1 at the end of the year
	fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#5f6368" stroke-dasharray="6 4" stroke-width="1.5"/>`, left, y(0), x(float64(n)), y(1))
	var path []string
	for i, p := range points {
		if !p.Has {
			continue
		}
		cmd := "L"
		if len(path) == 0 {
			cmd = "M"
		}
		path = append(path, fmt.Sprintf("%s%.1f %.1f", cmd, x(float64(i)+1), y(p.Ratio)))
	}
	if len(path) > 0 {
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#1a73e8" stroke-width="2.5"/>`, strings.Join(path, " "))
	}
	for i, p := range points {
		if p.Has {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#1a73e8"><title>%s：%.1f%%</title></circle>`, x(float64(i)+1), y(p.Ratio), html.EscapeString(p.Label), 100*p.Ratio)
		}
	}
	fmt.Fprintf(&b, `<g font-size="12"><line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#1a73e8" stroke-width="2.5"/><text x="%g" y="%g">实际完成</text>`, left+8, left+32, h-6, h-6, left+36, h-2)
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#5f6368" stroke-dasharray="6 4" stroke-width="1.5"/><text x="%g" y="%g">序时进度</text></g>`, left+110, left+134, h-6, h-6, left+138, h-2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// shortPeriod turns 2025-03 into 3月 and 2025Q1 into 一季度-like Q1.
func shortPeriod(k string) string {
	if i := strings.IndexByte(k, '-'); i > 0 {
		return strings.TrimPrefix(k[i+1:], "0") + "月"
	}
	if i := strings.IndexByte(k, 'Q'); i > 0 {
		return k[i:]
	}
	return k
}

// tile is one 市州 on the tile map.
type tile struct {
	Code, Name string
	Completion float64
	Expected   float64
	Reported   bool
	Colour     string
}

// tileGrid places the 21 cities of Sichuan roughly where they lie: west
// (甘孜, 阿坝, 凉山) to east (达州, 广安), north (广元) to south (攀枝花, 宜宾).
var tileGrid = map[string][2]int{
	"513200": {1, 0}, "510700": {2, 0}, "510800": {3, 0}, "511900": {4, 0}, "511700": {5, 0},
	"513300": {0, 1}, "510100": {1, 1}, "510600": {2, 1}, "510900": {3, 1}, "511300": {4, 1}, "511600": {5, 1},
	"511800": {1, 2}, "511400": {2, 2}, "512000": {3, 2}, "511000": {4, 2},
	"513400": {1, 3}, "511100": {2, 3}, "510300": {3, 3}, "510500": {4, 3},
	"510400": {1, 4}, "511500": {3, 4},
}

// shortCity drops the suffix of a city's name: 成都市 → 成都, 阿坝藏族羌族自治州 → 阿坝.
func shortCity(name string) string {
	if i := strings.Index(name, "藏族"); i > 0 {
		return name[:i]
	}
	if i := strings.Index(name, "彝族"); i > 0 {
		return name[:i]
	}
	return strings.TrimSuffix(name, "市")
}

// tileMap draws the cities as squares coloured by completion against
// expected progress, each a link to the city's page.
func tileMap(tiles []tile) template.HTML {
	const size, gap = 92.0, 6.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="tilemap" viewBox="0 0 %g %g" role="img" aria-label="四川省21个市州完成情况瓦片图"><title>四川省21个市州完成情况</title>`, 6*(size+gap), 5*(size+gap))
	for _, t := range tiles {
		pos, ok := tileGrid[t.Code]
		if !ok {
			continue
		}
		x, y := float64(pos[0])*(size+gap), float64(pos[1])*(size+gap)
		name := html.EscapeString(shortCity(t.Name))
		fmt.Fprintf(&b, `<a href="/units/%s" aria-label="%s：完成 %.1f%%"><rect x="%g" y="%g" width="%g" height="%g" rx="6" fill="%s"><title>%s：完成 %.1f%%，序时进度 %.1f%%</title></rect>`,
			t.Code, html.EscapeString(t.Name), 100*t.Completion, x, y, size, size, t.Colour, html.EscapeString(t.Name), 100*t.Completion, 100*t.Expected)
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" font-size="17" fill="#fff" font-weight="bold">%s</text>`, x+size/2, y+size/2-4, name)
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" font-size="15" fill="#fff">%.0f%%</text></a>`, x+size/2, y+size/2+18, 100*t.Completion)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
