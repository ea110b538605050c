package coop

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// MaxMembers bounds one SetMembers call.
const MaxMembers = 10000

// SetMembers replaces the member households of cooperative id with members,
// for its coop_admin or an office whose jurisdiction holds its county. Every
// household must be registered in the cooperative's county (else a
// validation error naming the ids). Members that stay keep their join date
// unless a JoinedOn is given; new members join today unless one is given.
// It returns the new member list.
func (s *Service) SetMembers(ctx context.Context, actor auth.Actor, id ids.ID, members []Membership) ([]Membership, error) {
	if actor.Anonymous() {
		return nil, errs.E(errs.Unauthenticated, "sign in to manage members")
	}
	if len(members) > MaxMembers {
		return nil, errs.Validation("too many members", map[string]string{"household_ids": fmt.Sprintf("at most %d", MaxMembers)})
	}
	// A join date is a day of the clock's zone (Beijing). Compared with
	// the instant now, a date read as midnight UTC (08:00 in Beijing) was
	// "after today" from 00:00 to 08:00 there, and today was refused; so
	// both are dates, at midnight UTC.
	y, mo, d := s.clock.Now().Date()
	today := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	seen := map[ids.ID]bool{}
	hh := []int64{} // never NULL: an empty list removes every member
	joined := []pgtype.Date{}
	for _, m := range members {
		if m.HouseholdID <= 0 {
			return nil, errs.Validation("invalid members", map[string]string{"household_ids": "ids must be positive"})
		}
		if !m.JoinedOn.IsZero() && (dateOf(m.JoinedOn).After(today) || m.JoinedOn.Year() < 2000) {
			return nil, errs.Validation("invalid members", map[string]string{"joined_on": "must be a date from 2000 to today"})
		}
		if seen[m.HouseholdID] {
			continue
		}
		seen[m.HouseholdID] = true
		hh = append(hh, int64(m.HouseholdID))
		joined = append(joined, pgtype.Date{Time: m.JoinedOn, Valid: !m.JoinedOn.IsZero()})
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	c, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !officeHolds(actor, c.CountyCode) && !actor.ManagesCoop(int64(id)) {
		return nil, refuse(actor, c, "only the cooperative's administrator or its county's office manage its members")
	}
	if c.Status == StatusRejected {
		return nil, errs.E(errs.Conflict, "cooperative %s was rejected", id)
	}
	const outside = `SELECT x.id FROM unnest($1::bigint[]) AS x(id)
		WHERE NOT EXISTS (SELECT 1 FROM households h WHERE h.id = x.id AND h.village_code LIKE $2 || '%')
		ORDER BY x.id`
	rows, err := tx.Query(ctx, outside, hh, c.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("set members: %w", err)
	}
	bad, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("set members: %w", err)
	}
	if len(bad) > 0 {
		return nil, errs.Validation("households outside the cooperative's county", map[string]string{
			"household_ids": "not registered in county " + c.CountyCode + ": " + joinIDs(bad)})
	}
	const drop = `DELETE FROM cooperative_members WHERE cooperative_id = $1 AND NOT household_id = ANY($2)`
	if _, err := tx.Exec(ctx, drop, id, hh); err != nil {
		return nil, fmt.Errorf("set members: %w", err)
	}
	const redate = `UPDATE cooperative_members m SET joined_on = x.joined
		FROM unnest($2::bigint[], $3::date[]) AS x(id, joined)
		WHERE m.cooperative_id = $1 AND m.household_id = x.id AND x.joined IS NOT NULL`
	if _, err := tx.Exec(ctx, redate, id, hh, joined); err != nil {
		return nil, fmt.Errorf("set members: %w", err)
	}
	const add = `INSERT INTO cooperative_members (cooperative_id, household_id, joined_on)
		SELECT $1, x.id, coalesce(x.joined, $4) FROM unnest($2::bigint[], $3::date[]) AS x(id, joined)
		ON CONFLICT (cooperative_id, household_id) DO NOTHING`
	if _, err := tx.Exec(ctx, add, id, hh, joined, pgtype.Date{Time: today, Valid: true}); err != nil {
		return nil, fmt.Errorf("set members: %w", err)
	}
	out, err := listMembers(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("set members: %w", err)
	}
	return out, nil
}

// dateOf is t's calendar date (in t's own zone, the date stored for it) at
// midnight UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ListMembers returns the member households of cooperative id by household
// id, for its coop_admin, the offices whose jurisdiction holds its county and
// platform administrators; to anyone else the cooperative does not exist
// (ErrNotFound).
func (s *Service) ListMembers(ctx context.Context, actor auth.Actor, id ids.ID) ([]Membership, error) {
	const q = `SELECT county_code FROM cooperatives WHERE id = $1`
	var county string
	if err := s.db.QueryRow(ctx, q, id).Scan(&county); errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	if !governs(actor, county) && !actor.ManagesCoop(int64(id)) {
		return nil, ErrNotFound // to a stranger, the cooperative does not exist
	}
	return listMembers(ctx, s.db, id)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func listMembers(ctx context.Context, db querier, id ids.ID) ([]Membership, error) {
	const q = `SELECT household_id, joined_on FROM cooperative_members WHERE cooperative_id = $1 ORDER BY household_id`
	rows, err := db.Query(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return ms, nil
}

// AttachAdmin makes user userID a coop_admin of cooperative coopID (a
// role granted through auth, which alone writes user_roles; attaching twice
// is harmless). It checks no actor: callers decide who may attach (the
// platform's administration pages, marketctl).
func (s *Service) AttachAdmin(ctx context.Context, userID int64, coopID ids.ID) error {
	notFound := errs.E(errs.NotFound, "user %d or cooperative %s not found", userID, coopID)
	if coopID <= 0 { // auth reads a zero cooperative as none
		return notFound
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	g := auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: int64(coopID)}
	if err := auth.GrantTx(ctx, tx, userID, g); err != nil {
		if isFKViolation(err) {
			return notFound
		}
		return fmt.Errorf("attach cooperative admin: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("attach cooperative admin: %w", err)
	}
	return nil
}

func joinIDs(v []int64) string {
	slices.Sort(v)
	s := make([]string, len(v))
	for i, id := range v {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
