package feed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/ids"
)

const secret = "test-feed-secret-0123456789"

// event is what the receiver reads of an envelope.
type event struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	OccurredAt time.Time      `json:"occurred_at"`
	Data       map[string]any `json:"data"`
	raw        string
}

// receiver is a supervising platform in the test: it verifies every
// signature, fails on demand, deduplicates by event id and records what it
// accepted in order.
type receiver struct {
	mu       sync.Mutex
	now      func() time.Time
	fail     func(e event, seen int) bool // answer 503 to this delivery
	accepted []event
	seen     map[string]int // deliveries per id, failed ones included
	badSigs  int
}

func newReceiver(t *testing.T, now func() time.Time) (*receiver, *httptest.Server) {
	r := &receiver{now: now, seen: map[string]int{}, fail: func(event, int) bool { return false }}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := feed.Verify(secret, req.Header.Get(feed.SignatureHeader), body, r.now(), 5*time.Minute); err != nil ||
		req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.badSigs++
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.raw = string(body)
	r.seen[e.ID]++
	if r.fail(e, r.seen[e.ID]) {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	for _, a := range r.accepted {
		if a.ID == e.ID {
			return // a duplicate: acknowledged, not applied twice
		}
	}
	r.accepted = append(r.accepted, e)
}

func (r *receiver) events() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.accepted...)
}

// fakeTime is a clock the sender and the receiver share, moved by hand.
type fakeTime struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeTime) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeTime) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// world is the order tests' world with the feed on, its product certified,
// and a second cooperative (B) with a certified product of its own.
type world struct {
	*ordertest.World
	coopB, variantB int64
	sender          *feed.Sender
	recv            *receiver
	time            *fakeTime
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{World: ordertest.New(t, order.Config{Feed: &feed.Outbox{}}), time: &fakeTime{t: time.Now()}}
	w.certify(t, w.ProductID, "XJ-LP-2026-001")
	w.Lot(t, "1000", "2026-01-05", "per_unit", 1000, 1, 1)
	w.coopB = ordertest.Exec(t, w.DB, `INSERT INTO cooperatives (name, credit_code, county_code, status)
		VALUES ('乙合作社', '93653224MA79D3K99X', '653224', 'approved') RETURNING id`)
	productB := ordertest.Exec(t, w.DB, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '乙核桃', 'dried_fruit', 'kg', 'active', 2000) RETURNING id`, w.coopB)
	w.variantB = ordertest.Exec(t, w.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'B-1', '1公斤', 2000, 1) RETURNING id`, productB)
	lot := ordertest.Exec(t, w.DB, `INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit)
		VALUES ($1, 'TRACEB00000001', 1000, 1000, '2026-01-05', 'per_unit', 500) RETURNING id`, productB)
	ordertest.Exec(t, w.DB, `INSERT INTO lot_contributions (lot_id, household_id, quantity) VALUES ($1, $2, 1000) RETURNING lot_id`,
		lot, w.Households[2])
	w.certify(t, productB, "XJ-LP-2026-002")
	var srv *httptest.Server
	w.recv, srv = newReceiver(t, w.time.now)
	w.sender = &feed.Sender{DB: w.DB.AppPool(t), URL: srv.URL, Secret: secret, Clock: clock.Fixed(w.time.now(), nil)}
	return w
}

// certify records a confirmed certificate of the product, valid this year.
func (w *world) certify(t *testing.T, product int64, no string) {
	t.Helper()
	ordertest.Exec(t, w.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by, confirmed_by, confirmed_at)
		VALUES ($1, $2, '653224', '2020-01-01', '2099-12-31', 'confirmed', $3, $3, now() - interval '1 hour') RETURNING id`,
		product, no, w.Admin.UserID)
}

// pay places and pays an order of qty units of the variant (0: A's).
func (w *world) pay(t *testing.T, variant int64, qty int) order.Order {
	t.Helper()
	if variant == 0 {
		variant = w.VariantID
	}
	ctx := context.Background()
	o, err := w.Svc.Place(ctx, w.Buyer, order.PlaceRequest{Items: []order.Item{{VariantID: ids.ID(variant), Quantity: qty}},
		ShippingAddress: ordertest.Addr, PaymentMethod: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), fmt.Sprintf("REF-%d", o.ID)); err != nil {
		t.Fatal(err)
	}
	return o
}

// deliver runs one pass at the fake time.
func (w *world) deliver(t *testing.T) feed.Pass {
	t.Helper()
	w.sender.Clock = clock.Fixed(w.time.now(), nil)
	p, err := w.sender.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sscan reads the sequence number of an event id.
func sscan(id string, seq *int) (int, error) { return fmt.Sscanf(id, "evt_%d", seq) }
