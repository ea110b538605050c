package org

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/platform/textenc"
	"github.com/fupinmarket/market/internal/web"
)

// maxExportInvoices bounds the export: more paid orders than an
// institution's finance office reconciles in a spreadsheet.
const maxExportInvoices = 20000

// invoicesCSV exports the invoicing of every paid order of the
// organisation's members (newest first), for its finance office: one row
// per order, with its state and the invoice numbers issued (blue, then the
// red-letter ones in a column of their own). Headers and
// states are in the page's language; times in Beijing.
func (s handlers) invoicesCSV(c *fiber.Ctx) error {
	id, err := orgOf(c)
	if err != nil {
		return err
	}
	rows, err := s.Invoices.ForOrg(web.Ctx(c), web.ActorOf(c), id, maxExportInvoices)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	var b strings.Builder
	b.WriteString("\uFEFF")       // Excel opens UTF-8 with a byte-order mark as UTF-8
	w := textenc.NewCSVWriter(&b) // titles are typed by buyers: no cell runs as a formula
	w.Write([]string{p.T("orders.number"), p.T("rpt.col.buyer"), p.T("rpt.org.col.amount_yuan"), p.T("rpt.org.col.paid_at"),
		p.T("invoice.f_title"), p.T("invoice.f_kind"), p.T("rpt.org.col.invoice_state"), p.T("rpt.org.col.invoice_numbers"),
		p.T("rpt.org.col.red_invoice_numbers")})
	for _, r := range rows {
		kind := ""
		if r.Requested {
			kind = p.T("invoice.kind." + r.Kind)
		}
		w.Write([]string{r.Number, r.Buyer, money.Yuan(r.TotalFen), s.Clock.In(r.PaidAt).Format("2006-01-02 15:04"),
			r.Title, kind, InvoiceState(p, r), strings.Join(r.Numbers, " "), strings.Join(r.RedNumbers(), " ")})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Attachment("invoices-" + strconv.FormatInt(id, 10) + ".csv")
	return c.SendString(b.String())
}

// InvoiceState says where an order's invoicing stands: not asked for,
// asked and n of m issued (one per cooperative of the order), a red-letter
// invoice owed (a refund after the invoices), issued, or nothing left to
// invoice (refunded in full before any was issued).
func InvoiceState(p web.Page, r invoice.OrgRow) string {
	switch {
	case !r.Requested:
		return p.T("rpt.org.invoice.none")
	case r.Cooperative == 0:
		return p.T("rpt.org.invoice.nothing")
	case r.Issued < r.Cooperative:
		return p.T("rpt.org.invoice.pending", r.Issued, r.Cooperative)
	case r.RedDue > 0:
		return p.T("rpt.org.invoice.red_due")
	default:
		return p.T("rpt.org.invoice.issued")
	}
}

// InvoiceRow is an order's invoicing as the portal lists it.
type InvoiceRow struct {
	invoice.OrgRow
	State string
}

// invoiceRows are the latest orders' invoicing, times in Beijing.
func (s handlers) invoiceRows(c *fiber.Ctx, p web.Page, orgID int64) ([]InvoiceRow, error) {
	rows, err := s.Invoices.ForOrg(web.Ctx(c), web.ActorOf(c), orgID, portalInvoices)
	if err != nil {
		return nil, err
	}
	out := make([]InvoiceRow, len(rows))
	for i, r := range rows {
		r.PaidAt = s.Clock.In(r.PaidAt)
		out[i] = InvoiceRow{OrgRow: r, State: InvoiceState(p, r)}
	}
	return out, nil
}
