// Package report answers the questions assistance offices ask of the ledger:
// how much income reached which households, who crossed the poverty and
// monitoring lines, who is still below them. Region figures come from the
// rollups kept from the ledger (migrations/00400_reports.sql, 00440), which
// every report brings up to date first (settled), so a region costs
// O(villages), never O(entries), and equals the entries under it.
package report

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
)

// Figures are one region's numbers for a year. AttributedFen is the whole
// income the ledger gave its households, ByType the same by income type:
// operating (sales), wage and asset (dividends). Paid out counts payouts,
// wages and dividends (a cooperative records those two as it pays them);
// what is owed is the rest. Crossings of the lines use the whole income.
type Figures struct {
	AttributedFen         int64              `json:"attributed_fen"`
	ByType                attribution.ByType `json:"by_type"`
	PaidOutFen            int64              `json:"paid_out_fen"`
	OwedFen               int64              `json:"owed_fen"`
	HouseholdsReached     int                `json:"households_reached"`
	MembersReached        int                `json:"members_reached"`
	AvgPerCapitaGainFen   int64              `json:"avg_per_capita_gain_fen"`
	CrossedPovertyLine    int                `json:"crossed_poverty_line"`
	CrossedMonitoringLine int                `json:"crossed_monitoring_line"`
}

// add adds o's sums (not its derived figures) to f.
func (f *Figures) add(o Figures) {
	f.AttributedFen += o.AttributedFen
	f.ByType = f.ByType.Plus(o.ByType)
	f.PaidOutFen += o.PaidOutFen
	f.HouseholdsReached += o.HouseholdsReached
	f.MembersReached += o.MembersReached
	f.CrossedPovertyLine += o.CrossedPovertyLine
	f.CrossedMonitoringLine += o.CrossedMonitoringLine
}

// figureSums are the village_year_rollup sums scanFigures reads, in order.
const figureSums = `coalesce(sum(attributed_fen), 0)::bigint, coalesce(sum(operating_fen), 0)::bigint,
	coalesce(sum(wage_fen), 0)::bigint, coalesce(sum(asset_fen), 0)::bigint, coalesce(sum(paid_out_fen), 0)::bigint,
	coalesce(sum(households_reached), 0)::int, coalesce(sum(members_reached), 0)::int,
	coalesce(sum(crossed_poverty), 0)::int, coalesce(sum(crossed_monitoring), 0)::int`

// figureDest are the destinations of figureSums' columns.
func (f *Figures) dest() []any {
	return []any{&f.AttributedFen, &f.ByType.Operating, &f.ByType.Wage, &f.ByType.Asset, &f.PaidOutFen,
		&f.HouseholdsReached, &f.MembersReached, &f.CrossedPovertyLine, &f.CrossedMonitoringLine}
}

func (f *Figures) finish() {
	f.OwedFen = f.AttributedFen - f.PaidOutFen
	if f.MembersReached > 0 {
		f.AvgPerCapitaGainFen = perPerson(f.AttributedFen, f.MembersReached)
	}
}

// Child is a sub-region's figures.
type Child struct {
	Code  string       `json:"code"`
	Name  string       `json:"name"`
	Level region.Level `json:"level"`
	// Names is the region's name in every language stored (Name is the
	// Chinese).
	Names text.Names `json:"names"`
	Figures
}

// NameIn is the sub-region's name in lang, Chinese when it has none there;
// a village's as stored.
func (c Child) NameIn(lang string) string { return placeNameIn(c.Level, c.Name, c.Names, lang) }

// Summary is a region's figures with its children's.
type Summary struct {
	Region string       `json:"region"`
	Name   string       `json:"name"`
	Level  region.Level `json:"level"`
	// Names is the region's name in every language stored (Name is the
	// Chinese).
	Names text.Names `json:"names"`
	Year  int        `json:"year"`
	Figures
	Children []Child `json:"children"`
}

// NameIn is the region's name in lang, Chinese when it has none there; a
// village's as stored.
func (s Summary) NameIn(lang string) string { return placeNameIn(s.Level, s.Name, s.Names, lang) }

// placeNameIn is a region's name in lang as region.Region's StoredNameIn
// says it: the stored name in lang, else the Chinese; a village's as stored.
func placeNameIn(level region.Level, zh string, n text.Names, lang string) string {
	return region.Region{Name: zh, Level: level, NameUg: n.Ug, NameEn: n.En}.StoredNameIn(lang)
}

// Service reads the reports.
type Service struct {
	db      *pgxpool.Pool
	reads   *postgres.Reads // the replica, while it keeps up (UseReplica); nil: db
	regions *region.Store
	clock   clock.Clock
}

// UseReplica reads the reports from the replica of reads when it has
// replayed everything committed before the report was asked for, else from
// the primary (postgres.Reads.Fresh).
func (s *Service) UseReplica(reads *postgres.Reads) { s.reads = reads }

// reader is where a report's reads go, asked once per report after the
// rollups are settled: the replica only once it has replayed the settling
// and everything committed before (an office's import or edit a moment ago,
// through any node), so that a report shows what its reader just wrote and
// its figures equal the ledger (I6), as they do on the primary.
func (s *Service) reader(ctx context.Context) *pgxpool.Pool {
	if !s.reads.HasReplica() {
		return s.db
	}
	return s.reads.Fresh(ctx)
}

// NewService returns the report service; clk tells the year and its
// bounds in the people's zone.
func NewService(db *pgxpool.Pool, clk clock.Clock) *Service {
	return &Service{db: db, regions: region.NewStore(db), clock: clk}
}

// settled applies the ledger entries still queued for the rollups
// (attribution.Settle), so that the figures a report reads next equal the
// entries under them (I6).
func (s *Service) settled(ctx context.Context) error {
	return attribution.Settle(ctx, s.db)
}

// scope checks that the actor may read the region and returns it, with
// the rollups settled.
func (s *Service) scope(ctx context.Context, a auth.Actor, code string) (region.Region, error) {
	if !a.IsAdmin() && !a.Has(auth.RoleOffice) {
		return region.Region{}, errs.E(errs.Forbidden, "only assistance offices read income reports")
	}
	if err := s.settled(ctx); err != nil {
		return region.Region{}, err
	}
	if code == "" {
		code = a.OfficeRegion
		if code == "" {
			code = "650000"
		}
	}
	r, err := s.regions.Get(ctx, code)
	if err != nil {
		return r, err
	}
	if !a.Governs(r.Code) {
		return r, errs.E(errs.Forbidden, "region %s is outside your jurisdiction", code)
	}
	return r, nil
}

// Summary returns the figures of a region and its children for a year.
func (s *Service) Summary(ctx context.Context, a auth.Actor, code string, year int) (Summary, error) {
	r, err := s.scope(ctx, a, code)
	if err != nil {
		return Summary{}, err
	}
	return summary(ctx, s.reader(ctx), r, year)
}

func summary(ctx context.Context, db postgres.Querier, r region.Region, year int) (Summary, error) {
	out := Summary{Region: r.Code, Name: r.Name, Level: r.Level, Names: r.Stored(), Year: year, Children: []Child{}}
	if r.Level == region.Village {
		err := db.QueryRow(ctx, `SELECT `+figureSums+` FROM village_year_rollup WHERE village_code = $1 AND year = $2`,
			r.Code, year).Scan(out.Figures.dest()...)
		out.finish()
		return out, err
	}
	n := r.Level.ChildDigits()
	// Children are listed whether or not they have figures yet, so an office
	// sees the villages no sale has reached.
	const q = `WITH kids AS (SELECT code, name, level, name_ug, name_en FROM regions WHERE parent_code = $1),
		sums AS (SELECT rpad(substr(village_code, 1, $3), CASE WHEN $3 <= 6 THEN 6 ELSE $3 END, '0') AS code,
				sum(attributed_fen)::bigint a, sum(operating_fen)::bigint op, sum(wage_fen)::bigint w,
				sum(asset_fen)::bigint s, sum(paid_out_fen)::bigint p, sum(households_reached)::int h,
				sum(members_reached)::int m, sum(crossed_poverty)::int cp, sum(crossed_monitoring)::int cm
			FROM village_year_rollup WHERE village_code LIKE $2 || '%' AND year = $4 GROUP BY 1)
		SELECT k.code, k.name, k.level, coalesce(s.a, 0), coalesce(s.op, 0), coalesce(s.w, 0), coalesce(s.s, 0),
			coalesce(s.p, 0), coalesce(s.h, 0), coalesce(s.m, 0), coalesce(s.cp, 0), coalesce(s.cm, 0),
			k.name_ug, k.name_en
		FROM kids k LEFT JOIN sums s ON s.code = k.code ORDER BY coalesce(s.a, 0) DESC, k.code`
	rows, err := db.Query(ctx, q, r.Code, region.Prefix(r.Code, r.Level), n, year)
	if err != nil {
		return out, fmt.Errorf("summary: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Child
		if err := rows.Scan(append(append([]any{&c.Code, &c.Name, &c.Level}, c.Figures.dest()...), &c.Names.Ug, &c.Names.En)...); err != nil {
			return out, err
		}
		c.Names.Zh = c.Name
		c.finish()
		out.Figures.add(c.Figures)
		out.Children = append(out.Children, c)
	}
	out.finish()
	return out, rows.Err()
}

// Month is attributed income in one month.
type Month struct {
	Month         int   `json:"month"`
	AttributedFen int64 `json:"attributed_fen"`
}

func monthly(ctx context.Context, db postgres.Querier, r region.Region, year int) ([]Month, error) {
	const q = `SELECT m.n, coalesce(sum(r.attributed_fen), 0)::bigint FROM generate_series(1, 12) m(n)
		LEFT JOIN village_month_rollup r ON r.month = make_date($2, m.n, 1) AND r.village_code LIKE $1 || '%'
		GROUP BY m.n ORDER BY m.n`
	rows, err := db.Query(ctx, q, region.Prefix(r.Code, r.Level), year)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Month])
}

// ProductShare is a product's attributed income in the region.
type ProductShare struct {
	ProductID     int64      `json:"product_id"`
	Title         string     `json:"title"`
	AttributedFen int64      `json:"attributed_fen"`
	Names         text.Names `json:"names"` // the product's title in every language entered (Title is the Chinese)
}

// TitleIn is the product's title in lang, Chinese when it has none there.
func (p ProductShare) TitleIn(lang string) string {
	return text.Names{Zh: p.Title, Ug: p.Names.Ug, En: p.Names.En}.In(lang)
}

func topProducts(ctx context.Context, db postgres.Querier, r region.Region, year, limit int) ([]ProductShare, error) {
	const q = `SELECT p.id, p.title, sum(r.attributed_fen)::bigint, p.title_ug, p.title_en
		FROM village_product_rollup r JOIN products p ON p.id = r.product_id
		WHERE r.village_code LIKE $1 || '%' AND r.year = $2 GROUP BY p.id, p.title ORDER BY 3 DESC, p.id LIMIT $3`
	rows, err := db.Query(ctx, q, region.Prefix(r.Code, r.Level), year, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ProductShare, error) {
		var p ProductShare
		err := row.Scan(&p.ProductID, &p.Title, &p.AttributedFen, &p.Names.Ug, &p.Names.En)
		p.Names.Zh = p.Title
		return p, err
	})
}
