package site_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestWhollyRefundedOrderSaysItsIncomeWasTakenBack: once refunds take back
// all of an order's income, its page, its public receipt and the receipt's
// picture say so, instead of "once the order is paid" over a paid order.
func TestWhollyRefundedOrderSaysItsIncomeWasTakenBack(t *testing.T) {
	r := newRptWorld(t)
	o := r.paid(t, 1)
	if _, err := r.w.Svc.Refund(context.Background(), r.w.Admin, int64(o.ID), o.WholeRefund("缺货"), nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, taken, pending string }{
		{"en", "This order was refunded", "Once the order is paid"},
		{"zh-CN", "此订单已退款", "订单付款后"},
	} {
		r.buyer.Header.Set("Accept-Language", tc.lang)
		for _, path := range []string{fmt.Sprintf("/orders/%d", o.ID), "/receipts/" + o.ReceiptToken, "/receipts/" + o.ReceiptToken + ".svg"} {
			t.Run(tc.lang+" "+path, func(t *testing.T) {
				res := r.buyer.Do("GET", path, nil)
				body := string(res.Body)
				if res.Status != 200 || !strings.Contains(body, tc.taken) || strings.Contains(body, tc.pending) {
					t.Errorf("%d: want %q and not %q:\n%s", res.Status, tc.taken, tc.pending, body)
				}
			})
		}
	}
}
