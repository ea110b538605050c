package household

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CopyColumns are the columns of a row given to CopySealedTx, in order:
// registry_no, village_code, members (int32), status, lifted_year (int32 or
// nil), baseline_income_fen (int64), baseline_year (int32), head_name_enc,
// head_id_enc, head_id_hash (sealed and hashed under HashPurpose with the
// ring's current key, as Create does), head_name_mask, head_id_mask (as
// pii.MaskName and pii.MaskIDNumber make them), key_version (int32),
// created_at and updated_at.
var CopyColumns = []string{"registry_no", "village_code", "members", "status", "lifted_year",
	"baseline_income_fen", "baseline_year", "head_name_enc", "head_id_enc", "head_id_hash",
	"head_name_mask", "head_id_mask", "key_version", "created_at", "updated_at"}

// CopySealedTx streams already-sealed new households (rows of CopyColumns)
// into the registry with COPY, in the caller's transaction, and returns how
// many it wrote. It checks nothing a registry office's Create or Import
// checks: it is for loaders that generate millions of valid households (the
// demo), for whom one INSERT each would take minutes. A registry number
// taken already fails the whole copy (with PostgreSQL's error, which names
// the row); ID numbers are the loader's to keep distinct.
func CopySealedTx(ctx context.Context, tx pgx.Tx, rows pgx.CopyFromSource) (int64, error) {
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"households"}, CopyColumns, rows)
	if err != nil {
		return n, fmt.Errorf("copy households: %w", err)
	}
	return n, nil
}
