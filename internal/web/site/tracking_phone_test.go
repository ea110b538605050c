package site_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestLongTrackingNumberFitsAPhone: a tracking number may be 40 characters
// with no place to break. The "shipped with …, tracking number …" lines on
// the buyer's order page and the cooperative's orders page (and the notice
// right after shipping) could not wrap it, so at 390 px the page scrolled
// sideways. In every language the page now fits, and the number reads left
// to right, whole, even on a right-to-left Uyghur page.
func TestLongTrackingNumberFitsAPhone(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	id := placeTransfer(t, s, w)
	ctx := context.Background()
	var oid int64
	fmt.Sscan(id, &oid)
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, oid, "REF-1"); err != nil {
		t.Fatal(err)
	}
	coopUser := s.CreateUser("coop@example.com", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	coop, err := auth.NewUsers(s.DB.Pool).Actor(ctx, coopUser)
	if err != nil {
		t.Fatal(err)
	}
	const tracking = "JDVMW0123456789ABCDEFGHKMNPQRSTUVWXYZ789"
	if len(tracking) != 40 {
		t.Fatalf("the tracking number has %d characters", len(tracking))
	}
	if _, err := w.Svc.Ship(ctx, coop, oid, order.ShipRequest{Carrier: "顺丰速运", TrackingNo: tracking}); err != nil {
		t.Fatal(err)
	}
	// The page's width against the screen's, and the tracking number as
	// laid out: its innermost element's direction, its characters as the
	// eye reads them (line by line, each from the left) and whether any of
	// them lies outside the screen. The screen is the root's clientWidth:
	// with a phone's emulation, window.innerWidth grows to the content's
	// width when the page is too wide (454 px on a 390 px phone here), so
	// scrollWidth > innerWidth alone never fires.
	measure := `(() => {
	  const screen = document.documentElement.clientWidth;
	  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, screen: screen, found: false};
	  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
	  let n;
	  while ((n = walker.nextNode())) {
	    const i = n.textContent.indexOf(TRACKING);
	    if (i < 0) continue;
	    out.found = true;
	    out.dir = getComputedStyle(n.parentElement).direction;
	    const rects = [];
	    for (let k = 0; k < TRACKING.length; k++) {
	      const r = document.createRange(); r.setStart(n, i + k); r.setEnd(n, i + k + 1);
	      const b = r.getBoundingClientRect(); rects.push({c: TRACKING[k], top: Math.round(b.top), left: b.left, right: b.right});
	    }
	    out.outside = rects.some(r => r.left < -1 || r.right > screen + 1);
	    rects.sort((a, b) => a.top - b.top || a.left - b.left);
	    out.shown = rects.map(r => r.c).join("");
	    break;
	  }
	  return JSON.stringify(out);
	})()`
	measure = strings.ReplaceAll(measure, "TRACKING", fmt.Sprintf("%q", tracking))
	check := func(lang, where string, tab context.Context, path, ready string) {
		t.Helper()
		var raw string
		if err := chromedp.Run(tab, chromedp.Navigate(s.URL+path), chromedp.WaitVisible(ready, chromedp.ByQuery),
			chromedp.Evaluate(measure, &raw)); err != nil {
			t.Fatalf("%s %s: %v", lang, where, err)
		}
		var m struct {
			ScrollWidth, InnerWidth, Screen int
			Found, Outside                  bool
			Dir, Shown                      string
		}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("%s %s: %v (%s)", lang, where, err, raw)
		}
		if !m.Found {
			t.Errorf("%s %s: the tracking number is not on the page", lang, where)
			return
		}
		if m.ScrollWidth > m.InnerWidth || m.ScrollWidth > m.Screen || m.Outside {
			t.Errorf("%s %s scrolls sideways: %d px wide on a %d px screen (innerWidth %d; tracking number outside the screen: %v)",
				lang, where, m.ScrollWidth, m.Screen, m.InnerWidth, m.Outside)
		}
		if m.Dir != "ltr" || m.Shown != tracking {
			t.Errorf("%s %s: the tracking number reads %q (direction %s)", lang, where, m.Shown, m.Dir)
		}
	}
	for _, lang := range []string{"zh-CN", "en", "ug"} {
		buyer := phoneTab(t, s, lang, "buyer@example.com")
		check(lang, "order page", buyer, "/orders/"+id, "main h1")
		co := phoneTab(t, s, lang, "coop@example.com")
		check(lang, "cooperative's orders", co, "/coop/orders", "#shipped-h")
		check(lang, "cooperative's orders after shipping", co, "/coop/orders?shipped="+id, "#shipped-h")
	}
}
