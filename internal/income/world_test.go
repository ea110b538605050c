package income_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// world is the order tests' world (a cooperative of 洛浦县 with three
// households of 4 members, baseline ¥3,500 a person) whose households are
// members, with the income service running as the service's role.
type world struct {
	*ordertest.World
	svc   *income.Service
	admin auth.Actor // the cooperative's administrator
	clk   clock.Clock
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{World: ordertest.New(t, order.Config{Feed: &feed.Outbox{}})}
	for _, hh := range w.Households {
		ordertest.Exec(t, w.DB, `INSERT INTO cooperative_members (cooperative_id, household_id) VALUES ($1, $2) RETURNING household_id`,
			w.CoopID, hh)
	}
	w.svc = income.NewService(w.DB.AppPool(t), w.clk, &feed.Outbox{})
	w.admin = auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	return w
}

// wage is a valid wage of today for household i.
func (w *world) wage(i int, fen int64) income.WageInput {
	return income.WageInput{HouseholdID: ids.ID(w.Households[i]), WorkFrom: w.clk.Today(), Kind: "sorting",
		AmountFen: fen, PaidOn: w.clk.Today()}
}

// sell pays an order of boxes (2.5 kg each) by bank transfer.
func (w *world) sell(t *testing.T, boxes int) order.Order {
	t.Helper()
	ctx := context.Background()
	o, err := w.Place(t, boxes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	if o, err = w.Svc.Get(ctx, w.Admin, int64(o.ID)); err != nil {
		t.Fatal(err)
	}
	return o
}

// settle applies the rollup queue and checks every invariant.
func (w *world) settle(t *testing.T) {
	t.Helper()
	if err := attribution.ApplyPending(context.Background(), w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
}

// count runs a count query.
func (w *world) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := w.DB.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// setShares gives household i shares and assets.
func (w *world) setShares(t *testing.T, i int, shares, assets int64) {
	t.Helper()
	if _, err := w.svc.SetShares(context.Background(), w.admin, w.CoopID, w.Households[i],
		income.SharesInput{Shares: shares, AssetsFen: assets}); err != nil {
		t.Fatal(err)
	}
}

func asErr(err error, e **errs.Error) bool { return errors.As(err, e) }
