package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// IncomeOptions shape the demo's wages and dividends.
type IncomeOptions struct {
	Year    int       // the year of the wages and the dividend (default: Until's)
	Until   time.Time // nothing paid after this (default: now)
	Seed    uint64
	Clock   clock.Clock // the zone of the year (default: Beijing)
	Members int         // members per cooperative who hold shares and earn wages (default 40)
}

// LoadIncome gives the demo cooperatives' members shares and quantified
// assets, wages for the year's sorting, packing, processing and transport,
// and one dividend each, confirmed (by shares or by assets, in turn), all
// through package income as a cooperative's administrator would, so that
// the dashboards show the three income types. It does nothing when the
// demo has wages already.
func LoadIncome(ctx context.Context, db *pgxpool.Pool, opts IncomeOptions) error {
	if opts.Until.IsZero() {
		opts.Until = opts.Clock.Now()
	}
	if opts.Year == 0 {
		opts.Year = opts.Clock.In(opts.Until).Year()
	}
	if opts.Members == 0 {
		opts.Members = 40
	}
	var existing int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM wages`).Scan(&existing); err != nil || existing > 0 {
		return err
	}
	admin, err := demoAdmin(ctx, db)
	if err != nil {
		return err
	}
	rows, err := db.Query(ctx, `SELECT c.id FROM cooperatives c WHERE c.status = 'approved'
		AND EXISTS (SELECT 1 FROM cooperative_members m WHERE m.cooperative_id = c.id) ORDER BY c.id`)
	if err != nil {
		return err
	}
	coops, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	svc := income.NewService(db, clock.Fixed(opts.Until, opts.Clock.Location()), nil)
	rng := rand.New(rand.NewPCG(opts.Seed+832, 17))
	for i, coop := range coops {
		actor := auth.Actor{UserID: admin, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: coop}
		if err := loadCoopIncome(ctx, db, svc, actor, opts, i, rng); err != nil {
			return fmt.Errorf("demo income of cooperative %d: %w", coop, err)
		}
	}
	return attribution.ApplyPending(ctx, db)
}

// loadCoopIncome sets shares, records wages and pays a dividend for one
// cooperative.
func loadCoopIncome(ctx context.Context, db *pgxpool.Pool, svc *income.Service, a auth.Actor, opts IncomeOptions, nth int, rng *rand.Rand) error {
	rows, err := db.Query(ctx, `SELECT household_id FROM cooperative_members WHERE cooperative_id = $1
		ORDER BY household_id LIMIT $2`, a.CooperativeID, opts.Members)
	if err != nil {
		return err
	}
	members, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, hh := range members {
		in := income.SharesInput{Shares: 1 + rng.Int64N(20), AssetsFen: (1000 + rng.Int64N(49000)) * 100}
		if _, err := svc.SetShares(ctx, a, a.CooperativeID, hh, in); err != nil {
			return err
		}
	}
	if wages := demoWages(members, opts, rng); len(wages) > 0 {
		if _, err := svc.RecordWages(ctx, a, a.CooperativeID, wages, nil); err != nil {
			return err
		}
	}
	basis := income.BasisShares
	if nth%2 == 1 {
		basis = income.BasisAssets
	}
	total := int64(len(members)) * (200 + rng.Int64N(400)) * 100 // ¥200–600 a member
	d, err := svc.Declare(ctx, a, a.CooperativeID, income.DividendInput{Year: opts.Year, TotalFen: total, Basis: basis})
	if err != nil {
		return err
	}
	_, err = svc.Confirm(ctx, a, a.CooperativeID, int64(d.ID))
	return err
}

// demoWages are a few spells of paid work for about half of the members,
// mostly in the harvest months, each paid a few days after it ended.
func demoWages(members []int64, opts IncomeOptions, rng *rand.Rand) []income.WageInput {
	loc := opts.Clock.Location()
	start := time.Date(opts.Year, 1, 1, 0, 0, 0, 0, loc)
	last := opts.Clock.StartOfDay(opts.Until).AddDate(0, 0, -1)
	span := int(last.Sub(start).Hours() / 24)
	if span < 15 {
		return nil
	}
	var out []income.WageInput
	for _, hh := range members {
		if rng.IntN(2) == 0 {
			continue
		}
		for n := 1 + rng.IntN(3); n > 0; n-- {
			from := start.AddDate(0, 0, rng.IntN(span-12))
			days := 1 + rng.IntN(10)
			to := from.AddDate(0, 0, days-1)
			paid := to.AddDate(0, 0, rng.IntN(3))
			out = append(out, income.WageInput{HouseholdID: ids.ID(hh), WorkFrom: from.Format(clock.DateLayout),
				WorkTo: to.Format(clock.DateLayout), Kind: income.WageKinds[rng.IntN(len(income.WageKinds))],
				AmountFen: int64(days) * (80 + rng.Int64N(120)) * 100, PaidOn: paid.Format(clock.DateLayout)})
		}
	}
	return out
}
