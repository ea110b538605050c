package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestChartsMirrorForRightToLeft: on a right-to-left page the scale and
// the labels sit on the right and the bars grow from there.
func TestChartsMirrorForRightToLeft(t *testing.T) {
	c := BarChart{ID: "c", Title: "t", Legend: "l", Unit: "u", Labels: []string{"a", "b"}, Values: []int64{100, 50},
		Axis: YuanAxis, Value: YuanValue}
	ltr, rtl := string(c.HorizontalBars()), ""
	c.RTL = true
	rtl = string(c.HorizontalBars())
	firstBar := regexp.MustCompile(`<rect x="([0-9.]+)" y="[0-9]+" width="([0-9.]+)" height="[0-9]+" fill="#2f6b3a">`)
	pos := func(svg string) (x, w float64) {
		m := firstBar.FindStringSubmatch(svg[strings.Index(svg, "chart-wide"):])
		if m == nil {
			t.Fatalf("no bar in %s", svg)
		}
		x, _ = strconv.ParseFloat(m[1], 64)
		w, _ = strconv.ParseFloat(m[2], 64)
		return x, w
	}
	lx, lw := pos(ltr)
	rx, rw := pos(rtl)
	if lw != rw || rx+rw != float64(wide.w)-lx {
		t.Fatalf("bar at %v+%v left to right, %v+%v right to left: not mirrored in %d", lx, lw, rx, rw, wide.w)
	}
	if !strings.Contains(rtl, `text-anchor="start">a</text>`) {
		t.Errorf("right to left, a label ends at the bar's right: anchor start expected")
	}
}

// TestChartFiguresFitTheChart: a long figure ("¥110.00 · 3 户", as on a
// receipt) is drawn inside the phone's chart, not cut off at its edge.
func TestChartFiguresFitTheChart(t *testing.T) {
	c := BarChart{ID: "c", Title: "t", Legend: "l", Unit: "u", Labels: []string{"策勒县", "洛浦县"}, Values: []int64{11000, 1500},
		Texts: []string{"¥110.00 · 3 户", "¥15.00 · 3 户"}, Axis: YuanAxis, Value: YuanValue}
	svg := string(c.HorizontalBars())
	narrowSVG := svg[strings.Index(svg, "chart-narrow"):strings.Index(svg, "chart-wide")]
	figure := regexp.MustCompile(`<text x="([0-9.]+)" y="[0-9]+" text-anchor="start"><tspan[^>]*>([^<]+)</tspan>`)
	found := figure.FindAllStringSubmatch(narrowSVG, -1)
	if len(found) != 2 {
		t.Fatalf("want 2 figures in the phone's chart, got %d in %s", len(found), narrowSVG)
	}
	for _, m := range found {
		x, _ := strconv.ParseFloat(m[1], 64)
		if end := int(x) + textWidth(m[2], narrow.font); end > narrow.w {
			t.Errorf("figure %q ends at %d px, past the chart's %d", m[2], end, narrow.w)
		}
	}
}
