package site_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestBrowserInvoiceFlow: in the browser, the buyer asks for a 发票 on the
// order page, the cooperative issues it with its PDF on its orders page,
// and the buyer downloads it; another buyer cannot.
func TestBrowserInvoiceFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser")
	}
	iw := newInvoiceWorld(t)
	buyer, newProfile := startBrowser(t)
	orderPage := fmt.Sprintf("%s/orders/%d", iw.s.URL, iw.orderID)
	var requested string
	err := chromedp.Run(buyer,
		browserLogin(iw.s.URL, "buyer@example.com"),
		chromedp.Navigate(orderPage),
		chromedp.WaitVisible(`#inv-title`, chromedp.ByQuery),
		chromedp.SendKeys(`#inv-title`, "和田地区机关事务管理局", chromedp.ByQuery),
		chromedp.Click(`input[name=kind][value=special]`, chromedp.ByQuery),
		chromedp.SendKeys(`#inv-tax`, "11653200MB1234567X", chromedp.ByQuery),
		chromedp.SendKeys(`#inv-email`, "caiwu@example.com", chromedp.ByQuery),
		chromedp.Submit(`#inv-email`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#inv-title`, chromedp.ByQuery),
		chromedp.Text(`#invoice`, &requested, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("buyer asks for an invoice: %v", err)
	}
	if !strings.Contains(requested, "和田地区机关事务管理局") {
		t.Fatalf("after the request the order page's invoice section reads %q", requested)
	}

	pdf := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(pdf, samplePDF, 0o600); err != nil {
		t.Fatal(err)
	}
	coop := newProfile()
	var issued string
	err = chromedp.Run(coop,
		browserLogin(iw.s.URL, "coop@coop.test"),
		chromedp.Navigate(iw.s.URL+"/coop/orders#invoices"),
		chromedp.WaitVisible(fmt.Sprintf(`#no%d`, iw.orderID), chromedp.ByQuery),
		chromedp.SendKeys(fmt.Sprintf(`#no%d`, iw.orderID), "04412345", chromedp.ByQuery),
		chromedp.SetUploadFiles(fmt.Sprintf(`#pdf%d`, iw.orderID), []string{pdf}, chromedp.ByQuery),
		chromedp.Submit(fmt.Sprintf(`#no%d`, iw.orderID), chromedp.ByQuery),
		chromedp.WaitVisible(`p.notice[role=status]`, chromedp.ByQuery),
		chromedp.Text(`p.notice[role=status]`, &issued, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("co-op issues the invoice: %v", err)
	}
	if !strings.Contains(issued, "04412345") {
		t.Errorf("the co-op's confirmation reads %q", issued)
	}

	var link string
	var got struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Head   string `json:"head"`
		URL    string `json:"url"`
	}
	err = chromedp.Run(buyer,
		chromedp.Navigate(orderPage),
		chromedp.WaitVisible(`#invoice a.button`, chromedp.ByQuery),
		chromedp.AttributeValue(`#invoice a.button`, "href", &link, nil, chromedp.ByQuery),
	)
	if err == nil { // the script is built from the link just read
		err = chromedp.Run(buyer, chromedp.Evaluate(fetchHead(link), &got, awaitPromise))
	}
	if err != nil {
		t.Fatalf("buyer downloads the invoice: %v", err)
	}
	if got.Status != 200 || got.Type != "application/pdf" || got.Head != "%PDF" {
		t.Errorf("download %s: %+v", link, got)
	}

	stranger := newProfile()
	var theirs struct {
		Status int `json:"status"`
	}
	err = chromedp.Run(stranger,
		browserLogin(iw.s.URL, "other@example.com"),
		chromedp.Evaluate(fetchHead(link), &theirs, awaitPromise),
	)
	if err != nil {
		t.Fatal(err)
	}
	if theirs.Status != 404 && theirs.Status != 403 {
		t.Errorf("another buyer downloading %s: %d", link, theirs.Status)
	}
}

// browserLogin signs in with the login form as one of ordertest's users.
func browserLogin(base, email string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/lang/zh-CN?next=/login"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, ordertest.Password, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#password`, chromedp.ByQuery),
	}
}

// fetchHead is a script fetching url with the page's cookies and answering
// its status, content type and first four bytes.
func fetchHead(url string) string {
	return fmt.Sprintf(`fetch(%q).then(async r => ({status: r.status, type: r.headers.get("content-type"), url: r.url,
		head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 4))}))`, url)
}

// awaitPromise makes Evaluate wait for the script's promise.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
