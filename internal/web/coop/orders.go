package coop

import (
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	cooperative "github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web"
)

// Carriers are the express companies a cooperative picks from when it
// ships (快递公司); "other" lets it type another.
var Carriers = []string{"中国邮政 EMS", "顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "申通快递", "极兔速递", "德邦快递"}

// OrdersView is what the cooperative has to ship and has shipped, the
// invoices it has been asked for, and its shipping terms.
type OrdersView struct {
	ToShip, Shipped []order.CoopShipment
	Invoices        []invoice.Pending
	Shipping        cooperative.ShippingTerms
	Done            template.HTML // the order just shipped, with carrier and number (isolated left to right)
	Issued          string        // the invoice just issued
	Errors          map[string]string
	Alerts          []OrderAlert // refusals of invoice forms no longer on the page (orphanErrors)
	// Typed is what a refused shipping form held (shown again instead of
	// the stored terms); nil otherwise.
	Typed *ShippingTyped
	// Numbers are the invoice numbers typed in a refused invoice form, by
	// order id (the PDF must be chosen again; the number need not be).
	Numbers map[string]string
}

// ShippingTyped is the shipping form as typed, in yuan.
type ShippingTyped struct{ Flat, FreeFrom string }

func (s handlers) orders(c *fiber.Ctx) error {
	return s.renderOrders(c, nil, nil, nil)
}

func (s handlers) renderOrders(c *fiber.Ctx, errors map[string]string, typed *ShippingTyped, numbers map[string]string) error {
	ctx, a, p := web.Ctx(c), web.ActorOf(c), s.Page(c, "")
	list, err := s.Orders.CoopShipments(ctx, a)
	if err != nil {
		return err
	}
	terms, err := s.Coops.Shipping(ctx, a, a.CooperativeID)
	if err != nil {
		return err
	}
	pending, err := s.Invoices.PendingFor(ctx, a)
	if err != nil {
		return err
	}
	v := OrdersView{Shipping: terms, Invoices: pending, Issued: c.Query("issued"), Errors: errors, Typed: typed, Numbers: numbers}
	for _, sh := range list {
		if sh.ShippedAt == nil {
			v.ToShip = append(v.ToShip, sh)
			continue
		}
		v.Shipped = append(v.Shipped, sh)
		if sh.OrderID.String() == c.Query("shipped") { // the order just shipped, said from what was stored
			v.Done = web.LTR(sh.OrderNumber) + template.HTML(" · "+template.HTMLEscapeString(p.CarrierName(sh.Carrier))+" ") + web.LTR(sh.TrackingNo)
		}
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	v.Alerts = orphanErrors(v.Errors, pending, func(id int64) string {
		number, _ := s.Invoices.OrderNumber(ctx, a, id) // none when the actor may not see the order
		return number
	})
	p.Title = p.T("coop.orders")
	p.Data = v
	return s.HTML(c, "coop/orders", p)
}

// orphanErrors are the refusals of invoice forms no longer on the page: the
// order left the queue (refunded, or issued from another tab) between the
// page's opening and its form's sending. Each is said at the page's top
// after the order's number, since its form, where it would show, is gone.
func orphanErrors(errors map[string]string, pending []invoice.Pending, numberOf func(orderID int64) string) []OrderAlert {
	shown := map[string]bool{}
	for _, p := range pending {
		shown[p.OrderID.String()] = true
	}
	var out []OrderAlert
	for key, msg := range errors {
		id, _, ok := strings.Cut(key, ".")
		if !ok || shown[id] {
			continue
		}
		orderID, err := strconv.ParseInt(id, 10, 64)
		if err != nil { // not an order's field ("ship.flat_yuan")
			continue
		}
		out = append(out, OrderAlert{OrderNumber: numberOf(orderID), Message: msg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OrderNumber+out[i].Message < out[j].OrderNumber+out[j].Message })
	return out
}

// OrderAlert is a refusal about an order whose form is no longer shown.
type OrderAlert struct{ OrderNumber, Message string }

// ShipView is the one screen of shipping an order: what to pack, where to,
// the carrier and the tracking number.
type ShipView struct {
	Shipment                 order.CoopShipment
	Carriers                 []string
	Carrier, Other, Tracking string
	Errors                   map[string]string
}

func (s handlers) shipPage(c *fiber.Ctx) error {
	return s.renderShip(c, ShipView{Errors: map[string]string{}})
}

func (s handlers) renderShip(c *fiber.Ctx, v ShipView) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	if v.Shipment, err = s.Orders.CoopShipment(web.Ctx(c), web.ActorOf(c), id); err != nil {
		return err
	}
	v.Carriers = Carriers
	p := s.Page(c, "")
	p.Title = p.T("coop.ship_title", v.Shipment.OrderNumber)
	p.Data = v
	return s.HTML(c, "coop/ship", p)
}

func (s handlers) ship(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	v := ShipView{Carrier: c.FormValue("carrier"), Other: strings.TrimSpace(c.FormValue("carrier_other")),
		Tracking: c.FormValue("tracking_no"), Errors: map[string]string{}}
	carrier := v.Carrier
	if carrier == "other" {
		carrier = v.Other
	}
	o, err := s.Orders.Ship(web.Ctx(c), web.ActorOf(c), id, order.ShipRequest{Carrier: carrier, TrackingNo: v.Tracking})
	if err == nil {
		return c.Redirect("/coop/orders?shipped="+o.ID.String(), fiber.StatusSeeOther)
	}
	p := s.Page(c, "")
	fields, status, ok := web.FormErrorOr(p, err, "form", errs.Invalid, errs.Conflict)
	if !ok {
		return err
	}
	v.Errors = fields
	c.Status(status)
	return s.renderShip(c, v)
}

// issueInvoice takes the cooperative's invoice of an order: number and PDF,
// and kind (red for the red-letter invoice a refund made it owe; its amount
// is the server's).
func (s handlers) issueInvoice(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	pdf, err := web.FileUpload(c, "file", invoice.MaxPDFBytes)
	if err == nil {
		var inv invoice.Invoice
		if inv, err = s.Invoices.IssueKind(web.Ctx(c), web.ActorOf(c), id, c.FormValue("kind"), c.FormValue("number"), pdf); err == nil {
			return c.Redirect("/coop/orders?issued="+url.QueryEscape(inv.Number)+"#invoices", fiber.StatusSeeOther)
		}
	}
	p := s.Page(c, "")
	fields, status, ok := web.FormErrorOr(p, err, "file", errs.Invalid, errs.Conflict, errs.TooLarge)
	if !ok {
		return err
	}
	errors := map[string]string{}
	for k, m := range fields {
		errors[ids.ID(id).String()+"."+k] = m
	}
	c.Status(status)
	return s.renderOrders(c, errors, nil, map[string]string{ids.ID(id).String(): c.FormValue("number")})
}

// saveShipping is the shipping form of the orders page (amounts in yuan).
// A refusal shows the page again, the form with what was typed and each
// field's message in the page's language.
func (s handlers) saveShipping(c *fiber.Ctx) error {
	a, p := web.ActorOf(c), s.Page(c, "")
	typedFlat, typedFree := c.FormValue("flat_yuan"), strings.TrimSpace(c.FormValue("free_from_yuan"))
	errors := map[string]string{}
	t := cooperative.ShippingTerms{FlatFen: web.YuanField(p, errors, "ship.flat_yuan", typedFlat)}
	if typedFree != "" {
		free := web.YuanField(p, errors, "ship.free_from_yuan", typedFree)
		t.FreeFromFen = &free
	}
	if len(errors) == 0 {
		_, err := s.Coops.SetShipping(web.Ctx(c), a, a.CooperativeID, t)
		if err == nil {
			return c.Redirect("/coop/orders", fiber.StatusSeeOther)
		}
		fields, _, ok := web.FormErrorOr(p, err, "form")
		if !ok {
			return err
		}
		for domain, page := range map[string]string{"flat_fen": "flat_yuan", "free_from_fen": "free_from_yuan", "form": "form"} {
			if m, ok := fields[domain]; ok {
				errors["ship."+page] = m
			}
		}
		// The domain's one rule for the fee is its range, in fen ("between 0
		// and 100000"): the form is typed in yuan, so it says the range in yuan.
		if _, ok := fields["flat_fen"]; ok {
			errors["ship.flat_yuan"] = p.T("coop.flat_fee_range")
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderOrders(c, errors, &ShippingTyped{Flat: typedFlat, FreeFrom: typedFree}, nil)
}
