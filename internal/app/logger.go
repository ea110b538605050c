package app

import (
	"log/slog"
	"os"

	"github.com/fupinmarket/market/internal/config"
)

// NewLogger returns the structured logger of both binaries.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// PaymentMode names the payment providers the configuration enables.
func PaymentMode(cfg config.Config) string {
	if cfg.StripeSecretKey != "" {
		return "stripe+manual"
	}
	return "manual (bank transfer)"
}
