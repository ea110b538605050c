package org

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// InvoiceView is the page on which an institution's administrator asks
// for the invoice of a member's order: the order's invoicing so far, and
// the form while none has been asked for. A member's order page stays the
// member's (it holds their address); this page shows none of it.
type InvoiceView struct {
	Order  invoice.OrgRow
	State  string // where its invoicing stands (InvoiceState)
	Form   web.InvoiceForm
	Action string // the form's address
	Back   string // the portal's
}

func (s handlers) invoicePage(c *fiber.Ctx) error {
	orgID, row, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	return s.renderInvoice(c, orgID, row, web.InvoiceForm{RequestInput: invoice.RequestInput{Kind: invoice.Normal}})
}

func (s handlers) renderInvoice(c *fiber.Ctx, orgID int64, row invoice.OrgRow, form web.InvoiceForm) error {
	if form.Errors == nil {
		form.Errors = map[string]string{}
	}
	p := s.Page(c, "")
	p.Title = p.T("rpt.org.invoice_for", row.Number)
	p.Data = InvoiceView{Order: row, State: InvoiceState(p, row), Form: form,
		Action: invoicePath(c, orgID, int64(row.OrderID)), Back: "/org" + orgQuery(c, orgID)}
	return s.HTML(c, "org/invoice", p)
}

// askInvoice asks, for the institution, for the invoice of a member's
// order; refused input shows the page again with the reasons.
func (s handlers) askInvoice(c *fiber.Ctx) error {
	// The order must be the institution's: the request's rules (who may
	// ask) are the invoice service's, the page's scope is this one.
	orgID, row, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	in := invoice.RequestInput{Title: c.FormValue("title"), TaxpayerID: c.FormValue("taxpayer_id"),
		Kind: c.FormValue("kind"), Email: c.FormValue("email")}
	if _, err = s.Invoices.Ask(web.Ctx(c), web.ActorOf(c), int64(row.OrderID), in); err == nil {
		return c.Redirect(invoicePath(c, orgID, int64(row.OrderID)), fiber.StatusSeeOther)
	}
	fields, status, ok := web.FormErrorOr(s.Page(c, ""), err, "form", errs.Invalid, errs.Conflict)
	if !ok {
		return err
	}
	c.Status(status)
	return s.renderInvoice(c, orgID, row, web.InvoiceForm{RequestInput: in, Errors: fields})
}

// requestedOrder is the portal's institution and the path's order (:id)
// among its paid orders.
func (s handlers) requestedOrder(c *fiber.Ctx) (int64, invoice.OrgRow, error) {
	orgID, err := orgOf(c)
	if err != nil {
		return 0, invoice.OrgRow{}, err
	}
	orderID, err := web.OrderID(c)
	if err != nil {
		return 0, invoice.OrgRow{}, err
	}
	row, err := s.Invoices.OrgOrder(web.Ctx(c), web.ActorOf(c), orgID, orderID)
	return orgID, row, err
}

// invoicePath is the invoice page of an order of institution orgID.
func invoicePath(c *fiber.Ctx, orgID, orderID int64) string {
	return fmt.Sprintf("/org/orders/%d/invoice%s", orderID, orgQuery(c, orgID))
}
