package admin

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/web"
)

// PaymentsView is the payments queue: bank transfers awaiting confirmation,
// refunds made in the Stripe dashboard awaiting recording, payments whose
// amount or currency was not their order's (which paid nothing), and
// payments that arrived after their order was cancelled (to refund whole).
type PaymentsView struct {
	Items      []order.AwaitingTransfer
	External   []order.ExternalRefund
	Mismatches []order.PaymentMismatch
	Late       []order.PaidAfterCancel
	Failed     []order.FailedRefund
	// Returning is the failed refund whose return form was refused, with why.
	Returning     string
	ReturnedError string
}

func (s handlers) payments(c *fiber.Ctx) error { return s.renderPayments(c, "", "") }

// renderPayments shows the queue; returning and why name a refused return
// form, shown again with its reason.
func (s handlers) renderPayments(c *fiber.Ctx, returning, why string) error {
	list, err := s.Orders.AwaitingTransfers(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	external, err := s.Orders.ExternalRefunds(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	mismatches, err := s.Orders.PaymentMismatches(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	late, err := s.Orders.PaidAfterCancelled(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	failed, err := s.Orders.FailedRefunds(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("admin.payments")
	p.Data = PaymentsView{Items: list, External: external, Mismatches: mismatches, Late: late, Failed: failed,
		Returning: returning, ReturnedError: web.TrMsg(p, why)}
	return s.HTML(c, "admin/payments", p)
}

// confirm records a bank transfer as received, with the bank's reference.
func (s handlers) confirm(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	if _, err := s.Orders.ConfirmManual(web.Ctx(c), web.ActorOf(c), id, c.FormValue("reference")); err != nil {
		return err
	}
	return c.Redirect("/admin/payments", fiber.StatusSeeOther)
}

// refundReturned records that a failed refund's money went back to the
// buyer another way (a bank transfer), with its reference.
func (s handlers) refundReturned(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "refund not found")
	if err != nil {
		return err
	}
	err = s.Orders.MarkRefundReturned(web.Ctx(c), web.ActorOf(c), id, c.FormValue("reference"))
	if err == nil {
		return c.Redirect("/admin/payments", fiber.StatusSeeOther)
	}
	fields, status, ok := web.FormErrorOr(s.Page(c, ""), err, "reference")
	if !ok {
		return err
	}
	c.Status(status)
	return s.renderPayments(c, c.Params("id"), fields["reference"])
}
