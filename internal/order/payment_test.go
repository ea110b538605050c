package order_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order/ordertest"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
)

func ledger(t *testing.T, w *ordertest.World, orderID int64) map[int64]int64 {
	t.Helper()
	rows, err := w.DB.Pool.Query(context.Background(), `SELECT household_id, sum(amount_fen)::bigint FROM attribution_entries
		WHERE order_id = $1 GROUP BY household_id`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var hh, sum int64
		rows.Scan(&hh, &sum)
		out[hh] = sum
	}
	return out
}

func TestManualPaymentAttributes(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2) // ¥10.00 per kg to 3 households 1:1:2
	o, err := w.Place(t, 2)                                  // 5 kg → 5000 fen attributable
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := w.Svc.ConfirmManual(ctx, w.Buyer, int64(o.ID), "X"); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("buyer confirming: %v", err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), " "); !errs.Is(err, errs.Invalid) {
		t.Fatalf("empty reference: %v", err)
	}
	answer, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "ABC-2026-1")
	if err != nil {
		t.Fatal(err)
	}
	paid, err := w.Svc.Get(ctx, w.Buyer, int64(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if paid.Status != order.Paid || paid.PaidAt == nil {
		t.Fatalf("status %s", paid.Status)
	}
	// The confirmation answers with the order as a later read finds it.
	if !reflect.DeepEqual(answer, paid) {
		t.Fatalf("confirmation answered\n%+v\nread afterwards\n%+v", answer, paid)
	}
	got := ledger(t, w, int64(o.ID))
	want := map[int64]int64{w.Households[0]: 1250, w.Households[1]: 1250, w.Households[2]: 2500}
	for hh, amount := range want {
		if got[hh] != amount {
			t.Errorf("household %d: %d, want %d", hh, got[hh], amount)
		}
	}
	// I5: confirming again changes nothing.
	if again, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "ABC-2026-1"); err != nil || !reflect.DeepEqual(again, paid) {
		t.Fatalf("replayed confirmation: %v\n%+v", err, again)
	}
	if again, err := w.Svc.Get(ctx, w.Buyer, int64(o.ID)); err != nil || again.Status != order.Paid || !again.PaidAt.Equal(*paid.PaidAt) {
		t.Fatalf("after the replay: %v %+v", err, again)
	}
	var entries int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&entries)
	if entries != 3 {
		t.Fatalf("%d entries after a replay, want 3", entries)
	}
	w.Audit(t)
}

func TestLedgerIsAppendOnly(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	o, _ := w.Place(t, 1)
	w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF")
	for _, q := range []string{
		`UPDATE attribution_entries SET amount_fen = amount_fen + 1`,
		`DELETE FROM attribution_entries`,
		`TRUNCATE attribution_entries CASCADE`,
	} {
		// The test database's owner is the superuser that created it: even
		// it is refused.
		_, err := w.DB.Pool.Exec(context.Background(), q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestRefunds(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "5", "2026-09-01", "per_unit", 1000, 1, 1)
	w.Lot(t, "100", "2026-09-02", "revenue_share", 2500, 1, 3)
	ctx := context.Background()
	o, err := w.Place(t, 4) // 10 kg: 5 from each lot
	if err != nil {
		t.Fatal(err)
	}
	line := o.Lines[0]
	refund := func(a auth.Actor, qty int, amount int64) (order.Order, error) {
		return w.Svc.Refund(ctx, a, int64(o.ID), order.RefundRequest{Reason: "破损",
			Lines: []order.RefundLine{{LineID: line.ID, Quantity: qty, AmountFen: amount}}}, nil)
	}
	if _, err := refund(w.Admin, 1, 3980); !errs.Is(err, errs.Conflict) {
		t.Fatalf("refund before payment: %v", err)
	}
	w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF")
	if _, err := refund(w.Buyer, 1, 3980); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("buyer refunding: %v", err)
	}
	if _, err := refund(w.Admin, 5, 100); !errs.Is(err, errs.Invalid) {
		t.Fatalf("too many units: %v", err)
	}
	after, err := refund(w.Admin, 1, 3980) // one box back: taken from the last lot
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != order.PartiallyRefunded || after.RefundedFen != 3980 {
		t.Fatalf("after a partial refund: %s %d", after.Status, after.RefundedFen)
	}
	w.Audit(t)
	if _, err := refund(w.Admin, 0, 500); err != nil { // a price adjustment
		t.Fatal(err)
	}
	w.Audit(t)
	full, err := refund(w.Admin, 3, 4*3980-3980-500)
	if err != nil {
		t.Fatal(err)
	}
	if full.Status != order.Refunded {
		t.Fatalf("status %s", full.Status)
	}
	for hh, net := range ledger(t, w, int64(o.ID)) {
		if net != 0 {
			t.Errorf("household %d nets %d after a full refund", hh, net)
		}
	}
	w.Audit(t)
}

func TestShipOnlyOwnShipments(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	ctx := context.Background()
	o, _ := w.Place(t, 1)
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	other := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID + 999}
	req := order.ShipRequest{Carrier: "中国邮政", TrackingNo: "9876543210"}
	if _, err := w.Svc.Ship(ctx, coopAdmin, int64(o.ID), req); !errs.Is(err, errs.Conflict) {
		t.Fatalf("shipping an unpaid order: %v", err)
	}
	w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF")
	if _, err := w.Svc.Ship(ctx, other, int64(o.ID), req); !errs.Is(err, errs.NotFound) {
		t.Fatalf("another cooperative shipping: %v", err)
	}
	if _, err := w.Svc.Ship(ctx, w.Buyer, int64(o.ID), req); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a buyer shipping: %v", err)
	}
	shipped, err := w.Svc.Ship(ctx, coopAdmin, int64(o.ID), req)
	if err != nil || shipped.Status != order.Shipped {
		t.Fatalf("ship: %v %s", err, shipped.Status)
	}
	got, err := w.Svc.ConfirmDelivered(ctx, w.Buyer, int64(o.ID))
	if err != nil || got.Status != order.Delivered {
		t.Fatalf("deliver: %v %s", err, got.Status)
	}
	if _, err := w.Svc.Get(ctx, auth.Actor{UserID: 424242, Roles: []auth.Role{auth.RoleBuyer}}, int64(o.ID)); !errs.Is(err, errs.NotFound) {
		t.Fatalf("another buyer reading the order: %v", err)
	}
}

// TestCoopShipmentOfOneOrder: the ship page reads the cooperative's
// shipment of the order it names (not a search through the capped list);
// another cooperative, or an unpaid order, finds nothing.
func TestCoopShipmentOfOneOrder(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	ctx := context.Background()
	o, _ := w.Place(t, 1)
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	other := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID + 999}
	if _, err := w.Svc.CoopShipment(ctx, coopAdmin, int64(o.ID)); !errs.Is(err, errs.NotFound) {
		t.Fatalf("an unpaid order: %v", err)
	}
	w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF")
	sh, err := w.Svc.CoopShipment(ctx, coopAdmin, int64(o.ID))
	if err != nil || sh.OrderID != o.ID || sh.OrderNumber != o.Number || sh.ShippedAt != nil || sh.Items == "" {
		t.Fatalf("the paid order's shipment: %+v %v", sh, err)
	}
	list, err := w.Svc.CoopShipments(ctx, coopAdmin)
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], sh) {
		t.Fatalf("the list holds %+v (%v), the one read %+v", list, err, sh)
	}
	if _, err := w.Svc.CoopShipment(ctx, other, int64(o.ID)); !errs.Is(err, errs.NotFound) {
		t.Fatalf("another cooperative: %v", err)
	}
	if _, err := w.Svc.CoopShipment(ctx, w.Buyer, int64(o.ID)); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a buyer: %v", err)
	}
}
