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
	"github.com/fupinmarket/market/internal/platform/textenc"
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
type Service struct{ db *pgxpool.Pool }

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
	} else if !textenc.Clean(o.Name, false) {
		f.Add("name", textenc.ControlReason)
	} else if msg := text.CheckBidi(o.Name); msg != "" {
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

func (s *Service) admin(a auth.Actor, orgID int64) error {
	if a.IsAdmin() || (a.Has(auth.RoleBuyerOrgAdmin) && a.BuyerOrgID == orgID) {
		return nil
	}
	return errs.E(errs.Forbidden, "only the organisation's administrator may do this")
}

// SetTarget sets the organisation's purchase target for a year.
func (s *Service) SetTarget(ctx context.Context, a auth.Actor, orgID int64, year int, targetFen int64) error {
	if err := s.admin(a, orgID); err != nil {
		return err
	}
	f := errs.FieldErrors{}
	if year < 2000 || year > 2100 {
		f.Add("year", "must be between 2000 and 2100")
	}
	if targetFen < 0 {
		f.Add("target_fen", "must not be negative")
	}
	if err := f.Err("the target is not valid"); err != nil {
		return err
	}
	const q = `INSERT INTO buyer_org_targets (buyer_org_id, year, target_fen) VALUES ($1, $2, $3)
		ON CONFLICT (buyer_org_id, year) DO UPDATE SET target_fen = excluded.target_fen, updated_at = now()`
	_, err := s.db.Exec(ctx, q, orgID, year, targetFen)
	return err
}

// MonthPurchase is one month's net purchases.
type MonthPurchase struct {
	Month        int   `json:"month"`
	PurchasedFen int64 `json:"purchased_fen"`
}

// Progress is the organisation's year against its target.
type Progress struct {
	OrgID        ids.ID          `json:"org_id"`
	Year         int             `json:"year"`
	TargetFen    int64           `json:"target_fen"`
	PurchasedFen int64           `json:"purchased_fen"`
	RefundedFen  int64           `json:"refunded_fen"`
	NetFen       int64           `json:"net_fen"`
	ByMonth      []MonthPurchase `json:"by_month"`
}

// Progress sums the paid orders of the organisation's members in the year
// (by payment date) and their refunds.
func (s *Service) Progress(ctx context.Context, a auth.Actor, orgID int64, year int) (Progress, error) {
	if err := s.admin(a, orgID); err != nil {
		return Progress{}, err
	}
	p := Progress{OrgID: ids.ID(orgID), Year: year}
	s.db.QueryRow(ctx, `SELECT target_fen FROM buyer_org_targets WHERE buyer_org_id = $1 AND year = $2`, orgID, year).Scan(&p.TargetFen)
	const q = `SELECT m.n, coalesce(sum(o.total_fen), 0)::bigint, coalesce(sum(o.refunded_fen), 0)::bigint
		FROM generate_series(1, 12) m(n) LEFT JOIN orders o ON o.buyer_org_id = $1 AND o.paid_at IS NOT NULL
			AND report_year(o.paid_at) = $2 AND extract(month FROM o.paid_at AT TIME ZONE 'Asia/Shanghai') = m.n
		GROUP BY m.n ORDER BY m.n`
	rows, err := s.db.Query(ctx, q, orgID, year)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var m MonthPurchase
		var refunded int64
		if err := rows.Scan(&m.Month, &m.PurchasedFen, &refunded); err != nil {
			return p, err
		}
		p.PurchasedFen += m.PurchasedFen
		p.RefundedFen += refunded
		m.PurchasedFen -= refunded
		p.ByMonth = append(p.ByMonth, m)
	}
	p.NetFen = p.PurchasedFen - p.RefundedFen
	return p, rows.Err()
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
	if err := s.admin(a, *org); err != nil {
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

// Awaiting lists the members' delivered orders waiting for acceptance.
func (s *Service) Awaiting(ctx context.Context, a auth.Actor, orgID int64) ([]AwaitingOrder, error) {
	if err := s.admin(a, orgID); err != nil {
		return nil, err
	}
	const q = `SELECT o.id, o.number, u.name, o.total_fen - o.refunded_fen FROM orders o JOIN users u ON u.id = o.buyer_id
		WHERE o.buyer_org_id = $1 AND o.status = 'delivered' ORDER BY o.id`
	rows, err := s.db.Query(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[AwaitingOrder])
}

// AwaitingOrder is a member's order to accept.
type AwaitingOrder struct {
	ID       ids.ID `json:"id"`
	Number   string `json:"number"`
	Buyer    string `json:"buyer"`
	TotalFen int64  `json:"total_fen"`
}
