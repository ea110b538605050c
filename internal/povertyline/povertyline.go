// Package povertyline keeps the poverty line (贫困线) and the monitoring line
// (监测线) per province and year, in fen per person per year. They are data
// that platform administrators maintain, never constants in code.
package povertyline

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// Line is the pair of thresholds of one province and year.
type Line struct {
	ProvinceCode      string    `json:"province_code"`
	Year              int       `json:"year"`
	PovertyLineFen    int64     `json:"poverty_line_fen"`
	MonitoringLineFen int64     `json:"monitoring_line_fen"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Store reads and writes poverty lines.
type Store struct{ db *pgxpool.Pool }

// NewStore returns a Store on db.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

var provinceCode = regexp.MustCompile(`^[0-9]{2}0000$`)

// The years a line may be set for, and the largest line: ¥1,000,000 a
// person a year, far above any line, so that sums over households stay
// far from overflowing.
const (
	FirstYear, LastYear = 2000, 2100
	YearRule            = "must be between 2000 and 2100" // FirstYear and LastYear, said
	MaxLineFen          = 100_000_000
)

// Get returns the line set for exactly province and year (NotFound if none).
func (s *Store) Get(ctx context.Context, province string, year int) (Line, error) {
	const q = `SELECT province_code, year, poverty_line_fen, monitoring_line_fen, updated_at
		FROM poverty_lines WHERE province_code = $1 AND year = $2`
	return s.one(ctx, q, province, year)
}

// Effective returns the line in force in year: the one set for the latest
// year not after it (NotFound if none). Reports for 2024 use the 2020 line
// until a newer one is set.
func (s *Store) Effective(ctx context.Context, province string, year int) (Line, error) {
	const q = `SELECT province_code, year, poverty_line_fen, monitoring_line_fen, updated_at
		FROM poverty_lines WHERE province_code = $1 AND year <= $2 ORDER BY year DESC LIMIT 1`
	return s.one(ctx, q, province, year)
}

func (s *Store) one(ctx context.Context, q, province string, year int) (Line, error) {
	rows, err := s.db.Query(ctx, q, province, year)
	if err != nil {
		return Line{}, fmt.Errorf("get poverty line: %w", err)
	}
	l, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Line])
	if errors.Is(err, pgx.ErrNoRows) {
		return Line{}, errs.E(errs.NotFound, "no poverty line for %s in %d", province, year)
	}
	if err != nil {
		return Line{}, fmt.Errorf("get poverty line: %w", err)
	}
	return l, nil
}

// List returns every line of province, oldest year first.
func (s *Store) List(ctx context.Context, province string) ([]Line, error) {
	const q = `SELECT province_code, year, poverty_line_fen, monitoring_line_fen, updated_at
		FROM poverty_lines WHERE province_code = $1 ORDER BY year`
	rows, err := s.db.Query(ctx, q, province)
	if err != nil {
		return nil, fmt.Errorf("list poverty lines: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Line])
}

// Set creates or replaces the line of l.ProvinceCode and l.Year. Only a
// platform administrator may set lines. The monitoring line must not be
// below the poverty line.
func (s *Store) Set(ctx context.Context, actor auth.Actor, l Line) (Line, error) {
	if !actor.IsAdmin() {
		return Line{}, errs.E(errs.Forbidden, "only a platform administrator sets poverty lines")
	}
	f := errs.FieldErrors{}
	if !provinceCode.MatchString(l.ProvinceCode) {
		f.Add("province_code", "must be a 6-digit province code such as 650000")
	}
	if l.Year < FirstYear || l.Year > LastYear {
		f.Add("year", YearRule)
	}
	if l.PovertyLineFen <= 0 || l.PovertyLineFen > MaxLineFen {
		f.Add("poverty_line_fen", "must be positive and at most ¥1,000,000")
	}
	if l.MonitoringLineFen < l.PovertyLineFen {
		f.Add("monitoring_line_fen", "must not be below the poverty line")
	} else if l.MonitoringLineFen > MaxLineFen {
		f.Add("monitoring_line_fen", "must be at most ¥1,000,000")
	}
	if err := f.Err("invalid poverty line"); err != nil {
		return Line{}, err
	}
	const q = `INSERT INTO poverty_lines (province_code, year, poverty_line_fen, monitoring_line_fen, updated_by)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (province_code, year) DO UPDATE SET poverty_line_fen = excluded.poverty_line_fen,
			monitoring_line_fen = excluded.monitoring_line_fen, updated_by = excluded.updated_by, updated_at = now()
		RETURNING province_code, year, poverty_line_fen, monitoring_line_fen, updated_at`
	rows, err := s.db.Query(ctx, q, l.ProvinceCode, l.Year, l.PovertyLineFen, l.MonitoringLineFen, actor.UserID)
	if err != nil {
		return Line{}, fmt.Errorf("set poverty line: %w", err)
	}
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Line])
	if err != nil {
		return Line{}, fmt.Errorf("set poverty line: %w", err)
	}
	return out, nil
}
