package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ensureCoops creates the plan's cooperatives that do not exist yet (by
// credit code), approved, with the trail of a real vetting: applied, then
// recommended by the county's office (office@demo.local where its
// jurisdiction holds the county), then approved by the platform
// (admin@demo.local), each step on its own day of 2018. The demo cooperative
// is created as LoadAccounts creates it and gets the same trail if it has
// none. It returns the cooperatives' ids in plan order.
func ensureCoops(ctx context.Context, tx pgx.Tx, p *plan) ([]int64, error) {
	office, err := userID(ctx, tx, "office@demo.local")
	if err != nil {
		return nil, err
	}
	admin, err := userID(ctx, tx, "admin@demo.local")
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(p.coops))
	for i, c := range p.coops {
		var recommender *int64
		if office != nil && strings.HasPrefix(c.county, OfficeRegion[:4]) {
			recommender = office
		}
		if c.demo {
			if ids[i], err = ensureCoop(ctx, tx); err != nil {
				return nil, err
			}
			const q = `UPDATE cooperatives SET recommended_by = coalesce(recommended_by, $2),
					recommended_at = coalesce(recommended_at, $3), approved_by = coalesce(approved_by, $4),
					approved_at = coalesce(approved_at, $5)
				WHERE id = $1 AND status = 'approved'
					AND NOT EXISTS (SELECT 1 FROM cooperative_events WHERE cooperative_id = $1)`
			tag, err := tx.Exec(ctx, q, ids[i], recommender, c.recommended, admin, c.approve)
			if err != nil {
				return nil, fmt.Errorf("demo cooperative trail: %w", err)
			}
			if tag.RowsAffected() == 1 {
				if err := coopTrail(ctx, tx, ids[i], c, recommender, admin); err != nil {
					return nil, err
				}
			}
			continue
		}
		const ins = `INSERT INTO cooperatives (name, credit_code, county_code, contact_name, contact_phone, status,
				recommended_by, recommended_at, approved_by, approved_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'approved', $6, $7, $8, $9, $10, $9)
			ON CONFLICT (credit_code) DO NOTHING RETURNING id`
		err := tx.QueryRow(ctx, ins, c.name, c.creditCode, c.county, c.contactName, c.contactPhone,
			recommender, c.recommended, admin, c.approve, c.applied).Scan(&ids[i])
		if errors.Is(err, pgx.ErrNoRows) {
			if err := tx.QueryRow(ctx, `SELECT id FROM cooperatives WHERE credit_code = $1`, c.creditCode).Scan(&ids[i]); err != nil {
				return nil, fmt.Errorf("demo cooperative %s: %w", c.creditCode, err)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("demo cooperative %s: %w", c.creditCode, err)
		}
		if err := coopTrail(ctx, tx, ids[i], c, recommender, admin); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func coopTrail(ctx context.Context, tx pgx.Tx, id int64, c *coopPlan, recommender, admin *int64) error {
	const q = `INSERT INTO cooperative_events (cooperative_id, from_status, to_status, actor_user_id, reason, at)
		VALUES ($1, NULL, 'applied', NULL, '', $2), ($1, 'applied', 'recommended', $3, '', $4),
			($1, 'recommended', 'approved', $5, '', $6)`
	if _, err := tx.Exec(ctx, q, id, c.applied, recommender, c.recommended, admin, c.approve); err != nil {
		return fmt.Errorf("demo cooperative trail: %w", err)
	}
	return nil
}

// userID is the id of the user with email, or nil when there is none.
func userID(ctx context.Context, tx pgx.Tx, email string) (*int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("demo registry: user %s: %w", email, err)
	}
	return &id, nil
}
