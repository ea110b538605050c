package app

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/web/site"
)

// syncDataKeys records the fingerprints of the configured keys and refuses
// a key that differs from the one the database was written with (a typo in
// MARKET_DATA_KEY, a key file from another installation).
func syncDataKeys(cfg config.Config, db *pgxpool.Pool) error {
	ring, err := site.DataRing(cfg, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pii.SyncKeys(ctx, db, ring); err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	return nil
}
