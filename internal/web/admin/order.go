package admin

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// OrderView is an order as the administrator handles it: its lines, each
// with a refund form, and the refunds made in the Stripe dashboard that
// await recording, each with its own form.
type OrderView struct {
	Order    order.Order
	External []ExternalRefundView
	Error    string // a refusal no pending refund's form can show
	// Reasons are the refused fields' reasons under Error, for the forms
	// of the lines and the shipping, which keep no state of their own.
	Reasons []string
}

// ExternalRefundView is one pending external refund with its recording
// form, holding what was sent and why it was refused when it was.
type ExternalRefundView struct {
	order.ExternalRefund
	Message     string
	Reason      string
	ReasonError string
	LinesError  string
	Lines       []ExternalLineView
	// Shipping is the shipping fee the refund returned, in yuan as typed.
	Shipping, ShippingError string
}

// ExternalLineView is one order line in an external refund's form.
type ExternalLineView struct {
	order.Line
	LeftQty             int   // units not refunded yet
	LeftFen             int64 // amount not refunded yet
	Qty, Yuan           string
	QtyError, YuanError string
}

// refundForm is what an administrator sent to record one external refund,
// with what is wrong with it: raw domain reasons keyed "reason", "lines",
// "shipping_yuan", "<line id>.quantity" and "<line id>.amount_yuan",
// translated when shown.
type refundForm struct {
	RefundID string
	Reason   string
	Qty      map[ids.ID]string
	Yuan     map[ids.ID]string
	Shipping string
	Fields   map[string]string
	SentFen  int64 // what the sent lines and shipping add up to
}

func (s handlers) order(c *fiber.Ctx) error {
	return s.renderOrder(c, refundForm{}, "")
}

// renderOrder shows the order page; the pending refund f was sent for, if
// any, gets f back with its errors and message in the page's language.
func (s handlers) renderOrder(c *fiber.Ctx, f refundForm, message string) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	pending, err := s.Orders.ExternalRefundsOf(web.Ctx(c), web.ActorOf(c), int64(o.ID))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("order.title", o.Number)
	v := OrderView{Order: o}
	for _, x := range pending {
		ev := ExternalRefundView{ExternalRefund: x, Reason: p.T("admin.ext.reason_default"), Lines: lineViews(o)}
		if x.RefundID == f.RefundID {
			// Shown in the refused form, not atop the page.
			ev.Message, message = web.TrMsg(p, message), ""
			f.fill(p, &ev, o.RefundableShippingFen())
		}
		v.External = append(v.External, ev)
	}
	v.Error = web.TrMsg(p, message)
	if f.RefundID == "" {
		v.Reasons = reasons(p, f.Fields)
	}
	p.Data = v
	return s.HTML(c, "admin/order", p)
}

// reasons are a refusal's field reasons in the page's language, in the
// order of their fields. An amount's bound the domain counts in fen ("must
// be between 0 and 3980") is said in yuan, as the forms are typed.
func reasons(p web.Page, fields map[string]string) []string {
	keys := slices.Sorted(maps.Keys(fields))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		var most int64
		if strings.HasSuffix(k, "_fen") {
			if n, _ := fmt.Sscanf(fields[k], "must be between 0 and %d", &most); n == 1 {
				out = append(out, p.T("admin.ext.amount_max", money.Yuan(most)))
				continue
			}
		}
		out = append(out, web.TrMsg(p, fields[k]))
	}
	return out
}

// lineViews are the order's lines in a blank form: nothing to refund.
func lineViews(o order.Order) []ExternalLineView {
	out := make([]ExternalLineView, 0, len(o.Lines))
	for _, l := range o.Lines {
		out = append(out, ExternalLineView{Line: l, Qty: "0", LeftQty: l.Quantity - l.RefundedQuantity,
			LeftFen: l.AmountFen - l.RefundedFen})
	}
	return out
}

// fill puts what f sent back into its form v, with the reasons it was
// refused.
func (f refundForm) fill(p web.Page, v *ExternalRefundView, refundableShipping int64) {
	v.Reason, v.ReasonError = f.Reason, web.TrMsg(p, f.Fields["reason"])
	v.Shipping = f.Shipping
	if r := f.Fields["shipping_yuan"]; r != "" {
		v.ShippingError = web.TrMsg(p, r)
		if strings.HasPrefix(r, "must be between") { // the domain counts fen; the form yuan
			v.ShippingError = p.T("admin.ext.amount_max", money.Yuan(refundableShipping))
		}
	}
	if r := f.Fields["lines"]; r != "" {
		v.LinesError = web.TrMsg(p, r)
		if f.SentFen != v.AmountFen { // the domain's reason counts fen; the form yuan
			v.LinesError = p.T("admin.ext.sum", money.Yuan(v.AmountFen), money.Yuan(f.SentFen))
		}
	}
	for i := range v.Lines {
		l := &v.Lines[i]
		key := l.ID.String()
		l.Qty, l.Yuan = f.Qty[l.ID], f.Yuan[l.ID]
		l.QtyError = web.TrMsg(p, f.Fields[key+".quantity"])
		if r := f.Fields[key+".amount_yuan"]; r != "" {
			l.YuanError = web.TrMsg(p, r)
			if strings.HasPrefix(r, "must be between") { // the domain counts fen; the form yuan
				l.YuanError = p.T("admin.ext.amount_max", money.Yuan(l.LeftFen))
			}
		}
	}
}
