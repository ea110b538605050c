package site_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// sealedWorld is a test server whose ledger holds two paid orders (one
// partly refunded) sealed in batches of three entries; it returns the
// first order.
func sealedWorld(t *testing.T) (*webtest.Server, *ordertest.World, order.Order) {
	t.Helper()
	ctx := context.Background()
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	var first order.Order
	for i := range 2 {
		o, err := w.Place(t, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = o
		}
	}
	l := first.Lines[0]
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(first.ID), order.RefundRequest{Reason: "少发一箱",
		Lines: []order.RefundLine{{LineID: l.ID, Quantity: 1, AmountFen: l.AmountFen / 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := (ledger.Sealer{DB: s.DB.AppPool(t), Batch: 3}).Seal(ctx); err != nil {
		t.Fatal(err)
	}
	return s, w, first
}

// TestReceiptProofsVerifyIndependently: the public receipt's proofs check
// out against the published seals by a short Python script that uses
// nothing of the service (testdata/verify_receipt.py, hashlib only); the
// same script rejects a receipt whose entry was changed.
func TestReceiptProofsVerifyIndependently(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the independent check of a receipt's proofs cannot run")
	}
	s, w, o := sealedWorld(t)
	visitor := s.Client()
	receipt := visitor.Do("GET", "/api/v1/receipts/"+strings.TrimPrefix(o.ReceiptURL, "/receipts/"), nil)
	seals := visitor.Do("GET", "/api/v1/ledger/seals", nil)
	if receipt.Status != 200 || seals.Status != 200 {
		t.Fatalf("receipt %d, seals %d", receipt.Status, seals.Status)
	}
	var im struct {
		AmountFen int64 `json:"amount_fen"`
		Proofs    []map[string]any
	}
	receipt.JSON(t, &im)
	var entries int
	s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&entries)
	if len(im.Proofs) != entries || entries != 6 || im.AmountFen == 0 {
		t.Fatalf("%d proofs for %d entries: %s", len(im.Proofs), entries, receipt.Body)
	}
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	if own := buyer.Do("GET", "/api/v1/orders/"+o.ID.String()+"/impact", nil); !bytes.Equal(own.Body, receipt.Body) {
		t.Fatalf("the buyer's impact differs from the public receipt:\n%s\n%s", own.Body, receipt.Body)
	}
	check := func(receiptJSON []byte) (string, error) {
		dir := t.TempDir()
		rf, sf := filepath.Join(dir, "receipt.json"), filepath.Join(dir, "seals.json")
		os.WriteFile(rf, receiptJSON, 0o600)
		os.WriteFile(sf, seals.Body, 0o600)
		out, err := exec.Command(python, "testdata/verify_receipt.py", rf, sf).CombinedOutput()
		return string(out), err
	}
	if out, err := check(receipt.Body); err != nil || !strings.HasPrefix(out, "ok: 6 proofs") {
		t.Fatalf("the script rejects the receipt: %v %s", err, out)
	}

	// The ledger changed under the seals: an entry's amount, rewritten by
	// the tables' owner with the append-only trigger switched off.
	tamper(t, w, `UPDATE attribution_entries SET amount_fen = amount_fen + 100
		WHERE id = (SELECT min(id) FROM attribution_entries WHERE order_id = $1)`, int64(o.ID))
	changed := visitor.Do("GET", "/api/v1/receipts/"+strings.TrimPrefix(o.ReceiptURL, "/receipts/"), nil)
	if out, err := check(changed.Body); err == nil || !strings.Contains(out, "is not in seal") {
		t.Fatalf("the script accepts a changed entry: %v %s", err, out)
	}
}

// tamper runs q as the tables' owner with the ledger's append-only
// trigger off, and switches it on again.
func tamper(t *testing.T, w *ordertest.World, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	for _, step := range []string{`ALTER TABLE attribution_entries DISABLE TRIGGER attribution_entries_no_update`, q,
		`ALTER TABLE attribution_entries ENABLE TRIGGER attribution_entries_no_update`} {
		var a []any
		if step == q {
			a = args
		}
		if _, err := w.DB.Pool.Exec(ctx, step, a...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// TestSealsAPIAndPage: the seals page by page, one seal by number, the
// errors of a bad cursor and an unknown seal, and the public page.
func TestSealsAPIAndPage(t *testing.T) {
	s, _, _ := sealedWorld(t)
	c := s.Client()
	var all []json.RawMessage
	cursor := ""
	for pages := 0; ; pages++ {
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		r := c.Do("GET", "/api/v1/ledger/seals?limit=2&cursor="+cursor, nil)
		if r.Status != 200 || pages > 10 {
			t.Fatalf("page %d: %d %s", pages, r.Status, r.Body)
		}
		r.JSON(t, &page)
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	var sealed int
	s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM ledger_seals`).Scan(&sealed)
	if len(all) != sealed || sealed < 3 {
		t.Fatalf("%d seals over the pages, %d sealed", len(all), sealed)
	}
	if one := c.Do("GET", "/api/v1/ledger/seals/2", nil); one.Status != 200 || !bytes.Equal(one.Body, all[1]) {
		t.Fatalf("seal 2: %d %s, listed as %s", one.Status, one.Body, all[1])
	}
	for path, want := range map[string]int{"/api/v1/ledger/seals/999": 404, "/api/v1/ledger/seals/x": 404,
		"/api/v1/ledger/seals?cursor=abc": 400} {
		if r := c.Do("GET", path, nil); r.Status != want {
			t.Errorf("%s: %d, want %d", path, r.Status, want)
		}
	}
	for _, lang := range []string{"zh-CN", "en"} {
		c.Do("GET", "/lang/"+lang+"?next=/", nil)
		page := c.Do("GET", "/ledger", nil)
		want := map[string]string{"zh-CN": "账本封存记录", "en": "the root of a Merkle tree"}[lang]
		if page.Status != 200 || !strings.Contains(string(page.Body), want) || !strings.Contains(string(page.Body), `id="seal-1"`) {
			t.Fatalf("/ledger in %s: %d %s", lang, page.Status, page.Body)
		}
	}
}

// TestBrowserVerifiesAReceipt: in a real browser, the receipt page's
// verify button (static/verify.js, Web Crypto) checks every proof against
// the published seals and says so, with the entries' amounts adding up to
// the receipt's; after an entry is changed in the database, it names it.
func TestBrowserVerifiesAReceipt(t *testing.T) {
	s, w, o := sealedWorld(t)
	tab, _ := startBrowser(t)
	url := s.URL + "/lang/en?next=" + o.ReceiptURL
	var said, entries string
	err := chromedp.Run(tab,
		chromedp.Navigate(url),
		chromedp.WaitVisible(`#ledger-verify button`, chromedp.ByQuery),
		chromedp.Click(`#ledger-verify button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#ledger-verify[data-state="ok"]`, chromedp.ByQuery),
		chromedp.Text(`#ledger-verify .verify-result`, &said, chromedp.ByQuery),
		chromedp.Text(`#ledger-verify .verify-sum`, &entries, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !strings.Contains(said, "all 6 sealed entries") || !strings.Contains(entries, "add up to this receipt's ¥") {
		t.Fatalf("the page says %q / %q", said, entries)
	}
	var changed int64
	s.DB.Pool.QueryRow(context.Background(), `SELECT max(id) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&changed)
	tamper(t, w, `UPDATE attribution_entries SET amount_fen = amount_fen - 1 WHERE id = $1`, changed)
	err = chromedp.Run(tab,
		chromedp.Navigate(url),
		chromedp.WaitVisible(`#ledger-verify button`, chromedp.ByQuery),
		chromedp.Click(`#ledger-verify button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#ledger-verify[data-state="fail"]`, chromedp.ByQuery),
		chromedp.Text(`#ledger-verify .verify-result`, &said, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("verify after the change: %v", err)
	}
	if !strings.Contains(said, fmt.Sprintf("Entry %d does not match", changed)) {
		t.Fatalf("after the change the page says %q", said)
	}
}

// TestBrowserRefusesAPaddedReceipt: proofs that hold against the seals
// but are not this receipt's own (another order's sealed entry, or one of
// its entries given twice) would pad the sum the page shows; the browser's
// check refuses them and names the entry. The padding is done where a
// dishonest server would do it, in the receipt's JSON, by wrapping fetch.
func TestBrowserRefusesAPaddedReceipt(t *testing.T) {
	s, _, o := sealedWorld(t)
	var other string
	s.DB.Pool.QueryRow(context.Background(), `SELECT receipt_token FROM orders WHERE id <> $1 AND status = 'paid'`, int64(o.ID)).Scan(&other)
	var foreign int64
	s.DB.Pool.QueryRow(context.Background(), `SELECT min(id) FROM attribution_entries WHERE order_id <> $1`, int64(o.ID)).Scan(&foreign)
	var first int64
	s.DB.Pool.QueryRow(context.Background(), `SELECT min(id) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&first)
	if other == "" || foreign == 0 || first == 0 {
		t.Fatal("the sealed world has no second paid order")
	}
	pad := map[string]string{
		"another order's entry": `fetch("/api/v1/receipts/` + other + `").then(function (r) { return r.json(); })
			.then(function (o) { j.proofs.push(o.proofs[0]); return j; })`,
		"an entry twice": `Promise.resolve(j).then(function (j) { j.proofs.push(j.proofs[0]); return j; })`,
	}
	want := map[string]string{
		"another order's entry": fmt.Sprintf("Entry %d is not an entry of order %d", foreign, o.ID),
		"an entry twice":        fmt.Sprintf("Entry %d is given twice", first),
	}
	for name, padding := range pad {
		t.Run(name, func(t *testing.T) {
			tab, _ := startBrowser(t)
			wrap := `(function () {
				var real = window.fetch;
				window.fetch = function (url, opts) {
					var r = real(url, opts);
					if (String(url).indexOf("/api/v1/receipts/` + o.ReceiptToken + `") < 0) return r;
					return r.then(function (resp) { return resp.json(); }).then(function (j) {
						return ` + padding + `;
					}).then(function (j) { return new Response(JSON.stringify(j), { headers: { "Content-Type": "application/json" } }); });
				};
			})();`
			var said string
			err := chromedp.Run(tab,
				chromedp.ActionFunc(func(ctx context.Context) error {
					_, err := cdppage.AddScriptToEvaluateOnNewDocument(wrap).Do(ctx)
					return err
				}),
				chromedp.Navigate(s.URL+"/lang/en?next="+o.ReceiptURL),
				chromedp.WaitVisible(`#ledger-verify button`, chromedp.ByQuery),
				chromedp.Click(`#ledger-verify button`, chromedp.ByQuery),
				chromedp.WaitVisible(`#ledger-verify[data-state="fail"]`, chromedp.ByQuery),
				chromedp.Text(`#ledger-verify .verify-result`, &said, chromedp.ByQuery),
			)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if !strings.Contains(said, want[name]) {
				t.Fatalf("the page says %q, want %q", said, want[name])
			}
		})
	}
}
