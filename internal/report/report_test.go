package report_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/report"
)

func paidOrder(t *testing.T, w *ordertest.World, qty int) order.Order {
	t.Helper()
	o, err := w.Place(t, qty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	if o, err = w.Svc.Get(context.Background(), w.Admin, int64(o.ID)); err != nil {
		t.Fatal(err)
	}
	return o
}

var office = auth.Actor{UserID: 1, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653200", OfficeLevel: "prefecture"}

func TestRollupsEqualTheLedger(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	// Baseline 3,500 yuan per person, 4 members: 2,000 yuan of gain (500 per
	// person) lifts a household to the 4,000 poverty line.
	w.Lot(t, "1000", "2026-09-01", "per_unit", 8000, 1, 1, 2) // ¥80.00 per kg
	year := 2026
	o := paidOrder(t, w, 40) // 100 kg → 800,000 fen to households 1:1:2
	w.Audit(t)
	svc := report.NewService(w.DB.Pool, clock.Clock{})
	s, err := svc.Summary(ctx, office, "653200", year)
	if err != nil {
		t.Fatal(err)
	}
	if s.AttributedFen != 800000 || s.HouseholdsReached != 3 || s.MembersReached != 12 || s.CrossedPovertyLine != 3 || s.CrossedMonitoringLine != 0 {
		t.Fatalf("summary %+v", s.Figures)
	}
	if len(s.Children) == 0 || s.Children[0].Code != "653224" || s.Children[0].AttributedFen != 800000 {
		t.Fatalf("children %+v", s.Children[:1])
	}
	if _, err := svc.Summary(ctx, auth.Actor{UserID: 2, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653125", OfficeLevel: "county"}, "653200", year); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("another county's office: %v", err)
	}
	// A refund, a payout and a household's size change must all keep I6.
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 4, AmountFen: 4 * 3980}}}, nil); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	pay := payout.NewService(w.DB.Pool, clock.Clock{})
	if err := pay.Record(ctx, coopAdmin, w.CoopID, []payout.Input{{HouseholdID: ids.ID(w.Households[0]), AmountFen: 30000, PaidOn: "2026-10-01", Method: "bank_transfer"}}, nil); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
	if _, err := w.DB.Pool.Exec(ctx, `UPDATE households SET members = 6 WHERE id = $1`, w.Households[2]); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
	if _, err := w.DB.Pool.Exec(ctx, `INSERT INTO poverty_lines (province_code, year, poverty_line_fen, monitoring_line_fen) VALUES ('650000', 2026, 420000, 640000)`); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
	st, err := pay.Statement(ctx, coopAdmin, w.CoopID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range st.Balances {
		if b.OwedFen != b.AttributedFen-b.PaidFen {
			t.Errorf("owed %d ≠ %d − %d", b.OwedFen, b.AttributedFen, b.PaidFen)
		}
	}
	s2, _ := svc.Summary(ctx, office, "653200", year)
	if s2.PaidOutFen != 30000 || s2.OwedFen != s2.AttributedFen-30000 || s2.AttributedFen != 720000 {
		t.Fatalf("after refund and payout %+v", s2.Figures)
	}
	var n int
	if err := svc.EachHousehold(ctx, office, "653224", year, func(report.HouseholdRow) error { n++; return nil }); err != nil || n != 3 {
		t.Fatalf("export streamed %d rows (%v)", n, err)
	}
}

func TestPayoutValidation(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	paidOrder(t, w, 2) // 5,000 fen to household 0
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	pay := payout.NewService(w.DB.Pool, clock.Clock{})
	tests := []struct {
		name  string
		in    payout.Input
		field string
	}{
		{"negative", payout.Input{HouseholdID: ids.ID(w.Households[0]), AmountFen: -1, PaidOn: "2026-10-01", Method: "cash"}, "payouts[0].amount_fen"},
		{"more than owed", payout.Input{HouseholdID: ids.ID(w.Households[0]), AmountFen: 5001, PaidOn: "2026-10-01", Method: "cash"}, "payouts[0].amount_fen"},
		{"unknown household", payout.Input{HouseholdID: 999999, AmountFen: 100, PaidOn: "2026-10-01", Method: "cash"}, "payouts[0].household_id"},
		{"future date", payout.Input{HouseholdID: ids.ID(w.Households[0]), AmountFen: 100, PaidOn: "2999-01-01", Method: "cash"}, "payouts[0].paid_on"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := pay.Record(ctx, coopAdmin, w.CoopID, []payout.Input{tc.in}, nil)
			var e *errs.Error
			if !errs.Is(err, errs.Invalid) || !asErr(err, &e) || e.Fields[tc.field] == "" || !e.Unprocessable {
				t.Fatalf("err = %v", err)
			}
		})
	}
	other := auth.Actor{UserID: 5, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID + 1}
	if err := pay.Record(ctx, other, w.CoopID, []payout.Input{{HouseholdID: ids.ID(w.Households[0]), AmountFen: 1, PaidOn: "2026-10-01", Method: "cash"}}, nil); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("another coop: %v", err)
	}
}

func TestBuyerOrgProgressAfterRefund(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1)
	orgs := buyerorg.NewService(w.DB.Pool)
	org, err := orgs.Create(ctx, w.Buyer, buyerorg.Org{Name: "和田地区教育局工会", Kind: "union", PublicRanking: true})
	if err != nil {
		t.Fatal(err)
	}
	admin := w.Buyer
	admin.Roles = append(admin.Roles, auth.RoleBuyerOrgAdmin)
	admin.BuyerOrgID = int64(org.ID)
	if _, err := orgs.SetTarget(ctx, admin, int64(org.ID), 2026, buyerorg.Target{TargetFen: 1000000}); err != nil {
		t.Fatal(err)
	}
	o := paidOrder(t, w, 10) // 39,800 fen, free shipping
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退一箱",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3980}}}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := orgs.Progress(ctx, admin, int64(org.ID), 2026)
	if err != nil {
		t.Fatal(err)
	}
	if p.TargetFen != 1000000 || p.PurchasedFen != 39800 || p.RefundedFen != 3980 || p.NetFen != 35820 {
		t.Fatalf("progress %+v", p)
	}
	var sum int64
	for _, m := range p.ByMonth {
		sum += m.PurchasedFen
	}
	if sum != p.NetFen {
		t.Fatalf("months sum to %d, net %d", sum, p.NetFen)
	}
	if _, err := orgs.Progress(ctx, w.Buyer, int64(org.ID)+1, 2026); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("another org's progress: %v", err)
	}
	rank, err := report.NewService(w.DB.Pool, clock.Clock{}).OrgRanking(ctx, 2026, 10)
	if err != nil || len(rank) != 1 || rank[0].PurchasedFen != 35820 {
		t.Fatalf("ranking %+v %v", rank, err)
	}
}

func asErr(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestPayoutCountsQueuedEntries: what a cooperative owes a household
// includes the ledger entries still queued for the rollups, so a refund
// that is only queued already lowers what may be paid out. The queue's rows
// are held by another transaction, so the payout's own settling gives up
// (after its lock timeout) and the balance is read with the queue.
func TestPayoutCountsQueuedEntries(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	o := paidOrder(t, w, 2) // 5,000 fen to household 0
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	l := o.Lines[0]
	refund := order.RefundRequest{Reason: "破损", Lines: []order.RefundLine{{LineID: l.ID, Quantity: 1, AmountFen: l.UnitPriceFen}}}
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), refund, nil); err != nil {
		t.Fatal(err)
	}
	holder, err := w.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	var held int
	if err := holder.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM rollup_pending FOR UPDATE) q`).Scan(&held); err != nil || held != 1 {
		t.Fatalf("holding the queue: %d rows, %v", held, err)
	}
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	pay := payout.NewService(w.DB.Pool, clock.Clock{})
	in := payout.Input{HouseholdID: ids.ID(w.Households[0]), AmountFen: 2501, PaidOn: "2026-10-01", Method: "cash"}
	var e *errs.Error
	if err := pay.Record(ctx, coopAdmin, w.CoopID, []payout.Input{in}, nil); !asErr(err, &e) || e.Fields["payouts[0].amount_fen"] == "" {
		t.Fatalf("paying out what the queued refund took back: %v", err)
	}
	in.AmountFen = 2500
	if err := pay.Record(ctx, coopAdmin, w.CoopID, []payout.Input{in}, nil); err != nil {
		t.Fatalf("paying out what is owed: %v", err)
	}
	holder.Rollback(ctx)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	var owed int64
	if err := w.DB.Pool.QueryRow(ctx, `SELECT attributed_fen - paid_fen FROM coop_household_balance
		WHERE cooperative_id = $1 AND household_id = $2`, w.CoopID, w.Households[0]).Scan(&owed); err != nil || owed != 0 {
		t.Fatalf("owed after the payout: %d, %v", owed, err)
	}
	w.Audit(t)
}
