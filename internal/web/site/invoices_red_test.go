package site_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order"
)

// TestRedLetterInvoiceOverHTTP: an institution's order invoiced by its
// cooperative, then refunded ¥10.00 of its line. The API answers each
// invoice's kind and amount; a red-letter invoice is refused with 409 on the
// kind field while none is owed; after the refund the co-op's orders page
// lists the red-letter invoice owed (¥10.00) with a form that issues it, the
// buyer's order page and API say it is owed, and once issued it is
// downloadable beside the blue one on the order page, the portal and the
// export. Page text is asserted on structure (catalog keys may be missing).
func TestRedLetterInvoiceOverHTTP(t *testing.T) {
	o := newOrgWorld(t)
	ord := o.paid(t, 1)
	path := fmt.Sprintf("/api/v1/orders/%d/invoices", ord.ID)
	ask := map[string]any{"title": "和田地区机关食堂", "kind": "normal", "email": "cw@example.com"}
	if res := o.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/invoice-request", ord.ID), ask); res.Status != 201 {
		t.Fatalf("ask: %d %s", res.Status, res.Body)
	}
	type inv struct {
		ID        string `json:"id"`
		Number    string `json:"number"`
		Kind      string `json:"kind"`
		AmountFen int64  `json:"amount_fen"`
		URL       string `json:"url"`
	}
	var blue inv
	res := rptUpload(t, o.s, o.coop, path, samplePDF, map[string]string{"number": "B-0001"})
	if res.Status != 201 {
		t.Fatalf("issue: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &blue)
	if blue.Kind != "blue" || blue.AmountFen != ord.TotalFen {
		t.Fatalf("blue invoice %+v, want kind blue of %d fen", blue, ord.TotalFen)
	}
	res = rptUpload(t, o.s, o.coop, path, samplePDF, map[string]string{"number": "R-0001", "kind": "red"})
	if res.Status != 409 || errorFields(t, res)["kind"] == "" {
		t.Errorf("a red-letter invoice nothing calls for: %d %s", res.Status, res.Body)
	}
	if res := rptUpload(t, o.s, o.coop, path, samplePDF, map[string]string{"number": "R-0001", "kind": "green"}); res.Status != 422 {
		t.Errorf("kind green: %d %s", res.Status, res.Body)
	}

	line := ord.Lines[0]
	if _, err := o.w.Svc.Refund(context.Background(), o.w.Admin, int64(ord.ID),
		order.RefundRequest{Reason: "破损", Lines: []order.RefundLine{{LineID: line.ID, AmountFen: 1000}}}, nil); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Invoices  []inv `json:"invoices"`
		RedDueFen int64 `json:"red_due_fen"`
	}
	o.buyer.Do("GET", path, nil).JSON(t, &st)
	if st.RedDueFen != 1000 || len(st.Invoices) != 1 {
		t.Errorf("after the refund: %+v, want 1000 fen of red-letter invoice owed", st)
	}
	rptHas(t, "order page", o.buyer.Do("GET", fmt.Sprintf("/orders/%d", ord.ID), nil).Body, `data-red-due="1000"`)
	queue := o.coop.Do("GET", "/coop/orders", nil)
	form := regexp.MustCompile(fmt.Sprintf(`(?s)data-red-due="1000">.*?action="/coop/orders/%d/invoice".*?name="kind" value="red"`, ord.ID))
	if queue.Status != 200 || !form.Match(queue.Body) {
		t.Fatalf("the co-op's orders page offers no red-letter invoice of ¥10.00: %d\n%s", queue.Status, queue.Body)
	}

	res = rptUpload(t, o.s, o.coop, fmt.Sprintf("/coop/orders/%d/invoice", ord.ID), samplePDF, map[string]string{"number": "R-0001", "kind": "red"})
	if res.Status != 303 && res.Status != 200 {
		t.Fatalf("issue the red-letter invoice from the page: %d %s", res.Status, res.Body)
	}
	st.Invoices = nil
	o.buyer.Do("GET", path, nil).JSON(t, &st)
	if st.RedDueFen != 0 || len(st.Invoices) != 2 || st.Invoices[1].Kind != "red" || st.Invoices[1].AmountFen != 1000 || st.Invoices[1].Number != "R-0001" {
		t.Fatalf("after the red-letter invoice: %+v", st)
	}
	red := st.Invoices[1]
	if r := o.buyer.Do("GET", red.URL, nil); r.Status != 200 || string(r.Body) != string(samplePDF) {
		t.Errorf("the buyer downloads the red-letter invoice: %d", r.Status)
	}
	if bytesHas(o.coop.Do("GET", "/coop/orders", nil).Body, `data-red-due=`) {
		t.Error("the co-op's page still lists a red-letter invoice owed")
	}
	res = rptUpload(t, o.s, o.coop, path, samplePDF, map[string]string{"number": "R-0002", "kind": "red"})
	if res.Status != 409 || errorFields(t, res)["kind"] == "" {
		t.Errorf("a second red-letter invoice: %d %s", res.Status, res.Body)
	}
	page := o.buyer.Do("GET", fmt.Sprintf("/orders/%d", ord.ID), nil).Body
	rptHas(t, "order page", page, `data-kind="red"><a class="button" href="`+red.URL+`"`, "R-0001 −¥10.00", `href="`+blue.URL+`"`)
	if bytesHas(page, `data-red-due=`) {
		t.Error("the order page still says a red-letter invoice is owed")
	}
	rptHas(t, "portal", o.buyer.Do("GET", "/org", nil).Body, `href="`+red.URL+`" data-kind="red"`, `href="`+blue.URL+`" data-kind="blue"`)
	res = o.buyer.Do("GET", "/org/invoices.csv", nil)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(res.Body), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows[1:] {
		if r[0] == ord.Number {
			found = len(r) == 9 && r[7] == "B-0001" && r[8] == "R-0001"
		}
	}
	if !found {
		t.Errorf("export: %q, want the blue number then the red one", rows)
	}
}

func bytesHas(b []byte, s string) bool { return strings.Contains(string(b), s) }
