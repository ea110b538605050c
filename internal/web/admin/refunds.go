package admin

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// recordExternalRefund records a refund made in the Stripe dashboard from
// the order page: quantity_<line id> and amount_yuan_<line id> for the
// lines it returned (lines left at 0 are not sent), and a reason. A refused
// recording (invalid, already recorded, or no such pending refund) shows
// the page again with the form's errors.
func (s handlers) recordExternalRefund(c *fiber.Ctx) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	f, req, sent := readRefundForm(c, o)
	if len(f.Fields) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderOrder(c, f, "the refund is not valid")
	}
	_, err = s.Orders.RecordExternalRefund(web.Ctx(c), web.ActorOf(c), int64(o.ID), f.RefundID, req)
	if err == nil {
		return c.Redirect(fmt.Sprintf("/admin/orders/%d", o.ID), fiber.StatusSeeOther)
	}
	var e *errs.Error
	if !errors.As(err, &e) || !slices.Contains([]errs.Kind{errs.Invalid, errs.Conflict, errs.NotFound}, e.Kind) {
		return err
	}
	f.refused(e.Fields, sent)
	c.Status(web.StatusOf(e))
	return s.renderOrder(c, f, e.Message)
}

// readRefundForm reads the external refund form of order o: the form as
// sent, the request of its non-zero lines, and the order line each request
// line is (the domain names them by position).
func readRefundForm(c *fiber.Ctx, o order.Order) (refundForm, order.RefundRequest, []ids.ID) {
	f := refundForm{RefundID: c.Params("refund_id"), Reason: c.FormValue("reason"),
		Qty: map[ids.ID]string{}, Yuan: map[ids.ID]string{}, Fields: map[string]string{}}
	req := order.RefundRequest{Reason: f.Reason}
	var sent []ids.ID
	for _, l := range o.Lines {
		key := l.ID.String()
		q, y := strings.TrimSpace(c.FormValue("quantity_"+key)), strings.TrimSpace(c.FormValue("amount_yuan_"+key))
		f.Qty[l.ID], f.Yuan[l.ID] = q, y
		qty, qok := blankOr(q, quantity)
		fen, yok := blankOr(y, yuan)
		if !qok {
			f.Fields[key+".quantity"] = "must be a whole number"
		}
		if !yok {
			f.Fields[key+".amount_yuan"] = "must be an amount in yuan such as 12.80"
		}
		if !qok || !yok || (qty == 0 && fen == 0) {
			continue
		}
		req.Lines = append(req.Lines, order.RefundLine{LineID: l.ID, Quantity: qty, AmountFen: fen})
		sent = append(sent, l.ID)
		f.SentFen += fen
	}
	f.Shipping = strings.TrimSpace(c.FormValue("shipping_yuan"))
	shipping, ok := blankOr(f.Shipping, yuan)
	if !ok {
		f.Fields["shipping_yuan"] = "must be an amount in yuan such as 12.80"
	}
	req.ShippingFen = shipping
	f.SentFen += shipping
	return f, req, sent
}

// refused files the domain's reasons under the form's keys: lines[i] is
// the i-th line sent, which the form names by its order line.
func (f *refundForm) refused(fields map[string]string, sent []ids.ID) {
	for k, v := range fields {
		var i int
		if n, _ := fmt.Sscanf(k, "lines[%d]", &i); n == 1 && i >= 0 && i < len(sent) {
			key := sent[i].String()
			if strings.HasSuffix(k, "].quantity") {
				f.Fields[key+".quantity"] = v
			} else { // .amount_fen, .line_id or the line as a whole
				f.Fields[key+".amount_yuan"] = v
			}
			continue
		}
		if k == "shipping_fen" {
			k = "shipping_yuan"
		}
		f.Fields[k] = v
	}
}

// refund refunds part of one line from the order page, through Stripe when
// it is on.
func (s handlers) refund(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	line, ok := ids.Parse(c.FormValue("line_id"))
	qty, qerr := strconv.Atoi(c.FormValue("quantity", "0"))
	fen, yok := yuan(c.FormValue("amount_yuan", "0"))
	if !ok || qerr != nil || !yok {
		return s.refusedRefund(c, errs.Validation("the refund is not valid", map[string]string{"amount_yuan": money.YuanRule}))
	}
	req := order.RefundRequest{Reason: c.FormValue("reason"), Lines: []order.RefundLine{{LineID: line, Quantity: qty, AmountFen: fen}}}
	if _, err := s.Orders.Refund(web.Ctx(c), web.ActorOf(c), id, req, s.Refunder()); err != nil {
		return s.refusedRefund(c, err)
	}
	return c.Redirect(fmt.Sprintf("/admin/orders/%d", id), fiber.StatusSeeOther)
}

// refundShipping refunds part or all of the order's shipping fee from the
// order page, through Stripe when it is on; the households' ledger is not
// touched (the shipping was never theirs).
func (s handlers) refundShipping(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	fen, ok := yuan(c.FormValue("shipping_yuan"))
	if !ok || fen == 0 {
		return s.refusedRefund(c, errs.Validation("the refund is not valid", map[string]string{"shipping_yuan": money.YuanRule}))
	}
	req := order.RefundRequest{Reason: c.FormValue("reason"), ShippingFen: fen}
	if _, err := s.Orders.Refund(web.Ctx(c), web.ActorOf(c), id, req, s.Refunder()); err != nil {
		return s.refusedRefund(c, err)
	}
	return c.Redirect(fmt.Sprintf("/admin/orders/%d", id), fiber.StatusSeeOther)
}

// refundWhole refunds everything not refunded yet (what is left of every
// line and of the shipping), through Stripe when it is on: an order paid
// after it was cancelled, or a buyer sent all their money back.
func (s handlers) refundWhole(c *fiber.Ctx) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	if _, err := s.Orders.Refund(web.Ctx(c), web.ActorOf(c), int64(o.ID), o.WholeRefund(c.FormValue("reason")), s.Refunder()); err != nil {
		return s.refusedRefund(c, err)
	}
	return c.Redirect(fmt.Sprintf("/admin/orders/%d", o.ID), fiber.StatusSeeOther)
}

// refusedRefund shows the order page again when a refund its own forms
// sent (a line's, the shipping's, the whole order's) is refused, with the
// reasons atop it in the page's language: the bare error page said only
// that the refund was not valid. Any other error goes to the error handler.
func (s handlers) refusedRefund(c *fiber.Ctx, err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || !slices.Contains([]errs.Kind{errs.Invalid, errs.Conflict}, e.Kind) {
		return err
	}
	c.Status(web.StatusOf(e))
	return s.renderOrder(c, refundForm{Fields: e.Fields}, e.Message)
}

// blankOr reads s with parse; a field left blank is zero.
func blankOr[T int | int64](s string, parse func(string) (T, bool)) (T, bool) {
	if s == "" {
		return 0, true
	}
	return parse(s)
}

// quantity reads a number of units to refund: a whole number, not negative.
func quantity(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// yuan reads an amount to refund: yuan with at most two decimals, not
// negative.
func yuan(s string) (int64, bool) {
	fen, err := money.ParseYuan(s)
	return fen, err == nil && fen >= 0
}
