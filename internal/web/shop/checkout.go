package shop

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// CheckoutView is the checkout form: the cart, the address as typed and
// what is wrong with it.
type CheckoutView struct {
	Cart    web.CartView
	Address order.Address
	Fields  map[string]string
	// ItemErrors are what is wrong with the cart's items (short of stock,
	// no longer on sale), each naming the item.
	ItemErrors []string
	Error      string
	Stripe     bool
	// Method is the payment method checked: the one the buyer chose when
	// the form comes back refused, if the page offers it; else bank
	// transfer.
	Method string
	// Token is the form's own (checkout_once.go): its copies place one order.
	Token string
}

func (s handlers) checkoutPage(c *fiber.Ctx) error {
	return s.renderCheckout(c, auth.RandomToken(16), order.Address{}, order.Manual, nil, nil, "")
}

func (s handlers) renderCheckout(c *fiber.Ctx, token string, addr order.Address, method string, fields map[string]string, itemErrors []string, msg string) error {
	v, err := s.Cart(c)
	if err != nil {
		return err
	}
	if len(v.Items) == 0 {
		return c.Redirect("/cart", fiber.StatusSeeOther)
	}
	p := s.Page(c, "")
	p.Title = p.T("checkout.title")
	if method != order.Stripe || s.Payments == nil {
		method = order.Manual
	}
	if token == "" {
		token = auth.RandomToken(16)
	}
	p.Data = CheckoutView{Cart: v, Address: addr, Fields: fields, ItemErrors: itemErrors, Error: msg, Stripe: s.Payments != nil,
		Method: method, Token: token}
	return s.HTML(c, "shop/checkout", p)
}

func (s handlers) checkout(c *fiber.Ctx) error {
	addr := order.Address{Name: c.FormValue("name"), Phone: c.FormValue("phone"), Province: c.FormValue("province"),
		City: c.FormValue("city"), District: c.FormValue("district"), Detail: c.FormValue("detail")}
	token := checkoutToken(c)
	if to, ok := s.claimCheckout(c, token); !ok {
		return c.Redirect(to, fiber.StatusSeeOther) // another copy of this form placed the order
	}
	placed := false
	defer func() {
		if !placed {
			s.releaseCheckout(c, token)
		}
	}()
	owner := s.CartOwner(c, false)
	items, err := s.Carts.Items(web.Ctx(c), owner)
	if err != nil {
		return err
	}
	req := order.PlaceRequest{ShippingAddress: addr, PaymentMethod: c.FormValue("payment_method", order.Manual)}
	for _, it := range items {
		req.Items = append(req.Items, order.Item{VariantID: it.VariantID, Quantity: it.Quantity})
	}
	o, err := s.Orders.Place(web.Ctx(c), web.ActorOf(c), req)
	if fields, msg, status, ok := web.FormError(s.Page(c, ""), err); ok {
		c.Status(status)
		return s.renderCheckout(c, token, addr, req.PaymentMethod, fields, itemErrors(s.Page(c, ""), fields, items), msg)
	}
	if err != nil {
		return err
	}
	placed = true
	to := s.placedCheckout(c, token, o)
	// The order is placed: whatever becomes of its online payment now, the
	// cart is emptied (another try would place a second order), and the
	// payment step creates the payment again if Stripe could not be reached.
	if _, err := s.StartPayment(web.Ctx(c), o); err != nil {
		s.Log.Warn("could not start the payment of a placed order; the payment step retries", "order", o.ID, "err", err)
	}
	if err := s.Carts.Clear(web.Ctx(c), owner); err != nil {
		s.Log.Warn("could not clear the cart after checkout", "err", err)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// itemErrors names, for each refusal of an item (the order's fields
// "items[i]…" and "variant <id>", messages already in the page's language),
// the cart item it is about.
func itemErrors(p web.Page, fields map[string]string, items []cart.Item) []string {
	label := map[string]string{}
	for i, it := range items {
		name := it.TitleIn(p.Lang) + " " + it.VariantName
		label["variant "+it.VariantID.String()] = name
		for _, f := range []string{"variant_id", "quantity"} {
			label[fmt.Sprintf("items[%d].%s", i, f)] = name
		}
	}
	var out []string
	for k, msg := range fields {
		if strings.HasPrefix(k, "shipping_address.") {
			continue // shown beside its input
		}
		if name, ok := label[k]; ok {
			out = append(out, p.T("checkout.item_error", name, msg))
		} else {
			out = append(out, msg)
		}
	}
	sort.Strings(out)
	return out
}

// stripeCSP extends the site's policy on the one page that loads Stripe.js
// (the only third-party script, only on checkout, only with Stripe).
const stripeCSP = "default-src 'self'; img-src 'self' data: https://*.stripe.com; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; " +
	"connect-src 'self' https://api.stripe.com; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// PayView is the payment step for card, Alipay and WeChat Pay.
type PayView struct {
	Order                                   order.Order
	ClientSecret, PublishableKey, ReturnURL string
}

// pay is the checkout's payment step: Stripe's Payment Element confirms the
// order's PaymentIntent in the page.
func (s handlers) pay(c *fiber.Ctx) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	// Only the buyer pays: a platform administrator reading the order is
	// sent to it, so that their visit neither creates a payment for an
	// order that is not theirs nor shows them its client secret.
	if o.Payment.Provider != order.Stripe || o.Status != order.PendingPayment || s.Payments == nil ||
		int64(o.BuyerID) != web.ActorOf(c).UserID {
		return c.Redirect(fmt.Sprintf("/orders/%d", o.ID), fiber.StatusSeeOther)
	}
	// An order placed while Stripe could not be reached gets its payment now.
	if o, err = s.PaymentSecret(web.Ctx(c), o); err != nil {
		return err
	}
	secret := o.Payment.ClientSecret
	if secret == "" {
		return errs.E(errs.Unavailable, "the payment cannot be started now")
	}
	c.Set("Content-Security-Policy", stripeCSP)
	p := s.Page(c, "")
	p.Title = p.T("pay.title")
	p.Data = PayView{Order: o, ClientSecret: secret, PublishableKey: s.StripePublishableKey,
		ReturnURL: s.AbsoluteURL(fmt.Sprintf("/orders/%d", o.ID))}
	return s.HTML(c, "shop/pay", p)
}
