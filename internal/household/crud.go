package household

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// cols are the columns of a masked Household, in struct order.
const cols = `id, registry_no, village_code, members, status, lifted_year, baseline_income_fen,
	baseline_year, head_name_mask, head_id_mask, created_at, updated_at`

// withSealed is a household row with its sealed personal fields.
type withSealed struct {
	Household
	NameEnc []byte
	IDEnc   []byte
}

// Create registers a household in a village of the actor's jurisdiction (an
// office's subtree; anywhere for a platform administrator) and returns it
// masked. Registry and ID numbers must be new.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in Input) (Household, error) {
	scope, err := readScope(actor)
	if err != nil {
		return Household{}, err
	}
	rec := in.record()
	f := errs.FieldErrors{}
	rec.validate(s.now(), f.Add)
	if err := f.Err("invalid household"); err != nil {
		return Household{}, err
	}
	sl, err := s.seal(rec.RegistryNo, rec.HeadName, rec.HeadID)
	if err != nil {
		return Household{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Household{}, err
	}
	defer tx.Rollback(ctx)
	if err := villageCheck(ctx, tx, scope, rec.VillageCode); err != nil {
		return Household{}, err
	}
	if err := lockHeads(ctx, tx); err != nil {
		return Household{}, err
	}
	if err := duplicateCheck(ctx, tx, scope, 0, rec.RegistryNo, sl.IDHashes); err != nil {
		return Household{}, err
	}
	const q = `INSERT INTO households (registry_no, village_code, members, status, lifted_year,
			baseline_income_fen, baseline_year, head_name_enc, head_id_enc, head_id_hash,
			head_name_mask, head_id_mask, key_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING ` + cols
	rows, err := tx.Query(ctx, q, rec.RegistryNo, rec.VillageCode, rec.Members, rec.Status, rec.LiftedYear,
		rec.IncomeFen, rec.BaselineYear, sl.NameEnc, sl.IDEnc, sl.IDHashes[0], sl.NameMask, sl.IDMask, sl.KeyVersion)
	if err != nil {
		return Household{}, fmt.Errorf("create household: %w", err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Household])
	if err != nil {
		return Household{}, fmt.Errorf("create household: %w", uniqueViolation(err))
	}
	if err := recordConflicts(ctx, tx, int64(h.ID), sl.IDHashes, actor.UserID); err != nil {
		return Household{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Household{}, fmt.Errorf("create household: %w", uniqueViolation(err))
	}
	return h, nil
}

// Get returns household id if the actor's jurisdiction holds it (NotFound
// otherwise, so that offices cannot probe other jurisdictions). With reveal,
// an office whose jurisdiction holds the household gets the whole name and ID
// number (Revealed is true) and the view is written to pii_access_log with
// clientAddr in the same transaction; anyone else, platform administrators
// included, gets the masks.
func (s *Service) Get(ctx context.Context, actor auth.Actor, id ids.ID, reveal bool, clientAddr string) (Household, error) {
	scope, err := readScope(actor)
	if err != nil {
		return Household{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Household{}, err
	}
	defer tx.Rollback(ctx)
	const q = `SELECT ` + cols + `, head_name_enc, head_id_enc
		FROM households WHERE id = $1 AND village_code LIKE $2 || '%'`
	rows, err := tx.Query(ctx, q, id, scope)
	if err != nil {
		return Household{}, fmt.Errorf("get household: %w", err)
	}
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[withSealed])
	if errors.Is(err, pgx.ErrNoRows) {
		return Household{}, errs.E(errs.NotFound, "household %s not found", id)
	}
	if err != nil {
		return Household{}, fmt.Errorf("get household: %w", err)
	}
	h := row.Household
	if !reveal || !mayReveal(actor, h.VillageCode) {
		return h, nil
	}
	if h.HeadName, h.HeadIDNumber, err = s.open(h.RegistryNo, row.NameEnc, row.IDEnc); err != nil {
		return Household{}, err
	}
	h.Revealed = true
	const logq = `INSERT INTO pii_access_log (actor_user_id, household_id, fields, client_addr)
		VALUES ($1, $2, $3, $4)`
	if _, err := tx.Exec(ctx, logq, actor.UserID, h.ID, []string{"head_name", "head_id_number"}, clientAddr); err != nil {
		return Household{}, fmt.Errorf("log personal data view: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Household{}, fmt.Errorf("log personal data view: %w", err)
	}
	return h, nil
}

// Update applies p to household id within the actor's jurisdiction (a new
// village must be in it too) and returns the household masked. The personal
// fields are re-sealed under the current key whatever changed.
func (s *Service) Update(ctx context.Context, actor auth.Actor, id ids.ID, p Patch) (Household, error) {
	scope, err := readScope(actor)
	if err != nil {
		return Household{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Household{}, err
	}
	defer tx.Rollback(ctx)
	if err := lockHeads(ctx, tx); err != nil {
		return Household{}, err
	}
	const sel = `SELECT ` + cols + `, head_name_enc, head_id_enc
		FROM households WHERE id = $1 AND village_code LIKE $2 || '%' FOR NO KEY UPDATE`
	rows, err := tx.Query(ctx, sel, id, scope)
	if err != nil {
		return Household{}, fmt.Errorf("update household: %w", err)
	}
	cur, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[withSealed])
	if errors.Is(err, pgx.ErrNoRows) {
		return Household{}, errs.E(errs.NotFound, "household %s not found", id)
	}
	if err != nil {
		return Household{}, fmt.Errorf("update household: %w", err)
	}
	rec := record{RegistryNo: cur.RegistryNo, VillageCode: cur.VillageCode, Members: cur.Members, Status: cur.Status,
		LiftedYear: cur.LiftedYear, IncomeFen: cur.BaselineIncomeFen, BaselineYear: cur.BaselineYear}
	if rec.HeadName, rec.HeadID, err = s.open(cur.RegistryNo, cur.NameEnc, cur.IDEnc); err != nil {
		return Household{}, err
	}
	p.apply(&rec)
	f := errs.FieldErrors{}
	rec.validate(s.now(), f.Add)
	if err := f.Err("invalid household"); err != nil {
		return Household{}, err
	}
	if rec.VillageCode != cur.VillageCode {
		if err := villageCheck(ctx, tx, scope, rec.VillageCode); err != nil {
			return Household{}, err
		}
	}
	sl, err := s.seal(rec.RegistryNo, rec.HeadName, rec.HeadID)
	if err != nil {
		return Household{}, err
	}
	if err := duplicateCheck(ctx, tx, scope, int64(id), rec.RegistryNo, sl.IDHashes); err != nil {
		return Household{}, err
	}
	const q = `UPDATE households SET village_code = $2, members = $3, status = $4, lifted_year = $5,
			baseline_income_fen = $6, baseline_year = $7, head_name_enc = $8, head_id_enc = $9,
			head_id_hash = $10, head_name_mask = $11, head_id_mask = $12, key_version = $13, updated_at = now()
		WHERE id = $1 RETURNING ` + cols
	rows, err = tx.Query(ctx, q, id, rec.VillageCode, rec.Members, rec.Status, rec.LiftedYear, rec.IncomeFen,
		rec.BaselineYear, sl.NameEnc, sl.IDEnc, sl.IDHashes[0], sl.NameMask, sl.IDMask, sl.KeyVersion)
	if err != nil {
		return Household{}, fmt.Errorf("update household: %w", err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Household])
	if err != nil {
		return Household{}, fmt.Errorf("update household: %w", uniqueViolation(err))
	}
	if err := recordConflicts(ctx, tx, int64(id), sl.IDHashes, actor.UserID); err != nil {
		return Household{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Household{}, fmt.Errorf("update household: %w", uniqueViolation(err))
	}
	return h, nil
}

func (p Patch) apply(r *record) {
	if p.VillageCode != nil {
		r.VillageCode = strings.TrimSpace(*p.VillageCode)
	}
	if p.Members != nil {
		r.Members = *p.Members
	}
	if p.Status != nil {
		st, ok := ParseStatus(string(*p.Status))
		if !ok {
			st = *p.Status
		}
		r.Status = st
		if !st.HasLiftedYear() {
			r.LiftedYear = nil
		}
	}
	if p.LiftedYear != nil {
		r.LiftedYear = p.LiftedYear
	}
	if p.BaselineIncomeFen != nil {
		r.IncomeFen = *p.BaselineIncomeFen
	}
	if p.BaselineYear != nil {
		r.BaselineYear = *p.BaselineYear
	}
	if p.HeadName != nil {
		r.HeadName = strings.TrimSpace(*p.HeadName)
	}
	if p.HeadIDNumber != nil {
		r.HeadID = idcheck.NormalizeIDNumber(*p.HeadIDNumber)
	}
}
