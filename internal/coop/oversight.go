package coop

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// Oversees reports whether a may see a cooperative's books (its payouts,
// wages and dividends): its administrator, platform administrators, and the
// offices governing its county. A cooperative that does not exist is
// NotFound.
func Oversees(ctx context.Context, db postgres.Querier, a auth.Actor, coopID int64) (bool, error) {
	var county string
	err := db.QueryRow(ctx, `SELECT county_code FROM cooperatives WHERE id = $1`, coopID).Scan(&county)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, errs.E(errs.NotFound, "cooperative not found")
	}
	if err != nil {
		return false, err
	}
	return a.ManagesCoop(coopID) || a.IsAdmin() || a.Has(auth.RoleOffice) && a.Governs(county), nil
}
