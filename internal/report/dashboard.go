package report

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/region"
)

// DashboardQuery is what an office dashboard asks for: a region (empty: the
// actor's jurisdiction) and year, how many products and households to act
// on, a village's page of households, and whether to add what each
// cooperative of the jurisdiction owes.
type DashboardQuery struct {
	Code        string
	Year        int
	TopProducts int
	ActionRows  int
	After       string // a village's households after this registry number
	PageSize    int
	WithOwed    bool
}

// Dashboard is every panel of the office dashboard, read from one snapshot.
type Dashboard struct {
	Region     region.Region
	Trail      []region.Region // the ancestors the actor governs, top first
	Summary    Summary
	Monthly    []Month
	Top        []ProductShare
	Coverage   []VillageCoverage
	Action     []HouseholdRow
	Households []HouseholdRow // a village's page of households
	Next       string         // the cursor of the page after it
	Owed       []payout.CoopOwed
}

// Dashboard reads a dashboard: it settles the rollup queue once (so that
// the figures equal the ledger, I6), then reads every panel in one
// read-only REPEATABLE READ transaction, so the panels agree with each
// other even while sales are being paid.
func (s *Service) Dashboard(ctx context.Context, a auth.Actor, q DashboardQuery) (Dashboard, error) {
	var d Dashboard
	r, err := s.scope(ctx, a, q.Code)
	if err != nil {
		return d, err
	}
	d.Region = r
	if d.Trail, err = s.governedAncestors(ctx, a, r.Code); err != nil {
		return d, err
	}
	tx, err := s.reader(ctx).BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return d, fmt.Errorf("dashboard snapshot: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := s.dashboardPanels(ctx, tx, a, q, &d); err != nil {
		return d, err
	}
	return d, tx.Commit(ctx)
}

func (s *Service) dashboardPanels(ctx context.Context, tx pgx.Tx, a auth.Actor, q DashboardQuery, d *Dashboard) error {
	r := d.Region
	var err error
	if d.Summary, err = summary(ctx, tx, r, q.Year); err != nil {
		return err
	}
	if d.Monthly, err = monthly(ctx, tx, r, q.Year); err != nil {
		return err
	}
	if d.Top, err = topProducts(ctx, tx, r, q.Year, q.TopProducts); err != nil {
		return err
	}
	if d.Coverage, err = coverage(ctx, tx, r, q.Year); err != nil {
		return err
	}
	if d.Action, err = actionList(ctx, tx, r, q.Year, q.ActionRows); err != nil {
		return err
	}
	if r.Level == region.Village {
		if d.Households, d.Next, err = households(ctx, tx, r, q.Year, q.After, q.PageSize); err != nil {
			return err
		}
	}
	if q.WithOwed {
		d.Owed, err = payout.OwedByCoopIn(ctx, tx, a)
	}
	return err
}

// governedAncestors lists the region's ancestors the actor governs, top
// first: the crumbs stop at the jurisdiction, which the actor may not leave.
func (s *Service) governedAncestors(ctx context.Context, a auth.Actor, code string) ([]region.Region, error) {
	all, err := s.regions.Ancestors(ctx, code)
	if err != nil {
		return nil, err
	}
	for i, r := range all {
		if a.Governs(r.Code) {
			return all[i:], nil
		}
	}
	return nil, nil
}
