package office

// Views maps each of the portal's templates to its view model; a test
// renders every page with it (site.TestEveryPageRendersWithItsViewModel).
func Views() map[string]any {
	return map[string]any{
		"office/dashboard": DashboardView{}, "office/listed": ListedView{}, "office/income": IncomeView{},
		"office/households": HouseholdsView{}, "office/household": HouseholdView{}, "office/import": ImportView{},
		"office/village": VillageView{}, "office/coops": CoopsView{}, "office/certs": CertsView{},
	}
}
