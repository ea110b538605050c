package coop

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// ErrNotFound is the one answer for a cooperative that does not exist and
// for one the actor may not see (or whose books, members or history it may
// not see): a stranger learns nothing of which cooperatives exist, applied,
// recommended, rejected and suspended ones included. It names no id, so
// that the two answers are the same to the byte.
var ErrNotFound = errs.E(errs.NotFound, "cooperative not found")

// Visible reports whether a may see cooperative c at all: anyone an
// approved one (its page is public), its administrator, and those who
// govern its county (its offices, platform administrators). It is the rule
// of Get and List.
func Visible(a auth.Actor, c Cooperative) bool {
	return c.Status == StatusApproved || oversees(a, int64(c.ID), c.CountyCode)
}

// oversees reports whether a may see the books of cooperative id in county:
// its administrator, and those who govern the county (its offices,
// platform administrators).
func oversees(a auth.Actor, id int64, county string) bool {
	return a.ManagesCoop(id) || governs(a, county)
}

// refuse is the refusal of an action on c that a may not take: Forbidden
// (with message) when a may see c, else the answer for a cooperative that
// does not exist.
func refuse(a auth.Actor, c Cooperative, message string) error {
	if Visible(a, c) {
		return errs.E(errs.Forbidden, "%s", message)
	}
	return ErrNotFound
}

// Oversee returns nil when a may see a cooperative's books (its payouts,
// wages, dividends and shares): its administrator, platform administrators,
// and the offices governing its county. To anyone else, and for a
// cooperative that does not exist, it returns ErrNotFound, whatever the
// cooperative's status.
func Oversee(ctx context.Context, db postgres.Querier, a auth.Actor, coopID int64) error {
	var county string
	err := db.QueryRow(ctx, `SELECT county_code FROM cooperatives WHERE id = $1`, coopID).Scan(&county)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if oversees(a, coopID, county) {
		return nil
	}
	return ErrNotFound
}
