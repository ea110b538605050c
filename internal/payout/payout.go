// Package payout records the money cooperatives actually pay households
// (收益兑付) and the balance still owed: attributed − paid.
package payout

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
)

// Methods of payment to a household.
var Methods = []string{"bank_transfer", "cash", "mobile"}

// Payout is one payment to a household.
type Payout struct {
	ID          ids.ID `json:"id"`
	HouseholdID ids.ID `json:"household_id"`
	AmountFen   int64  `json:"amount_fen"`
	PaidOn      string `json:"paid_on"`
	Method      string `json:"method"`
	Reference   string `json:"reference"`
}

// Balance is what a cooperative owes one household. Attributed is every
// income the cooperative brought it (ByType: sales, wages, dividends); paid
// is its payouts plus its wages and dividends, which the cooperative
// records as it pays them; what is owed is the rest, which only sales
// leave.
type Balance struct {
	HouseholdID   ids.ID             `json:"household_id"`
	RegistryNo    string             `json:"registry_no"`
	HeadName      string             `json:"head_name"`
	AttributedFen int64              `json:"attributed_fen"`
	ByType        attribution.ByType `json:"by_type"`
	PaidFen       int64              `json:"paid_fen"`
	OwedFen       int64              `json:"owed_fen"`
	VillageName   string             `json:"village_name"`
}

// Service records payouts.
type Service struct {
	db    *pgxpool.Pool
	clock clock.Clock
	feed  *feed.Outbox
}

// NewService returns the payout service.
func NewService(db *pgxpool.Pool, clk clock.Clock) *Service { return &Service{db: db, clock: clk} }

// WithFeed returns a copy of the service that reports every payout to the
// supervising platform's feed (nil: none).
func (s *Service) WithFeed(o *feed.Outbox) *Service {
	c := *s
	c.feed = o
	return &c
}

// canRead: the cooperative's admin, an office governing its county, admins;
// to anyone else the cooperative does not exist (coop.ErrNotFound).
func (s *Service) canRead(ctx context.Context, a auth.Actor, coopID int64) error {
	return coop.Oversee(ctx, s.db, a, coopID)
}

// Input is one payout to record.
type Input struct {
	HouseholdID ids.ID `json:"household_id"`
	AmountFen   int64  `json:"amount_fen"`
	PaidOn      string `json:"paid_on"`
	Method      string `json:"method"`
	Reference   string `json:"reference"`
}

// validate checks the shape of one payout; field names carry prefix.
func (in *Input) validate(f errs.FieldErrors, prefix string, clk clock.Clock) {
	in.Method, in.Reference = strings.TrimSpace(in.Method), strings.TrimSpace(in.Reference)
	if in.HouseholdID <= 0 {
		f.Add(prefix+"household_id", "is required")
	}
	if in.AmountFen <= 0 {
		f.Add(prefix+"amount_fen", "must be positive")
	}
	// The date typed is a Beijing day: its midnight there, not UTC's (which
	// would put "today" in the future until 08:00).
	if d, err := clk.ParseDate(in.PaidOn); err != nil || d.After(clk.Now()) {
		f.Add(prefix+"paid_on", "must be a date (YYYY-MM-DD) not in the future")
	}
	ok := false
	for _, m := range Methods {
		ok = ok || m == in.Method
	}
	if !ok {
		f.Add(prefix+"method", "must be bank_transfer, cash or mobile")
	}
	if len(in.Reference) > 64 {
		f.Add(prefix+"reference", "is too long")
	} else if msg := text.Problem(in.Reference, false); msg != "" {
		f.Add(prefix+"reference", msg)
	}
}

// Record stores payouts of a cooperative in one transaction: all or nothing.
// Each must go to a household the cooperative owes, and never more than owed.
func (s *Service) Record(ctx context.Context, a auth.Actor, coopID int64, list []Input, fieldOf func(i int) string) error {
	if err := CanRecord(a, coopID); err != nil {
		return err
	}
	if fieldOf == nil {
		fieldOf = func(i int) string { return fmt.Sprintf("payouts[%d].", i) }
	}
	f := errs.FieldErrors{}
	for i := range list {
		list[i].validate(f, fieldOf(i), s.clock)
	}
	if len(list) == 0 {
		f.Add("payouts", "must list at least one payout")
	}
	if err := f.Err("the payouts are not valid"); err != nil {
		return err
	}
	// Settling first keeps the queue the balances are read with short; it
	// runs in its own transaction, as it takes village locks of its own.
	if err := attribution.Settle(ctx, s.db); err != nil {
		return err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	hhs := make([]int64, len(list))
	for i, in := range list {
		hhs[i] = int64(in.HouseholdID)
	}
	if err := attribution.LockHouseholdVillages(ctx, tx, hhs); err != nil {
		return err
	}
	owed := map[ids.ID]int64{}
	for i, in := range list {
		if _, seen := owed[in.HouseholdID]; !seen {
			// The villages' locks, taken above, keep refunds (which take
			// them too) from changing what is owed until this payout commits.
			o, err := attribution.LockOwed(ctx, tx, coopID, int64(in.HouseholdID))
			if errors.Is(err, attribution.ErrNothingOwed) {
				f.Add(fieldOf(i)+"household_id", msgNoIncome)
				continue
			}
			if err != nil {
				return err
			}
			owed[in.HouseholdID] = o
		}
		owed[in.HouseholdID] -= in.AmountFen
		if owed[in.HouseholdID] < 0 {
			f.Add(fieldOf(i)+"amount_fen", "is more than the cooperative owes this household")
		}
	}
	if err := f.Err("the payouts are not valid"); err != nil {
		return err
	}
	const q = `INSERT INTO payouts (cooperative_id, household_id, amount_fen, paid_on, method, reference, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	recorded := make([]int64, len(list))
	for i, in := range list {
		err := tx.QueryRow(ctx, q, coopID, int64(in.HouseholdID), in.AmountFen, in.PaidOn, in.Method, in.Reference, a.UserID).Scan(&recorded[i])
		if err != nil {
			return fmt.Errorf("insert payout: %w", err)
		}
	}
	if err := s.feed.PayoutsTx(ctx, tx, recorded, s.clock.Now()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Statement is a cooperative's balances per household and its payouts.
type Statement struct {
	Balances []Balance `json:"balances"`
	Payouts  []Payout  `json:"payouts"`
	OwedFen  int64     `json:"owed_fen"`
}

// Statement returns the balances and the latest payouts of a cooperative.
func (s *Service) Statement(ctx context.Context, a auth.Actor, coopID int64) (Statement, error) {
	if err := s.canRead(ctx, a, coopID); err != nil {
		return Statement{}, err
	}
	if err := attribution.Settle(ctx, s.db); err != nil {
		return Statement{}, err
	}
	const qb = `SELECT b.household_id, h.registry_no, h.head_name_mask, b.attributed_fen, b.operating_fen, b.wage_fen,
			b.asset_fen, b.paid_fen, b.attributed_fen - b.paid_fen, coalesce(v.name, '')
		FROM coop_household_balance b JOIN households h ON h.id = b.household_id LEFT JOIN regions v ON v.code = h.village_code
		WHERE b.cooperative_id = $1 ORDER BY b.attributed_fen - b.paid_fen DESC, h.registry_no`
	rows, err := s.db.Query(ctx, qb, coopID)
	if err != nil {
		return Statement{}, err
	}
	var st Statement
	st.Balances, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Balance, error) {
		var b Balance
		err := r.Scan(&b.HouseholdID, &b.RegistryNo, &b.HeadName, &b.AttributedFen, &b.ByType.Operating, &b.ByType.Wage,
			&b.ByType.Asset, &b.PaidFen, &b.OwedFen, &b.VillageName)
		return b, err
	})
	if err != nil {
		return st, err
	}
	for _, b := range st.Balances {
		st.OwedFen += b.OwedFen
	}
	const qp = `SELECT id, household_id, amount_fen, to_char(paid_on, 'YYYY-MM-DD'), method, reference
		FROM payouts WHERE cooperative_id = $1 ORDER BY id DESC LIMIT 500`
	rows, err = s.db.Query(ctx, qp, coopID)
	if err != nil {
		return st, err
	}
	st.Payouts, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Payout])
	if st.Balances == nil {
		st.Balances = []Balance{}
	}
	if st.Payouts == nil {
		st.Payouts = []Payout{}
	}
	return st, err
}

// CoopOwed is a cooperative's total owed, for offices.
type CoopOwed struct {
	ID            ids.ID     `json:"id"`
	Name          string     `json:"name"`
	AttributedFen int64      `json:"attributed_fen"`
	PaidFen       int64      `json:"paid_fen"`
	OwedFen       int64      `json:"owed_fen"`
	Names         text.Names `json:"names"` // the name in every language entered (Name is the Chinese)
}

// NameIn is the cooperative's name in lang, Chinese when it has none there.
func (c CoopOwed) NameIn(lang string) string {
	return text.Names{Zh: c.Name, Ug: c.Names.Ug, En: c.Names.En}.In(lang)
}

// OwedByCoop lists the cooperatives in the office's jurisdiction with what
// they owe their households; for a township's office, the cooperatives
// that owe its households, with what they owe them.
func (s *Service) OwedByCoop(ctx context.Context, a auth.Actor) ([]CoopOwed, error) {
	if _, err := owedScope(a); err != nil {
		return nil, err
	}
	if err := attribution.Settle(ctx, s.db); err != nil {
		return nil, err
	}
	return OwedByCoopIn(ctx, s.db, a)
}

func owedScope(a auth.Actor) (prefix string, err error) {
	if a.IsAdmin() {
		return "", nil
	}
	if prefix = a.OfficePrefix(); prefix == "" {
		return "", errs.E(errs.Forbidden, "only assistance offices see what cooperatives owe")
	}
	return prefix, nil
}

// OwedByCoopIn is OwedByCoop read with db, without settling the rollup
// queue first: a report that settled once reads it in its own snapshot.
func OwedByCoopIn(ctx context.Context, db postgres.Querier, a auth.Actor) ([]CoopOwed, error) {
	prefix, err := owedScope(a)
	if err != nil {
		return nil, err
	}
	const q = `SELECT c.id, c.name, coalesce(sum(b.attributed_fen), 0)::bigint, coalesce(sum(b.paid_fen), 0)::bigint,
			coalesce(sum(b.attributed_fen - b.paid_fen), 0)::bigint, c.name_ug, c.name_en
		FROM cooperatives c LEFT JOIN coop_household_balance b ON b.cooperative_id = c.id
		WHERE c.county_code LIKE $1 || '%' AND c.status IN ('approved', 'suspended')
		GROUP BY c.id, c.name ORDER BY 5 DESC, c.id`
	// Cooperatives register in a county, so a township's office (a longer
	// prefix) has none of its own: it sees those that owe its households,
	// with what they owe them.
	const township = `SELECT c.id, c.name, sum(b.attributed_fen)::bigint, sum(b.paid_fen)::bigint,
			sum(b.attributed_fen - b.paid_fen)::bigint, c.name_ug, c.name_en
		FROM coop_household_balance b JOIN households h ON h.id = b.household_id JOIN cooperatives c ON c.id = b.cooperative_id
		WHERE h.village_code LIKE $1 || '%' AND c.status IN ('approved', 'suspended')
		GROUP BY c.id, c.name ORDER BY 5 DESC, c.id`
	sql := q
	if a.OfficeLevel == region.Township || a.OfficeLevel == region.Village {
		sql = township
	}
	rows, err := db.Query(ctx, sql, prefix)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CoopOwed, error) {
		var c CoopOwed
		err := r.Scan(&c.ID, &c.Name, &c.AttributedFen, &c.PaidFen, &c.OwedFen, &c.Names.Ug, &c.Names.En)
		c.Names.Zh = c.Name
		return c, err
	})
}

// CanRecord: only the cooperative's administrator records its payouts
// (handlers ask before reading an upload).
func CanRecord(a auth.Actor, coopID int64) error {
	if !a.ManagesCoop(coopID) {
		return errs.E(errs.Forbidden, "only the cooperative's administrator records its payouts")
	}
	return nil
}
