package report_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/report"
)

func TestBoardCoverageAndCoopSales(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := paidOrder(t, w, 4) // 10 kg → 10,000 fen, 1:1:2
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3980}}}, nil); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
	svc := report.NewService(w.DB.Pool, clock.Clock{})
	year := clock.Clock{}.Year()
	cov, err := svc.Coverage(ctx, office, "653224", year)
	if err != nil || len(cov) != 1 || cov[0].Households != 3 || cov[0].Reached != 3 || cov[0].Name != "测试村" {
		t.Fatalf("coverage %+v %v", cov, err)
	}
	board, err := svc.ListedBoard(ctx, office, year)
	if err != nil {
		t.Fatal(err)
	}
	// 和田地区 holds five of the ten listed counties.
	if len(board) != 5 {
		t.Fatalf("%d listed counties", len(board))
	}
	var lop *report.ListedCounty
	for i := range board {
		if board[i].Code == "653224" {
			lop = &board[i]
		}
	}
	sum, _ := svc.Summary(ctx, office, "653224", year)
	if lop == nil || lop.AttributedFen != sum.AttributedFen || lop.AttributedFen != 7500 || lop.Households != 3 || len(lop.Villages) != 1 {
		t.Fatalf("洛浦县 on the board %+v, summary %+v", lop, sum.Figures)
	}
	county := auth.Actor{UserID: 9, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653125", OfficeLevel: "county"}
	if b, err := svc.ListedBoard(ctx, county, year); err != nil || len(b) != 1 || b[0].Code != "653125" {
		t.Fatalf("莎车县's board %+v %v", b, err)
	}
	if _, err := svc.ListedBoard(ctx, w.Buyer, year); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a buyer reads the board: %v", err)
	}
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	sales, err := svc.CoopSales(ctx, coopAdmin, w.CoopID, year)
	if err != nil {
		t.Fatal(err)
	}
	var months, hh int64
	for _, m := range sales.ByMonth {
		months += m.AttributedFen
	}
	for _, h := range sales.Households {
		hh += h.YearAttributedFen
		if h.OwedFen != h.AttributedFen-h.PaidFen {
			t.Errorf("owed %+v", h)
		}
	}
	if sales.Orders != 1 || sales.SalesFen != 3*3980 || sales.AttributedFen != 7500 || months != 7500 || hh != 7500 ||
		len(sales.Products) != 1 || sales.Products[0].AttributedFen != 7500 || sales.Products[0].Units != 3 || len(sales.Households) != 3 {
		t.Fatalf("sales %+v", sales)
	}
	if _, err := svc.CoopSales(ctx, county, w.CoopID, year); !errors.Is(err, coop.ErrNotFound) { // to a stranger, it does not exist
		t.Fatalf("another county's office: %v", err)
	}
	if _, err := svc.CoopSales(ctx, office, w.CoopID, year); err != nil {
		t.Fatalf("the prefecture office: %v", err)
	}
}

// TestTownshipOfficeSeesItsPartOfAListedCounty: a township's office sits
// under a county; when that county is listed for supervision, its board
// shows the county with the township's own villages, and none of the
// county's others.
func TestTownshipOfficeSeesItsPartOfAListedCounty(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	paidOrder(t, w, 4)
	var village string
	w.DB.Pool.QueryRow(ctx, `SELECT village_code FROM households WHERE id = $1`, w.Households[0]).Scan(&village)
	svc := report.NewService(w.DB.Pool, clock.Clock{})
	year := clock.Clock{}.Year()
	township := auth.Actor{UserID: 9, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: village[:9], OfficeLevel: "township"}
	board, err := svc.ListedBoard(ctx, township, year)
	if err != nil || len(board) != 1 || board[0].Code != village[:6] || len(board[0].Villages) != 1 ||
		board[0].Villages[0].Code != village || board[0].AttributedFen != 10000 {
		t.Fatalf("the township office's board: %+v %v", board, err)
	}
	other := auth.Actor{UserID: 10, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: village[:6] + "999", OfficeLevel: "township"}
	if b, err := svc.ListedBoard(ctx, other, year); err != nil || len(b) != 1 || len(b[0].Villages) != 0 || b[0].AttributedFen != 0 {
		t.Fatalf("another township's board: %+v %v", b, err)
	}
}
