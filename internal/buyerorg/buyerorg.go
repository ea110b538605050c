// Package buyerorg holds institutional buyers (采购单位): budget units, unions
// and enterprises with a yearly purchase target (预留份额). Paid orders of
// their members count toward it, and members' orders need the
// organisation's acceptance (验收) before they complete.
package buyerorg

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// Kinds of organisation.
var Kinds = []string{"budget_unit", "union", "enterprise"}

// Org is an institutional buyer.
type Org struct {
	ID            ids.ID `json:"id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	PublicRanking bool   `json:"public_ranking"`
}

// Service runs the buyer organisation use cases.
type Service struct {
	db      *pgxpool.Pool
	siteURL string // what mailed links start with (SetSiteURL)
}

// NewService returns the service.
func NewService(db *pgxpool.Pool) *Service { return &Service{db: db} }

// errAlreadyMember answers a creator who already buys for, or administers,
// an organisation: an account belongs to one organisation at most.
var errAlreadyMember = errs.E(errs.Conflict, "you already belong to an organisation")

// Create makes an organisation whose administrator is the actor. An account
// that already belongs to (or administers) an organisation gets a conflict.
func (s *Service) Create(ctx context.Context, a auth.Actor, o Org) (Org, error) {
	if a.Anonymous() {
		return Org{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	o.Name = strings.TrimSpace(o.Name)
	f := errs.FieldErrors{}
	if o.Name == "" || utf8.RuneCountInString(o.Name) > 64 {
		f.Add("name", "must be 1 to 64 characters")
	} else if msg := text.Problem(o.Name, false); msg != "" {
		f.Add("name", msg)
	}
	known := false
	for _, k := range Kinds {
		known = known || k == o.Kind
	}
	if !known {
		f.Add("kind", "must be budget_unit, union or enterprise")
	}
	if err := f.Err("the organisation is not valid"); err != nil {
		return Org{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Org{}, err
	}
	defer tx.Rollback(ctx)
	var taken bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM buyer_org_members WHERE user_id = $1)
		OR EXISTS (SELECT 1 FROM user_roles WHERE user_id = $1 AND role = 'buyer_org_admin')`, a.UserID).Scan(&taken); err != nil {
		return Org{}, err
	}
	if taken {
		return Org{}, errAlreadyMember
	}
	if err := tx.QueryRow(ctx, `INSERT INTO buyer_orgs (name, kind, public_ranking) VALUES ($1, $2, $3) RETURNING id`,
		o.Name, o.Kind, o.PublicRanking).Scan(&o.ID); err != nil {
		return Org{}, fmt.Errorf("insert org: %w", err)
	}
	if err := auth.GrantTx(ctx, tx, a.UserID, auth.Grant{Role: auth.RoleBuyerOrgAdmin, BuyerOrgID: int64(o.ID)}); err != nil {
		return Org{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO buyer_org_members (buyer_org_id, user_id) VALUES ($1, $2)`, int64(o.ID), a.UserID); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" { // joined another organisation meanwhile
			return Org{}, errAlreadyMember
		}
		return Org{}, fmt.Errorf("add the creator as a member: %w", err)
	}
	return o, tx.Commit(ctx)
}

// admin checks that a administers organisation orgID: its own
// administrator, or a platform administrator, who may name any id and so
// learns when there is no such organisation (404, not a write that fails).
func (s *Service) admin(ctx context.Context, a auth.Actor, orgID int64) error {
	if a.Has(auth.RoleBuyerOrgAdmin) && a.BuyerOrgID == orgID {
		return nil
	}
	if !a.IsAdmin() {
		return errs.E(errs.Forbidden, "only the organisation's administrator may do this")
	}
	var exists bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM buyer_orgs WHERE id = $1)`, orgID).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return errs.E(errs.NotFound, "organisation not found")
	}
	return nil
}

// Accept records the organisation's acceptance (验收) of a member's
// delivered order, which completes it. The order package writes the order
// (order.AcceptTx); the check that the actor administers the order's
// organisation is made here, in the same transaction.
func (s *Service) Accept(ctx context.Context, a auth.Actor, orderID int64) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var org *int64
	var status string
	err = tx.QueryRow(ctx, `SELECT buyer_org_id, status FROM orders WHERE id = $1`, orderID).Scan(&org, &status)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && org == nil) {
		return errs.E(errs.NotFound, "order not found")
	}
	if err != nil {
		return err
	}
	if err := s.admin(ctx, a, *org); err != nil {
		return err
	}
	accepted, err := order.AcceptTx(ctx, tx, orderID, a.UserID)
	if err != nil {
		return err
	}
	if !accepted {
		return errs.E(errs.Conflict, "the order is %s; only delivered orders can be accepted", status)
	}
	return tx.Commit(ctx)
}
