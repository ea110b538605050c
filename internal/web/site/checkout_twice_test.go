package site_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// hiddenField is a hidden input of a page's form: its name and value.
var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestCheckoutFormSentTwicePlacesOneOrder: a phone on a slow network sends
// the checkout form again when the buyer taps twice or the browser
// resends it. Every copy read the cart before the first emptied it, so
// each placed an order of its own. Copies of one form now place one order,
// and each copy leads to it.
func TestCheckoutFormSentTwicePlacesOneOrder(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	buyer := buyerWithACart(t, s, w)
	page := buyer.Do("GET", "/checkout", nil)
	form := url.Values{"name": {"李明"}, "phone": {"13912345678"}, "province": {"北京市"}, "city": {"北京市"},
		"district": {"海淀区"}, "detail": {"中关村大街1号"}, "payment_method": {"manual"}}
	for _, m := range hiddenField.FindAllSubmatch(page.Body, -1) {
		form.Set(string(m[1]), string(m[2]))
	}

	const copies = 4
	locations := make([]string, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := buyer.Do("POST", "/checkout", form)
			if r.Status == 303 {
				locations[i] = r.Header.Get("Location")
			} else {
				locations[i] = fmt.Sprint(r.Status)
			}
		}()
	}
	wg.Wait()
	var orders int
	s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&orders)
	if orders != 1 {
		t.Errorf("%d copies of one checkout form placed %d orders, want 1", copies, orders)
	}
	for i, loc := range locations {
		if !strings.HasPrefix(loc, "/orders") {
			t.Errorf("copy %d answered %s, want a redirect to the order (or the orders)", i, loc)
		}
	}
	// Sent once more after all that (the browser's "resend"), it leads to
	// the order placed, not to an empty cart.
	r := buyer.Do("POST", "/checkout", form)
	var id int64
	s.DB.Pool.QueryRow(context.Background(), `SELECT id FROM orders`).Scan(&id)
	if r.Status != 303 || r.Header.Get("Location") != fmt.Sprintf("/orders/%d", id) {
		t.Errorf("the form resent later: %d %s, want 303 to /orders/%d", r.Status, r.Header.Get("Location"), id)
	}
}
