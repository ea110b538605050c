package site_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// samplePDF is the smallest file the service takes as a PDF.
var samplePDF = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// invoiceWorld is a paid order of the ordertest world behind a server, with
// its buyer, its cooperative's admin, another buyer, another cooperative's
// admin and a platform admin signed in.
type invoiceWorld struct {
	s                             *webtest.Server
	orderID                       int64
	buyer, coop, other, otherCoop *webtest.Client
	admin, anon                   *webtest.Client
}

func newInvoiceWorld(t *testing.T) *invoiceWorld {
	t.Helper()
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := w.Paid(t, 1, "REF")
	other := ordertest.Exec(t, s.DB, `INSERT INTO cooperatives (name, credit_code, county_code, status)
		VALUES ('皮山县核桃合作社', '93653223MA8C22223X', '653223', 'approved') RETURNING id`)
	s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	s.CreateUser("other-coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: other})
	s.CreateUser("other@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
	iw := &invoiceWorld{s: s, orderID: int64(o.ID), anon: s.Client()}
	iw.buyer, _ = s.Login("buyer@example.com", ordertest.Password)
	iw.coop, _ = s.Login("coop@coop.test", ordertest.Password)
	iw.otherCoop, _ = s.Login("other-coop@coop.test", ordertest.Password)
	iw.other, _ = s.Login("other@example.com", ordertest.Password)
	iw.admin, _ = s.Login("admin@example.com", ordertest.Password)
	return iw
}

func (iw *invoiceWorld) path(suffix string) string {
	return fmt.Sprintf("/api/v1/orders/%d%s", iw.orderID, suffix)
}

// TestInvoiceFlowOverHTTP: request → issue with PDF → download, and who may
// do each.
func TestInvoiceFlowOverHTTP(t *testing.T) {
	iw := newInvoiceWorld(t)
	ask := map[string]any{"title": "和田地区机关事务管理局", "taxpayer_id": "11653200MB1234567X", "kind": "special", "email": "finance@example.gov.cn"}
	t.Run("only the buyer asks, once, with a valid request", func(t *testing.T) {
		for name, c := range map[string]*webtest.Client{"another buyer": iw.other, "the cooperative": iw.coop} {
			if r := c.Do("POST", iw.path("/invoice-request"), ask); r.Status != 404 && r.Status != 403 {
				t.Errorf("%s asks: %d %s", name, r.Status, r.Body)
			}
		}
		if r := iw.anon.Do("POST", iw.path("/invoice-request"), ask); r.Status != 401 {
			t.Errorf("a visitor asks: %d", r.Status)
		}
		bad := map[string]any{"title": "", "kind": "special", "email": "not-mail"}
		r := iw.buyer.Do("POST", iw.path("/invoice-request"), bad)
		if r.Status != 422 || !fieldsHave(t, r, "title", "taxpayer_id", "email") {
			t.Errorf("a bad request: %d %s", r.Status, r.Body)
		}
		flipped := map[string]any{"title": "和田地区\u202E管理局", "kind": "normal", "email": "finance@example.gov.cn"}
		if r := iw.buyer.Do("POST", iw.path("/invoice-request"), flipped); r.Status != 422 || errorFields(t, r)["title"] != text.BidiControlMessage {
			t.Errorf("a title with a bidi control: %d %s", r.Status, r.Body)
		}
		if r := iw.buyer.Do("POST", iw.path("/invoice-request"), ask); r.Status != 201 {
			t.Fatalf("ask: %d %s", r.Status, r.Body)
		}
		if r := iw.buyer.Do("POST", iw.path("/invoice-request"), ask); r.Status != 409 {
			t.Errorf("asked twice: %d", r.Status)
		}
	})
	var issued struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	t.Run("only the order's cooperative issues, with a PDF", func(t *testing.T) {
		if r := rptUpload(t, iw.s, iw.otherCoop, iw.path("/invoices"), samplePDF, map[string]string{"number": "12345678"}); r.Status != 404 {
			t.Errorf("another cooperative issues: %d %s", r.Status, r.Body)
		}
		if r := rptUpload(t, iw.s, iw.coop, iw.path("/invoices"), []byte("GIF89a not a pdf"), map[string]string{"number": "12345678"}); r.Status != 422 {
			t.Errorf("not a PDF: %d %s", r.Status, r.Body)
		}
		r := rptUpload(t, iw.s, iw.coop, iw.path("/invoices"), samplePDF, map[string]string{"number": "12345678"})
		if r.Status != 201 {
			t.Fatalf("issue: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &issued)
		if r := rptUpload(t, iw.s, iw.coop, iw.path("/invoices"), samplePDF, map[string]string{"number": "12345679"}); r.Status != 409 {
			t.Errorf("issued twice: %d", r.Status)
		}
	})
	t.Run("the buyer, the cooperative and an admin download it; others cannot", func(t *testing.T) {
		for name, c := range map[string]*webtest.Client{"buyer": iw.buyer, "cooperative": iw.coop, "admin": iw.admin} {
			r := c.Do("GET", issued.URL, nil)
			if r.Status != 200 || string(r.Body) != string(samplePDF) || r.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("%s downloads: %d %q", name, r.Status, r.Header.Get("Content-Type"))
			}
		}
		for name, c := range map[string]*webtest.Client{"another buyer": iw.other, "another cooperative": iw.otherCoop} {
			if r := c.Do("GET", issued.URL, nil); r.Status != 404 {
				t.Errorf("%s downloads: %d", name, r.Status)
			}
			if r := c.Do("GET", iw.path("/invoices"), nil); r.Status != 404 {
				t.Errorf("%s reads the invoicing: %d", name, r.Status)
			}
		}
		var st struct {
			Request  *struct{ Kind string } `json:"request"`
			Invoices []struct{ Number string }
		}
		iw.buyer.Do("GET", iw.path("/invoices"), nil).JSON(t, &st)
		if st.Request == nil || st.Request.Kind != "special" || len(st.Invoices) != 1 || st.Invoices[0].Number != "12345678" {
			t.Errorf("state %+v", st)
		}
	})
}

// fieldsHave reports whether an error answer names every field.
func fieldsHave(t *testing.T, r *webtest.Response, fields ...string) bool {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	for _, f := range fields {
		if e.Error.Fields[f] == "" {
			return false
		}
	}
	return true
}

// TestInvoiceNumberRepeatedOverHTTP: a number the cooperative has already
// issued, typed on another order's invoice, is refused with 409 on the
// number field, by the API and by the co-op's orders page (the message
// next to that order's number input), and nothing is written.
func TestInvoiceNumberRepeatedOverHTTP(t *testing.T) {
	ctx := context.Background()
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	var orders []int64
	for range 2 {
		o, err := w.Place(t, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
			t.Fatal(err)
		}
		orders = append(orders, int64(o.ID))
	}
	s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	coop, _ := s.Login("coop@coop.test", ordertest.Password)
	ask := map[string]any{"title": "和田地区机关事务管理局", "kind": "normal", "email": "finance@example.gov.cn"}
	for _, id := range orders {
		if r := buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/invoice-request", id), ask); r.Status != 201 {
			t.Fatalf("ask: %d %s", r.Status, r.Body)
		}
	}
	number := map[string]string{"number": "12345678"}
	if r := rptUpload(t, s, coop, fmt.Sprintf("/api/v1/orders/%d/invoices", orders[0]), samplePDF, number); r.Status != 201 {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	r := rptUpload(t, s, coop, fmt.Sprintf("/api/v1/orders/%d/invoices", orders[1]), samplePDF, number)
	if r.Status != 409 || errorFields(t, r)["number"] == "" {
		t.Errorf("the number again through the API: %d %s", r.Status, r.Body)
	}
	r = rptUpload(t, s, coop, fmt.Sprintf("/coop/orders/%d/invoice", orders[1]), samplePDF, number)
	next := regexp.MustCompile(fmt.Sprintf(`id="no%d" name="number"[^>]*>\s*<p class="field-error"[^>]*>[^<]+</p>`, orders[1]))
	if r.Status != 409 || !next.Match(r.Body) {
		t.Errorf("the number again on the co-op's page: %d, no message at the number\n%s", r.Status, r.Body)
	}
	var n int
	s.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE order_id = $1`, orders[1]).Scan(&n)
	if n != 0 {
		t.Errorf("%d invoices written for the refused number", n)
	}
}

// A co-op's orders page opened before the order left its invoice queue (a
// refund in full): issuing from it is refused, and the page it shows again
// says why at its top, naming the order, since the order's form is gone.
func TestStaleInvoiceFormSaysWhyItWasRefused(t *testing.T) {
	ctx := context.Background()
	iw := newInvoiceWorld(t)
	ask := map[string]any{"title": "和田地区机关事务管理局", "kind": "normal", "email": "finance@example.gov.cn"}
	if r := iw.buyer.Do("POST", iw.path("/invoice-request"), ask); r.Status != 201 {
		t.Fatalf("ask: %d %s", r.Status, r.Body)
	}
	var number string
	var lineID, amount, shipping int64
	var qty int
	iw.s.DB.Pool.QueryRow(ctx, `SELECT o.number, o.shipping_fen, l.id, l.quantity, l.amount_fen
		FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.id = $1`, iw.orderID).Scan(&number, &shipping, &lineID, &qty, &amount)
	refund := map[string]any{"reason": "damaged", "shipping_fen": shipping,
		"lines": []map[string]any{{"line_id": lineID, "quantity": qty, "amount_fen": amount}}}
	if r := iw.admin.Do("POST", iw.path("/refunds"), refund); r.Status >= 300 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	r := rptUpload(t, iw.s, iw.coop, fmt.Sprintf("/coop/orders/%d/invoice", iw.orderID), samplePDF, map[string]string{"number": "87654321"})
	alert := regexp.MustCompile(`<p class="error" role="alert"><bdi dir="ltr">` + regexp.QuoteMeta(number) + `</bdi>: [^<]+</p>`)
	if r.Status != 409 || !alert.Match(r.Body) {
		t.Errorf("issuing from a stale page: %d, want 409 and an alert naming order %s\n%s", r.Status, number, r.Body)
	}
}
