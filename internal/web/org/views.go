package org

// Views maps each of the portal's templates to its view model; a test
// renders every page with it (site.TestEveryPageRendersWithItsViewModel).
func Views() map[string]any {
	return map[string]any{"org/portal": PortalView{}, "org/new": NewView{}, "org/invoice": InvoiceView{}}
}
