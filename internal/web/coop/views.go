package coop

// Views maps each of the portal's templates to its view model; a test
// renders every page with it (site.TestEveryPageRendersWithItsViewModel).
func Views() map[string]any {
	return map[string]any{
		"coop/home": HomeView{}, "coop/product": ProductView{}, "coop/lot": LotView{},
		"coop/orders": OrdersView{}, "coop/ship": ShipView{}, "coop/sales": SalesView{}, "coop/payouts": PayoutsView{},
		"coop/wages": WagesView{}, "coop/dividends": DividendsView{}, "coop/dividend": DividendView{}, "coop/shares": SharesView{},
	}
}
