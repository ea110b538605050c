package shop

import (
	"context"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/web"
)

// ImpactCard is an order's impact as people share it: the sum, the
// households and villages reached, the counties as bars, and a QR code to
// the public receipt.
type ImpactCard struct {
	Impact attribution.Impact
	URL    string        // the public receipt's address
	QR     template.HTML // a QR code of URL
	Chart  template.HTML // the counties reached, as bars
	Card   string        // the SVG card's address (/receipts/{token}.svg)
}

// impactCard builds the card of an order's impact; token is its public
// receipt's.
func (s handlers) impactCard(c *fiber.Ctx, p web.Page, im attribution.Impact, token string) (ImpactCard, error) {
	card := ImpactCard{Impact: im, URL: s.AbsoluteURL("/receipts/" + token), Card: "/receipts/" + token + ".svg"}
	qr, err := web.NewQR(card.URL)
	if err != nil {
		return card, err
	}
	card.QR = qr.SVG(p.T("receipt.qr_alt"))
	ch := web.YuanChart(p, "chart-reached", p.T("receipt.chart"), p.T("receipt.chart_legend"))
	for _, ct := range im.Counties {
		ch.Labels = append(ch.Labels, ct.NameIn(p.Lang))
		ch.Values = append(ch.Values, ct.AmountFen)
		ch.Texts = append(ch.Texts, "¥"+web.YuanValue(ct.AmountFen)+" · "+p.T("impact.households", ct.Households))
	}
	card.Chart = ch.HorizontalBars()
	return card, nil
}

// ReceiptView is an order's public impact receipt; its page checks the
// receipt's ledger proofs in the browser (static/verify.js) from the
// receipt's JSON, fetched with Token.
type ReceiptView struct {
	Card    ImpactCard
	Token   string
	OrderID int64 // the order every proof's entry must name
}

func (s handlers) receipt(c *fiber.Ctx) error {
	token := c.Params("token")
	orderID, im, err := s.impactOf(web.Ctx(c), token)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("receipt.title")
	card, err := s.impactCard(c, p, im, token)
	if err != nil {
		return err
	}
	p.Data = ReceiptView{Card: card, Token: token, OrderID: orderID}
	return s.HTML(c, "shop/receipt", p)
}

// receiptSVG is the receipt as a standalone picture to share.
func (s handlers) receiptSVG(c *fiber.Ctx) error {
	token := c.Params("token")
	_, im, err := s.impactOf(web.Ctx(c), token)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	url := s.AbsoluteURL("/receipts/" + token)
	svg, err := receiptSVG(p, im, url)
	if err != nil {
		return err
	}
	// The picture is in the visitor's language (cookie, else
	// Accept-Language): a cache must keep one per language.
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderVary, "Cookie, Accept-Language")
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	return c.SendString(svg)
}

// impactOf is the impact of the order whose public receipt token is, and
// the order's id.
func (s handlers) impactOf(ctx context.Context, token string) (int64, attribution.Impact, error) {
	id, err := s.Orders.IDByReceipt(ctx, token)
	if err != nil {
		return 0, attribution.Impact{}, err
	}
	im, err := attribution.OrderImpact(ctx, s.DB, id)
	return id, im, err
}
