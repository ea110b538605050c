package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/order"
)

// StartPayment creates the Stripe PaymentIntent of a new order, after its
// transaction committed (never inside one). Bank transfers need nothing.
func (s *Server) StartPayment(ctx context.Context, o order.Order) (order.Order, error) {
	if o.Payment.Provider != order.Stripe || s.Payments == nil {
		return o, nil
	}
	intent, err := s.Payments.CreateIntent(ctx, int64(o.ID), o.Number, o.TotalFen)
	if err != nil {
		return o, err
	}
	if err := s.Orders.AttachPaymentIntent(ctx, int64(o.ID), intent.ID); err != nil {
		return o, err
	}
	o.Payment.ClientSecret = intent.ClientSecret
	return o, nil
}

// WithClientSecret adds to the buyer's unpaid card order what the client
// confirms its payment with, creating the payment when Stripe could not be
// reached as the order was placed (the order's idempotency key makes that
// the same payment). Without Stripe the order is answered as it is: it can
// be paid once Stripe answers again.
func (s *Server) WithClientSecret(c *fiber.Ctx, o order.Order) order.Order {
	if o.Payment.Provider != order.Stripe || o.Status != order.PendingPayment || s.Payments == nil {
		return o
	}
	if o.PaymentIntentID == "" {
		paid, err := s.StartPayment(Ctx(c), o)
		if err != nil {
			s.Log.Warn("could not start the payment of an unpaid order", "order", o.ID, "err", err, "request_id", RequestIDOf(c))
			return o
		}
		return paid
	}
	intent, err := s.Payments.GetIntent(Ctx(c), o.PaymentIntentID)
	if err != nil {
		s.Log.Warn("could not read the payment of an unpaid order", "order", o.ID, "err", err, "request_id", RequestIDOf(c))
		return o
	}
	o.Payment.ClientSecret = intent.ClientSecret
	return o
}

// Refunder is the provider's refund call, nil with Stripe off (refunds of
// bank transfers are paid back by hand and only recorded).
func (s *Server) Refunder() order.Refunder {
	if s.Payments == nil {
		return nil
	}
	return s.Payments.Refund
}
