package report

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/platform/text"
)

// CountyTotal is a county's year on the public impact page.
type CountyTotal struct {
	Code              string `json:"code"`
	Name              string `json:"name"`
	Listed            bool   `json:"listed_supervision"`
	AttributedFen     int64  `json:"attributed_fen"`
	HouseholdsReached int    `json:"households_reached"`
	// Names is the county's name in every language curated (Name is the
	// Chinese).
	Names text.Names `json:"names"`
}

// NameIn is the county's name in lang, Chinese when it has none there.
func (c CountyTotal) NameIn(lang string) string {
	return text.Names{Zh: c.Name, Ug: c.Names.Ug, En: c.Names.En}.In(lang)
}

// PublicCounties returns every county's income from the platform's sales
// (operating income: wages and dividends are the cooperatives' own) for the
// year, largest first, with the households the sales reached (a positive
// net of sales; a household paid only wages or dividends is not counted).
// Counts and places only: nothing identifies a person.
func (s *Service) PublicCounties(ctx context.Context, year int) ([]CountyTotal, error) {
	const q = `SELECT c.code, c.name, c.listed_supervision, sum(i.operating_fen)::bigint,
			count(*) FILTER (WHERE i.operating_fen > 0)::int, c.name_ug, c.name_en
		FROM household_year_income i JOIN regions c ON c.code = substr(i.village_code, 1, 6)
		WHERE i.year = $1 GROUP BY c.code, c.name, c.listed_supervision, c.name_ug, c.name_en
		HAVING sum(i.operating_fen) > 0 ORDER BY 4 DESC, c.code`
	if err := s.settled(ctx); err != nil {
		return nil, err
	}
	rows, err := s.reader(ctx).Query(ctx, q, year)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CountyTotal, error) {
		var c CountyTotal
		err := r.Scan(&c.Code, &c.Name, &c.Listed, &c.AttributedFen, &c.HouseholdsReached, &c.Names.Ug, &c.Names.En)
		c.Names.Zh = c.Name
		return c, err
	})
}

// YearTotal sums the public figures of a year: the income sales brought,
// and the households it reached (as PublicCounties counts them).
func (s *Service) YearTotal(ctx context.Context, year int) (attributed int64, households int, err error) {
	if err = s.settled(ctx); err != nil {
		return 0, 0, err
	}
	err = s.reader(ctx).QueryRow(ctx, `SELECT coalesce(sum(operating_fen), 0)::bigint, count(*) FILTER (WHERE operating_fen > 0)::int
		FROM household_year_income WHERE year = $1`, year).Scan(&attributed, &households)
	return
}

// OrgRank is a buyer organisation on the public ranking (爱心榜).
type OrgRank struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	PurchasedFen int64  `json:"purchased_fen"`
}

// OrgRanking ranks the organisations that opted in by their net purchases.
func (s *Service) OrgRanking(ctx context.Context, year, limit int) ([]OrgRank, error) {
	const q = `SELECT g.name, g.kind, sum(o.total_fen - o.refunded_fen)::bigint
		FROM buyer_orgs g JOIN orders o ON o.buyer_org_id = g.id AND o.paid_at IS NOT NULL AND report_year(o.paid_at) = $1
		WHERE g.public_ranking GROUP BY g.id, g.name, g.kind HAVING sum(o.total_fen - o.refunded_fen) > 0
		ORDER BY 3 DESC, g.name LIMIT $2`
	rows, err := s.reader(ctx).Query(ctx, q, year, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[OrgRank])
}

// PublicImpact is the year's impact anyone may see: the total and the
// households reached, the counties, and the institutions that opted into
// the ranking (爱心榜).
type PublicImpact struct {
	Year              int           `json:"year"`
	AttributedFen     int64         `json:"attributed_fen"`
	HouseholdsReached int           `json:"households_reached"`
	Counties          []CountyTotal `json:"counties"`
	Ranking           []OrgRank     `json:"ranking"`
}

// Public reads the year's public impact (the top 50 of the ranking).
func (s *Service) Public(ctx context.Context, year int) (PublicImpact, error) {
	out := PublicImpact{Year: year}
	var err error
	if out.AttributedFen, out.HouseholdsReached, err = s.YearTotal(ctx, year); err != nil {
		return out, err
	}
	if out.Counties, err = s.PublicCounties(ctx, year); err != nil {
		return out, err
	}
	if out.Ranking, err = s.OrgRanking(ctx, year, 50); err != nil {
		return out, err
	}
	if out.Counties == nil {
		out.Counties = []CountyTotal{}
	}
	if out.Ranking == nil {
		out.Ranking = []OrgRank{}
	}
	return out, nil
}
