package web

import "context"

// PaymentIntent is what the web layer needs of a created payment.
type PaymentIntent struct {
	ID, ClientSecret, Status string
}

// PaymentProvider is the card / Alipay / WeChat Pay side (Stripe).
type PaymentProvider interface {
	CreateIntent(ctx context.Context, orderID int64, orderNumber string, amountFen int64) (PaymentIntent, error)
	Refund(ctx context.Context, intentID string, amountFen int64, idempotencyKey string) (string, error)
}
