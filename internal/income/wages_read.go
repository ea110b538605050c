package income

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
)

const wageColumns = `SELECT w.id, w.household_id, h.registry_no, h.head_name_mask, w.work_from::text, w.work_to::text, w.kind,
		w.amount_fen, w.paid_on::text, w.note, w.corrects, w.created_at
	FROM wages w JOIN households h ON h.id = w.household_id`

func readWages(ctx context.Context, db querier, coopID int64, only []int64, limit int) ([]Wage, error) {
	q := wageColumns + ` WHERE w.cooperative_id = $1 AND ($2::bigint[] IS NULL OR w.id = ANY ($2)) ORDER BY w.id DESC LIMIT $3`
	rows, err := db.Query(ctx, q, coopID, only, limit)
	if err != nil {
		return nil, fmt.Errorf("wages: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Wage])
	if out == nil {
		out = []Wage{}
	}
	return out, err
}

// Wages lists the cooperative's latest wages (and corrections), newest
// first, at most limit (1 to 500; default 100).
func (s *Service) Wages(ctx context.Context, a auth.Actor, coopID int64, limit int) ([]Wage, error) {
	if err := s.canRead(ctx, a, coopID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return readWages(ctx, s.db, coopID, nil, limit)
}
