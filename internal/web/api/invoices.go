package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/web"
)

// askInvoice records the buyer's (or their institution's) invoice request.
func (s handlers) askInvoice(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	var in invoice.RequestInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	r, err := s.Invoices.Ask(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// issueInvoice takes a cooperative's invoice: multipart `number` and `file`
// (the PDF), and `kind`: blue (the default) or red, the red-letter invoice
// owed since a refund (its amount is the server's).
func (s handlers) issueInvoice(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	pdf, err := web.FileUpload(c, "file", invoice.MaxPDFBytes)
	if err != nil {
		return err
	}
	inv, err := s.Invoices.IssueKind(web.Ctx(c), web.ActorOf(c), id, c.FormValue("kind"), c.FormValue("number"), pdf)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(inv)
}

func (s handlers) invoices(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	st, err := s.Invoices.Of(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(st)
}

func (s handlers) invoicePDF(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	inv, err := web.PathID(c, "invoice", "invoice not found")
	if err != nil {
		return err
	}
	number, pdf, err := s.Invoices.PDF(web.Ctx(c), web.ActorOf(c), id, inv)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Attachment("invoice-" + number + ".pdf")
	c.Type("pdf")
	return c.Send(pdf)
}
