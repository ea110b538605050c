package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// TracePath is the public page a lot's QR code points at.
func TracePath(code string) string { return "/trace/" + code }

// baseUnitFixedReason is why a product's base unit stays as it is.
const baseUnitFixedReason = "cannot change once lots are recorded in it"

// baseUnitFixed reports whether changing product id's base unit from old to
// next is to be refused: its lots, their contributions, trace pages and
// per-unit income rules are counted in the old unit, and would silently
// read 100.5 g where 100.5 kg were received. The caller holds the product's
// row lock (ownedProduct), which CreateLot takes too, so no lot appears
// between this check and the update.
func baseUnitFixed(ctx context.Context, tx pgx.Tx, id int64, old, next string) (bool, error) {
	if next == old {
		return false, nil
	}
	const q = `SELECT EXISTS (SELECT 1 FROM lots WHERE product_id = $1)`
	var has bool
	if err := tx.QueryRow(ctx, q, id).Scan(&has); err != nil {
		return false, fmt.Errorf("check lots: %w", err)
	}
	return has, nil
}

// CreateLot records a lot of a product of the actor's cooperative with the
// member households' contributions, and gives it a trace code.
func (s *Service) CreateLot(ctx context.Context, a auth.Actor, productID int64, in LotInput) (Lot, error) {
	if err := requireCoopAdmin(a); err != nil {
		return Lot{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Lot{}, err
	}
	defer tx.Rollback(ctx)
	row, coop, err := ownedProduct(ctx, tx, a, productID)
	if err != nil {
		return Lot{}, err
	}
	if row.Status == StatusArchived {
		return Lot{}, errs.E(errs.Conflict, "the product is archived; make it a draft or active to receive lots")
	}
	f := map[string]string{}
	received, _ := in.validate(s.Today(), f)
	// Every household must be a member of the cooperative.
	hh := make([]int64, 0, len(in.Contributions))
	for _, c := range in.Contributions {
		if c.HouseholdID > 0 {
			hh = append(hh, int64(c.HouseholdID))
		}
	}
	const qMembers = `SELECT m.household_id, true FROM cooperative_members m
		WHERE m.cooperative_id = $2 AND m.household_id = ANY($1)`
	rows, err := tx.Query(ctx, qMembers, hh, coop.ID)
	if err != nil {
		return Lot{}, fmt.Errorf("check members: %w", err)
	}
	member := map[ids.ID]bool{}
	var hid int64
	var isMember bool
	if _, err := pgx.ForEachRow(rows, []any{&hid, &isMember}, func() error { member[ids.ID(hid)] = isMember; return nil }); err != nil {
		return Lot{}, fmt.Errorf("check members: %w", err)
	}
	for i, c := range in.Contributions {
		if c.HouseholdID <= 0 {
			continue
		}
		// A household that does not exist and one of elsewhere get one
		// answer: a cooperative learns nothing of households outside it.
		if !member[c.HouseholdID] {
			addField(f, fmt.Sprintf("contributions[%d].household_id", i), "is not a member of this cooperative")
		}
	}
	if len(f) > 0 {
		return Lot{}, errs.Validation("the lot is not valid", f)
	}
	var rule struct {
		fen *int64
		bps *int64
	}
	if in.IncomeRule.Kind == RulePerUnit {
		rule.fen = &in.IncomeRule.FenPerUnit
	} else {
		rule.bps = &in.IncomeRule.BPS
	}
	const q = `INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit, share_bps, created_by)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8) RETURNING id, created_at`
	lot := Lot{ProductID: ids.ID(productID), Quantity: in.Quantity, Remaining: in.Quantity,
		ReceivedOn: received.Format("2006-01-02"), IncomeRule: in.IncomeRule}
	for attempt := 0; ; attempt++ {
		lot.TraceCode = NewTraceCode()
		if _, err := tx.Exec(ctx, `SAVEPOINT lot_code`); err != nil {
			return Lot{}, err
		}
		err = tx.QueryRow(ctx, q, productID, lot.TraceCode, in.Quantity, received, in.IncomeRule.Kind, rule.fen, rule.bps,
			nullUser(a)).Scan(&lot.ID, &lot.CreatedAt)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && attempt < 3 {
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT lot_code`); err != nil {
				return Lot{}, err
			}
			continue
		}
		if err != nil {
			return Lot{}, fmt.Errorf("insert lot: %w", err)
		}
		break
	}
	rowsIn := make([][]any, len(in.Contributions))
	for i, c := range in.Contributions {
		rowsIn[i] = []any{int64(lot.ID), int64(c.HouseholdID), c.Quantity}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"lot_contributions"}, []string{"lot_id", "household_id", "quantity"},
		pgx.CopyFromRows(rowsIn)); err != nil {
		return Lot{}, fmt.Errorf("insert contributions: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Lot{}, err
	}
	s.changed(ctx)
	lot.TraceURL = TracePath(lot.TraceCode)
	lot.Contributions = append([]Contribution(nil), in.Contributions...)
	return lot, nil
}

func addField(f map[string]string, k, v string) {
	if _, ok := f[k]; !ok {
		f[k] = v
	}
}

// ListLots returns the lots of a product of the actor's cooperative, newest
// first, with their contributions.
func (s *Service) ListLots(ctx context.Context, a auth.Actor, productID int64) ([]Lot, error) {
	if err := requireCoopAdmin(a); err != nil {
		return nil, err
	}
	const qOwner = `SELECT cooperative_id FROM products WHERE id = $1`
	var coopID int64
	err := s.db.QueryRow(ctx, qOwner, productID).Scan(&coopID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !a.ManagesCoop(coopID)) {
		return nil, errs.E(errs.NotFound, "product %d not found", productID)
	}
	if err != nil {
		return nil, fmt.Errorf("list lots: %w", err)
	}
	const q = `SELECT id, product_id, trace_code, quantity, remaining, received_on::text, income_kind,
			coalesce(fen_per_unit, 0), coalesce(share_bps, 0), created_at
		FROM lots WHERE product_id = $1 ORDER BY received_on DESC, id DESC`
	rows, err := s.db.Query(ctx, q, productID)
	if err != nil {
		return nil, fmt.Errorf("list lots: %w", err)
	}
	lots, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Lot, error) {
		var l Lot
		err := r.Scan(&l.ID, &l.ProductID, &l.TraceCode, &l.Quantity, &l.Remaining, &l.ReceivedOn, &l.IncomeRule.Kind,
			&l.IncomeRule.FenPerUnit, &l.IncomeRule.BPS, &l.CreatedAt)
		l.TraceURL = TracePath(l.TraceCode)
		l.Contributions = []Contribution{}
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("list lots: %w", err)
	}
	at := map[ids.ID]int{}
	lotIDs := make([]int64, len(lots))
	for i, l := range lots {
		at[l.ID], lotIDs[i] = i, int64(l.ID)
	}
	const qc = `SELECT lot_id, household_id, quantity FROM lot_contributions WHERE lot_id = ANY($1) ORDER BY lot_id, household_id`
	rows, err = s.db.Query(ctx, qc, lotIDs)
	if err != nil {
		return nil, fmt.Errorf("list contributions: %w", err)
	}
	var lid int64
	var c Contribution
	if _, err := pgx.ForEachRow(rows, []any{&lid, &c.HouseholdID, &c.Quantity}, func() error {
		l := &lots[at[ids.ID(lid)]]
		l.Contributions = append(l.Contributions, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list contributions: %w", err)
	}
	return lots, nil
}

// Trace returns a lot's public origin by its trace code. Lots of
// cooperatives that are not approved are not shown.
func (s *Service) Trace(ctx context.Context, code string) (Trace, error) {
	if len(code) < 12 || len(code) > 32 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		return Trace{}, errs.E(errs.NotFound, "no lot has this trace code")
	}
	const q = `SELECT l.id, l.trace_code, p.id, p.title, p.category, p.base_unit, c.id, c.name, p.county_code, cty.name,
			coalesce(pref.name, ''), l.received_on::text, l.quantity, (p.status = 'active'),
			p.title_ug, p.title_en, c.name_ug, c.name_en, cty.name_ug, cty.name_en, coalesce(pref.name_ug, ''), coalesce(pref.name_en, ''),
			EXISTS (SELECT 1 FROM product_certifications pc WHERE pc.product_id = p.id AND pc.status = 'confirmed'
				AND pc.valid_from <= $2 AND pc.valid_until >= $2)
		FROM lots l JOIN products p ON p.id = l.product_id
		JOIN cooperatives c ON c.id = p.cooperative_id
		JOIN regions cty ON cty.code = p.county_code
		LEFT JOIN regions pref ON pref.code = cty.parent_code
		WHERE l.trace_code = $1 AND c.status = 'approved'`
	var t Trace
	var lotID int64
	err := s.reader().QueryRow(ctx, q, code, s.Today()).Scan(&lotID, &t.TraceCode, &t.ProductID, &t.ProductTitle, &t.Category,
		&t.BaseUnit, &t.CooperativeID, &t.CooperativeName, &t.CountyCode, &t.CountyName, &t.PrefectureName, &t.ReceivedOn,
		&t.Quantity, &t.ProductVisible, &t.Names.Ug, &t.Names.En, &t.CooperativeNames.Ug, &t.CooperativeNames.En,
		&t.CountyNames.Ug, &t.CountyNames.En, &t.PrefectureNames.Ug, &t.PrefectureNames.En, &t.Certified)
	if errors.Is(err, pgx.ErrNoRows) {
		return Trace{}, errs.E(errs.NotFound, "no lot has this trace code")
	}
	if err != nil {
		return Trace{}, fmt.Errorf("trace: %w", err)
	}
	t.Names.Zh, t.CooperativeNames.Zh, t.CountyNames.Zh, t.PrefectureNames.Zh = t.ProductTitle, t.CooperativeName, t.CountyName, t.PrefectureName
	const qv = `SELECT v.code, v.name, count(*)::int FROM lot_contributions lc
		JOIN households h ON h.id = lc.household_id JOIN regions v ON v.code = h.village_code
		WHERE lc.lot_id = $1 GROUP BY v.code, v.name ORDER BY v.code`
	rows, err := s.reader().Query(ctx, qv, lotID)
	if err != nil {
		return Trace{}, fmt.Errorf("trace villages: %w", err)
	}
	t.Villages = []Place{}
	var pl Place
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&pl.Code, &pl.Name, &n}, func() error {
		t.Villages = append(t.Villages, pl)
		t.Households += n
		return nil
	}); err != nil {
		return Trace{}, fmt.Errorf("trace villages: %w", err)
	}
	return t, nil
}

// Member is a member household as its cooperative's lot form lists it: the
// registry number and village, never the head's name or ID number.
type Member struct {
	HouseholdID ids.ID `json:"household_id"`
	RegistryNo  string `json:"registry_no"`
	VillageCode string `json:"village_code"`
	VillageName string `json:"village_name"`
	HeadName    string `json:"head_name"` // masked: the cooperative knows its members by it
}

// Members lists the member households of the actor's cooperative.
func (s *Service) Members(ctx context.Context, a auth.Actor) ([]Member, error) {
	if err := requireCoopAdmin(a); err != nil {
		return nil, err
	}
	const q = `SELECT h.id, h.registry_no, h.village_code, coalesce(v.name, ''), h.head_name_mask
		FROM cooperative_members m JOIN households h ON h.id = m.household_id
		LEFT JOIN regions v ON v.code = h.village_code
		WHERE m.cooperative_id = $1 ORDER BY h.registry_no`
	rows, err := s.db.Query(ctx, q, a.CooperativeID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Member])
}
