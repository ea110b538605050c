package region

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// Store reads and writes regions.
type Store struct{ db *pgxpool.Pool }

// NewStore returns a Store on pool.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// WithChildren is a region with its direct children, as the API serves it.
type WithChildren struct {
	Region
	DelistedOn *string `json:"delisted_on"`
	Children   []Child `json:"children"`
}

// Get returns the region with code.
func (s *Store) Get(ctx context.Context, code string) (Region, error) {
	const q = `SELECT code, name, level, coalesce(parent_code, ''), listed_supervision, delisted_on, name_ug, name_en
		FROM regions WHERE code = $1`
	var r Region
	err := s.db.QueryRow(ctx, q, code).Scan(&r.Code, &r.Name, &r.Level, &r.ParentCode, &r.ListedSupervision, &r.DelistedOn,
		&r.NameUg, &r.NameEn)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, errs.E(errs.NotFound, "region %s not found", code)
	}
	if err != nil {
		return r, fmt.Errorf("get region: %w", err)
	}
	return r, nil
}

// Children lists the direct children of code ordered by code.
func (s *Store) Children(ctx context.Context, code string) ([]Child, error) {
	const q = `SELECT code, name, level, name_ug, name_en FROM regions WHERE parent_code = $1 ORDER BY code`
	rows, err := s.db.Query(ctx, q, code)
	if err != nil {
		return nil, fmt.Errorf("list child regions: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Child])
}

// GetWithChildren returns the region and its direct children.
func (s *Store) GetWithChildren(ctx context.Context, code string) (WithChildren, error) {
	r, err := s.Get(ctx, code)
	if err != nil {
		return WithChildren{}, err
	}
	kids, err := s.Children(ctx, code)
	if err != nil {
		return WithChildren{}, err
	}
	out := WithChildren{Region: r, Children: kids}
	if r.DelistedOn != nil {
		d := r.DelistedOn.Format("2006-01-02")
		out.DelistedOn = &d
	}
	return out, nil
}

// ListedCounty is a county under listed supervision (挂牌督战) in 2020.
type ListedCounty struct {
	Code           string
	Name           string
	PrefectureCode string
	PrefectureName string
	// The curated names, empty where there is none (NameIn falls back).
	NameUg, NameEn                     string
	PrefectureNameUg, PrefectureNameEn string
}

// NameIn is the county's name in lang.
func (c ListedCounty) NameIn(lang string) string { return NamesOf(c.Name, c.NameUg, c.NameEn).In(lang) }

// PrefectureNameIn is its prefecture's name in lang.
func (c ListedCounty) PrefectureNameIn(lang string) string {
	return NamesOf(c.PrefectureName, c.PrefectureNameUg, c.PrefectureNameEn).In(lang)
}

// ListedCounties returns the counties under listed supervision, by code.
func (s *Store) ListedCounties(ctx context.Context) ([]ListedCounty, error) {
	const q = `SELECT c.code, c.name, p.code, p.name, c.name_ug, c.name_en, p.name_ug, p.name_en
		FROM regions c JOIN regions p ON p.code = c.parent_code
		WHERE c.level = 'county' AND c.listed_supervision ORDER BY c.code`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list listed counties: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ListedCounty])
}

// Prefectures lists the prefecture-level regions with how many of their
// counties were under listed supervision.
func (s *Store) Prefectures(ctx context.Context) ([]PrefectureSummary, error) {
	const q = `SELECT p.code, p.name,
			count(c.code) FILTER (WHERE c.listed_supervision)::int AS listed, p.name_ug, p.name_en
		FROM regions p LEFT JOIN regions c ON c.parent_code = p.code AND c.level = 'county'
		WHERE p.level = 'prefecture' GROUP BY p.code, p.name, p.name_ug, p.name_en ORDER BY listed DESC, p.code`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list prefectures: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PrefectureSummary])
}

// PrefectureSummary is a prefecture with its count of listed counties.
type PrefectureSummary struct {
	Code           string
	Name           string
	ListedCounties int
	NameUg, NameEn string // curated, empty where there is none
}

// NameIn is the prefecture's name in lang.
func (p PrefectureSummary) NameIn(lang string) string {
	return NamesOf(p.Name, p.NameUg, p.NameEn).In(lang)
}

// Ancestors lists the regions above code, top first, in one query (the
// crumbs of a page).
func (s *Store) Ancestors(ctx context.Context, code string) ([]Region, error) {
	const q = `WITH RECURSIVE up AS (
			SELECT parent_code, 0 AS depth FROM regions WHERE code = $1
			UNION ALL
			SELECT r.parent_code, up.depth + 1 FROM up JOIN regions r ON r.code = up.parent_code)
		SELECT r.code, r.name, r.level, coalesce(r.parent_code, ''), r.listed_supervision, r.delisted_on, r.name_ug, r.name_en
		FROM up JOIN regions r ON r.code = up.parent_code ORDER BY up.depth DESC`
	rows, err := s.db.Query(ctx, q, code)
	if err != nil {
		return nil, fmt.Errorf("region ancestors: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Region, error) {
		var r Region
		err := row.Scan(&r.Code, &r.Name, &r.Level, &r.ParentCode, &r.ListedSupervision, &r.DelistedOn, &r.NameUg, &r.NameEn)
		return r, err
	})
}
