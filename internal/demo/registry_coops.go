package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/platform/ids"
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
	out := make([]int64, len(p.coops))
	for i, c := range p.coops {
		t := coop.Trail{AppliedAt: c.applied, RecommendedAt: c.recommended, ApprovedBy: admin, ApprovedAt: c.approve}
		if office != nil && strings.HasPrefix(c.county, OfficeRegion[:4]) {
			t.RecommendedBy = office
		}
		if out[i], err = ensurePlannedCoop(ctx, tx, c, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ensurePlannedCoop registers one cooperative of the plan with trail t, or
// gives the demo cooperative that trail, and returns its id.
func ensurePlannedCoop(ctx context.Context, tx pgx.Tx, c *coopPlan, t coop.Trail) (int64, error) {
	if c.demo {
		id, err := ensureCoop(ctx, tx)
		if err != nil {
			return 0, err
		}
		if _, err := coop.BackfillTrailTx(ctx, tx, ids.ID(id), t); err != nil {
			return 0, fmt.Errorf("demo cooperative trail: %w", err)
		}
		return id, nil
	}
	app := coop.Application{Name: c.name, CreditCode: c.creditCode, CountyCode: c.county,
		ContactName: c.contactName, ContactPhone: c.contactPhone}
	var err error
	if app.NameUg, app.NameEn, err = coopLocalNames(ctx, tx, c.county, c.town, c.name); err != nil {
		return 0, err
	}
	id, _, err := coop.RegisterApprovedTx(ctx, tx, app, &t)
	if err != nil {
		return 0, fmt.Errorf("demo cooperative %s: %w", c.creditCode, err)
	}
	// A cooperative loaded before names existed gets them now.
	if err := coop.NameTranslationsTx(ctx, tx, id, app.NameUg, app.NameEn); err != nil {
		return 0, err
	}
	return int64(id), nil
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
