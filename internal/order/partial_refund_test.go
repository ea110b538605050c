package order_test

import (
	"context"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// TestPartialRefundDoesNotStrandTheOrder: an order partially refunded when
// paid, shipped or delivered goes on to delivery and completion (by the
// buyer, by the periods' jobs, by its organisation's acceptance), and a
// shipment whose goods were all refunded has nothing left to send.
func TestPartialRefundDoesNotStrandTheOrder(t *testing.T) {
	ctx := context.Background()
	later := time.Now().Add(30 * 24 * time.Hour) // every period's cutoff has passed
	setup := func(t *testing.T) (*ordertest.World, order.Order, auth.Actor) {
		w, o := paidTwoBoxes(t)
		return w, o, auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	}
	refundOne := func(t *testing.T, w *ordertest.World, o order.Order) order.Order {
		t.Helper()
		got, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "一箱破损",
			Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3980}}}, nil)
		if err != nil || got.Status != order.PartiallyRefunded {
			t.Fatalf("refund one box: %v %s", err, got.Status)
		}
		return got
	}
	ship := func(t *testing.T, w *ordertest.World, o order.Order, coop auth.Actor) order.Order {
		t.Helper()
		got, err := w.Svc.Ship(ctx, coop, int64(o.ID), order.ShipRequest{Carrier: "中国邮政", TrackingNo: "YZ1"})
		if err != nil {
			t.Fatalf("ship: %v", err)
		}
		return got
	}
	status := func(t *testing.T, w *ordertest.World, o order.Order, want order.Status) order.Order {
		t.Helper()
		got, err := w.Svc.Get(ctx, w.Admin, int64(o.ID))
		if err != nil || got.Status != want {
			t.Fatalf("status %s (%v), want %s", got.Status, err, want)
		}
		return got
	}

	t.Run("refunded once shipped, the buyer confirms receipt", func(t *testing.T) {
		w, o, coop := setup(t)
		ship(t, w, o, coop)
		if got := refundOne(t, w, o); !got.AwaitsDelivery() {
			t.Fatal("a shipped order partially refunded does not await delivery")
		}
		got, err := w.Svc.ConfirmDelivered(ctx, w.Buyer, int64(o.ID))
		if err != nil || got.Status != order.Delivered || got.DeliveredAt == nil || got.RefundedFen != 3980 || got.AwaitsDelivery() {
			t.Fatalf("confirm receipt: %v %s", err, got.Status)
		}
		if n, err := w.Svc.CompleteDue(ctx, later); err != nil || n != 1 {
			t.Fatalf("complete due: %d %v", n, err)
		}
		status(t, w, o, order.Completed)
	})
	t.Run("refunded before shipping, the period delivers it", func(t *testing.T) {
		w, o, coop := setup(t)
		if refundOne(t, w, o).AwaitsDelivery() {
			t.Fatal("an unshipped order awaits delivery")
		}
		if n, _ := w.Svc.DeliverDue(ctx, later); n != 0 {
			t.Fatalf("an unshipped order was delivered")
		}
		if got := ship(t, w, o, coop); got.Status != order.PartiallyRefunded || !got.AwaitsDelivery() {
			t.Fatalf("shipped: %s, awaits delivery %v", got.Status, got.AwaitsDelivery())
		}
		if n, err := w.Svc.DeliverDue(ctx, later); err != nil || n != 1 {
			t.Fatalf("deliver due: %d %v", n, err)
		}
		status(t, w, o, order.Delivered)
	})
	t.Run("refunded once delivered, the organisation accepts it", func(t *testing.T) {
		w, o, coop := setup(t)
		ship(t, w, o, coop)
		if _, err := w.Svc.ConfirmDelivered(ctx, w.Buyer, int64(o.ID)); err != nil {
			t.Fatal(err)
		}
		if got := refundOne(t, w, o); got.AwaitsDelivery() {
			t.Fatal("a delivered order awaits delivery again")
		}
		if _, err := w.Svc.ConfirmDelivered(ctx, w.Buyer, int64(o.ID)); err == nil {
			t.Fatal("a delivered order was confirmed twice")
		}
		tx, err := w.DB.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if ok, err := order.AcceptTx(ctx, tx, int64(o.ID), w.Admin.UserID); err != nil || !ok {
			t.Fatalf("acceptance: %v %v", ok, err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		status(t, w, o, order.Completed)
	})
	t.Run("a shipment whose goods were all refunded has nothing to send", func(t *testing.T) {
		w, _, coop := setup(t)
		other := secondCooperative(t, w)
		o, err := w.Svc.Place(ctx, w.Buyer, order.PlaceRequest{ShippingAddress: ordertest.Addr, PaymentMethod: "manual",
			Items: []order.Item{{VariantID: ids.ID(w.VariantID), Quantity: 1}, {VariantID: ids.ID(other.variant), Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF-2"); err != nil {
			t.Fatal(err)
		}
		var theirs order.Line
		for _, l := range o.Lines {
			if int64(l.CooperativeID) == other.coop {
				theirs = l
			}
		}
		if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "缺货",
			Lines: []order.RefundLine{{LineID: theirs.ID, Quantity: theirs.Quantity, AmountFen: theirs.AmountFen}}}, nil); err != nil {
			t.Fatal(err)
		}
		theirAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: other.coop}
		if _, err := w.Svc.Ship(ctx, theirAdmin, int64(o.ID), order.ShipRequest{Carrier: "中国邮政", TrackingNo: "YZ2"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("shipping a shipment whose every unit was refunded: %v", err)
		}
		if list, err := w.Svc.CoopShipments(ctx, theirAdmin); err != nil || len(list) != 0 {
			t.Fatalf("the other co-op's list: %+v %v, want nothing to send", list, err)
		}
		if got := ship(t, w, o, coop); got.Status != order.PartiallyRefunded || !got.AwaitsDelivery() {
			t.Fatalf("the other shipment refunded, ours sent: %s, awaits delivery %v", got.Status, got.AwaitsDelivery())
		}
		if got, err := w.Svc.ConfirmDelivered(ctx, w.Buyer, int64(o.ID)); err != nil || got.Status != order.Delivered {
			t.Fatalf("confirm receipt: %v %s", err, got.Status)
		}
	})
}

// paidTwoBoxes is a world with an order of two boxes (2 × ¥39.80 and ¥8.00
// of shipping) paid by bank transfer.
func paidTwoBoxes(t *testing.T) (*ordertest.World, order.Order) {
	t.Helper()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF-1"); err != nil {
		t.Fatal(err)
	}
	return w, o
}

// secondCooperative adds another approved cooperative with a product, a
// variant and a lot of the world's households.
func secondCooperative(t *testing.T, w *ordertest.World) (c struct{ coop, variant int64 }) {
	t.Helper()
	c.coop = ordertest.Exec(t, w.DB, `INSERT INTO cooperatives (name, credit_code, county_code, status, shipping_flat_fen)
		VALUES ('第二合作社', '93653224MA79D3K99X', '653224', 'approved', 0) RETURNING id`)
	product := ordertest.Exec(t, w.DB, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '洛浦核桃', 'dried_fruit', 'kg', 'active', 5000) RETURNING id`, c.coop)
	c.variant = ordertest.Exec(t, w.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'NUT-1', '1公斤袋', 5000, 1) RETURNING id`, product)
	lot := ordertest.Exec(t, w.DB, `INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit)
		VALUES ($1, 'NUTLOT0000000001', 50, 50, '2026-09-01', 'per_unit', 1000) RETURNING id`, product)
	ordertest.Exec(t, w.DB, `INSERT INTO lot_contributions (lot_id, household_id, quantity) VALUES ($1, $2, 50) RETURNING lot_id`,
		lot, w.Households[0])
	return c
}

// TestRestockingFeeStaysWithTheKeptUnits: one box of two returned with part
// of its price kept (a restocking fee) moves what the buyer keeps onto the
// kept box's lot: at 50 %, its household gains ¥4.90 by a positive refund
// entry and the returned box's lot loses its ¥19.90, as docs/DOMAIN.md says;
// the audit holds.
func TestRestockingFeeStaysWithTheKeptUnits(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	kept := w.Lot(t, "2.5", "2026-09-01", "revenue_share", 5000, 1)
	returned := w.Lot(t, "100", "2026-09-02", "revenue_share", 5000, 1)
	ctx := context.Background()
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退回一箱，扣除手续费",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3000}}}, nil); err != nil {
		t.Fatal(err)
	}
	refunds := map[int64]int64{}
	rows, err := w.DB.Pool.Query(ctx, `SELECT lot_id, amount_fen FROM attribution_entries WHERE order_id = $1 AND kind = 'refund'`, int64(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var lot, fen int64
		if err := rows.Scan(&lot, &fen); err != nil {
			t.Fatal(err)
		}
		refunds[lot] += fen
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if refunds[kept] != 490 || refunds[returned] != -1990 {
		t.Fatalf("refund entries by lot %v, want +490 on the kept box's lot and -1990 on the returned one's", refunds)
	}
	w.Audit(t)
}
