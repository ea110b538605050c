package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/fupinmarket/market/internal/platform/money"
)

// Charts are drawn on the server as inline SVG: no script, no web font, and
// they print. Text uses the page's system font stack (set as a presentation
// attribute, which the strict CSP allows where a style attribute is not), so
// Chinese labels render with the platform's CJK font. Every chart carries its
// own title, legend and unit, and each bar a tooltip with the exact figure.

// chartFont is the CSS font stack of the interface notes for SVG text.
const chartFont = `'PingFang SC', 'Hiragino Sans GB', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', system-ui, sans-serif`

const (
	chartInk   = "#1f2a1f"
	chartMuted = "#5b6b5b"
	chartGrid  = "#e3dfd3"
	chartBar   = "#2f6b3a" // --leaf
	ChartGold  = "#b7791f" // --gold: a second series
)

// BarChart describes one bar chart.
type BarChart struct {
	ID     string // unique on the page, for aria-labelledby
	Title  string
	Legend string // what the bars are
	Unit   string // "单位：元"
	Note   string // a line under the chart, e.g. what was left out
	Labels []string
	Values []int64
	// Texts, when set, label each bar instead of Value(v).
	Texts []string
	// Max fixes the scale's top (0: four round steps above the largest
	// value, each at least MinStep).
	Max, MinStep int64
	// Axis formats a scale value, Value a bar's label and tooltip.
	Axis, Value func(int64) string
	Color       string
}

func svgEsc(s string) string { return template.HTMLEscapeString(s) }

// niceCeil rounds v up to 1, 2 or 5 × a power of ten.
func niceCeil(v int64) int64 {
	if v <= 0 {
		return 1
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, f := range []int64{1, 2, 5, 10} {
		if f*p >= v {
			return f * p
		}
	}
	return 10 * p
}

// scaleMax is the top of the scale: Max, or four round steps covering the
// largest value (so that every gridline is a round figure).
func (c BarChart) scaleMax() int64 {
	if c.Max > 0 {
		return c.Max
	}
	var m int64
	for _, v := range c.Values {
		m = max(m, v)
	}
	step := niceCeil((m + 3) / 4)
	if c.MinStep > 0 {
		step = max(step, c.MinStep)
	}
	return 4 * step
}

func (c BarChart) text(i int) string {
	if i < len(c.Texts) {
		return c.Texts[i]
	}
	return c.Value(c.Values[i])
}

func (c BarChart) color() string {
	if c.Color != "" {
		return c.Color
	}
	return chartBar
}

// head opens the SVG with its title and the legend line.
func (c BarChart) head(b *strings.Builder, w, h int) {
	fmt.Fprintf(b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-t %s-d" font-family="%s" font-size="12" fill="%s">`,
		w, h, w, h, c.ID, c.ID, chartFont, chartInk)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s；%s</desc>`, c.ID, svgEsc(c.Title), c.ID, svgEsc(c.Legend), svgEsc(c.Unit))
	fmt.Fprintf(b, `<text x="0" y="16" font-size="14" font-weight="bold">%s</text>`, svgEsc(c.Title))
	// Legend: a swatch, what it shows, the unit.
	fmt.Fprintf(b, `<rect x="0" y="26" width="12" height="12" fill="%s"/><text x="18" y="37">%s</text>`, c.color(), svgEsc(c.Legend))
	fmt.Fprintf(b, `<text x="%d" y="37" text-anchor="end" fill="%s">%s</text>`, w, chartMuted, svgEsc(c.Unit))
}

// VerticalBars draws one bar per label (months), with a scale on the left.
func (c BarChart) VerticalBars() template.HTML {
	const w, h, left, right, top, bottom = 680, 280, 72, 8, 52, 28
	var b strings.Builder
	c.head(&b, w, h)
	plotW, plotH := w-left-right, h-top-bottom
	top64 := c.scaleMax()
	for i := 0; i <= 4; i++ {
		v := top64 * int64(i) / 4
		y := top + plotH - plotH*i/4
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, left, y, w-right, y, chartGrid)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="%s">%s</text>`, left-6, y+4, chartMuted, svgEsc(c.Axis(v)))
	}
	n := max(len(c.Values), 1)
	slot := float64(plotW) / float64(n)
	for i, v := range c.Values {
		bh := 0.0
		if v > 0 {
			bh = float64(plotH) * float64(v) / float64(top64)
		}
		x := float64(left) + slot*float64(i) + slot*0.15
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s：%s</title></rect>`,
			x, float64(top+plotH)-bh, slot*0.7, bh, c.color(), svgEsc(c.Labels[i]), svgEsc(c.text(i)))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`, x+slot*0.35, h-8, chartMuted, svgEsc(c.Labels[i]))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, left, top+plotH, w-right, top+plotH, chartMuted)
	b.WriteString(`</svg>`)
	return c.wrap(b.String())
}

// HorizontalBars draws one labelled row per item, the figure at the bar's end.
func (c BarChart) HorizontalBars() template.HTML {
	const w, labelW, valueW, top, row = 560, 150, 140, 52, 26
	h := top + row*max(len(c.Values), 1) + 8
	var b strings.Builder
	c.head(&b, w, h)
	plotW := w - labelW - valueW
	top64 := c.scaleMax()
	if len(c.Values) == 0 {
		fmt.Fprintf(&b, `<text x="0" y="%d" fill="%s">—</text>`, top+16, chartMuted)
	}
	for i, v := range c.Values {
		y := top + row*i
		bw := 0.0
		if v > 0 {
			bw = float64(plotW) * float64(min(v, top64)) / float64(top64)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+17, svgEsc(clip(c.Labels[i], 22)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#f3f0e6"/>`, labelW, y+4, plotW, row-8)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s：%s</title></rect>`,
			labelW, y+4, bw, row-8, c.color(), svgEsc(c.Labels[i]), svgEsc(c.text(i)))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, labelW+plotW+6, y+17, svgEsc(c.text(i)))
	}
	b.WriteString(`</svg>`)
	return c.wrap(b.String())
}

func (c BarChart) wrap(svg string) template.HTML {
	out := `<figure class="chart-figure">` + svg
	if c.Note != "" {
		out += `<figcaption class="muted">` + svgEsc(c.Note) + `</figcaption>`
	}
	return template.HTML(out + `</figure>`)
}

// clip shortens s to about n columns of text (a Chinese character
// counts two) with an ellipsis.
func clip(s string, n int) string {
	width := 0
	for i, r := range s {
		w := 1
		if r >= 0x2E80 {
			w = 2
		}
		if width+w > n {
			return s[:i] + "…"
		}
		width += w
	}
	return s
}

// MonthLabels are the twelve months in the page's language.
func MonthLabels(p Page) []string {
	out := make([]string, 12)
	for i := range out {
		out[i] = p.T(fmt.Sprintf("rpt.m%d", i+1))
	}
	return out
}

// YuanAxis draws a yuan amount on a chart's scale (whole yuan when round).
func YuanAxis(fen int64) string { return money.WholeYuan(fen) }

// YuanValue labels a bar with its exact amount in yuan.
func YuanValue(fen int64) string { return money.GroupedYuan(fen) }

// YuanChart is a chart of amounts in yuan: its unit and scale set up the one
// way every report draws them (whole-yuan steps of at least ¥1).
func YuanChart(p Page, id, title, legend string) BarChart {
	return BarChart{ID: id, Title: title, Legend: legend, Unit: p.T("rpt.unit.yuan"),
		Axis: YuanAxis, Value: YuanValue, MinStep: 100}
}

// MonthlyYuan is a YuanChart of the twelve months of a year.
func MonthlyYuan(p Page, id, title, legend string, byMonth []int64) BarChart {
	c := YuanChart(p, id, title, legend)
	c.Labels, c.Values = MonthLabels(p), byMonth
	return c
}

// YearChoices are the years a report may be asked for: from the 2020
// campaign to this year, newest first, with the shown year included.
func YearChoices(shown, current int) []int {
	var out []int
	for y := max(current, shown); y >= min(2020, shown); y-- {
		out = append(out, y)
	}
	return out
}

// YearView is what the "year-form" partial reads: the year shown, the
// years offered, and the parameters the form keeps (sort, org).
type YearView struct {
	Year     int
	Years    []int
	Sort     string
	OrgParam string
}

// Years is the YearView of a report showing year.
func (s *Server) Years(year int) YearView {
	return YearView{Year: year, Years: YearChoices(year, s.Clock.Year())}
}
