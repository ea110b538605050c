// Package income records what cooperatives pay their member households
// beyond the sales the attribution follows: wages for work in sorting,
// packing, processing and transport (工资性收入), and dividends on members'
// shares or on the collective assets quantified to them (资产收益,
// 折股量化; 财产性收入), with the shares and assets each member holds over
// time. A wage and a confirmed dividend go into the ledger in the
// transaction that records them, through the checking functions of
// migration 00530 (append_wages, append_dividend), as wage and asset income
// (docs/DOMAIN.md), and are reported to the supervising platform's feed.
// The cooperative records them as paid: they are income and payout at
// once, so they leave nothing owed.
package income

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// Service records wages, dividends and members' shares.
type Service struct {
	db    *pgxpool.Pool
	clock clock.Clock
	feed  *feed.Outbox
}

// NewService returns the income service; outbox (nil: no feed) receives
// the wage.recorded and dividend.paid events.
func NewService(db *pgxpool.Pool, clk clock.Clock, outbox *feed.Outbox) *Service {
	return &Service{db: db, clock: clk, feed: outbox}
}

// CanWrite: only the cooperative's administrator records its wages,
// dividends and shares (handlers ask before reading an upload).
func CanWrite(a auth.Actor, coopID int64) error {
	if a.Anonymous() {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	if !a.ManagesCoop(coopID) {
		return errs.E(errs.Forbidden, "only the cooperative's administrator records its wages, dividends and shares")
	}
	return nil
}

// canRead: the cooperative's administrator, an office governing its county,
// platform administrators; to anyone else the cooperative does not exist
// (coop.ErrNotFound).
func (s *Service) canRead(ctx context.Context, a auth.Actor, coopID int64) error {
	if a.Anonymous() {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	return coop.Oversee(ctx, s.db, a, coopID)
}

// msgNotMember is the one answer for a household the cooperative may not
// pay a wage to, whether it is another's or does not exist at all.
const msgNotMember = "is not a member household of the cooperative"

// members returns which of the households are members of the cooperative.
func members(ctx context.Context, db querier, coopID int64, households []int64) (map[int64]bool, error) {
	const q = `SELECT household_id FROM cooperative_members WHERE cooperative_id = $1 AND household_id = ANY ($2)`
	rows, err := db.Query(ctx, q, coopID, households)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	out := make(map[int64]bool, len(list))
	for _, id := range list {
		out[id] = true
	}
	return out, err
}

// Refusals of the ledger's functions that a user can meet: a household
// left the cooperative between a dividend's declaration and its
// confirmation (or, rarely, while wages were recorded).
const (
	dividendMemberLeft = "a household of the split has left the cooperative since the dividend was declared; discard it and declare it again"
	wageMemberLeft     = "a household of these wages has left the cooperative meanwhile; check the members and record the wages again"
)

// refused turns the ledger functions' refusals (check_violation) into a
// conflict: the state changed under the request. A member who left is said
// in the user's words (memberLeft); any other refusal keeps the function's
// message without its name.
func refused(err error, memberLeft string) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23514" {
		return err
	}
	if strings.Contains(pg.Message, "is not a member of cooperative") {
		return errs.E(errs.Conflict, "%s", memberLeft)
	}
	_, msg, found := strings.Cut(pg.Message, ": ")
	if !found {
		msg = pg.Message
	}
	return errs.E(errs.Conflict, "%s", msg)
}
