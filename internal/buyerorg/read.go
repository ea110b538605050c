package buyerorg

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// Get returns the organisation for its administrator (or a platform admin).
func (s *Service) Get(ctx context.Context, a auth.Actor, orgID int64) (Org, error) {
	if err := s.admin(ctx, a, orgID); err != nil {
		return Org{}, err
	}
	var o Org
	err := s.db.QueryRow(ctx, `SELECT id, name, kind, public_ranking FROM buyer_orgs WHERE id = $1`, orgID).
		Scan(&o.ID, &o.Name, &o.Kind, &o.PublicRanking)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, errs.E(errs.NotFound, "organisation not found")
	}
	return o, err
}

// Member is an account that buys for the organisation.
type Member struct {
	Email   string    `json:"email"`
	Name    string    `json:"name"`
	AddedAt time.Time `json:"added_at"`
}

// Members lists the organisation's members, newest first.
func (s *Service) Members(ctx context.Context, a auth.Actor, orgID int64) ([]Member, error) {
	if err := s.admin(ctx, a, orgID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT u.email, u.name, m.added_at FROM buyer_org_members m JOIN users u ON u.id = m.user_id
		WHERE m.buyer_org_id = $1 ORDER BY m.added_at DESC, u.email LIMIT 500`, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Member])
}

// MembershipOf returns the organisation the actor buys for, and false when
// the actor belongs to none.
func (s *Service) MembershipOf(ctx context.Context, a auth.Actor) (Org, bool, error) {
	if a.Anonymous() {
		return Org{}, false, nil
	}
	var o Org
	err := s.db.QueryRow(ctx, `SELECT o.id, o.name, o.kind, o.public_ranking FROM buyer_org_members m
		JOIN buyer_orgs o ON o.id = m.buyer_org_id WHERE m.user_id = $1`, a.UserID).
		Scan(&o.ID, &o.Name, &o.Kind, &o.PublicRanking)
	if errors.Is(err, pgx.ErrNoRows) {
		return Org{}, false, nil
	}
	return o, err == nil, err
}
