package web

import (
	"context"

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

// Refunder is the provider's refund call, nil with Stripe off (refunds of
// bank transfers are paid back by hand and only recorded).
func (s *Server) Refunder() order.Refunder {
	if s.Payments == nil {
		return nil
	}
	return s.Payments.Refund
}
