package admin

// Views maps each of the administration templates to its view model; a
// test renders every page with it (site.TestEveryPageRendersWithItsViewModel).
func Views() map[string]any {
	return map[string]any{"admin/home": HomeView{}, "admin/payments": PaymentsView{}, "admin/order": OrderView{},
		"admin/feed": FeedView{}}
}
