package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Charts are drawn on the server as inline SVG: no script, no web font, and
// they print. Text uses the page's system font stack (set as a presentation
// attribute, which the strict CSP allows where a style attribute is not), so
// Chinese labels render with the platform's CJK font. Every chart carries its
// own title, legend and unit, and each bar a tooltip with the exact figure.

// chartFont is the CSS font stack of UI.md for SVG text.
const chartFont = `'PingFang SC', 'Hiragino Sans GB', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', system-ui, sans-serif`

const (
	chartInk   = "#1f2a1f"
	chartMuted = "#5b6b5b"
	chartGrid  = "#e3dfd3"
	chartBar   = "#2f6b3a" // --leaf
	chartBar2  = "#b7791f" // --gold
)

// barChart describes one bar chart.
type barChart struct {
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
func (c barChart) scaleMax() int64 {
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

func (c barChart) text(i int) string {
	if i < len(c.Texts) {
		return c.Texts[i]
	}
	return c.Value(c.Values[i])
}

func (c barChart) color() string {
	if c.Color != "" {
		return c.Color
	}
	return chartBar
}

// head opens the SVG with its title and the legend line.
func (c barChart) head(b *strings.Builder, w, h int) {
	fmt.Fprintf(b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-t %s-d" font-family="%s" font-size="12" fill="%s">`,
		w, h, w, h, c.ID, c.ID, chartFont, chartInk)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s；%s</desc>`, c.ID, svgEsc(c.Title), c.ID, svgEsc(c.Legend), svgEsc(c.Unit))
	fmt.Fprintf(b, `<text x="0" y="16" font-size="14" font-weight="bold">%s</text>`, svgEsc(c.Title))
	// Legend: a swatch, what it shows, the unit.
	fmt.Fprintf(b, `<rect x="0" y="26" width="12" height="12" fill="%s"/><text x="18" y="37">%s</text>`, c.color(), svgEsc(c.Legend))
	fmt.Fprintf(b, `<text x="%d" y="37" text-anchor="end" fill="%s">%s</text>`, w, chartMuted, svgEsc(c.Unit))
}

// VerticalBars draws one bar per label (months), with a scale on the left.
func (c barChart) VerticalBars() template.HTML {
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
func (c barChart) HorizontalBars() template.HTML {
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
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+17, svgEsc(rptClip(c.Labels[i], 22)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#f3f0e6"/>`, labelW, y+4, plotW, row-8)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s：%s</title></rect>`,
			labelW, y+4, bw, row-8, c.color(), svgEsc(c.Labels[i]), svgEsc(c.text(i)))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, labelW+plotW+6, y+17, svgEsc(c.text(i)))
	}
	b.WriteString(`</svg>`)
	return c.wrap(b.String())
}

func (c barChart) wrap(svg string) template.HTML {
	out := `<figure class="barChart-figure">` + svg
	if c.Note != "" {
		out += `<figcaption class="muted">` + svgEsc(c.Note) + `</figcaption>`
	}
	return template.HTML(out + `</figure>`)
}

// rptClip shortens s to about n columns of text (a Chinese character
// counts two) with an ellipsis.
func rptClip(s string, n int) string {
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

// --- number formats (also template functions) ----------------------------

// rptGroup writes an integer with thousands separators: 1234567 → 1,234,567.
func rptGroup(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 && !(neg && b.Len() == 1) {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// rptInt accepts the integer types templates pass.
func rptInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case int32:
		return int64(n)
	case uint32:
		return int64(n)
	case fmt.Stringer:
		i, _ := strconv.ParseInt(n.String(), 10, 64)
		return i
	}
	return 0
}

// numFunc is the "num" template function: an integer with separators.
func numFunc(v any) string { return rptGroup(rptInt(v)) }

// moneyFunc is the "money" template function: fen as yuan with separators
// and two decimals, 123456789 → 1,234,567.89.
func moneyFunc(v any) string {
	fen := rptInt(v)
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%s.%02d", sign, rptGroup(fen/100), fen%100)
}

// yuanWhole is fen as whole yuan with separators (barChart scales).
func yuanWhole(fen int64) string {
	if fen%100 != 0 {
		return moneyFunc(fen)
	}
	return rptGroup(fen / 100)
}

// pctFunc is the "pct" template function: part of whole as a percentage
// with one decimal, computed in integers ("—" when whole is 0).
func pctFunc(part, whole any) string {
	p, w := rptInt(part), rptInt(whole)
	if w == 0 {
		return "—"
	}
	tenths := (p*1000 + w/2) / w
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}
