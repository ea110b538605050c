package income_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/report"
)

var office = auth.Actor{UserID: 1, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653200", OfficeLevel: "prefecture"}

// TestTheWholeIncomeCrossesTheLine: household 0 (4 members, ¥3,500 a
// person) needs ¥2,000 of gain to reach the ¥4,000 poverty line. Sales of
// ¥1,000, then wages of ¥600, leave it below; a dividend of ¥400 takes it
// over. The summary's by_type and its crossings say so at each step.
func TestTheWholeIncomeCrossesTheLine(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.Lot(t, "1000", "2026-01-05", "per_unit", 1000, 1) // ¥10 a kg, all to household 0
	reports := report.NewService(w.DB.Pool, w.clk)
	summary := func() report.Summary {
		t.Helper()
		s, err := reports.Summary(ctx, office, "653224", w.clk.Year())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w.sell(t, 40) // 100 kg: ¥1,000
	s := summary()
	if s.ByType != (attribution.ByType{Operating: 100000}) || s.AttributedFen != 100000 || s.CrossedPovertyLine != 0 {
		t.Fatalf("after sales: %+v", s.Figures)
	}
	if _, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{w.wage(0, 60000)}, nil); err != nil {
		t.Fatal(err)
	}
	s = summary()
	if s.ByType != (attribution.ByType{Operating: 100000, Wage: 60000}) || s.CrossedPovertyLine != 0 {
		t.Fatalf("after wages: %+v", s.Figures)
	}
	w.setShares(t, 0, 1, 0)
	d, err := w.svc.Declare(ctx, w.admin, w.CoopID, income.DividendInput{Year: w.clk.Year(), TotalFen: 40000, Basis: income.BasisShares})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Confirm(ctx, w.admin, w.CoopID, int64(d.ID)); err != nil {
		t.Fatal(err)
	}
	s = summary()
	want := attribution.ByType{Operating: 100000, Wage: 60000, Asset: 40000}
	if s.ByType != want || s.AttributedFen != want.Total() || s.CrossedPovertyLine != 1 || s.HouseholdsReached != 1 {
		t.Fatalf("after the dividend: %+v", s.Figures)
	}
	if s.PaidOutFen != 100000 || s.OwedFen != 100000 {
		t.Fatalf("wages and dividends are paid, sales owed: paid %d owed %d", s.PaidOutFen, s.OwedFen)
	}
	inc, err := reports.HouseholdIncome(ctx, office, w.Households[0], w.clk.Year())
	if err != nil {
		t.Fatal(err)
	}
	if inc.ByType != want || !inc.Household.AbovePovertyLine || inc.Household.ProjectedFen != 400000 {
		t.Fatalf("household: %+v / %+v", inc.ByType, inc.Household)
	}
	types := map[string]int{}
	for _, e := range inc.Entries {
		types[e.IncomeType]++
	}
	if types["operating"] == 0 || types["wage"] != 1 || types["asset"] != 1 {
		t.Fatalf("entries by type %v", types)
	}
	w.settle(t)
	// A rebuild from the ledger gives the same figures.
	if _, err := w.DB.Pool.Exec(ctx, `SELECT rebuild_rollups()`); err != nil {
		t.Fatal(err)
	}
	if again := summary(); again.Figures != s.Figures {
		t.Fatalf("rebuilt: %+v, was %+v", again.Figures, s.Figures)
	}
	w.Audit(t)
}

// TestRefundsStillReverseExactly is a property: with wages and dividends
// in the ledger beside the sales, refunding lines (in parts, in random
// order) still brings each line's entries to the attribution of what the
// buyer keeps, and a line refunded whole nets exactly zero; the wage and
// asset income is untouched, and every invariant holds.
func TestRefundsStillReverseExactly(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 832))
	w.Lot(t, "50", "2026-01-05", "revenue_share", 3333, 1, 2, 3)
	w.Lot(t, "500", "2026-01-06", "per_unit", 777, 3, 1, 1)
	w.setShares(t, 0, 7, 0)
	w.setShares(t, 2, 4, 0)
	var wages, dividends int64
	var orders []order.Order
	for i := range 6 {
		orders = append(orders, w.sell(t, 1+r.IntN(12)))
		fen := 1 + r.Int64N(50000)
		if _, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{w.wage(i%3, fen)}, nil); err != nil {
			t.Fatal(err)
		}
		wages += fen
		if i%2 == 0 {
			total := 1 + r.Int64N(99999)
			d, err := w.svc.Declare(ctx, w.admin, w.CoopID, income.DividendInput{Year: w.clk.Year(), TotalFen: total, Basis: income.BasisShares})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.Confirm(ctx, w.admin, w.CoopID, int64(d.ID)); err != nil {
				t.Fatal(err)
			}
			dividends += total
		}
	}
	r.Shuffle(len(orders), func(a, b int) { orders[a], orders[b] = orders[b], orders[a] })
	for _, o := range orders {
		l := o.Lines[0]
		// A part first, then the rest (units and money, the whole line).
		part := r.IntN(l.Quantity)
		if part > 0 {
			refund(t, w, o, l.ID, part, int64(part)*l.UnitPriceFen)
		}
		refund(t, w, o, l.ID, l.Quantity-part, l.AmountFen-int64(part)*l.UnitPriceFen)
		w.Audit(t) // I1: the line's entries equal the attribution of what is kept
		if net := w.count(t, `SELECT coalesce(sum(amount_fen), 0) FROM attribution_entries WHERE line_id = $1`, int64(l.ID)); net != 0 {
			t.Fatalf("line %s refunded whole nets %d fen", l.ID, net)
		}
	}
	if got := w.count(t, `SELECT coalesce(sum(amount_fen), 0) FROM attribution_entries WHERE income_type = 'wage'`); got != wages {
		t.Fatalf("wages %d, want %d", got, wages)
	}
	if got := w.count(t, `SELECT coalesce(sum(amount_fen), 0) FROM attribution_entries WHERE income_type = 'asset'`); got != dividends {
		t.Fatalf("dividends %d, want %d", got, dividends)
	}
	w.settle(t)
}

func refund(t *testing.T, w *world, o order.Order, line any, qty int, fen int64) {
	t.Helper()
	req := order.RefundRequest{Reason: "退货", Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: qty, AmountFen: fen}}}
	if _, err := w.Svc.Refund(context.Background(), w.Admin, int64(o.ID), req, nil); err != nil {
		t.Fatalf("refund %d units, %d fen of line %v: %v", qty, fen, line, err)
	}
}

// TestTheServiceRoleAppendsOnlyThroughTheFunctions: as the service's role,
// wage and dividend entries cannot be written directly, and the checking
// functions refuse what does not match a recorded wage or a confirmed
// dividend.
func TestTheServiceRoleAppendsOnlyThroughTheFunctions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	got, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{w.wage(0, 5000)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wage := int64(got[0].ID)
	w.setShares(t, 1, 3, 0)
	d, err := w.svc.Declare(ctx, w.admin, w.CoopID, income.DividendInput{Year: w.clk.Year(), TotalFen: 900, Basis: income.BasisShares})
	if err != nil {
		t.Fatal(err)
	}
	app := w.DB.AppPool(t)
	for name, c := range map[string]struct {
		q    string
		args []any
		code string
	}{
		"insert a wage entry": {`INSERT INTO attribution_entries (household_id, cooperative_id, village_code, amount_fen, kind, income_type, wage_id)
			SELECT household_id, cooperative_id, village_code, 1, 'wage', 'wage', wage_id FROM attribution_entries WHERE wage_id = $1`,
			[]any{wage}, "42501"},
		"append a wage twice":       {`SELECT append_wages($1, $2, $3, $4)`, []any{[]int64{wage}, w.CoopID, []int64{w.Households[0]}, []int64{5000}}, "23514"},
		"append another amount":     {`SELECT append_wages($1, $2, $3, $4)`, []any{[]int64{wage}, w.CoopID, []int64{w.Households[0]}, []int64{9000}}, "23514"},
		"append a draft dividend":   {`SELECT append_dividend($1)`, []any{int64(d.ID)}, "23514"},
		"a wage through the sales'": {`SELECT append_ledger($1, $2, $3, $4, $5, $6, $7, 'wage', NULL, now())`, []any{[]int64{w.Households[0]}, []int64{0}, []int64{0}, []int64{0}, []int64{w.CoopID}, []string{"x"}, []int64{1}}, "23514"},
		"rewrite a wage":            {`UPDATE wages SET amount_fen = 1`, nil, "42501"},
		"rewrite a split":           {`UPDATE dividend_splits SET amount_fen = amount_fen + 1`, nil, "42501"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := app.Exec(ctx, c.q, c.args...)
			var pg *pgconn.PgError
			if !errors.As(err, &pg) || pg.Code != c.code {
				t.Fatalf("%v, want %s", err, c.code)
			}
		})
	}
	w.settle(t)
}

// TestPublicImpactCountsSalesOnly: the public impact page says what
// purchases brought and to how many households, so a household paid only a
// wage adds neither to its sum nor to its count (the office's figures,
// which count every income type, do).
func TestPublicImpactCountsSalesOnly(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.Lot(t, "1000", "2026-01-05", "per_unit", 1000, 1) // all to household 0
	w.sell(t, 40)                                       // ¥1,000 of sales
	if _, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{w.wage(1, 60000)}, nil); err != nil {
		t.Fatal(err)
	}
	reports := report.NewService(w.DB.Pool, w.clk)
	pub, err := reports.Public(ctx, w.clk.Year())
	if err != nil {
		t.Fatal(err)
	}
	if pub.AttributedFen != 100000 || pub.HouseholdsReached != 1 {
		t.Fatalf("public: ¥%d fen to %d households, want 100000 to 1", pub.AttributedFen, pub.HouseholdsReached)
	}
	if len(pub.Counties) != 1 || pub.Counties[0].AttributedFen != 100000 || pub.Counties[0].HouseholdsReached != 1 {
		t.Fatalf("counties: %+v", pub.Counties)
	}
	s, err := reports.Summary(ctx, office, "653224", w.clk.Year())
	if err != nil {
		t.Fatal(err)
	}
	if s.HouseholdsReached != 2 || s.AttributedFen != 160000 {
		t.Fatalf("the office's summary counts every type: %+v", s.Figures)
	}
}
