package region

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The reference data stops at townships; villages are added below them by
// other packages' use cases (an office's household registry, the demo's
// loader) through these functions, in the caller's transaction, so that
// regions stays written by this package only. They check neither actor nor
// parent: callers do (household.Service.CreateVillage locks the township
// and picks the next free code).

// CreateVillageTx inserts village v (its Level is set to Village); a code
// taken already is an error.
func CreateVillageTx(ctx context.Context, tx pgx.Tx, v Region) error {
	const q = `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)`
	if _, err := tx.Exec(ctx, q, v.Code, v.Name, Village, v.ParentCode); err != nil {
		return fmt.Errorf("insert village %s: %w", v.Code, err)
	}
	return nil
}

// EnsureVillagesTx inserts the villages vs whose codes are not taken, in one
// statement, and leaves the others as they are.
func EnsureVillagesTx(ctx context.Context, tx pgx.Tx, vs []Region) error {
	codes, names, parents := make([]string, len(vs)), make([]string, len(vs)), make([]string, len(vs))
	for i, v := range vs {
		codes[i], names[i], parents[i] = v.Code, v.Name, v.ParentCode
	}
	const q = `INSERT INTO regions (code, name, level, parent_code)
		SELECT code, name, 'village', parent FROM unnest($1::text[], $2::text[], $3::text[]) AS v(code, name, parent)
		ON CONFLICT (code) DO NOTHING`
	if _, err := tx.Exec(ctx, q, codes, names, parents); err != nil {
		return fmt.Errorf("ensure villages: %w", err)
	}
	return nil
}
