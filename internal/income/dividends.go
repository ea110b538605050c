package income

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// Bases of a dividend: members' shares, or the collective assets quantified
// to them (in fen).
const (
	BasisShares = "shares"
	BasisAssets = "assets"
)

// Statuses of a dividend.
const (
	Draft     = "draft"
	Paid      = "paid"
	Discarded = "discarded"
)

// MaxDividendFen bounds one dividend (¥100,000,000).
const MaxDividendFen = 10_000_000_000

// DividendInput is a dividend the cooperative declares.
type DividendInput struct {
	Year     int    `json:"year"`
	TotalFen int64  `json:"total_fen"`
	Basis    string `json:"basis"`
}

// Dividend is a declared dividend with its split. The heads' names are
// masked.
type Dividend struct {
	ID         ids.ID     `json:"id"`
	Year       int        `json:"year"`
	TotalFen   int64      `json:"total_fen"`
	Basis      string     `json:"basis"`
	Status     string     `json:"status"`
	DeclaredAt time.Time  `json:"declared_at"`
	PaidAt     *time.Time `json:"paid_at"`
	Split      []Part     `json:"split"`
}

// Part is one household's part of a dividend: its weight (shares, or
// assets in fen) and amount.
type Part struct {
	HouseholdID ids.ID `json:"household_id"`
	RegistryNo  string `json:"registry_no,omitempty"`
	HeadName    string `json:"head_name,omitempty"`
	Weight      int64  `json:"weight"`
	AmountFen   int64  `json:"amount_fen"`
}

// Split divides total over the parts' weights to the fen: the
// largest-remainder method over the households in id order, leftover fen
// to the larger remainder and, on a tie, to the lower household id (the
// rule sales follow, attribution.Apportion). The amounts sum to total. The
// parts come back in household id order.
func Split(total int64, parts []Part) []Part {
	out := append([]Part(nil), parts...)
	sort.Slice(out, func(i, j int) bool { return out[i].HouseholdID < out[j].HouseholdID })
	weights := make([]int64, len(out))
	for i, p := range out {
		weights[i] = p.Weight
	}
	for i, amount := range attribution.Apportion(total, weights) {
		out[i].AmountFen = amount
	}
	return out
}

// Declare drafts a dividend: its total split over the member households
// holding shares (or assets, by basis) now. Nothing is paid until Confirm.
func (s *Service) Declare(ctx context.Context, a auth.Actor, coopID int64, in DividendInput) (Dividend, error) {
	if err := CanWrite(a, coopID); err != nil {
		return Dividend{}, err
	}
	f := errs.FieldErrors{}
	if in.Year < 2000 || in.Year > s.clock.Year() {
		f.Add("year", "must be a year from 2000 to this year")
	}
	if in.TotalFen <= 0 || in.TotalFen > MaxDividendFen {
		f.Add("total_fen", "must be a positive amount of at most ¥100,000,000")
	}
	if in.Basis != BasisShares && in.Basis != BasisAssets {
		f.Add("basis", "must be shares or assets")
	}
	if err := f.Err("the dividend is not valid"); err != nil {
		return Dividend{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Dividend{}, err
	}
	defer tx.Rollback(ctx)
	holdings, err := readShares(ctx, tx, coopID, 0)
	if err != nil {
		return Dividend{}, err
	}
	var parts []Part
	for _, h := range holdings {
		w := h.Shares
		if in.Basis == BasisAssets {
			w = h.AssetsFen
		}
		if w > 0 {
			parts = append(parts, Part{HouseholdID: h.HouseholdID, Weight: w})
		}
	}
	if len(parts) == 0 {
		reason := "no member household holds shares: set the members' shares first"
		if in.Basis == BasisAssets {
			reason = "no member household has quantified assets: set them first"
		}
		return Dividend{}, errs.Validation("the dividend is not valid", map[string]string{"basis": reason})
	}
	parts = Split(in.TotalFen, parts)
	var id int64
	const q = `INSERT INTO dividends (cooperative_id, year, total_fen, basis, declared_by, declared_at)
		VALUES ($1, $2, $3, $4, nullif($5::bigint, 0), $6) RETURNING id`
	if err := tx.QueryRow(ctx, q, coopID, in.Year, in.TotalFen, in.Basis, a.UserID, s.clock.Now()).Scan(&id); err != nil {
		return Dividend{}, fmt.Errorf("declare dividend: %w", err)
	}
	hh, weight, amount := make([]int64, len(parts)), make([]int64, len(parts)), make([]int64, len(parts))
	for i, p := range parts {
		hh[i], weight[i], amount[i] = int64(p.HouseholdID), p.Weight, p.AmountFen
	}
	const qs = `INSERT INTO dividend_splits (dividend_id, household_id, weight, amount_fen)
		SELECT $1, u.h, u.w, u.a FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(h, w, a)`
	if _, err := tx.Exec(ctx, qs, id, hh, weight, amount); err != nil {
		return Dividend{}, fmt.Errorf("declare dividend: %w", err)
	}
	d, err := readDividend(ctx, tx, coopID, id)
	if err != nil {
		return Dividend{}, err
	}
	return d, tx.Commit(ctx)
}

// Confirm pays a draft dividend as it was split: its ledger entries (asset
// income) and its feed event are written in the same transaction. A
// dividend that is not a draft cannot be confirmed (conflict); neither can
// one whose split names a household that has left the cooperative since.
func (s *Service) Confirm(ctx context.Context, a auth.Actor, coopID, dividendID int64) (Dividend, error) {
	return s.settle(ctx, a, coopID, dividendID, Paid)
}

// Discard drops a draft dividend (one declared by mistake, or whose split
// is out of date): nothing is paid.
func (s *Service) Discard(ctx context.Context, a auth.Actor, coopID, dividendID int64) (Dividend, error) {
	return s.settle(ctx, a, coopID, dividendID, Discarded)
}

func (s *Service) settle(ctx context.Context, a auth.Actor, coopID, dividendID int64, to string) (Dividend, error) {
	if err := CanWrite(a, coopID); err != nil {
		return Dividend{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Dividend{}, err
	}
	defer tx.Rollback(ctx)
	const q = `UPDATE dividends SET status = $3::text,
			paid_at = CASE WHEN $3::text = 'paid' THEN $4::timestamptz END,
			paid_by = CASE WHEN $3::text = 'paid' THEN nullif($5::bigint, 0) END
		WHERE id = $1 AND cooperative_id = $2 AND status = 'draft' RETURNING id`
	var id int64
	err = tx.QueryRow(ctx, q, dividendID, coopID, to, s.clock.Now(), a.UserID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		d, rerr := readDividend(ctx, tx, coopID, dividendID)
		if rerr != nil {
			return Dividend{}, rerr
		}
		return Dividend{}, errs.E(errs.Conflict, "the dividend is %s: only a draft can be confirmed or discarded", d.Status)
	}
	if err != nil {
		return Dividend{}, fmt.Errorf("settle dividend: %w", err)
	}
	if to == Paid {
		// append_dividend (migration 00530) checks the split against the
		// total and the members, and appends one entry per household.
		if _, err := tx.Exec(ctx, `SELECT append_dividend($1)`, id); err != nil {
			return Dividend{}, refused(err, dividendMemberLeft)
		}
		if err := s.feed.DividendTx(ctx, tx, id); err != nil {
			return Dividend{}, err
		}
	}
	d, err := readDividend(ctx, tx, coopID, id)
	if err != nil {
		return Dividend{}, err
	}
	return d, tx.Commit(ctx)
}

// Dividend reads one of the cooperative's dividends with its split.
func (s *Service) Dividend(ctx context.Context, a auth.Actor, coopID, dividendID int64) (Dividend, error) {
	if err := s.canRead(ctx, a, coopID); err != nil {
		return Dividend{}, err
	}
	return readDividend(ctx, s.db, coopID, dividendID)
}

// Dividends lists the cooperative's dividends, newest first, without their
// splits.
func (s *Service) Dividends(ctx context.Context, a auth.Actor, coopID int64) ([]Dividend, error) {
	if err := s.canRead(ctx, a, coopID); err != nil {
		return nil, err
	}
	const q = `SELECT id, year, total_fen, basis, status, declared_at, paid_at FROM dividends
		WHERE cooperative_id = $1 ORDER BY id DESC LIMIT 200`
	rows, err := s.db.Query(ctx, q, coopID)
	if err != nil {
		return nil, fmt.Errorf("dividends: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanDividend)
	if list == nil {
		list = []Dividend{}
	}
	return list, err
}

func scanDividend(r pgx.CollectableRow) (Dividend, error) {
	d := Dividend{Split: []Part{}}
	err := r.Scan(&d.ID, &d.Year, &d.TotalFen, &d.Basis, &d.Status, &d.DeclaredAt, &d.PaidAt)
	return d, err
}

func readDividend(ctx context.Context, db querier, coopID, id int64) (Dividend, error) {
	const q = `SELECT id, year, total_fen, basis, status, declared_at, paid_at FROM dividends
		WHERE id = $1 AND cooperative_id = $2`
	rows, err := db.Query(ctx, q, id, coopID)
	if err != nil {
		return Dividend{}, fmt.Errorf("dividend: %w", err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, scanDividend)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, errs.E(errs.NotFound, "dividend not found")
	}
	if err != nil {
		return d, err
	}
	const qs = `SELECT s.household_id, h.registry_no, h.head_name_mask, s.weight, s.amount_fen
		FROM dividend_splits s JOIN households h ON h.id = s.household_id
		WHERE s.dividend_id = $1 ORDER BY s.household_id`
	rows, err = db.Query(ctx, qs, id)
	if err != nil {
		return d, fmt.Errorf("dividend split: %w", err)
	}
	if d.Split, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Part]); d.Split == nil {
		d.Split = []Part{}
	}
	return d, err
}
