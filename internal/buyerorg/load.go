package buyerorg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The functions below are for loaders of ready-made data (the demo): they
// check no actor and take the loader's transaction, so that buyer_orgs and
// buyer_org_members stay written by this package only.

// EnsureTx returns the id of the organisation named o.Name, creating it as
// o when there is none. Names are not unique in general; a loader's are.
func EnsureTx(ctx context.Context, tx pgx.Tx, o Org) (int64, error) {
	const q = `WITH found AS (SELECT id FROM buyer_orgs WHERE name = $1),
		ins AS (INSERT INTO buyer_orgs (name, kind, public_ranking)
			SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)
		SELECT id FROM found UNION ALL SELECT id FROM ins LIMIT 1`
	var id int64
	if err := tx.QueryRow(ctx, q, o.Name, o.Kind, o.PublicRanking).Scan(&id); err != nil {
		return 0, fmt.Errorf("ensure buyer org %s: %w", o.Name, err)
	}
	return id, nil
}

// AddMembersTx makes users members of organisation orgID; a user who
// belongs to an organisation already (this one or another) is left as is.
func AddMembersTx(ctx context.Context, tx pgx.Tx, orgID int64, userIDs []int64) error {
	const q = `INSERT INTO buyer_org_members (buyer_org_id, user_id)
		SELECT $1, u.id FROM unnest($2::bigint[]) AS u(id) ON CONFLICT DO NOTHING`
	if _, err := tx.Exec(ctx, q, orgID, userIDs); err != nil {
		return fmt.Errorf("add buyer org members: %w", err)
	}
	return nil
}

// EnsureTargetTx gives organisation orgID a target for year, the reserved
// share of a canteen budget, unless it has one.
func EnsureTargetTx(ctx context.Context, tx pgx.Tx, orgID int64, year int, canteenBudgetFen int64) error {
	const q = `INSERT INTO buyer_org_targets (buyer_org_id, year, target_fen, canteen_budget_fen) VALUES ($1, $2, $3, $4)
		ON CONFLICT (buyer_org_id, year) DO NOTHING`
	if _, err := tx.Exec(ctx, q, orgID, year, CanteenShare(canteenBudgetFen), canteenBudgetFen); err != nil {
		return fmt.Errorf("ensure buyer org target: %w", err)
	}
	return nil
}
