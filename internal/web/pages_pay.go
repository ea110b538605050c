package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// stripeCSP extends the site's policy on the one page that loads Stripe.js
// (UI.md: the only third-party script, only on checkout, only with Stripe).
const stripeCSP = "default-src 'self'; img-src 'self' data: https://*.stripe.com; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; " +
	"connect-src 'self' https://api.stripe.com; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// pagePay is the checkout's payment step for card, Alipay and WeChat Pay:
// Stripe's Payment Element confirms the order's PaymentIntent in the page.
func (s *Server) pagePay(c *fiber.Ctx) error {
	o, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	if o.Payment.Provider != order.Stripe || o.Status != order.PendingPayment || s.Payments == nil || o.PaymentIntentID == "" {
		return c.Redirect(fmt.Sprintf("/orders/%d", o.ID), fiber.StatusSeeOther)
	}
	intent, err := s.Payments.GetIntent(ctx(c), o.PaymentIntentID)
	if err != nil {
		return err
	}
	if intent.ClientSecret == "" {
		return errs.E(errs.Unavailable, "the payment cannot be started now")
	}
	c.Set("Content-Security-Policy", stripeCSP)
	p := s.page(c, "")
	p.Title = p.T("pay.title")
	p.Data = map[string]any{"Order": o, "ClientSecret": intent.ClientSecret, "PublishableKey": s.StripePublishableKey,
		"ReturnURL": c.BaseURL() + fmt.Sprintf("/orders/%d", o.ID)}
	return s.html(c, "checkout_pay", p)
}
