// Package order holds carts, checkout with FIFO lot allocation, payments,
// the order lifecycle and refunds. Marking an order paid writes its
// attribution entries in the same transaction (package attribution).
package order

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// Status is an order's place in its lifecycle.
type Status string

const (
	PendingPayment    Status = "pending_payment"
	Paid              Status = "paid"
	Shipped           Status = "shipped"
	Delivered         Status = "delivered"
	Completed         Status = "completed"
	Cancelled         Status = "cancelled"
	Refunded          Status = "refunded"
	PartiallyRefunded Status = "partially_refunded"
)

// Payment methods.
const (
	Manual = "manual"
	Stripe = "stripe"
)

// Item is one requested variant and quantity.
type Item struct {
	VariantID ids.ID `json:"variant_id"`
	Quantity  int    `json:"quantity"`
}

// Address is a Chinese shipping address.
type Address struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Province string `json:"province"`
	City     string `json:"city"`
	District string `json:"district"`
	Detail   string `json:"detail"`
}

// PlaceRequest is what checkout sends.
type PlaceRequest struct {
	Items           []Item  `json:"items"`
	ShippingAddress Address `json:"shipping_address"`
	PaymentMethod   string  `json:"payment_method"`
}

var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// Validate checks the request's shape, lines of at most maxQty units; stock
// and the buyer's holdings are checked in the transaction.
func (r *PlaceRequest) Validate(methods []string, maxQty int) error {
	f := errs.FieldErrors{}
	if len(r.Items) == 0 {
		f.Add("items", "must list at least one item")
	}
	if len(r.Items) > 50 {
		f.Add("items", "at most 50 items per order")
	}
	for i, it := range r.Items {
		if it.VariantID <= 0 {
			f.Add(itemField(i, "variant_id"), "is required")
		}
		if it.Quantity < 1 || it.Quantity > maxQty {
			f.Add(itemField(i, "quantity"), fmt.Sprintf("must be between 1 and %d", maxQty))
		}
	}
	a := &r.ShippingAddress
	for _, p := range []*string{&a.Name, &a.Phone, &a.Province, &a.City, &a.District, &a.Detail} {
		*p = strings.TrimSpace(*p)
	}
	check := func(field, v string, max int) {
		if v == "" {
			f.Add("shipping_address."+field, "is required")
		} else if utf8.RuneCountInString(v) > max {
			f.Add("shipping_address."+field, "is too long")
		} else if msg := text.Problem(v, false); msg != "" {
			f.Add("shipping_address."+field, msg)
		}
	}
	check("name", a.Name, 32)
	check("province", a.Province, 16)
	check("city", a.City, 32)
	check("district", a.District, 32)
	check("detail", a.Detail, 120)
	if !mobile.MatchString(a.Phone) {
		f.Add("shipping_address.phone", "must be an 11-digit mainland mobile number")
	}
	ok := false
	for _, m := range methods {
		ok = ok || m == r.PaymentMethod
	}
	if !ok {
		f.Add("payment_method", "must be one of "+strings.Join(methods, ", "))
	}
	return f.Err("the order is not valid")
}

func itemField(i int, name string) string {
	return "items[" + itoa(i) + "]." + name
}

// Line is one variant of an order.
type Line struct {
	ID               ids.ID `json:"id"`
	VariantID        ids.ID `json:"variant_id"`
	ProductID        ids.ID `json:"product_id"`
	CooperativeID    ids.ID `json:"cooperative_id"`
	Title            string `json:"title"`
	VariantName      string `json:"variant_name"`
	Quantity         int    `json:"quantity"`
	UnitPriceFen     int64  `json:"unit_price_fen"`
	AmountFen        int64  `json:"amount_fen"`
	RefundedQuantity int    `json:"refunded_quantity"`
	RefundedFen      int64  `json:"refunded_fen"`
	ShipmentID       ids.ID `json:"shipment_id"`
	// Names is the product's title as sold in every language it had then
	// (Title is the Chinese); a line written before they were kept has
	// only the Chinese.
	Names text.Names `json:"names"`
}

// TitleIn is the line's title as sold, in lang; Chinese when the product
// had none in lang.
func (l Line) TitleIn(lang string) string {
	return text.Names{Zh: l.Title, Ug: l.Names.Ug, En: l.Names.En}.In(lang)
}

// Shipment is the part of an order one cooperative sends.
type Shipment struct {
	ID            ids.ID     `json:"id"`
	CooperativeID ids.ID     `json:"cooperative_id"`
	ShippingFen   int64      `json:"shipping_fen"`
	Carrier       string     `json:"carrier"`
	TrackingNo    string     `json:"tracking_no"`
	ShippedAt     *time.Time `json:"shipped_at"`
}

// Payment tells the buyer how to pay.
type Payment struct {
	Provider     string        `json:"provider"`
	Status       string        `json:"status"`
	Reference    string        `json:"reference,omitempty"`
	ClientSecret string        `json:"client_secret,omitempty"`
	Instructions *Instructions `json:"instructions,omitempty"`
}

// Instructions are the bank-transfer details of a manual payment.
type Instructions struct {
	Payee     string `json:"payee"`
	Bank      string `json:"bank"`
	Account   string `json:"account"`
	Reference string `json:"reference"`
	AmountFen int64  `json:"amount_fen"`
}

// Order is an order as its buyer sees it.
type Order struct {
	ID              ids.ID     `json:"id"`
	Number          string     `json:"number"`
	BuyerID         ids.ID     `json:"buyer_id"`
	Status          Status     `json:"status"`
	ItemsFen        int64      `json:"items_fen"`
	ShippingFen     int64      `json:"shipping_fen"`
	TotalFen        int64      `json:"total_fen"`
	RefundedFen     int64      `json:"refunded_fen"`
	Lines           []Line     `json:"lines"`
	Shipments       []Shipment `json:"shipments"`
	Payment         Payment    `json:"payment"`
	ShippingAddress Address    `json:"shipping_address"`
	ExpiresAt       time.Time  `json:"expires_at"`
	PaidAt          *time.Time `json:"paid_at"`
	DeliveredAt     *time.Time `json:"delivered_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	ReceiptToken    string     `json:"-"`
	ReceiptURL      string     `json:"receipt_url"`
	PaymentIntentID string     `json:"-"`
}

// RefundableFen is what of the payment has not been refunded, when the
// payment arrived (0 before it did).
func (o Order) RefundableFen() int64 {
	if o.Payment.Status != "succeeded" {
		return 0
	}
	return o.TotalFen - o.RefundedFen
}

// WholeRefund is the refund of everything not refunded yet: what is left of
// each line and of the shipping.
func (o Order) WholeRefund(reason string) RefundRequest {
	req := RefundRequest{Reason: reason, ShippingFen: o.RefundableShippingFen()}
	for _, l := range o.Lines {
		if qty, fen := l.Quantity-l.RefundedQuantity, l.AmountFen-l.RefundedFen; qty > 0 || fen > 0 {
			req.Lines = append(req.Lines, RefundLine{LineID: l.ID, Quantity: qty, AmountFen: fen})
		}
	}
	return req
}

// RefundableShippingFen is the part of the shipping fee not refunded yet:
// refunded_fen holds the lines' refunds and the shipping's.
func (o Order) RefundableShippingFen() int64 {
	shippingRefunded := o.RefundedFen
	for _, l := range o.Lines {
		shippingRefunded -= l.RefundedFen
	}
	return o.ShippingFen - shippingRefunded
}

// AwaitsDelivery reports whether the buyer may confirm receipt: the order
// is shipped, or partially refunded with every shipment that still holds
// goods sent (at least one), and not yet delivered (awaitsDelivery in SQL).
func (o Order) AwaitsDelivery() bool {
	if o.Status == Shipped {
		return true
	}
	if o.Status != PartiallyRefunded || o.DeliveredAt != nil {
		return false
	}
	holdsGoods := map[ids.ID]bool{}
	for _, l := range o.Lines {
		if l.RefundedQuantity < l.Quantity {
			holdsGoods[l.ShipmentID] = true
		}
	}
	sent := false
	for _, sh := range o.Shipments {
		if sh.ShippedAt == nil && holdsGoods[sh.ID] {
			return false
		}
		sent = sent || sh.ShippedAt != nil
	}
	return sent
}

func itoa(i int) string { return strconv.Itoa(i) }
