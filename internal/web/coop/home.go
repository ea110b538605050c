package coop

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/web"
)

// HomeView is the portal's first page: what waits on the cooperative
// (orders to ship, households to pay, invoices to issue), this month's
// sales, and its products.
type HomeView struct {
	Products      []catalog.Product
	Saved         bool
	ToShip        int
	OwedFen       int64
	OwedTo        int // households the cooperative owes
	MonthSalesFen int64
	Month         int
	Invoices      int
}

func (s handlers) home(c *fiber.Ctx) error {
	ctx, a := web.Ctx(c), web.ActorOf(c)
	list, err := s.Catalog.ListOwn(ctx, a)
	if err != nil {
		return err
	}
	v := HomeView{Products: list, Saved: c.Query("saved") != "", Month: int(s.Clock.Now().Month())}
	ships, err := s.Orders.CoopShipments(ctx, a)
	if err != nil {
		return err
	}
	for _, sh := range ships {
		if sh.ShippedAt == nil {
			v.ToShip++
		}
	}
	st, err := s.Payouts.Statement(ctx, a, a.CooperativeID)
	if err != nil {
		return err
	}
	for _, b := range st.Balances {
		if b.OwedFen > 0 {
			v.OwedTo++
			v.OwedFen += b.OwedFen
		}
	}
	sales, err := s.Reports.CoopSales(ctx, a, a.CooperativeID, s.Clock.Year())
	if err != nil {
		return err
	}
	if v.Month <= len(sales.ByMonth) {
		v.MonthSalesFen = sales.ByMonth[v.Month-1].SalesFen
	}
	pending, err := s.Invoices.PendingFor(ctx, a)
	if err != nil {
		return err
	}
	v.Invoices = len(pending)
	p := s.Page(c, "")
	p.Title = p.T("coop.title")
	p.Data = v
	return s.HTML(c, "coop/home", p)
}
