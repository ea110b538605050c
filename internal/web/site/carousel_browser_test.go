package site_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestProductCarouselIsAFocusableRegion: a product page with several
// pictures shows them in a carousel that scrolls sideways. On a 390 px
// phone, in every language, it is what TestEveryPageFitsAPhone asks of a
// box that scrolls sideways inside the page: a region (role="region") with
// a label, which one can reach with the keyboard (tabindex="0") to scroll
// it. It was an unfocusable list, so a keyboard user could not scroll to
// the second picture. The demo catalog has no product with several
// pictures, so the phone walk never saw one.
func TestProductCarouselIsAFocusableRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("browser")
	}
	n := newNamedWorld(t)
	for i := range 3 {
		ordertest.Exec(t, n.s.DB, `INSERT INTO product_images (product_id, storage_key, content_type, width, height, bytes, thumb_widths, position)
			VALUES ($1, $2, 'image/jpeg', 1200, 900, 12345, '{320,640}', $3) RETURNING id`,
			n.w.ProductID, fmt.Sprintf("%032x", i+1), i)
	}
	keys := catalogKeys(t)
	tab, _ := startBrowser(t)
	path := fmt.Sprintf("/products/%d", n.w.ProductID)
	// The carousel itself must scroll sideways, or the walk checks nothing.
	const carousel = `(() => { const e = [...document.querySelectorAll(".gallery *")].find(e =>
		getComputedStyle(e).overflowX === "auto" && e.scrollWidth > e.clientWidth + 1);
		return e ? e.querySelectorAll("img").length : 0; })()`
	for _, lang := range []string{"zh-CN", "en", "ug"} {
		if err := chromedp.Run(tab, chromedp.Navigate(n.s.URL+"/lang/"+lang+"?next=/")); err != nil {
			t.Fatal(err)
		}
		c := visit(t, tab, n.s.URL+path, 390, "form.add-to-cart button[type=submit]")
		where := fmt.Sprintf("%s in %s at 390 px", path, lang)
		checkPage(t, where, c, keys, true)
		var pictures int
		if err := chromedp.Run(tab, chromedp.Evaluate(carousel, &pictures)); err != nil {
			t.Fatal(err)
		}
		if pictures != 3 {
			t.Errorf("%s: the carousel scrolling sideways shows %d pictures, want 3", where, pictures)
		}
	}
}
