package pii

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// SyncKeys records the fingerprint of every key of the ring in pii_keys and
// fails when a version is already recorded with another fingerprint: a
// mistyped or lost MARKET_DATA_KEY is refused before it writes anything.
// marketd runs it at start-up.
func SyncKeys(ctx context.Context, db *pgxpool.Pool, r *Ring) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// Insert, or keep the one recorded: the service's role may add to
	// pii_keys but never change a recorded fingerprint.
	const q = `WITH ins AS (
			INSERT INTO pii_keys (version, fingerprint) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING RETURNING fingerprint)
		SELECT fingerprint FROM ins UNION ALL SELECT fingerprint FROM pii_keys WHERE version = $1 LIMIT 1`
	for _, v := range r.Versions() {
		fp, err := r.Fingerprint(v)
		if err != nil {
			return err
		}
		var stored []byte
		if err := tx.QueryRow(ctx, q, v, fp).Scan(&stored); err != nil {
			return fmt.Errorf("record data key version %d: %w", v, err)
		}
		if !bytes.Equal(stored, fp) {
			return fmt.Errorf("pii: data key version %d differs from the key this database was written with", v)
		}
	}
	return tx.Commit(ctx)
}
