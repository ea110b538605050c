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

// PaymentSecret gives the buyer's unpaid card order what the client
// confirms its payment with: its payment's client secret, the payment
// created now when Stripe could not be reached as the order was placed
// (the order's idempotency key makes that the same payment). Other orders
// come back as they are.
func (s *Server) PaymentSecret(ctx context.Context, o order.Order) (order.Order, error) {
	if o.Payment.Provider != order.Stripe || o.Status != order.PendingPayment || s.Payments == nil {
		return o, nil
	}
	if o.PaymentIntentID == "" {
		return s.StartPayment(ctx, o)
	}
	intent, err := s.Payments.GetIntent(ctx, o.PaymentIntentID)
	if err != nil {
		return o, err
	}
	o.Payment.ClientSecret = intent.ClientSecret
	return o, nil
}

// WithClientSecret is PaymentSecret for an answer that stands without it:
// while Stripe cannot be reached the order is answered as it is, and can
// be paid once Stripe answers again.
func (s *Server) WithClientSecret(c *fiber.Ctx, o order.Order) order.Order {
	paid, err := s.PaymentSecret(Ctx(c), o)
	if err != nil {
		s.Log.Warn("could not start or read the payment of an unpaid order", "order", o.ID, "err", err, "request_id", RequestIDOf(c))
		return o
	}
	return paid
}

// Refunder is the provider's refund call, nil with Stripe off (refunds of
// bank transfers are paid back by hand and only recorded).
func (s *Server) Refunder() order.Refunder {
	if s.Payments == nil {
		return nil
	}
	return s.Payments.Refund
}
