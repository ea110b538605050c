package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
)

// Region checks that the actor may read the region's reports and returns it;
// an empty code is the actor's own jurisdiction. Handlers call it before they
// start streaming an export, so that a refusal is still a proper 403.
func (s *Service) Region(ctx context.Context, a auth.Actor, code string) (region.Region, error) {
	return s.scope(ctx, a, code)
}

// YearBounds are the first moment of year and of the next in the clock's
// zone (Beijing time, as the rollups count years).
func (s *Service) YearBounds(year int) (time.Time, time.Time) {
	loc := s.clock.Location()
	return time.Date(year, 1, 1, 0, 0, 0, 0, loc), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
}

// VillageCoverage is how many of a village's registered households the
// year's sales reached.
type VillageCoverage struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Households int    `json:"households"`
	Reached    int    `json:"households_reached"`
}

// Coverage returns every village of the region that has registered
// households, with how many of them the year's sales reached, by code. The
// count of registered households reads the households' village index (one
// entry per household), the reached count the rollups.
func (s *Service) Coverage(ctx context.Context, a auth.Actor, code string, year int) ([]VillageCoverage, error) {
	r, err := s.scope(ctx, a, code)
	if err != nil {
		return nil, err
	}
	return coverage(ctx, s.reader(ctx), r, year)
}

func coverage(ctx context.Context, db postgres.Querier, r region.Region, year int) ([]VillageCoverage, error) {
	const q = `WITH hh AS (SELECT village_code, count(*)::int AS n FROM households WHERE village_code LIKE $1 || '%' GROUP BY 1)
		SELECT hh.village_code, coalesce(v.name, hh.village_code), hh.n, coalesce(r.households_reached, 0)
		FROM hh LEFT JOIN regions v ON v.code = hh.village_code
		LEFT JOIN village_year_rollup r ON r.village_code = hh.village_code AND r.year = $2
		ORDER BY hh.village_code`
	rows, err := db.Query(ctx, q, region.Prefix(r.Code, r.Level), year)
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[VillageCoverage])
}

// VillageFigures is a village's year on the listed-supervision board.
type VillageFigures struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Households int    `json:"households"`
	Figures
}

// ListedCounty is a county under listed supervision (挂牌督战) in 2020 with
// its villages' figures.
type ListedCounty struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	PrefectureName string `json:"prefecture_name"`
	// The county's and its prefecture's names in every language stored
	// (Name and PrefectureName are the Chinese).
	Names           text.Names `json:"names"`
	PrefectureNames text.Names `json:"prefecture_names"`
	Households      int        `json:"households"`
	Figures
	Villages []VillageFigures `json:"villages"`
}

// NameIn is the county's name in lang, Chinese when it has none there.
func (c ListedCounty) NameIn(lang string) string {
	return text.Names{Zh: c.Name, Ug: c.Names.Ug, En: c.Names.En}.In(lang)
}

// PrefectureNameIn is its prefecture's name in lang, Chinese when it has
// none there.
func (c ListedCounty) PrefectureNameIn(lang string) string {
	return text.Names{Zh: c.PrefectureName, Ug: c.PrefectureNames.Ug, En: c.PrefectureNames.En}.In(lang)
}

// ListedBoard returns the listed-supervision counties of the actor's
// jurisdiction (all ten for a platform admin), each with its villages'
// figures for the year. County figures are the sums of their villages'. A
// township's office sees the listed county it lies in with its own
// villages only: the county's figures are then the township's part.
func (s *Service) ListedBoard(ctx context.Context, a auth.Actor, year int) ([]ListedCounty, error) {
	if !a.IsAdmin() && !a.Has(auth.RoleOffice) {
		return nil, errs.E(errs.Forbidden, "only assistance offices read income reports")
	}
	if err := s.settled(ctx); err != nil {
		return nil, err
	}
	prefix := a.OfficePrefix()
	if a.IsAdmin() {
		prefix = ""
	}
	db := s.reader(ctx)
	rows, err := db.Query(ctx, `SELECT c.code, c.name, coalesce(p.name, ''), c.name_ug, c.name_en, coalesce(p.name_ug, ''), coalesce(p.name_en, '')
		FROM regions c LEFT JOIN regions p ON p.code = c.parent_code
		WHERE c.level = 'county' AND c.listed_supervision AND (c.code LIKE $1 || '%' OR $1 LIKE c.code || '%') ORDER BY c.code`, prefix)
	if err != nil {
		return nil, err
	}
	counties, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ListedCounty, error) {
		var c ListedCounty
		err := row.Scan(&c.Code, &c.Name, &c.PrefectureName, &c.Names.Ug, &c.Names.En, &c.PrefectureNames.Ug, &c.PrefectureNames.En)
		c.Names.Zh, c.PrefectureNames.Zh = c.Name, c.PrefectureName
		c.Villages = []VillageFigures{}
		return c, err
	})
	if err != nil || len(counties) == 0 {
		return counties, err
	}
	codes := make([]string, len(counties))
	at := map[string]int{}
	for i, c := range counties {
		codes[i], at[c.Code] = c.Code, i
	}
	// Villages of those counties that are registered or have figures, in
	// the jurisdiction (a township's office: its own).
	const q = `WITH hh AS (SELECT village_code, count(*)::int AS n FROM households
			WHERE substr(village_code, 1, 6) = ANY($1) AND village_code LIKE $3 || '%' GROUP BY 1),
		fig AS (SELECT * FROM village_year_rollup WHERE substr(village_code, 1, 6) = ANY($1) AND year = $2
			AND village_code LIKE $3 || '%'),
		vs AS (SELECT village_code FROM hh UNION SELECT village_code FROM fig)
		SELECT vs.village_code, coalesce(v.name, vs.village_code), coalesce(hh.n, 0),
			coalesce(f.attributed_fen, 0), coalesce(f.operating_fen, 0), coalesce(f.wage_fen, 0), coalesce(f.asset_fen, 0),
			coalesce(f.paid_out_fen, 0), coalesce(f.households_reached, 0),
			coalesce(f.members_reached, 0), coalesce(f.crossed_poverty, 0), coalesce(f.crossed_monitoring, 0)
		FROM vs LEFT JOIN regions v ON v.code = vs.village_code LEFT JOIN hh ON hh.village_code = vs.village_code
		LEFT JOIN fig f ON f.village_code = vs.village_code
		ORDER BY vs.village_code`
	vrows, err := db.Query(ctx, q, codes, year, prefix)
	if err != nil {
		return nil, fmt.Errorf("listed board: %w", err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var v VillageFigures
		if err := vrows.Scan(append([]any{&v.Code, &v.Name, &v.Households}, v.Figures.dest()...)...); err != nil {
			return nil, err
		}
		v.finish()
		i, ok := at[v.Code[:6]]
		if !ok {
			continue
		}
		c := &counties[i]
		c.Households += v.Households
		c.Figures.add(v.Figures)
		c.Villages = append(c.Villages, v)
	}
	for i := range counties {
		counties[i].finish()
	}
	return counties, vrows.Err()
}

// CoopSales is a cooperative's year: its sales, what they attributed to
// which member household, and what it still owes them.
type CoopSales struct {
	CooperativeID ids.ID           `json:"cooperative_id"`
	Name          string           `json:"name"`
	Names         text.Names       `json:"names"` // the cooperative's name in every language entered (Name is the Chinese)
	Year          int              `json:"year"`
	Orders        int              `json:"orders"`
	Shipped       int              `json:"shipped"`
	ToShip        int              `json:"to_ship"`
	SalesFen      int64            `json:"sales_fen"`
	AttributedFen int64            `json:"attributed_fen"`
	ByMonth       []SalesMonth     `json:"by_month"`
	Products      []ProductSales   `json:"products"`
	Households    []HouseholdShare `json:"households"`
}

// NameIn is the cooperative's name in lang, Chinese when it has none there.
func (c CoopSales) NameIn(lang string) string {
	return text.Names{Zh: c.Name, Ug: c.Names.Ug, En: c.Names.En}.In(lang)
}

// SalesMonth is one month of a cooperative's sales.
type SalesMonth struct {
	Month         int   `json:"month"`
	Orders        int   `json:"orders"`
	SalesFen      int64 `json:"sales_fen"`
	AttributedFen int64 `json:"attributed_fen"`
}

// ProductSales is one product's year at a cooperative. It is named by the
// product's title now (Title the Chinese, Names every language entered),
// not the titles its lines were sold under: the report is about the
// product, and a product renamed during the year stays one row, under one
// name.
type ProductSales struct {
	ProductID     ids.ID     `json:"product_id"`
	Title         string     `json:"title"`
	Units         int        `json:"units"`
	SalesFen      int64      `json:"sales_fen"`
	AttributedFen int64      `json:"attributed_fen"`
	Names         text.Names `json:"names"`
}

// TitleIn is the product's title in lang, Chinese when it has none there.
func (p ProductSales) TitleIn(lang string) string {
	return text.Names{Zh: p.Title, Ug: p.Names.Ug, En: p.Names.En}.In(lang)
}

// HouseholdShare is what a cooperative's sales brought one household: in
// the year, and all time with what was paid and is owed. The head's name is
// masked.
type HouseholdShare struct {
	HouseholdID       ids.ID `json:"household_id"`
	RegistryNo        string `json:"registry_no"`
	VillageName       string `json:"village_name"`
	HeadName          string `json:"head_name"`
	Member            bool   `json:"member"`
	YearAttributedFen int64  `json:"year_attributed_fen"`
	AttributedFen     int64  `json:"attributed_fen"`
	PaidFen           int64  `json:"paid_fen"`
	OwedFen           int64  `json:"owed_fen"`
}

// CoopSales reads a cooperative's year for its administrator, an office
// governing its county or a platform admin; to anyone else the cooperative
// does not exist (coop.ErrNotFound).
func (s *Service) CoopSales(ctx context.Context, a auth.Actor, coopID int64, year int) (CoopSales, error) {
	out := CoopSales{CooperativeID: ids.ID(coopID), Year: year, ByMonth: make([]SalesMonth, 12),
		Products: []ProductSales{}, Households: []HouseholdShare{}}
	var county string
	err := s.db.QueryRow(ctx, `SELECT name, county_code, name_ug, name_en FROM cooperatives WHERE id = $1`, coopID).
		Scan(&out.Name, &county, &out.Names.Ug, &out.Names.En)
	out.Names.Zh = out.Name
	if errors.Is(err, pgx.ErrNoRows) {
		return out, coop.ErrNotFound
	}
	if err != nil {
		return out, err
	}
	if !a.ManagesCoop(coopID) && !a.IsAdmin() && !(a.Has(auth.RoleOffice) && a.Governs(county)) {
		return out, coop.ErrNotFound // to a stranger, the cooperative does not exist
	}
	if err := s.settled(ctx); err != nil {
		return out, err
	}
	db := s.reader(ctx)
	for i := range out.ByMonth {
		out.ByMonth[i].Month = i + 1
	}
	from, to := s.YearBounds(year)
	// Sales: the cooperative's lines of orders paid in the year, net of refunds.
	const qSales = `SELECT extract(month FROM o.paid_at AT TIME ZONE 'Asia/Shanghai')::int, count(DISTINCT o.id)::int,
			count(DISTINCT sh.id) FILTER (WHERE sh.shipped_at IS NOT NULL)::int,
			count(DISTINCT sh.id) FILTER (WHERE sh.shipped_at IS NULL AND o.status IN ('paid', 'partially_refunded')
				AND ol.refunded_quantity < ol.quantity)::int, -- a shipment whose goods were all refunded has nothing to send
			coalesce(sum(ol.amount_fen - ol.refunded_fen), 0)::bigint
		FROM shipments sh JOIN orders o ON o.id = sh.order_id JOIN order_lines ol ON ol.shipment_id = sh.id
		WHERE sh.cooperative_id = $1 AND o.paid_at >= $2 AND o.paid_at < $3 GROUP BY 1`
	rows, err := db.Query(ctx, qSales, coopID, from, to)
	if err != nil {
		return out, fmt.Errorf("coop sales: %w", err)
	}
	for rows.Next() {
		var m, orders, shipped, toShip int
		var fen int64
		if err := rows.Scan(&m, &orders, &shipped, &toShip, &fen); err != nil {
			rows.Close()
			return out, err
		}
		out.ByMonth[m-1].Orders, out.ByMonth[m-1].SalesFen = orders, fen
		out.Orders += orders
		out.Shipped += shipped
		out.ToShip += toShip
		out.SalesFen += fen
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	const qProducts = `SELECT ol.product_id, p.title, sum(ol.quantity - ol.refunded_quantity)::int,
			sum(ol.amount_fen - ol.refunded_fen)::bigint, p.title_ug, p.title_en
		FROM shipments sh JOIN orders o ON o.id = sh.order_id JOIN order_lines ol ON ol.shipment_id = sh.id
			JOIN products p ON p.id = ol.product_id
		WHERE sh.cooperative_id = $1 AND o.paid_at >= $2 AND o.paid_at < $3
		GROUP BY ol.product_id, p.title, p.title_ug, p.title_en ORDER BY 4 DESC, 1`
	rows, err = db.Query(ctx, qProducts, coopID, from, to)
	if err != nil {
		return out, err
	}
	out.Products, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProductSales, error) {
		var p ProductSales
		err := r.Scan(&p.ProductID, &p.Title, &p.Units, &p.SalesFen, &p.Names.Ug, &p.Names.En)
		p.Names.Zh = p.Title
		return p, err
	})
	if err != nil {
		return out, err
	}
	// Attribution: the ledger entries of the cooperative's households (found
	// through the household index), by month, product and household.
	const qEntries = `WITH hhs AS (SELECT household_id FROM cooperative_members WHERE cooperative_id = $1
			UNION SELECT household_id FROM coop_household_balance WHERE cooperative_id = $1)
		SELECT e.household_id, l.product_id, extract(month FROM e.at AT TIME ZONE 'Asia/Shanghai')::int, sum(e.amount_fen)::bigint
		FROM hhs JOIN attribution_entries e ON e.household_id = hhs.household_id AND e.cooperative_id = $1
			AND e.at >= $2 AND e.at < $3
		JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3`
	rows, err = db.Query(ctx, qEntries, coopID, from, to)
	if err != nil {
		return out, err
	}
	byHousehold := map[ids.ID]int64{}
	byProduct := map[ids.ID]int64{}
	for rows.Next() {
		var hh, product ids.ID
		var m int
		var fen int64
		if err := rows.Scan(&hh, &product, &m, &fen); err != nil {
			rows.Close()
			return out, err
		}
		byHousehold[hh] += fen
		byProduct[product] += fen
		out.ByMonth[m-1].AttributedFen += fen
		out.AttributedFen += fen
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	for i := range out.Products {
		out.Products[i].AttributedFen = byProduct[out.Products[i].ProductID]
	}
	const qHouseholds = `WITH hhs AS (SELECT household_id FROM cooperative_members WHERE cooperative_id = $1
			UNION SELECT household_id FROM coop_household_balance WHERE cooperative_id = $1)
		SELECT h.id, h.registry_no, coalesce(v.name, h.village_code), h.head_name_mask,
			EXISTS (SELECT 1 FROM cooperative_members m WHERE m.cooperative_id = $1 AND m.household_id = h.id),
			coalesce(b.attributed_fen, 0), coalesce(b.paid_fen, 0)
		FROM hhs JOIN households h ON h.id = hhs.household_id LEFT JOIN regions v ON v.code = h.village_code
		LEFT JOIN coop_household_balance b ON b.cooperative_id = $1 AND b.household_id = h.id
		ORDER BY h.registry_no`
	rows, err = db.Query(ctx, qHouseholds, coopID)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var h HouseholdShare
		if err := rows.Scan(&h.HouseholdID, &h.RegistryNo, &h.VillageName, &h.HeadName, &h.Member, &h.AttributedFen, &h.PaidFen); err != nil {
			return out, err
		}
		h.OwedFen = h.AttributedFen - h.PaidFen
		h.YearAttributedFen = byHousehold[h.HouseholdID]
		out.Households = append(out.Households, h)
	}
	return out, rows.Err()
}
