package feed_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/ids"
)

func TestSignAndVerify(t *testing.T) {
	now := time.Unix(1_790_000_000, 0)
	body := []byte(`{"id":"evt_1"}`)
	sig := feed.Sign(secret, now, body)
	if !strings.HasPrefix(sig, "t=1790000000,v1=") || len(sig) != len("t=1790000000,v1=")+64 {
		t.Fatalf("signature %q", sig)
	}
	if err := feed.Verify(secret, sig, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		secret, header, body string
		at                   time.Time
		want                 error
	}{
		"another body":   {secret, sig, `{"id":"evt_2"}`, now, feed.ErrBadSignature},
		"another secret": {"not-the-secret", sig, string(body), now, feed.ErrBadSignature},
		"no header":      {secret, "", string(body), now, feed.ErrBadSignature},
		"stale":          {secret, sig, string(body), now.Add(time.Hour), feed.ErrStale},
	} {
		if err := feed.Verify(c.secret, c.header, []byte(c.body), c.at, 5*time.Minute); err != c.want {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// TestPaidCertifiedLinesAreFedSigned: a paid order of a certified product
// is a sale.paid event whose signature verifies, with the certificate, the
// county, the cooperative's credit code and amounts in fen, and nothing of
// the buyer; a product without a certificate in force is not reported; a
// refund and a payout are reported too.
func TestPaidCertifiedLinesAreFedSigned(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	o := w.pay(t, 0, 3)
	uncertified := ordertestProduct(t, w)
	w.pay(t, uncertified, 1)
	if p := w.deliver(t); p.Delivered != 1 || p.Failed != 0 {
		t.Fatalf("pass %+v", p)
	}
	got := w.recv.events()
	if len(got) != 1 || w.recv.badSigs != 0 {
		t.Fatalf("received %d events, %d bad signatures", len(got), w.recv.badSigs)
	}
	e := got[0]
	want := map[string]any{"order_number": o.Number, "line_id": o.Lines[0].ID.String(), "certificate_no": "XJ-LP-2026-001",
		"county_code": "653224", "cooperative_credit_code": "93653224MA79D3K12M", "amount_fen": float64(3 * 3980),
		"unit_price_fen": float64(3980), "quantity": float64(3)}
	for k, v := range want {
		if e.Data[k] != v {
			t.Errorf("data[%s] = %v, want %v", k, e.Data[k], v)
		}
	}
	if e.Type != feed.SalePaid || !strings.HasPrefix(e.ID, "evt_") || e.OccurredAt.IsZero() {
		t.Fatalf("envelope %+v", e)
	}
	for _, personal := range []string{ordertest.Addr.Name, ordertest.Addr.Phone, ordertest.Addr.Detail, "buyer@example.com"} {
		if strings.Contains(e.raw, personal) {
			t.Fatalf("the event carries personal data %q: %s", personal, e.raw)
		}
	}
	refund := order.RefundRequest{Reason: "破损", Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3980}}}
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), refund, nil); err != nil {
		t.Fatal(err)
	}
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	pay := payout.NewService(w.DB.Pool, clock.Clock{}).WithFeed(&feed.Outbox{})
	if err := pay.Record(ctx, coopAdmin, w.CoopID, []payout.Input{{HouseholdID: ids.ID(w.Households[0]), AmountFen: 100,
		PaidOn: clock.Clock{}.Today(), Method: "cash"}}, nil); err != nil {
		t.Fatal(err)
	}
	w.deliver(t)
	got = w.recv.events()
	if len(got) != 3 || got[1].Type != feed.SaleRefunded || got[1].Data["amount_fen"] != float64(3980) ||
		got[2].Type != feed.PayoutRecorded || got[2].Data["amount_fen"] != float64(100) {
		t.Fatalf("events %+v", got)
	}
}

// ordertestProduct adds an uncertified product of the world's cooperative
// with stock, and returns its variant.
func ordertestProduct(t *testing.T, w *world) int64 {
	t.Helper()
	p := execID(t, w, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '未认定红枣', 'dried_fruit', 'kg', 'active', 1000) RETURNING id`, w.CoopID)
	v := execID(t, w, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty) VALUES ($1, 'U-1', '1公斤', 1000, 1) RETURNING id`, p)
	lot := execID(t, w, `INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit)
		VALUES ($1, 'TRACEU00000001', 100, 100, '2026-01-05', 'per_unit', 300) RETURNING id`, p)
	execID(t, w, `INSERT INTO lot_contributions (lot_id, household_id, quantity) VALUES ($1, $2, 100) RETURNING lot_id`, lot, w.Households[0])
	return v
}

func execID(t *testing.T, w *world, q string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := w.DB.Pool.QueryRow(context.Background(), q, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

// TestReceiverDownLosesNothingAndKeepsOrder: while the platform refuses
// cooperative A's events, B's go through; A's first event waits with its
// back-off and holds A's later ones back. Once the platform is back (and
// the back-off has passed) every event arrives, once, each cooperative's in
// the order they were written.
func TestReceiverDownLosesNothingAndKeepsOrder(t *testing.T) {
	w := newWorld(t)
	down := true
	w.recv.fail = func(e event, _ int) bool { return down && e.Data["cooperative_credit_code"] == "93653224MA79D3K12M" }
	for i := range 4 {
		w.pay(t, 0, 1+i)
		w.pay(t, w.variantB, 1+i)
	}
	p := w.deliver(t)
	if p.Delivered != 4 || p.Failed != 1 {
		t.Fatalf("first pass %+v", p)
	}
	st, err := feed.ReadStatus(context.Background(), w.DB.Pool, w.time.now())
	if err != nil || st.Pending != 4 || st.Failing != 1 || st.Delivered != 4 || len(st.Blocked) != 1 || st.Blocked[0].Pending != 4 ||
		st.Blocked[0].CooperativeID != ids.ID(w.CoopID) || st.OldestPending == nil {
		t.Fatalf("status %+v %v", st, err)
	}
	// Down for a while: each retry waits longer.
	for attempt := 1; attempt <= 4; attempt++ {
		if p := w.deliver(t); p.Failed != 0 {
			t.Fatalf("retried before its back-off: %+v", p)
		}
		w.time.add(feed.Backoff(attempt) + time.Second)
		if p := w.deliver(t); p.Failed != 1 || p.Delivered != 0 {
			t.Fatalf("attempt %d: %+v", attempt+1, p)
		}
	}
	down = false
	w.time.add(feed.Backoff(5) + time.Second)
	if p := w.deliver(t); p.Delivered != 4 || p.Failed != 0 {
		t.Fatalf("after the platform is back: %+v", p)
	}
	got := w.recv.events()
	if len(got) != 8 {
		t.Fatalf("%d events of 8 arrived", len(got))
	}
	byCoop := map[any][]int{}
	for _, e := range got {
		var seq int
		if _, err := sscan(e.ID, &seq); err != nil {
			t.Fatal(err)
		}
		byCoop[e.Data["cooperative_credit_code"]] = append(byCoop[e.Data["cooperative_credit_code"]], seq)
	}
	for coop, seqs := range byCoop {
		if len(seqs) != 4 || !sort.IntsAreSorted(seqs) {
			t.Fatalf("cooperative %v received %v, out of order or incomplete", coop, seqs)
		}
	}
	if st, _ := feed.ReadStatus(context.Background(), w.DB.Pool, w.time.now()); st.Pending != 0 || st.Delivered != 8 {
		t.Fatalf("status after %+v", st)
	}
}

// TestRedeliveryKeepsTheID: an acknowledgement lost (the platform applied
// the event but answered 500) brings the same event again with the same
// id, which the platform drops; a replay sends the same ids once more.
func TestRedeliveryKeepsTheID(t *testing.T) {
	w := newWorld(t)
	w.recv.fail = func(e event, seen int) bool { return seen == 1 }
	w.pay(t, 0, 1)
	w.deliver(t) // refused the first time
	w.time.add(feed.Backoff(1) + time.Second)
	w.deliver(t)
	got := w.recv.events()
	if len(got) != 1 || w.recv.seen[got[0].ID] != 2 {
		t.Fatalf("accepted %d, deliveries of %s: %d", len(got), got[0].ID, w.recv.seen[got[0].ID])
	}
	since := w.time.now().Add(-time.Hour)
	n, err := feed.Replay(context.Background(), w.DB.Pool, since)
	if err != nil || n != 1 {
		t.Fatalf("replayed %d, %v", n, err)
	}
	w.deliver(t)
	if w.recv.seen[got[0].ID] != 3 || len(w.recv.events()) != 1 {
		t.Fatalf("a replay brings the same id: %v", w.recv.seen)
	}
}

// TestTheAuditReportsStuckEvents: an event still pending a day after it was
// queued is reported.
func TestTheAuditReportsStuckEvents(t *testing.T) {
	w := newWorld(t)
	w.pay(t, 0, 1)
	ctx := context.Background()
	if v, err := feed.Audit(ctx, w.DB.Pool); err != nil || len(v) != 0 {
		t.Fatalf("fresh: %v %v", v, err)
	}
	execID(t, w, `UPDATE feed_events SET queued_at = now() - interval '25 hours' RETURNING seq`)
	v, err := feed.Audit(ctx, w.DB.Pool)
	if err != nil || len(v) != 1 || v[0].Invariant != "FEED" || !strings.Contains(v[0].Detail, "evt_") {
		t.Fatalf("stuck: %v %v", v, err)
	}
}

// TestDeliveryErrorsKeepTheURLsCredentials: a failed delivery's error,
// stored with the event and logged, does not carry the credentials that
// the platform's URL may hold.
func TestDeliveryErrorsKeepTheURLsCredentials(t *testing.T) {
	w := newWorld(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more: the POST fails to connect
	w.sender.URL = strings.Replace(closed.URL, "http://", "http://feeduser:feed-pw-42@", 1) + "/in?token=tok-123"
	w.pay(t, 0, 1)
	if p := w.deliver(t); p.Failed != 1 {
		t.Fatalf("pass %+v, want one failure", p)
	}
	var stored string
	if err := w.DB.Pool.QueryRow(context.Background(), `SELECT last_error FROM feed_events WHERE last_error IS NOT NULL`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"feed-pw-42", "tok-123", "feeduser"} {
		if strings.Contains(stored, secret) {
			t.Errorf("the stored error %q holds %q", stored, secret)
		}
	}
	if !strings.Contains(stored, "connect") && !strings.Contains(stored, "refused") {
		t.Errorf("the stored error %q does not say what failed", stored)
	}
}
