package payout_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/clock"
)

// TestTownshipOfficeSeesWhatIsOwedToItsHouseholds: cooperatives register in
// a county, so a township's office has none of its own; it sees those that
// owe its households, with what they owe them, and another township of
// the county sees none of it.
func TestTownshipOfficeSeesWhatIsOwedToItsHouseholds(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	w.Paid(t, 1, "T")
	var village string
	w.DB.Pool.QueryRow(ctx, `SELECT village_code FROM households WHERE id = $1`, w.Households[0]).Scan(&village)
	pay := payout.NewService(w.DB.AppPool(t), clock.Clock{})
	county := auth.Actor{UserID: 8, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: village[:6], OfficeLevel: "county"}
	byCounty, err := pay.OwedByCoop(ctx, county)
	if err != nil || len(byCounty) != 1 || byCounty[0].OwedFen <= 0 {
		t.Fatalf("the county office: %+v %v", byCounty, err)
	}
	township := auth.Actor{UserID: 9, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: village[:9], OfficeLevel: "township"}
	got, err := pay.OwedByCoop(ctx, township)
	if err != nil || len(got) != 1 || got[0].ID != byCounty[0].ID || got[0].OwedFen != byCounty[0].OwedFen {
		t.Errorf("the township office: %+v %v, want the co-op owing %d", got, err, byCounty[0].OwedFen)
	}
	other := auth.Actor{UserID: 10, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: village[:6] + "999", OfficeLevel: "township"}
	if got, err := pay.OwedByCoop(ctx, other); err != nil || len(got) != 0 {
		t.Errorf("another township: %+v %v, want nothing", got, err)
	}
}
