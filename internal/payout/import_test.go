package payout_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestBatchAnswersAStrangerLikeANumberNobodyHas: a cooperative learns
// nothing of households it brought no income (docs/DOMAIN.md, Privacy), so
// a bank batch naming a registered household it has no balance with is
// refused in the same words as one naming a number no household has, while
// a household its sales just paid (its entries still queued for the
// rollups) is paid.
func TestBatchAnswersAStrangerLikeANumberNobodyHas(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	clk := clock.Clock{}
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1) // household 0's produce only
	w.Paid(t, 1, "T")
	var earner, stranger string
	if err := w.DB.Pool.QueryRow(ctx, `SELECT (SELECT registry_no FROM households WHERE id = $1),
			(SELECT registry_no FROM households WHERE id = $2)`, w.Households[0], w.Households[1]).Scan(&earner, &stranger); err != nil {
		t.Fatal(err)
	}
	pay := payout.NewService(w.DB.AppPool(t), clk)
	admin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	file := func(reg string) *strings.Reader {
		return strings.NewReader("户编号,金额,兑付日期\n" + reg + ",10.00," + clk.Today() + "\n")
	}
	answer := func(reg string) string {
		_, err := pay.ImportBatch(ctx, admin, w.CoopID, file(reg))
		var e *errs.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 {
			t.Fatalf("%s: %v", reg, err)
		}
		return e.Fields["row 1: registry_no"]
	}
	registered, nobody := answer(stranger), answer("NO-SUCH-1")
	if registered != "no income of this cooperative was attributed to this household" || nobody != registered {
		t.Fatalf("a registered household without income of the cooperative: %q; a number nobody has: %q", registered, nobody)
	}
	if n, err := pay.ImportBatch(ctx, admin, w.CoopID, file(earner)); err != nil || n != 1 {
		t.Fatalf("a payout to the household the sale paid: %d recorded, %v", n, err)
	}
	w.Audit(t)
}
