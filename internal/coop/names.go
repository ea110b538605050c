package coop

import (
	"context"
	"strings"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// NamesInput is a cooperative's name in Uyghur and English; an empty one
// removes it (pages then show the Chinese name).
type NamesInput struct {
	NameUg string `json:"name_ug"`
	NameEn string `json:"name_en"`
}

// SetNames lets a cooperative's administrator, or a platform
// administrator, set its Uyghur and English names.
func (s *Service) SetNames(ctx context.Context, a auth.Actor, id ids.ID, in NamesInput) (Cooperative, error) {
	if !a.ManagesCoop(int64(id)) && !a.IsAdmin() {
		return Cooperative{}, errs.E(errs.Forbidden, "only the cooperative's administrator names it")
	}
	in.NameUg, in.NameEn = strings.TrimSpace(in.NameUg), strings.TrimSpace(in.NameEn)
	f := errs.FieldErrors{}
	if msg := checkText(in.NameUg, 100, false); msg != "" {
		f.Add("name_ug", msg)
	}
	if msg := checkText(in.NameEn, 100, false); msg != "" {
		f.Add("name_en", msg)
	}
	if err := f.Err("the names are not valid"); err != nil {
		return Cooperative{}, err
	}
	const q = `UPDATE cooperatives SET name_ug = $2, name_en = $3, updated_at = now() WHERE id = $1`
	tag, err := s.db.Exec(ctx, q, id, in.NameUg, in.NameEn)
	if err != nil {
		return Cooperative{}, err
	}
	if tag.RowsAffected() == 0 {
		return Cooperative{}, ErrNotFound
	}
	return s.Get(ctx, a, id)
}
