package region

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/platform/text"
)

// Names returns the names of the regions with the given codes; unknown codes
// are left out.
func (s *Store) Names(ctx context.Context, codes []string) (map[string]string, error) {
	out := make(map[string]string, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	const q = `SELECT code, name FROM regions WHERE code = ANY($1)`
	rows, err := s.db.Query(ctx, q, codes)
	if err != nil {
		return nil, fmt.Errorf("region names: %w", err)
	}
	var code, name string
	_, err = pgx.ForEachRow(rows, []any{&code, &name}, func() error {
		out[code] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("region names: %w", err)
	}
	return out, nil
}

// StoredNames returns the names of the regions with the given codes as
// stored (the Chinese, and the Uyghur and English where there are some):
// pages pick one with text.Names.In, the Chinese where a language has none.
// Unknown codes are left out.
func (s *Store) StoredNames(ctx context.Context, codes []string) (map[string]text.Names, error) {
	out := make(map[string]text.Names, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	const q = `SELECT code, name, name_ug, name_en FROM regions WHERE code = ANY($1)`
	rows, err := s.db.Query(ctx, q, codes)
	if err != nil {
		return nil, fmt.Errorf("region names: %w", err)
	}
	var code string
	var n text.Names
	_, err = pgx.ForEachRow(rows, []any{&code, &n.Zh, &n.Ug, &n.En}, func() error {
		out[code] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("region names: %w", err)
	}
	return out, nil
}

// Subtree lists the regions whose code starts with prefix ("" for all), down
// to and including the levels given, ordered by code (a parent before its
// children).
func (s *Store) Subtree(ctx context.Context, prefix string, levels ...Level) ([]Region, error) {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = string(l)
	}
	const q = `SELECT code, name, level, coalesce(parent_code, ''), listed_supervision, delisted_on, name_ug, name_en
		FROM regions WHERE code LIKE $1 || '%' AND level = ANY($2) ORDER BY code`
	rows, err := s.db.Query(ctx, q, prefix, names)
	if err != nil {
		return nil, fmt.Errorf("region subtree: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Region])
	if err != nil {
		return nil, fmt.Errorf("region subtree: %w", err)
	}
	return out, nil
}
