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
	// RTL mirrors the chart for a right-to-left page: the scale and the
	// labels on the right, months from the right, bars growing leftwards.
	RTL bool
}

// mirror places drawings for the chart's direction on a canvas w wide.
type mirror struct {
	rtl bool
	w   float64
}

// x is the position x, measured from the start side.
func (m mirror) x(x float64) float64 {
	if m.rtl {
		return m.w - x
	}
	return x
}

// box is the left edge of a box from x to x+width (from the start side).
func (m mirror) box(x, width float64) float64 {
	if m.rtl {
		return m.w - x - width
	}
	return x
}

// anchor is a text-anchor said from the start side ("start" or "end").
func (m mirror) anchor(a string) string {
	if !m.rtl {
		return a
	}
	switch a {
	case "start":
		return "end"
	case "end":
		return "start"
	}
	return a
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

// geometry is one drawing of a chart: the wide one for tablets and
// desktops, the narrow one for phones, where a scaled-down wide drawing
// would print its labels at 5 or 6 px. The page carries both; the
// stylesheet shows the one that fits (reports.css).
type geometry struct {
	class                  string
	w, font, titleFont     int
	left, right, top, h    int // vertical bars: plot margins and height
	labelW, valueW, row    int // horizontal bars: label and value columns, row height
	labelCols, minLabelGap int // horizontal labels clipped to labelCols columns; vertical labels at least minLabelGap apart
}

var (
	wide   = geometry{class: "chart-wide", w: 680, font: 12, titleFont: 14, left: 72, right: 8, top: 52, h: 280, labelW: 150, valueW: 140, row: 26, labelCols: 22, minLabelGap: 0}
	narrow = geometry{class: "chart-narrow", w: 340, font: 13, titleFont: 15, left: 58, right: 4, top: 56, h: 250, labelW: 96, valueW: 84, row: 28, labelCols: 12, minLabelGap: 30}
)

// head opens the SVG with its title and the legend line.
func (c BarChart) head(b *strings.Builder, g geometry, h int) {
	// direction="ltr": anchors and positions are absolute (mirror places
	// them for a right-to-left page); Uyghur text still shapes right to left.
	fmt.Fprintf(b, `<svg class="chart %s" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-%s-t %s-%s-d" font-family="%s" font-size="%d" fill="%s" direction="ltr">`,
		g.class, g.w, h, g.w, h, c.ID, g.class, c.ID, g.class, chartFont, g.font, chartInk)
	fmt.Fprintf(b, `<title id="%s-%s-t">%s</title><desc id="%s-%s-d">%s；%s</desc>`, c.ID, g.class, svgEsc(c.Title), c.ID, g.class, svgEsc(c.Legend), svgEsc(c.Unit))
	m := mirror{c.RTL, float64(g.w)}
	fmt.Fprintf(b, `<text x="%g" y="%d" font-size="%d" font-weight="bold" text-anchor="%s">%s</text>`, m.x(0), g.titleFont+2, g.titleFont, m.anchor("start"), svgEsc(c.Title))
	// Legend: a swatch, what it shows, the unit.
	y := g.titleFont + 2 + g.font + 10
	fmt.Fprintf(b, `<rect x="%g" y="%d" width="%d" height="%d" fill="%s"/><text x="%g" y="%d" text-anchor="%s">%s</text>`,
		m.box(0, float64(g.font)), y-g.font+1, g.font, g.font, c.color(), m.x(float64(g.font+6)), y, m.anchor("start"), svgEsc(c.Legend))
	fmt.Fprintf(b, `<text x="%g" y="%d" text-anchor="%s" fill="%s">%s</text>`, m.x(float64(g.w)), y, m.anchor("end"), chartMuted, svgEsc(c.Unit))
}

// VerticalBars draws one bar per label (months), with a scale on the left.
func (c BarChart) VerticalBars() template.HTML {
	return c.wrap(c.verticalBars(narrow) + c.verticalBars(wide))
}

func (c BarChart) verticalBars(g geometry) string {
	w, h, left, right, top, bottom := g.w, g.h, g.left, g.right, g.top, g.font+16
	m := mirror{c.RTL, float64(w)}
	var b strings.Builder
	c.head(&b, g, h)
	plotW, plotH := w-left-right, h-top-bottom
	top64 := c.scaleMax()
	for i := 0; i <= 4; i++ {
		v := top64 * int64(i) / 4
		y := top + plotH - plotH*i/4
		fmt.Fprintf(&b, `<line x1="%g" y1="%d" x2="%g" y2="%d" stroke="%s"/>`, m.x(float64(left)), y, m.x(float64(w-right)), y, chartGrid)
		fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="%s" fill="%s">%s</text>`, m.x(float64(left-6)), y+4, m.anchor("end"), chartMuted, svgEsc(c.Axis(v)))
	}
	n := max(len(c.Values), 1)
	slot := float64(plotW) / float64(n)
	every := 1 // label every bar, or every other one when they would touch
	if g.minLabelGap > 0 && slot < float64(g.minLabelGap) {
		every = 2
	}
	for i, v := range c.Values {
		bh := 0.0
		if v > 0 {
			bh = float64(plotH) * float64(v) / float64(top64)
		}
		x := float64(left) + slot*float64(i) + slot*0.15
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s：%s</title></rect>`,
			m.box(x, slot*0.7), float64(top+plotH)-bh, slot*0.7, bh, c.color(), svgEsc(c.Labels[i]), svgEsc(c.text(i)))
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`, m.x(x+slot*0.35), h-6, chartMuted, svgEsc(c.Labels[i]))
		}
	}
	fmt.Fprintf(&b, `<line x1="%g" y1="%d" x2="%g" y2="%d" stroke="%s"/>`, m.x(float64(left)), top+plotH, m.x(float64(w-right)), top+plotH, chartMuted)
	b.WriteString(`</svg>`)
	return b.String()
}

// HorizontalBars draws one labelled row per item, the figure at the bar's end.
func (c BarChart) HorizontalBars() template.HTML {
	return c.wrap(c.horizontalBars(narrow) + c.horizontalBars(wide))
}

func (c BarChart) horizontalBars(g geometry) string {
	w, labelW, valueW, top, row := g.w, g.labelW, g.valueW, g.top, g.row
	// The figures column grows to the longest figure (a receipt's reads
	// "¥110.00 · 3 户"), up to two fifths of the chart. Longer figures (on a
	// phone, in English or Uyghur words) go on a line of their own under
	// their bar, which then spans the chart: no figure is cut off.
	widest := 0
	for i := range c.Values {
		widest = max(widest, textWidth(c.text(i), g.font)+8)
	}
	below := widest > w*2/5
	rowH := row
	if below {
		valueW, rowH = 4, row+g.font+4
	} else {
		valueW = max(valueW, widest)
	}
	m := mirror{c.RTL, float64(w)}
	h := top + rowH*max(len(c.Values), 1) + 8
	var b strings.Builder
	c.head(&b, g, h)
	plotW := w - labelW - valueW
	top64 := c.scaleMax()
	if len(c.Values) == 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="%s" fill="%s">—</text>`, m.x(0), top+16, m.anchor("start"), chartMuted)
	}
	base := (row + g.font) / 2 // the text's baseline in its row
	for i, v := range c.Values {
		y := top + rowH*i
		bw := 0.0
		if v > 0 {
			bw = float64(plotW) * float64(min(v, top64)) / float64(top64)
		}
		fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="%s">%s</text>`, m.x(float64(labelW-8)), y+base, m.anchor("end"), svgEsc(clip(c.Labels[i], g.labelCols)))
		fmt.Fprintf(&b, `<rect x="%g" y="%d" width="%d" height="%d" fill="#f3f0e6"/>`, m.box(float64(labelW), float64(plotW)), y+4, plotW, row-8)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s：%s</title></rect>`,
			m.box(float64(labelW), bw), y+4, bw, row-8, c.color(), svgEsc(c.Labels[i]), svgEsc(c.text(i)))
		fx, fy := labelW+plotW+6, y+base // beside the bar
		if below {
			fx, fy = labelW, y+row+g.font-2 // under it
		}
		fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="%s"><tspan direction="ltr" unicode-bidi="embed">%s</tspan></text>`, m.x(float64(fx)), fy, m.anchor("start"), svgEsc(c.text(i)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func (c BarChart) wrap(svg string) template.HTML {
	out := `<figure class="chart-figure">` + svg
	if c.Note != "" {
		out += `<figcaption class="muted">` + svgEsc(c.Note) + `</figcaption>`
	}
	return template.HTML(out + `</figure>`)
}

// textWidth estimates the drawn width of s at font px: a Chinese
// character is about one em, Latin letters and digits a little over half.
func textWidth(s string, font int) int {
	cols := 0
	for _, r := range s {
		cols += columns(r)
	}
	return cols * font * 6 / 10
}

// columns is how many columns r takes: two for a Chinese character (CJK
// and wider), one for anything else.
func columns(r rune) int {
	if r >= 0x2E80 {
		return 2
	}
	return 1
}

// clip shortens s to about n columns of text (a Chinese character
// counts two) with an ellipsis.
func clip(s string, n int) string {
	width := 0
	for i, r := range s {
		w := columns(r)
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
		Axis: YuanAxis, Value: YuanValue, MinStep: 100, RTL: p.Dir == "rtl"}
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
