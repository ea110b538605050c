package household

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// An ID number heads one household. Within an office's jurisdiction a
// duplicate is refused; outside it, refusing would tell the office that the
// number heads a household it may not see. So a duplicate across
// jurisdictions is accepted like a new number, and recorded as a conflict
// for the platform administrators, who resolve it with both offices.
// Registry and ID number checks run under one advisory lock, taken by
// every writer of registry or ID numbers before it checks, so that two
// writers cannot both find a number free.

// lockHeads serialises the writers of registry and ID numbers for the rest
// of tx. Imports and household edits take it before any village lock.
func lockHeads(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('household registry numbers', 0))`); err != nil {
		return fmt.Errorf("lock the registry: %w", err)
	}
	return nil
}

// recordConflicts records household id's duplicates by ID number (idHashes,
// one per key version) made by actor.
func recordConflicts(ctx context.Context, tx pgx.Tx, id int64, idHashes [][]byte, actor int64) error {
	const q = `INSERT INTO household_id_conflicts (household_id, other_household_id, actor_user_id)
		SELECT $1, h.id, nullif($3::bigint, 0) FROM households h WHERE h.id <> $1 AND h.head_id_hash = ANY($2)
		ON CONFLICT DO NOTHING`
	if _, err := tx.Exec(ctx, q, id, idHashes, actor); err != nil {
		return fmt.Errorf("record ID number conflicts: %w", err)
	}
	return nil
}

// IDConflict is two households headed by one ID number, in two
// jurisdictions.
type IDConflict struct {
	HouseholdID      ids.ID    `json:"household_id"`
	RegistryNo       string    `json:"registry_no"`
	VillageCode      string    `json:"village_code"`
	OtherHouseholdID ids.ID    `json:"other_household_id"`
	OtherRegistryNo  string    `json:"other_registry_no"`
	OtherVillageCode string    `json:"other_village_code"`
	FoundAt          time.Time `json:"found_at"`
}

// IDConflicts lists the recorded conflicts, newest first: for platform
// administrators only.
func (s *Service) IDConflicts(ctx context.Context, a auth.Actor) ([]IDConflict, error) {
	if !a.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only a platform administrator sees ID number conflicts")
	}
	const q = `SELECT h.id, h.registry_no, h.village_code, o.id, o.registry_no, o.village_code, c.found_at
		FROM household_id_conflicts c JOIN households h ON h.id = c.household_id
		JOIN households o ON o.id = c.other_household_id
		WHERE h.head_id_hash = o.head_id_hash
		ORDER BY c.id DESC LIMIT 200`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[IDConflict])
}
