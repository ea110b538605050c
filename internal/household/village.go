package household

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/region"
)

// CreateVillage adds a village under a township of the actor's
// jurisdiction (offices only) and returns it. Its code is the township's nine
// digits and the next free three (001, 002 …); the reference data stops at
// townships, so offices create the villages their households live in. A
// township holds at most 999 villages and no two of the same name.
func (s *Service) CreateVillage(ctx context.Context, actor auth.Actor, townshipCode, name string) (region.Region, error) {
	scope, err := officeScope(actor)
	if err != nil {
		return region.Region{}, err
	}
	townshipCode, name = strings.TrimSpace(townshipCode), strings.TrimSpace(name)
	f := errs.FieldErrors{}
	if len(townshipCode) != 9 || strings.Trim(townshipCode, "0123456789") != "" {
		f.Add("township_code", "must be a 9-digit township code")
	}
	if msg := checkName(name); msg != "" {
		f.Add("name", msg)
	}
	if err := f.Err("invalid village"); err != nil {
		return region.Region{}, err
	}
	if !strings.HasPrefix(townshipCode, scope) {
		return region.Region{}, errs.E(errs.Forbidden, "township %s is outside your jurisdiction", townshipCode)
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return region.Region{}, err
	}
	defer tx.Rollback(ctx)
	// Locking the township serialises concurrent creations under it.
	const lock = `SELECT level FROM regions WHERE code = $1 FOR UPDATE`
	var level region.Level
	err = tx.QueryRow(ctx, lock, townshipCode).Scan(&level)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && level != region.Township {
		return region.Region{}, errs.Validation("invalid village", map[string]string{"township_code": "not a township"})
	}
	if err != nil {
		return region.Region{}, fmt.Errorf("create village: %w", err)
	}
	const taken = `SELECT coalesce(max(code), ''), count(*) FILTER (WHERE name = $2) > 0
		FROM regions WHERE parent_code = $1`
	var last string
	var dup bool
	if err := tx.QueryRow(ctx, taken, townshipCode, name).Scan(&last, &dup); err != nil {
		return region.Region{}, fmt.Errorf("create village: %w", err)
	}
	if dup {
		return region.Region{}, errs.Validation("invalid village", map[string]string{"name": "the township already has a village of this name"})
	}
	next := 1
	if last != "" {
		n, err := strconv.Atoi(last[len(last)-3:])
		if err != nil {
			return region.Region{}, fmt.Errorf("create village: malformed code under %s", townshipCode)
		}
		next = n + 1
	}
	if next > 999 {
		return region.Region{}, errs.E(errs.Conflict, "township %s has no free village code", townshipCode)
	}
	v := region.Region{Code: fmt.Sprintf("%s%03d", townshipCode, next), Name: name, Level: region.Village, ParentCode: townshipCode}
	if err := region.CreateVillageTx(ctx, tx, v); err != nil {
		return region.Region{}, fmt.Errorf("create village: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return region.Region{}, fmt.Errorf("create village: %w", err)
	}
	return v, nil
}
