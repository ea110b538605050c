package coop

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// step is one lifecycle transition: from which state, who may take it.
type step struct {
	from, to Status
	verb     string
	allowed  func(a auth.Actor, c Cooperative) bool
	who      string
}

var (
	recommend = step{StatusApplied, StatusRecommended, "recommend",
		func(a auth.Actor, c Cooperative) bool { return officeHolds(a, c.CountyCode) },
		"an office whose jurisdiction holds the cooperative's county"}
	approve = step{StatusRecommended, StatusApproved, "approve",
		func(a auth.Actor, _ Cooperative) bool { return a.IsAdmin() }, "a platform administrator"}
	reject = step{StatusRecommended, StatusRejected, "reject",
		func(a auth.Actor, _ Cooperative) bool { return a.IsAdmin() }, "a platform administrator"}
	suspend = step{StatusApproved, StatusSuspended, "suspend",
		func(a auth.Actor, _ Cooperative) bool { return a.IsAdmin() }, "a platform administrator"}
)

// Step takes the lifecycle step named by its verb (recommend, approve,
// reject, suspend: the API's paths and the review pages' buttons); reason
// is used by reject and suspend. An unknown verb is not found.
func (s *Service) Step(ctx context.Context, actor auth.Actor, verb string, id ids.ID, reason string) (Cooperative, error) {
	switch verb {
	case "recommend":
		return s.Recommend(ctx, actor, id)
	case "approve":
		return s.Approve(ctx, actor, id)
	case "reject":
		return s.Reject(ctx, actor, id, reason)
	case "suspend":
		return s.Suspend(ctx, actor, id, reason)
	}
	return Cooperative{}, errs.E(errs.NotFound, "no such step")
}

// Recommend moves an applied cooperative to recommended, for an office whose
// jurisdiction holds its county.
func (s *Service) Recommend(ctx context.Context, actor auth.Actor, id ids.ID) (Cooperative, error) {
	return s.transition(ctx, actor, id, recommend, "")
}

// Approve moves a recommended cooperative to approved, for a platform
// administrator.
func (s *Service) Approve(ctx context.Context, actor auth.Actor, id ids.ID) (Cooperative, error) {
	return s.transition(ctx, actor, id, approve, "")
}

// Reject moves a recommended cooperative to rejected with a reason (required,
// at most 500 characters), for a platform administrator.
func (s *Service) Reject(ctx context.Context, actor auth.Actor, id ids.ID, reason string) (Cooperative, error) {
	reason = strings.TrimSpace(reason)
	if msg := checkText(reason, 500, true); msg != "" {
		return Cooperative{}, errs.Validation("invalid rejection", map[string]string{"reason": msg})
	}
	return s.transition(ctx, actor, id, reject, reason)
}

// Suspend moves an approved cooperative to suspended, for a platform
// administrator; the reason is optional.
func (s *Service) Suspend(ctx context.Context, actor auth.Actor, id ids.ID, reason string) (Cooperative, error) {
	reason = strings.TrimSpace(reason)
	if msg := checkText(reason, 500, false); msg != "" {
		return Cooperative{}, errs.Validation("invalid suspension", map[string]string{"reason": msg})
	}
	return s.transition(ctx, actor, id, suspend, reason)
}

// transition locks the cooperative, checks who may take st and that it is in
// st.from, applies it and records the event, in one transaction. An actor
// who may not see the cooperative is answered as if it did not exist.
func (s *Service) transition(ctx context.Context, actor auth.Actor, id ids.ID, st step, reason string) (Cooperative, error) {
	if actor.Anonymous() {
		return Cooperative{}, errs.E(errs.Unauthenticated, "sign in to %s a cooperative", st.verb)
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Cooperative{}, err
	}
	defer tx.Rollback(ctx)
	c, err := lock(ctx, tx, id)
	if err != nil {
		return Cooperative{}, err
	}
	if !st.allowed(actor, c) {
		return Cooperative{}, refuse(actor, c, fmt.Sprintf("only %s may %s this cooperative", st.who, st.verb))
	}
	if c.Status != st.from {
		return Cooperative{}, errs.E(errs.Conflict, "cooperative %s is %s; only a cooperative that is %s can be %sed",
			id, c.Status, st.from, strings.TrimSuffix(st.verb, "e"))
	}
	const q = `UPDATE cooperatives SET status = $2, updated_at = now(),
			recommended_by = CASE WHEN $2 = 'recommended' THEN $3 ELSE recommended_by END,
			recommended_at = CASE WHEN $2 = 'recommended' THEN now() ELSE recommended_at END,
			approved_by = CASE WHEN $2 = 'approved' THEN $3 ELSE approved_by END,
			approved_at = CASE WHEN $2 = 'approved' THEN now() ELSE approved_at END,
			reject_reason = CASE WHEN $2 = 'rejected' THEN $4 ELSE reject_reason END
		WHERE id = $1 RETURNING ` + cols
	rows, err := tx.Query(ctx, q, id, string(st.to), actor.UserID, reason)
	if err != nil {
		return Cooperative{}, fmt.Errorf("%s cooperative: %w", st.verb, err)
	}
	c, err = pgx.CollectExactlyOneRow(rows, scanCoop)
	if err != nil {
		return Cooperative{}, fmt.Errorf("%s cooperative: %w", st.verb, err)
	}
	if err := recordEvent(ctx, tx, id, st.from, st.to, actor.UserID, reason); err != nil {
		return Cooperative{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Cooperative{}, fmt.Errorf("%s cooperative: %w", st.verb, err)
	}
	return c, nil
}

// lock reads cooperative id FOR UPDATE.
func lock(ctx context.Context, tx pgx.Tx, id ids.ID) (Cooperative, error) {
	const q = `SELECT ` + cols + ` FROM cooperatives WHERE id = $1 FOR UPDATE`
	rows, err := tx.Query(ctx, q, id)
	if err != nil {
		return Cooperative{}, fmt.Errorf("lock cooperative: %w", err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCoop)
	if errors.Is(err, pgx.ErrNoRows) {
		return Cooperative{}, ErrNotFound
	}
	if err != nil {
		return Cooperative{}, fmt.Errorf("lock cooperative: %w", err)
	}
	return c, nil
}

func recordEvent(ctx context.Context, tx pgx.Tx, id ids.ID, from, to Status, actorID int64, reason string) error {
	const q = `INSERT INTO cooperative_events (cooperative_id, from_status, to_status, actor_user_id, reason)
		VALUES ($1, nullif($2, ''), $3, nullif($4, 0::bigint), $5)`
	if _, err := tx.Exec(ctx, q, id, string(from), string(to), actorID, reason); err != nil {
		return fmt.Errorf("record cooperative event: %w", err)
	}
	return nil
}

// Events lists the lifecycle steps of cooperative id, oldest first, for
// those who govern it or administer it; to anyone else the cooperative does
// not exist (ErrNotFound), even an approved one.
func (s *Service) Events(ctx context.Context, actor auth.Actor, id ids.ID) ([]Event, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !governs(actor, c.CountyCode) && !actor.ManagesCoop(int64(id)) {
		return nil, ErrNotFound
	}
	const q = `SELECT id, coalesce(from_status, ''), to_status, actor_user_id, reason, at
		FROM cooperative_events WHERE cooperative_id = $1 ORDER BY id`
	rows, err := s.db.Query(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("list cooperative events: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Event])
}
