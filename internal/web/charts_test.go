package web

import (
	"fmt"
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

// TestChartFiguresFitTheChart: long figures (a receipt's "¥110.00 · 3
// 户", and the same in English and Uyghur words) are drawn inside the
// chart in both drawings and both directions, not cut off at an edge.
func TestChartFiguresFitTheChart(t *testing.T) {
	figure := regexp.MustCompile(`<text x="([0-9.]+)" y="[0-9]+" text-anchor="(start|end)"><tspan[^>]*>([^<]+)</tspan>`)
	for _, tc := range []struct {
		lang  string
		texts []string
	}{
		{"zh-CN", []string{"¥110.00 · 3 户", "¥15.00 · 3 户"}},
		{"en", []string{"¥1,234.56 · 12 households", "¥15.00 · 3 households"}},
		{"ug", []string{"¥110.00 · 3 ئائىلە", "¥15.00 · 3 ئائىلە"}},
	} {
		for _, rtl := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s rtl=%v", tc.lang, rtl), func(t *testing.T) {
				c := BarChart{ID: "c", Title: "t", Legend: "l", Unit: "u", Labels: []string{"策勒县", "洛浦县"}, Values: []int64{11000, 1500},
					Texts: tc.texts, Axis: YuanAxis, Value: YuanValue, RTL: rtl}
				svg := string(c.HorizontalBars())
				cut := strings.Index(svg, "chart-wide")
				for _, d := range []struct {
					g   geometry
					svg string
				}{{narrow, svg[:cut]}, {wide, svg[cut:]}} {
					found := figure.FindAllStringSubmatch(d.svg, -1)
					if len(found) != 2 {
						t.Fatalf("%s: want 2 figures, got %d", d.g.class, len(found))
					}
					for _, m := range found {
						x, _ := strconv.ParseFloat(m[1], 64)
						from, to := int(x), int(x)+textWidth(m[3], d.g.font)
						if m[2] == "end" {
							from, to = int(x)-textWidth(m[3], d.g.font), int(x)
						}
						if from < 0 || to > d.g.w {
							t.Errorf("%s: figure %q spans %d..%d, outside 0..%d", d.g.class, m[3], from, to, d.g.w)
						}
					}
				}
			})
		}
	}
}
