package report

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
)

// HouseholdRow is one household's year, as offices list and export it. The
// head's name is masked: whole values need the audited reveal.
type HouseholdRow struct {
	ID            ids.ID `json:"household_id"`
	RegistryNo    string `json:"registry_no"`
	VillageCode   string `json:"village_code"`
	VillageName   string `json:"village_name"`
	HeadName      string `json:"head_name"`
	Status        string `json:"status"`
	Members       int    `json:"members"`
	BaselineFen   int64  `json:"baseline_income_fen"`
	AttributedFen int64  `json:"attributed_fen"`
	// ByType is AttributedFen by income type (sales, wages, dividends).
	ByType              attribution.ByType `json:"by_type"`
	PaidFen             int64              `json:"paid_fen"`
	OwedFen             int64              `json:"owed_fen"`
	PerCapitaGainFen    int64              `json:"per_capita_gain_fen"`
	ProjectedFen        int64              `json:"projected_per_capita_fen"`
	PovertyLineFen      int64              `json:"poverty_line_fen"`
	MonitoringLineFen   int64              `json:"monitoring_line_fen"`
	AbovePovertyLine    bool               `json:"above_poverty_line"`
	AboveMonitoringLine bool               `json:"above_monitoring_line"`
}

// householdQuery selects HouseholdRow columns for households whose village
// starts with $1, for year $2, with the lines in force that year.
const householdQuery = `WITH lines AS (
		SELECT poverty_line_fen AS pl, monitoring_line_fen AS ml FROM poverty_lines
		WHERE province_code = substr($1 || '0000', 1, 2) || '0000' AND year <= $2 ORDER BY year DESC LIMIT 1)
	SELECT h.id, h.registry_no, h.village_code, v.name, h.head_name_mask, h.status, h.members, h.baseline_income_fen,
		coalesce(i.attributed_fen, 0), coalesce(i.operating_fen, 0), coalesce(i.wage_fen, 0), coalesce(i.asset_fen, 0),
		coalesce(i.paid_fen, 0), coalesce(l.pl, 0), coalesce(l.ml, 0)
	FROM households h JOIN regions v ON v.code = h.village_code
	LEFT JOIN household_year_income i ON i.household_id = h.id AND i.year = $2
	LEFT JOIN lines l ON true
	WHERE h.village_code LIKE $1 || '%'`

func scanHousehold(row pgx.Row) (HouseholdRow, error) {
	var h HouseholdRow
	err := row.Scan(&h.ID, &h.RegistryNo, &h.VillageCode, &h.VillageName, &h.HeadName, &h.Status, &h.Members,
		&h.BaselineFen, &h.AttributedFen, &h.ByType.Operating, &h.ByType.Wage, &h.ByType.Asset, &h.PaidFen,
		&h.PovertyLineFen, &h.MonitoringLineFen)
	h.OwedFen = h.AttributedFen - h.PaidFen
	h.PerCapitaGainFen = perPerson(h.AttributedFen, h.Members)
	h.ProjectedFen = h.BaselineFen + h.PerCapitaGainFen
	// Exact comparison: baseline×members + gain against line×members, the
	// gain being the whole income of every type.
	total := h.BaselineFen*int64(h.Members) + h.AttributedFen
	h.AbovePovertyLine = h.PovertyLineFen > 0 && total >= h.PovertyLineFen*int64(h.Members)
	h.AboveMonitoringLine = h.MonitoringLineFen > 0 && total >= h.MonitoringLineFen*int64(h.Members)
	return h, err
}

// perPerson shares fen among n people (at least one), rounded down: toward
// minus infinity, not toward zero as Go's division is. A year can lose
// income (a refund in January of a December sale), and a projection
// rounded toward zero would then show a household at the line while the
// exact comparison finds it below.
func perPerson(fen int64, n int) int64 {
	d := int64(max(n, 1))
	q := fen / d
	if fen%d != 0 && fen < 0 {
		q--
	}
	return q
}

func households(ctx context.Context, db postgres.Querier, r region.Region, year int, after string, limit int) ([]HouseholdRow, string, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.Query(ctx, householdQuery+` AND h.registry_no > $3 ORDER BY h.registry_no LIMIT $4`,
		region.Prefix(r.Code, r.Level), year, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list, next = list[:limit], list[limit-1].RegistryNo
	}
	return list, next, nil
}

// actionList is the households to follow up, lowest projected income per
// person first: those still registered as poor (未脱贫), whatever their
// income, and the monitored ones still below the monitoring line.
func actionList(ctx context.Context, db postgres.Querier, r region.Region, year, limit int) ([]HouseholdRow, error) {
	q := householdQuery + ` AND (h.status = 'poor' OR (h.status LIKE 'monitored_%'
		AND h.baseline_income_fen * h.members + coalesce(i.attributed_fen, 0) < coalesce(l.ml, 0) * h.members))
		ORDER BY (h.baseline_income_fen * h.members + coalesce(i.attributed_fen, 0))::numeric / h.members, h.registry_no LIMIT $3`
	rows, err := db.Query(ctx, q, region.Prefix(r.Code, r.Level), year, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows)
}

// EachHousehold streams every household of the region for an export, one
// row at a time (bounded memory whatever the region's size).
//
// The rows come from one read-only snapshot, whose one statement may run
// as long as ctx allows (the service's statement_timeout is meant for
// requests, not for a prefecture's export); callers give ctx a deadline, so
// a reader that never finishes does not hold a connection forever.
func (s *Service) EachHousehold(ctx context.Context, a auth.Actor, code string, year int, fn func(HouseholdRow) error) error {
	r, err := s.scope(ctx, a, code)
	if err != nil {
		return err
	}
	tx, err := s.reader(ctx).BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if dl, ok := ctx.Deadline(); ok {
		ms := max(time.Until(dl).Milliseconds(), 1)
		if _, err := tx.Exec(ctx, "SELECT set_config('statement_timeout', $1, true)", strconv.FormatInt(ms, 10)); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, householdQuery+` ORDER BY h.village_code, h.registry_no`, region.Prefix(r.Code, r.Level), year)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return err
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	return rows.Err()
}

func collect(rows pgx.Rows) ([]HouseholdRow, error) {
	defer rows.Close()
	var out []HouseholdRow
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Entry is one ledger entry of a household. A sale or refund names its
// order, line and lot (and the product's title); a wage or its correction
// its wage and the kind of work; a dividend its dividend and year. The ids
// an entry does not have are null.
type Entry struct {
	OrderID      *ids.ID `json:"order_id"`
	OrderNumber  string  `json:"order_number"`
	LineID       *ids.ID `json:"line_id"`
	LotID        *ids.ID `json:"lot_id"`
	WageID       *ids.ID `json:"wage_id"`
	DividendID   *ids.ID `json:"dividend_id"`
	ProductTitle string  `json:"product_title"`
	// ProductNames is the title as sold in every language the product had
	// then (order_lines.names; ProductTitle is the Chinese); empty for wage
	// and dividend entries.
	ProductNames text.Names `json:"product_names"`
	WageKind     string     `json:"wage_kind,omitempty"`
	DividendYear int        `json:"dividend_year,omitempty"`
	Kind         string     `json:"kind"`
	IncomeType   string     `json:"income_type"`
	AmountFen    int64      `json:"amount_fen"`
	At           time.Time  `json:"at"`
}

// ProductTitleIn is the title the entry's line was sold under, in lang;
// Chinese when the product had none in lang ("" for a wage or dividend).
func (e Entry) ProductTitleIn(lang string) string {
	return text.Names{Zh: e.ProductTitle, Ug: e.ProductNames.Ug, En: e.ProductNames.En}.In(lang)
}

// householdYear reads a household's row (its rollup's figures: the gain
// per person, the lines it crosses) and its entries of year in one
// snapshot, leaving out the entries still queued for the rollups: a sale
// committed after the report settled the rollups would otherwise be listed
// and added to the total, but missing from the figures beside it.
func householdYear(ctx context.Context, db *pgxpool.Pool, village string, id int64, year int) (HouseholdRow, []Entry, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return HouseholdRow{}, nil, err
	}
	defer tx.Rollback(ctx)
	h, err := scanHousehold(tx.QueryRow(ctx, householdQuery+` AND h.id = $3`, village, year, id))
	if err != nil {
		return HouseholdRow{}, nil, fmt.Errorf("household row: %w", err)
	}
	const q = `SELECT e.order_id, coalesce(o.number, ''), e.line_id, e.lot_id, e.wage_id, e.dividend_id, coalesce(ol.title, ''),
			coalesce(ol.names, jsonb_build_object('zh', coalesce(ol.title, ''))),
			coalesce(w.kind, ''), coalesce(d.year, 0), e.kind, e.income_type, e.amount_fen, e.at
		FROM attribution_entries e LEFT JOIN orders o ON o.id = e.order_id LEFT JOIN order_lines ol ON ol.id = e.line_id
		LEFT JOIN wages w ON w.id = e.wage_id LEFT JOIN dividends d ON d.id = e.dividend_id
		WHERE e.household_id = $1 AND report_year(e.at) = $2
			AND NOT EXISTS (SELECT 1 FROM rollup_pending p WHERE e.id = ANY (p.entry_ids))
		ORDER BY e.at, e.id`
	rows, err := tx.Query(ctx, q, id, year)
	if err != nil {
		return HouseholdRow{}, nil, err
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Entry])
	if err != nil {
		return HouseholdRow{}, nil, err
	}
	return h, entries, tx.Commit(ctx)
}

// HouseholdIncome is a household's entries and totals for a year, in total
// and by income type.
type HouseholdIncome struct {
	HouseholdID ids.ID             `json:"household_id"`
	Year        int                `json:"year"`
	TotalFen    int64              `json:"total_fen"`
	ByType      attribution.ByType `json:"by_type"`
	Household   HouseholdRow       `json:"household"`
	Entries     []Entry            `json:"entries"`
	ByMonth     []Month            `json:"by_month"`
}

// HouseholdIncome returns the household's year for an office governing it.
func (s *Service) HouseholdIncome(ctx context.Context, a auth.Actor, id int64, year int) (HouseholdIncome, error) {
	var village string
	err := s.db.QueryRow(ctx, `SELECT village_code FROM households WHERE id = $1`, id).Scan(&village)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !a.Governs(village)) {
		return HouseholdIncome{}, errs.E(errs.NotFound, "household not found")
	}
	if err != nil {
		return HouseholdIncome{}, err
	}
	if !a.IsAdmin() && !a.Has(auth.RoleOffice) {
		return HouseholdIncome{}, errs.E(errs.Forbidden, "only assistance offices read household income")
	}
	if err := s.settled(ctx); err != nil {
		return HouseholdIncome{}, err
	}
	h, entries, err := householdYear(ctx, s.reader(ctx), village, id, year)
	if err != nil {
		return HouseholdIncome{}, err
	}
	out := HouseholdIncome{HouseholdID: ids.ID(id), Year: year, Household: h, Entries: entries, ByMonth: make([]Month, 12)}
	if out.Entries == nil {
		out.Entries = []Entry{}
	}
	for i := range out.ByMonth {
		out.ByMonth[i].Month = i + 1
	}
	for _, e := range entries {
		out.TotalFen += e.AmountFen
		out.ByType.Add(e.IncomeType, e.AmountFen)
		m := s.clock.In(e.At).Month()
		out.ByMonth[m-1].AttributedFen += e.AmountFen
	}
	return out, nil
}
