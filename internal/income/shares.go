package income

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// MemberShares is a member household's shares and quantified assets now,
// with the changes that led there (newest first). A member never set holds
// none. The head's name is masked.
type MemberShares struct {
	HouseholdID ids.ID        `json:"household_id"`
	RegistryNo  string        `json:"registry_no"`
	HeadName    string        `json:"head_name"`
	Shares      int64         `json:"shares"`
	AssetsFen   int64         `json:"assets_fen"`
	SetAt       *time.Time    `json:"set_at"`
	History     []ShareChange `json:"history,omitempty"`
}

// ShareChange is one setting of a member's shares and assets.
type ShareChange struct {
	Shares    int64     `json:"shares"`
	AssetsFen int64     `json:"assets_fen"`
	SetAt     time.Time `json:"set_at"`
}

// SharesInput is what the cooperative sets for a member.
type SharesInput struct {
	Shares    int64 `json:"shares"`
	AssetsFen int64 `json:"assets_fen"`
}

// Bounds of a member's holdings.
const (
	MaxShares    = 1_000_000_000
	MaxAssetsFen = 100_000_000_000 // ¥1,000,000,000
)

// SetShares records the member household's shares and quantified assets
// from now on (the earlier values stay in its history) and returns them.
func (s *Service) SetShares(ctx context.Context, a auth.Actor, coopID, householdID int64, in SharesInput) (MemberShares, error) {
	if err := CanWrite(a, coopID); err != nil {
		return MemberShares{}, err
	}
	f := errs.FieldErrors{}
	if in.Shares < 0 || in.Shares > MaxShares {
		f.Add("shares", fmt.Sprintf("must be from 0 to %d", MaxShares))
	}
	if in.AssetsFen < 0 || in.AssetsFen > MaxAssetsFen {
		f.Add("assets_fen", "must be from 0 to ¥1,000,000,000")
	}
	if err := f.Err("the shares are not valid"); err != nil {
		return MemberShares{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return MemberShares{}, err
	}
	defer tx.Rollback(ctx)
	m, err := members(ctx, tx, coopID, []int64{householdID})
	if err != nil {
		return MemberShares{}, err
	}
	if !m[householdID] {
		return MemberShares{}, errs.E(errs.NotFound, "household %d is not a member of the cooperative", householdID)
	}
	const q = `INSERT INTO member_shares (cooperative_id, household_id, shares, assets_fen, set_by, set_at)
		VALUES ($1, $2, $3, $4, nullif($5::bigint, 0), $6)`
	if _, err := tx.Exec(ctx, q, coopID, householdID, in.Shares, in.AssetsFen, a.UserID, s.clock.Now()); err != nil {
		return MemberShares{}, fmt.Errorf("set shares: %w", err)
	}
	list, err := readShares(ctx, tx, coopID, householdID)
	if err != nil || len(list) == 0 {
		return MemberShares{}, err
	}
	return list[0], tx.Commit(ctx)
}

// Shares lists every member household of the cooperative with its shares
// and assets now, by registry number; with history (householdID > 0, one
// member) their changes too.
func (s *Service) Shares(ctx context.Context, a auth.Actor, coopID, householdID int64) ([]MemberShares, error) {
	if err := s.canRead(ctx, a, coopID); err != nil {
		return nil, err
	}
	return readShares(ctx, s.db, coopID, householdID)
}

type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

func readShares(ctx context.Context, db querier, coopID, householdID int64) ([]MemberShares, error) {
	const q = `SELECT m.household_id, h.registry_no, h.head_name_mask, coalesce(s.shares, 0), coalesce(s.assets_fen, 0), s.set_at
		FROM cooperative_members m JOIN households h ON h.id = m.household_id
		LEFT JOIN LATERAL (SELECT shares, assets_fen, set_at FROM member_shares x
			WHERE x.cooperative_id = m.cooperative_id AND x.household_id = m.household_id ORDER BY x.id DESC LIMIT 1) s ON true
		WHERE m.cooperative_id = $1 AND ($2::bigint = 0 OR m.household_id = $2) ORDER BY h.registry_no`
	rows, err := db.Query(ctx, q, coopID, householdID)
	if err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MemberShares, error) {
		var m MemberShares
		err := r.Scan(&m.HouseholdID, &m.RegistryNo, &m.HeadName, &m.Shares, &m.AssetsFen, &m.SetAt)
		return m, err
	})
	if err != nil || householdID == 0 || len(list) == 0 {
		if list == nil {
			list = []MemberShares{}
		}
		return list, err
	}
	const qh = `SELECT shares, assets_fen, set_at FROM member_shares WHERE cooperative_id = $1 AND household_id = $2
		ORDER BY id DESC LIMIT 100`
	rows, err = db.Query(ctx, qh, coopID, householdID)
	if err != nil {
		return nil, fmt.Errorf("share history: %w", err)
	}
	list[0].History, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ShareChange])
	if list[0].History == nil {
		list[0].History = []ShareChange{}
	}
	return list, err
}
