package org

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
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
	return s.renderInvoice(c, web.InvoiceForm{RequestInput: invoice.RequestInput{Kind: invoice.Normal}})
}

func (s handlers) renderInvoice(c *fiber.Ctx, form web.InvoiceForm) error {
	row, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	orderID := int64(row.OrderID)
	if form.Errors == nil {
		form.Errors = map[string]string{}
	}
	p := s.Page(c, "")
	p.Title = p.T("rpt.org.invoice_for", row.Number)
	q := orgQuery(c)
	p.Data = InvoiceView{Order: row, State: InvoiceState(p, row), Form: form,
		Action: fmt.Sprintf("/org/orders/%d/invoice%s", orderID, q), Back: "/org" + q}
	return s.HTML(c, "org/invoice", p)
}

// askInvoice asks, for the institution, for the invoice of a member's
// order; refused input shows the page again with the reasons.
func (s handlers) askInvoice(c *fiber.Ctx) error {
	// The order must be the institution's: the request's rules (who may
	// ask) are the invoice service's, the page's scope is this one.
	row, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	orderID := int64(row.OrderID)
	in := invoice.RequestInput{Title: c.FormValue("title"), TaxpayerID: c.FormValue("taxpayer_id"),
		Kind: c.FormValue("kind"), Email: c.FormValue("email")}
	if _, err = s.Invoices.Ask(web.Ctx(c), web.ActorOf(c), orderID, in); err == nil {
		return c.Redirect(fmt.Sprintf("/org/orders/%d/invoice%s", orderID, orgQuery(c)), fiber.StatusSeeOther)
	}
	fields, status, ok := web.FormErrorOr(s.Page(c, ""), err, "form", errs.Invalid, errs.Conflict)
	if !ok {
		return err
	}
	c.Status(status)
	return s.renderInvoice(c, web.InvoiceForm{RequestInput: in, Errors: fields})
}

// requestedOrder is the path's order (:id) among the paid orders of the
// portal's institution.
func (s handlers) requestedOrder(c *fiber.Ctx) (invoice.OrgRow, error) {
	orgID, err := orgOf(c)
	if err != nil {
		return invoice.OrgRow{}, err
	}
	orderID, err := web.OrderID(c)
	if err != nil {
		return invoice.OrgRow{}, err
	}
	return s.Invoices.OrgOrder(web.Ctx(c), web.ActorOf(c), orgID, orderID)
}

// orgQuery is "?org=…" for a platform administrator's portal, else "".
func orgQuery(c *fiber.Ctx) string {
	if v := c.Query("org", c.FormValue("org")); v != "" {
		if _, ok := ids.Parse(v); ok {
			return "?org=" + v
		}
	}
	return ""
}
