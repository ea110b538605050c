package shop

// Views maps each of the shop's templates to its view model; a test renders
// every page with it (site.TestEveryPageRendersWithItsViewModel).
func Views() map[string]any {
	return map[string]any{
		"shop/home": HomeView{}, "shop/region": RegionView{}, "shop/category": CategoryView{},
		"shop/search": SearchView{}, "shop/product": ProductView{}, "shop/trace": TraceView{},
		"shop/impact": ImpactView{}, "shop/login": LoginView{}, "shop/register": RegisterView{},
		"shop/cart": CartView{}, "shop/checkout": CheckoutView{}, "shop/pay": PayView{},
		"shop/orders": OrdersView{}, "shop/order": OrderView{}, "shop/receipt": ReceiptView{},
		"shop/ledger": LedgerView{},
	}
}
