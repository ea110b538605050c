package income

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// WageKinds are the kinds of work a wage pays for.
var WageKinds = []string{"sorting", "packing", "processing", "transport", "other"}

// Bounds of a wage: one at most ¥1,000,000, a batch at most MaxWages.
const (
	MaxWageFen = 100_000_000
	MaxWages   = 5000
	maxNote    = 200
)

// WageInput is one wage to record. A correction names the wage it
// corrects (Corrects) and carries a signed amount; its household, work
// dates and kind are the corrected wage's when left empty.
type WageInput struct {
	HouseholdID ids.ID  `json:"household_id"`
	WorkFrom    string  `json:"work_from"`
	WorkTo      string  `json:"work_to"`
	Kind        string  `json:"kind"`
	AmountFen   int64   `json:"amount_fen"`
	PaidOn      string  `json:"paid_on"`
	Note        string  `json:"note"`
	Corrects    *ids.ID `json:"corrects,omitempty"`
}

// Wage is a recorded wage (or correction). The head's name is masked.
type Wage struct {
	ID          ids.ID    `json:"id"`
	HouseholdID ids.ID    `json:"household_id"`
	RegistryNo  string    `json:"registry_no"`
	HeadName    string    `json:"head_name"`
	WorkFrom    string    `json:"work_from"`
	WorkTo      string    `json:"work_to"`
	Kind        string    `json:"kind"`
	AmountFen   int64     `json:"amount_fen"`
	PaidOn      string    `json:"paid_on"`
	Note        string    `json:"note"`
	Corrects    *ids.ID   `json:"corrects"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// corrected is what a correction needs of the wage it corrects.
type corrected struct {
	household      int64
	from, to, kind string
	isCorrection   bool
	netFen         int64
}

// RecordWages records wages the cooperative paid, all or none, each with
// its ledger entry and feed event, in one transaction. Every household must
// be a member of the cooperative. fieldOf names the fields of the i-th
// wage in errors (nil: "wages[i].").
func (s *Service) RecordWages(ctx context.Context, a auth.Actor, coopID int64, list []WageInput, fieldOf func(int) string) ([]Wage, error) {
	if fieldOf == nil {
		fieldOf = func(i int) string { return fmt.Sprintf("wages[%d].", i) }
	}
	return s.recordWages(ctx, a, coopID, list, fieldOf, func(f errs.FieldErrors) error { return f.Err("the wages are not valid") })
}

// recordWages is RecordWages with the answer to invalid wages left to the
// caller: refuse turns the problems found (none: an empty map) into the
// error that stops the batch, or nil to go on. A batch file's import adds
// the problems of its unreadable cells to them, so that the file's problems
// are listed at once.
func (s *Service) recordWages(ctx context.Context, a auth.Actor, coopID int64, list []WageInput, fieldOf func(int) string,
	refuse func(errs.FieldErrors) error) ([]Wage, error) {
	if err := CanWrite(a, coopID); err != nil {
		return nil, err
	}
	if len(list) > MaxWages {
		return nil, errs.Validation("the wages are not valid", map[string]string{"wages": fmt.Sprintf("at most %d wages at once", MaxWages)})
	}
	f := errs.FieldErrors{}
	if len(list) == 0 {
		f.Add("wages", "must list at least one wage")
		return nil, refuse(f)
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	if err := s.completeCorrections(ctx, tx, coopID, list, fieldOf, f); err != nil {
		return nil, err
	}
	for i := range list {
		s.validateWage(&list[i], fieldOf(i), f)
	}
	if err := s.checkMembers(ctx, tx, coopID, list, fieldOf, f); err != nil {
		return nil, err
	}
	if err := refuse(f); err != nil {
		return nil, err
	}
	recorded, err := insertWages(ctx, tx, a, coopID, list)
	if err != nil {
		return nil, err
	}
	if err := s.feed.WagesTx(ctx, tx, recorded, s.clock.Now()); err != nil {
		return nil, err
	}
	out, err := readWages(ctx, tx, coopID, recorded, len(recorded))
	if err != nil {
		return nil, err
	}
	return out, tx.Commit(ctx)
}

// validateWage checks one wage's fields (a correction's filled in first).
func (s *Service) validateWage(in *WageInput, prefix string, f errs.FieldErrors) {
	in.Kind, in.Note = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Note)
	if in.WorkTo == "" {
		in.WorkTo = in.WorkFrom
	}
	if in.HouseholdID <= 0 {
		f.Add(prefix+"household_id", "is required")
	}
	from, errFrom := s.day(in.WorkFrom)
	to, errTo := s.day(in.WorkTo)
	paid, errPaid := s.day(in.PaidOn)
	switch {
	case errFrom != nil:
		f.Add(prefix+"work_from", "must be a date (YYYY-MM-DD) from 2000 to today")
	case errTo != nil:
		f.Add(prefix+"work_to", "must be a date (YYYY-MM-DD) from 2000 to today")
	case to.Before(from):
		f.Add(prefix+"work_to", "must not be before work_from")
	}
	if errPaid != nil {
		f.Add(prefix+"paid_on", "must be a date (YYYY-MM-DD) from 2000 to today")
	} else if errFrom == nil && in.Corrects == nil && paid.Before(from) {
		f.Add(prefix+"paid_on", "must not be before the work began")
	}
	if !slices.Contains(WageKinds, in.Kind) {
		f.Add(prefix+"kind", "must be sorting, packing, processing, transport or other")
	}
	switch {
	case in.Corrects == nil && (in.AmountFen <= 0 || in.AmountFen > MaxWageFen):
		f.Add(prefix+"amount_fen", "must be a positive amount of at most ¥1,000,000")
	case in.Corrects != nil && (in.AmountFen == 0 || in.AmountFen > MaxWageFen || in.AmountFen < -MaxWageFen):
		f.Add(prefix+"amount_fen", "a correction must change the amount (by at most ¥1,000,000)")
	}
	if len([]rune(in.Note)) > maxNote {
		f.Add(prefix+"note", "is too long")
	} else if msg := text.Problem(in.Note, true); msg != "" {
		f.Add(prefix+"note", msg)
	}
}

// day parses a Beijing day from 2000 to today.
func (s *Service) day(v string) (time.Time, error) {
	d, err := s.clock.ParseDate(v)
	if err != nil {
		return d, err
	}
	if d.Year() < 2000 || d.After(s.clock.Now()) {
		return d, fmt.Errorf("out of range")
	}
	return d, nil
}

// completeCorrections fills each correction's household, work dates and
// kind from the wage it corrects, and checks that it corrects an original
// wage of the cooperative and does not take it below zero.
func (s *Service) completeCorrections(ctx context.Context, tx pgx.Tx, coopID int64, list []WageInput,
	fieldOf func(int) string, f errs.FieldErrors) error {
	var want []int64
	for _, in := range list {
		if in.Corrects != nil {
			want = append(want, int64(*in.Corrects))
		}
	}
	if len(want) == 0 {
		return nil
	}
	// Corrections of one wage queue behind each other, so that each sees
	// the others' amounts (the service's role may not lock wage rows).
	const qLock = `SELECT pg_advisory_xact_lock(hashtextextended('wage:' || x.id, 0))
		FROM (SELECT DISTINCT unnest($1::bigint[]) AS id ORDER BY 1) x`
	if _, err := tx.Exec(ctx, qLock, want); err != nil {
		return fmt.Errorf("lock corrected wages: %w", err)
	}
	const q = `SELECT w.id, w.household_id, w.work_from::text, w.work_to::text, w.kind, w.corrects IS NOT NULL,
			(SELECT coalesce(sum(x.amount_fen), 0) FROM wages x WHERE x.id = w.id OR x.corrects = w.id)::bigint
		FROM wages w WHERE w.cooperative_id = $1 AND w.id = ANY ($2)`
	rows, err := tx.Query(ctx, q, coopID, want)
	if err != nil {
		return fmt.Errorf("corrected wages: %w", err)
	}
	found := map[int64]*corrected{}
	var id int64
	var c corrected
	_, err = pgx.ForEachRow(rows, []any{&id, &c.household, &c.from, &c.to, &c.kind, &c.isCorrection, &c.netFen}, func() error {
		cc := c
		found[id] = &cc
		return nil
	})
	if err != nil {
		return err
	}
	for i := range list {
		in := &list[i]
		if in.Corrects == nil {
			continue
		}
		o := found[int64(*in.Corrects)]
		switch {
		case o == nil || o.isCorrection:
			f.Add(fieldOf(i)+"corrects", "is not a wage of this cooperative (a correction corrects a wage, not a correction)")
			continue
		case in.HouseholdID != 0 && int64(in.HouseholdID) != o.household:
			f.Add(fieldOf(i)+"household_id", "must be the corrected wage's household")
		}
		in.HouseholdID = ids.ID(o.household)
		in.WorkFrom, in.WorkTo = cmp.Or(in.WorkFrom, o.from), cmp.Or(in.WorkTo, o.to)
		in.Kind = cmp.Or(strings.TrimSpace(in.Kind), o.kind)
		if o.netFen += in.AmountFen; o.netFen < 0 {
			f.Add(fieldOf(i)+"amount_fen", "would take the wage below zero")
		}
	}
	return nil
}

// checkMembers refuses original wages of households that are not members
// (a correction may follow a household that has left since).
func (s *Service) checkMembers(ctx context.Context, tx pgx.Tx, coopID int64, list []WageInput, fieldOf func(int) string, f errs.FieldErrors) error {
	hh := make([]int64, 0, len(list))
	for _, in := range list {
		hh = append(hh, int64(in.HouseholdID))
	}
	m, err := members(ctx, tx, coopID, hh)
	if err != nil {
		return err
	}
	for i, in := range list {
		if in.HouseholdID > 0 && in.Corrects == nil && !m[int64(in.HouseholdID)] {
			f.Add(fieldOf(i)+"household_id", msgNotMember)
		}
	}
	return nil
}

// insertWages writes the wages and their ledger entries and returns their
// ids in list order.
func insertWages(ctx context.Context, tx pgx.Tx, a auth.Actor, coopID int64, list []WageInput) ([]int64, error) {
	n := len(list)
	hh, amount := make([]int64, n), make([]int64, n)
	from, to, kind, paid, note := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	corrects := make([]*int64, n)
	for i, in := range list {
		hh[i], amount[i] = int64(in.HouseholdID), in.AmountFen
		from[i], to[i], kind[i], paid[i], note[i] = in.WorkFrom, in.WorkTo, in.Kind, in.PaidOn, in.Note
		if in.Corrects != nil {
			c := int64(*in.Corrects)
			corrects[i] = &c
		}
	}
	const q = `INSERT INTO wages (cooperative_id, household_id, work_from, work_to, kind, amount_fen, paid_on, corrects, note, created_by)
		SELECT $1, u.h, u.wf, u.wt, u.k, u.a, u.p, u.c, u.n, nullif($2::bigint, 0)
		FROM unnest($3::bigint[], $4::date[], $5::date[], $6::text[], $7::bigint[], $8::date[], $9::bigint[], $10::text[])
			WITH ORDINALITY AS u(h, wf, wt, k, a, p, c, n, ord)
		ORDER BY u.ord RETURNING id`
	rows, err := tx.Query(ctx, q, coopID, a.UserID, hh, from, to, kind, amount, paid, corrects, note)
	if err != nil {
		return nil, fmt.Errorf("insert wages: %w", err)
	}
	recorded, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("insert wages: %w", err)
	}
	slices.Sort(recorded) // identities follow the insertion order, which is list order
	// append_wages (migration 00530) checks each wage against what it was
	// told and appends its entry: the service's role cannot write the
	// ledger itself.
	if _, err := tx.Exec(ctx, `SELECT append_wages($1::bigint[], $2, $3::bigint[], $4::bigint[])`,
		recorded, coopID, hh, amount); err != nil {
		return nil, refused(err, wageMemberLeft)
	}
	return recorded, nil
}
