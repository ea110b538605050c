package site_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestFeedOverHTTP: a server configured with MARKET_FEED_URL writes a
// sale.paid event when an order of a certified product is paid through the
// API; delivered, its signature verifies at the receiver; the admin's feed
// page counts it pending, then delivered.
func TestFeedOverHTTP(t *testing.T) {
	const secret = "site-feed-secret-0123456789"
	var mu sync.Mutex
	var got []map[string]any
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := feed.Verify(secret, r.Header.Get(feed.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		var e map[string]any
		json.Unmarshal(body, &e)
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}))
	defer recv.Close()
	s := webtest.Start(t, func(c *config.Config) { c.FeedURL, c.FeedSecret = recv.URL, secret })
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-01-05", "per_unit", 1000, 1, 1, 2)
	ordertest.Exec(t, s.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by, confirmed_by, confirmed_at)
		VALUES ($1, 'XJ-SITE-0001', '653224', '2020-01-01', '2099-12-31', 'confirmed', $2, $2, now() - interval '1 hour') RETURNING id`,
		w.ProductID, w.Admin.UserID)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	admin, _ := s.Login("admin@example.com", ordertest.Password)
	var o orderJSON
	buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 2)).JSON(t, &o)
	if res := admin.Do("POST", "/api/v1/orders/"+o.ID+"/payments/confirm", map[string]string{"reference": "BANK-1"}); res.Status != 200 {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	page := s.LoginPage("admin@example.com", ordertest.Password)
	rptHas(t, "feed page", page.Do("GET", "/admin/feed", nil).Body, "销售数据报送", recv.URL, "待发送", "<dd>1</dd>")
	sender := &feed.Sender{DB: s.DB.AppPool(t), URL: recv.URL, Secret: secret}
	if p, err := sender.DeliverDue(context.Background()); err != nil || p.Delivered != 1 {
		t.Fatalf("deliver: %+v %v", p, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0]["type"] != "sale.paid" || got[0]["data"].(map[string]any)["certificate_no"] != "XJ-SITE-0001" ||
		got[0]["data"].(map[string]any)["order_number"] != o.Number {
		t.Fatalf("received %v", got)
	}
	rptHas(t, "feed page after", page.Do("GET", "/admin/feed", nil).Body, "已送达", "没有合作社的报送受阻")
	ordertest.Audit(t, s.DB)
}
