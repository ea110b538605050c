package coop

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/fupinmarket/market/internal/platform/ids"
)

// The functions below are for loaders of ready-made data (the demo): they
// write a cooperative's history as it happened instead of walking it step by
// step, and check neither actor nor fields (a loader's data is valid by
// construction). They take the loader's transaction, so that
// cooperatives, their trail and their members commit with the rest of what
// it loads, while cooperatives, cooperative_events and cooperative_members
// stay written by this package only.

// Trail is the vetting of a cooperative that a loader registers approved:
// when it applied, and who recommended and approved it when.
type Trail struct {
	AppliedAt     time.Time
	RecommendedBy *int64 // nil: no office recorded
	RecommendedAt time.Time
	ApprovedBy    *int64 // nil: no administrator recorded
	ApprovedAt    time.Time
}

// RegisterApprovedTx registers app as an approved cooperative unless one
// holds its credit code, and returns the cooperative's id and whether it was
// created. With a trail the cooperative is dated by it and its three
// lifecycle events are recorded; without one it is approved as of now, with
// no events.
func RegisterApprovedTx(ctx context.Context, tx pgx.Tx, app Application, trail *Trail) (ids.ID, bool, error) {
	var recBy, apprBy *int64
	var recAt, apprAt, created *time.Time
	if trail != nil {
		recBy, apprBy = trail.RecommendedBy, trail.ApprovedBy
		recAt, apprAt, created = &trail.RecommendedAt, &trail.ApprovedAt, &trail.AppliedAt
	}
	// ins sees no row of the statement's snapshot, and the second SELECT no
	// row ins wrote: exactly one of them answers.
	const q = `WITH ins AS (
			INSERT INTO cooperatives (name, credit_code, county_code, contact_name, contact_phone, status,
				recommended_by, recommended_at, approved_by, approved_at, created_at, updated_at, name_ug, name_en)
			VALUES ($1, $2, $3, $4, $5, 'approved', $6, $7, $8, $9, coalesce($10, now()), coalesce($9, now()), $11, $12)
			ON CONFLICT (credit_code) DO NOTHING RETURNING id)
		SELECT id, true FROM ins UNION ALL SELECT id, false FROM cooperatives WHERE credit_code = $2 LIMIT 1`
	var id ids.ID
	var isNew bool
	err := tx.QueryRow(ctx, q, app.Name, app.CreditCode, app.CountyCode, app.ContactName, app.ContactPhone,
		recBy, recAt, apprBy, apprAt, created, app.NameUg, app.NameEn).Scan(&id, &isNew)
	if err != nil {
		return 0, false, fmt.Errorf("register cooperative %s: %w", app.CreditCode, err)
	}
	if isNew && trail != nil {
		if err := recordTrail(ctx, tx, id, *trail); err != nil {
			return 0, false, err
		}
	}
	return id, isNew, nil
}

// BackfillTrailTx gives approved cooperative id the trail t when it has
// recorded no lifecycle event (it was registered without one), keeping
// whatever recommender and approver it names already. It reports whether
// it did.
func BackfillTrailTx(ctx context.Context, tx pgx.Tx, id ids.ID, t Trail) (bool, error) {
	const q = `UPDATE cooperatives SET recommended_by = coalesce(recommended_by, $2),
			recommended_at = coalesce(recommended_at, $3), approved_by = coalesce(approved_by, $4),
			approved_at = coalesce(approved_at, $5)
		WHERE id = $1 AND status = 'approved'
			AND NOT EXISTS (SELECT 1 FROM cooperative_events WHERE cooperative_id = $1)`
	tag, err := tx.Exec(ctx, q, id, t.RecommendedBy, t.RecommendedAt, t.ApprovedBy, t.ApprovedAt)
	if err != nil {
		return false, fmt.Errorf("cooperative %s trail: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	return true, recordTrail(ctx, tx, id, t)
}

// recordTrail records the applied → recommended → approved events of t.
func recordTrail(ctx context.Context, tx pgx.Tx, id ids.ID, t Trail) error {
	const q = `INSERT INTO cooperative_events (cooperative_id, from_status, to_status, actor_user_id, reason, at)
		VALUES ($1, NULL, 'applied', NULL, '', $2), ($1, 'applied', 'recommended', $3, '', $4),
			($1, 'recommended', 'approved', $5, '', $6)`
	if _, err := tx.Exec(ctx, q, id, t.AppliedAt, t.RecommendedBy, t.RecommendedAt, t.ApprovedBy, t.ApprovedAt); err != nil {
		return fmt.Errorf("cooperative %s trail: %w", id, err)
	}
	return nil
}

// Joining is a household joining a cooperative, for AddMembersTx.
type Joining struct {
	CooperativeID ids.ID
	HouseholdID   ids.ID
	JoinedOn      time.Time // zero: today
}

// AddMembersTx adds member households, keeping existing members and their
// join dates. Unlike SetMembers it does not check that each household lives
// in its cooperative's county: loaders place households by plan.
func AddMembersTx(ctx context.Context, tx pgx.Tx, js []Joining) error {
	if len(js) == 0 {
		return nil
	}
	coops := make([]int64, len(js))
	households := make([]int64, len(js))
	joined := make([]pgtype.Date, len(js))
	for i, j := range js {
		coops[i], households[i] = int64(j.CooperativeID), int64(j.HouseholdID)
		joined[i] = pgtype.Date{Time: j.JoinedOn, Valid: !j.JoinedOn.IsZero()}
	}
	const q = `INSERT INTO cooperative_members (cooperative_id, household_id, joined_on)
		SELECT x.coop, x.household, coalesce(x.joined, current_date)
		FROM unnest($1::bigint[], $2::bigint[], $3::date[]) AS x(coop, household, joined)
		ON CONFLICT (cooperative_id, household_id) DO NOTHING`
	if _, err := tx.Exec(ctx, q, coops, households, joined); err != nil {
		return fmt.Errorf("add cooperative members: %w", err)
	}
	return nil
}

// NameTranslationsTx gives cooperative id its Uyghur and English names
// where it has none yet (a loader's data written before names existed).
func NameTranslationsTx(ctx context.Context, tx pgx.Tx, id ids.ID, ug, en string) error {
	const q = `UPDATE cooperatives SET name_ug = CASE WHEN name_ug = '' THEN $2 ELSE name_ug END,
			name_en = CASE WHEN name_en = '' THEN $3 ELSE name_en END
		WHERE id = $1 AND (name_ug = '' OR name_en = '')`
	if _, err := tx.Exec(ctx, q, id, ug, en); err != nil {
		return fmt.Errorf("cooperative %s names: %w", id, err)
	}
	return nil
}
