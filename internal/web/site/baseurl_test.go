package site_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestAbsoluteURLsUseTheConfiguredBase: the trace QR code (cached publicly
// for a day) and the receipt link point at MARKET_BASE_URL whatever Host or
// X-Forwarded-Host the request carries.
func TestAbsoluteURLsUseTheConfiguredBase(t *testing.T) {
	const base = "http://localhost:8080" // MARKET_BASE_URL's default
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	lot := w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	var code string
	if err := s.DB.Pool.QueryRow(context.Background(), `SELECT trace_code FROM lots WHERE id = $1`, lot).Scan(&code); err != nil {
		t.Fatal(err)
	}
	want, err := qrcode.Encode(base+"/trace/"+code, qrcode.Medium, 512)
	if err != nil {
		t.Fatal(err)
	}
	spoof := func(req *http.Request) {
		req.Host = "evil.example"
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("X-Forwarded-Proto", "https")
	}
	req, _ := http.NewRequest("GET", s.URL+"/trace/"+code+"/qr.png", nil)
	spoof(req)
	if r := s.Client().Send(req); r.Status != 200 || !bytes.Equal(r.Body, want) {
		t.Errorf("QR code: %d, %d bytes; want the code of %s/trace/%s", r.Status, len(r.Body), base, code)
	}

	buyer := s.LoginPage("buyer@example.com", ordertest.Password)
	o, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF-1"); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", fmt.Sprintf("%s/orders/%d", s.URL, o.ID), nil)
	req.Header.Set("X-Forwarded-Host", "evil.example") // Host stays: the cookie jar keys on it
	page := string(buyer.Send(req).Body)
	if !strings.Contains(page, base+o.ReceiptURL) || strings.Contains(page, "evil.example") {
		t.Errorf("the order page's receipt link is not %s%s", base, o.ReceiptURL)
	}
}
