package site_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/catalog/catalogtest"
)

// TestShippingARefundedOrderSaysWhy: the platform refunds an order while its
// cooperative has the ship page open. Sending it is refused, and the
// cooperative is told why, in its language, on the ship page (409), not
// shown "order not found"; opening the ship page again says there is
// nothing to send and offers no form.
func TestShippingARefundedOrderSaysWhy(t *testing.T) {
	r := newRptWorld(t)
	ctx := context.Background()
	for _, c := range []struct {
		lang, refused, nothingLeft string
	}{
		{"ug", "زاكاز ھالىتى «پۇلى قايتۇرۇلدى»، يۈك ئەۋەتكىلى بولمايدۇ", "بۇ يۈكتىكى ھەممە مەھسۇلاتنىڭ پۇلى قايتۇرۇلدى"},
		{"zh-CN", "订单状态为“已退款”，不能发货", "该包裹的商品已全部退款"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			o := r.paid(t, 1)
			r.coop.Header.Set("Accept-Language", c.lang)
			shipPath := fmt.Sprintf("/coop/orders/%d/ship", o.ID)
			if page := r.coop.Do("GET", shipPath, nil); page.Status != 200 {
				t.Fatalf("the ship page before the refund: %d", page.Status)
			}
			if _, err := r.w.Svc.Refund(ctx, r.w.Admin, int64(o.ID), o.WholeRefund("缺货"), nil); err != nil {
				t.Fatal(err)
			}
			res := r.coop.Do("POST", shipPath, url.Values{"carrier": {"顺丰速运"}, "tracking_no": {"SF1234567890"}})
			if res.Status != 409 || !strings.Contains(strings.Join(shownErrors(res.Body), " | "), c.refused) {
				t.Errorf("shipping after the refund: %d %q, want 409 saying %q", res.Status, shownErrors(res.Body), c.refused)
			}
			page := r.coop.Do("GET", shipPath, nil)
			if page.Status != 200 || !strings.Contains(strings.Join(shownErrors(page.Body), " | "), c.nothingLeft) {
				t.Errorf("the ship page after the refund: %d %q, want it to say nothing is left to send", page.Status, shownErrors(page.Body))
			}
			if strings.Contains(string(page.Body), `action="`+shipPath+`"`) {
				t.Error("the ship page after the refund still offers to send the order")
			}
			var shipped bool
			r.s.DB.Pool.QueryRow(ctx, `SELECT shipped_at IS NOT NULL FROM shipments WHERE order_id = $1`, int64(o.ID)).Scan(&shipped)
			if shipped {
				t.Error("the refunded shipment was marked sent")
			}
		})
	}
	// An order not paid is still not found.
	o, err := r.w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res := r.coop.Do("GET", fmt.Sprintf("/coop/orders/%d/ship", o.ID), nil); res.Status != 404 {
		t.Errorf("the ship page of an unpaid order: %d, want 404", res.Status)
	}
}

// TestRefusedPictureSaysWhyBesideItsDescription: a picture whose
// description is refused (a direction control pasted with Uyghur text, or
// too long) answered 422 with no message at all: the page showed errors of
// the file only. The reason now shows beside the description, in the
// page's language, with the description as typed.
func TestRefusedPictureSaysWhyBesideItsDescription(t *testing.T) {
	r := newRptWorld(t)
	path := fmt.Sprintf("/coop/products/%d/images", r.w.ProductID)
	for _, c := range []struct {
		lang, alt, want, typedBack string
	}{
		{"ug", "\u202bقىزىل چىلان", "يېزىق يۆنىلىشىنى ئۆزگەرتىدىغان كونترول ھەرپلىرى بولسا بولمايدۇ", "قىزىل چىلان"},
		{"zh-CN", strings.Repeat("枣", 121), "最多 120 个字符", strings.Repeat("枣", 121)},
	} {
		t.Run(c.lang, func(t *testing.T) {
			r.coop.Header.Set("Accept-Language", c.lang)
			res := rptUpload(t, r.s, r.coop, path, pngBytes(64, 64), map[string]string{"alt": c.alt})
			if res.Status != 422 || !strings.Contains(strings.Join(shownErrors(res.Body), " | "), c.want) {
				t.Errorf("a refused description: %d %q, want 422 saying %q", res.Status, shownErrors(res.Body), c.want)
			}
			if !strings.Contains(string(res.Body), c.typedBack+`"`) {
				t.Error("the description typed is gone from the form")
			}
		})
	}
}

// TestRefusedInvoiceKeepsItsNumber: an invoice refused on the orders page
// (here its file is not a PDF) showed the form again with the number field
// empty: the co-op admin, on a phone, typed the 8- to 20-digit number again.
// It is kept, and the reason names the field.
func TestRefusedInvoiceKeepsItsNumber(t *testing.T) {
	o := newOrgWorld(t)
	ord := o.paid(t, 1)
	ask := map[string]any{"title": "和田地区机关食堂", "kind": "normal", "email": "cw@example.com"}
	if res := o.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/invoice-request", ord.ID), ask); res.Status != 201 {
		t.Fatalf("ask: %d %s", res.Status, res.Body)
	}
	o.coop.Header.Set("Accept-Language", "ug")
	res := rptUpload(t, o.s, o.coop, fmt.Sprintf("/coop/orders/%d/invoice", ord.ID), []byte("not a pdf"),
		map[string]string{"number": "04400123456789"})
	if res.Status != 422 || len(shownErrors(res.Body)) == 0 {
		t.Fatalf("an invoice whose file is not a PDF: %d %q, want 422 with its reason", res.Status, shownErrors(res.Body))
	}
	if !strings.Contains(string(res.Body), `value="04400123456789"`) {
		t.Error("the invoice number typed is gone from the refused form")
	}
}

// TestLotForAnArchivedProductKeepsWhatWasTyped: a lot refused because its
// product was archived meanwhile went to the error page, and every
// household's quantity typed was lost. The form comes back (409) as typed,
// with the reason in the page's language.
func TestLotForAnArchivedProductKeepsWhatWasTyped(t *testing.T) {
	r := newRptWorld(t)
	if _, err := r.s.DB.Pool.Exec(context.Background(), `UPDATE products SET status = 'archived' WHERE id = $1`, r.w.ProductID); err != nil {
		t.Fatal(err)
	}
	for _, h := range r.w.Households[:2] {
		catalogtest.Member(t, r.s.DB.Pool, r.w.CoopID, h)
	}
	r.coop.Header.Set("Accept-Language", "zh-CN")
	h1, h2 := fmt.Sprint(r.w.Households[0]), fmt.Sprint(r.w.Households[1])
	res := r.coop.Do("POST", fmt.Sprintf("/coop/products/%d/lots", r.w.ProductID), url.Values{"received_on": {"2026-01-05"},
		"quantity": {"20.5"}, "kind": {"per_unit"}, "fen_per_unit": {"12.50"}, "q_" + h1: {"8"}, "q_" + h2: {"12.5"}})
	if res.Status != 409 || !strings.Contains(strings.Join(shownErrors(res.Body), " | "), "商品已下架，请先改为草稿或在售再录入批次") {
		t.Errorf("a lot of an archived product: %d %q, want 409 with the form and its reason", res.Status, shownErrors(res.Body))
	}
	for _, typed := range []string{`value="20.5"`, `value="12.50"`, `name="q_` + h1 + `" inputmode="decimal" size="8" value="8"`,
		`name="q_` + h2 + `" inputmode="decimal" size="8" value="12.5"`} {
		if !strings.Contains(string(res.Body), typed) {
			t.Errorf("the refused lot's form lacks %s", typed)
		}
	}
}
