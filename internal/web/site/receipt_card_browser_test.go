package site_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestReceiptCardTextStaysOnTheCard: the receipt's picture (an SVG of
// 640×420) is drawn right to left in Uyghur. Its lines start at the left
// margin; anchored at their start, right-to-left text ran from there off
// the card's left edge. Every line must lie on the card in each language,
// and the browser must not show the picture cached in another language.
func TestReceiptCardTextStaysOnTheCard(t *testing.T) {
	r := newRptWorld(t)
	o := r.paid(t, 1)
	tab, _ := startBrowser(t)
	for _, lang := range []string{"ug", "zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			var off []string
			var shown string
			err := chromedp.Run(tab,
				chromedp.Navigate(r.s.URL+"/lang/"+lang+"?next=/"),
				chromedp.Navigate(r.s.URL+"/receipts/"+o.ReceiptToken+".svg"),
				chromedp.WaitReady("svg", chromedp.ByQuery),
				chromedp.Evaluate(`document.documentElement.getAttribute('lang')`, &shown),
				chromedp.Evaluate(`[...document.querySelectorAll('svg > text')].map(t => [t.getBBox(), t.textContent])
					.filter(([b]) => b.width > 0 && (b.x < 0 || b.x + b.width > 640))
					.map(([b, s]) => Math.round(b.x) + '…' + Math.round(b.x + b.width) + ': ' + s)`, &off),
			)
			if err != nil {
				t.Fatal(err)
			}
			// The picture is cached per language (Vary), not served in the
			// language of the visit before.
			if shown != lang {
				t.Errorf("the picture is in %q, want %q", shown, lang)
			}
			if len(off) > 0 {
				t.Errorf("lines off the 640 px card: %s", fmt.Sprint(off))
			}
		})
	}
}
