package invoice_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestIssuedInvoiceIsMailedToTheRequestsAddress: the address the buyer's
// request gave (the institution's finance office) gets each invoice its
// cooperatives issue, the PDF attached, as an electronic invoice is
// delivered; an issue refused mails nothing.
func TestIssuedInvoiceIsMailedToTheRequestsAddress(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	svc := invoice.NewService(w.DB.Pool)
	coop := coopAdmin(t, w, "coop@coop.test", w.CoopID)
	first, second := invoicedOrder(t, w, svc, w.VariantID), invoicedOrder(t, w, svc, w.VariantID)
	pdf := append(append([]byte{}, samplePDF...), "12345678"...)
	inv, err := svc.Issue(ctx, coop, int64(first.ID), "12345678", pdf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Issue(ctx, coop, int64(second.ID), "12345678", samplePDF); err == nil {
		t.Fatal("the number again was not refused")
	}
	rows, err := w.DB.Pool.Query(ctx, `SELECT recipient, subject, body, attachment_name, attachment_type, attachment FROM mail_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		var to, subject, body, name, typ string
		var data []byte
		if err := rows.Scan(&to, &subject, &body, &name, &typ, &data); err != nil {
			t.Fatal(err)
		}
		if to != "finance@example.gov.cn" || !strings.Contains(subject, inv.Number) || !strings.Contains(subject, first.Number) ||
			!strings.Contains(body, "¥") || name != "invoice-12345678.pdf" || typ != "application/pdf" || !bytes.Equal(data, pdf) {
			t.Errorf("mail: to %s, subject %q, file %s %s (%d bytes)\n%s", to, subject, name, typ, len(data), body)
		}
	}
	if n != 1 {
		t.Errorf("%d mails queued, want 1 (the refused issue mails nothing)", n)
	}
}
