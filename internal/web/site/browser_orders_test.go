package site_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// startBrowser starts headless chromium for a test and returns a tab;
// newProfile starts another browser, with its own cookies (another person).
func startBrowser(t *testing.T) (tab context.Context, newProfile func() context.Context) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium is not installed")
	}
	start := func() context.Context {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(412, 915))
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		bctx, cancelTimeout := context.WithTimeout(bctx, 120*time.Second)
		t.Cleanup(func() { cancelTimeout(); cancelBrowser(); cancelAlloc() })
		return bctx
	}
	return start(), start
}

// TestBrowserCheckout: add to cart → checkout with manual payment → the
// admin confirms the transfer → the order page shows the impact receipt.
func TestBrowserCheckout(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	buyer, newProfile := startBrowser(t)
	login := func(email string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.WaitVisible(`#email`, chromedp.ByQuery),
			chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, ordertest.Password, chromedp.ByQuery),
			chromedp.Submit(`#password`, chromedp.ByQuery),
		}
	}
	var cart, orderPage, orderURL string
	err := chromedp.Run(buyer,
		chromedp.Navigate(fmt.Sprintf("%s/lang/zh-CN?next=/products/%d", s.URL, w.ProductID)),
		chromedp.WaitVisible(`form.add-to-cart`, chromedp.ByQuery),
		chromedp.SetValue(`#quantity`, "2", chromedp.ByQuery),
		chromedp.Click(`form.add-to-cart button[data-primary]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.cart-lines`, chromedp.ByQuery),
		chromedp.Text(`main`, &cart, chromedp.ByQuery),
		chromedp.Click(`a[href="/checkout"].primary`, chromedp.ByQuery),
		login("buyer@example.com"),
		chromedp.WaitVisible(`#detail`, chromedp.ByQuery),
		chromedp.SendKeys(`#name`, "李明", chromedp.ByQuery),
		chromedp.SendKeys(`#phone`, "13912345678", chromedp.ByQuery),
		chromedp.SendKeys(`#province`, "北京市", chromedp.ByQuery),
		chromedp.SendKeys(`#city`, "北京市", chromedp.ByQuery),
		chromedp.SendKeys(`#district`, "海淀区", chromedp.ByQuery),
		chromedp.SendKeys(`#detail`, "中关村大街1号", chromedp.ByQuery),
		chromedp.Submit(`#detail`, chromedp.ByQuery),
		chromedp.WaitVisible(`section.pay`, chromedp.ByQuery),
		chromedp.Location(&orderURL),
		chromedp.Text(`main`, &orderPage, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("buyer: %v", err)
	}
	if !strings.Contains(cart, "洛浦红枣") || !strings.Contains(orderPage, "¥79.60") || !strings.Contains(orderPage, "对公转账") {
		t.Fatalf("cart %q\norder %q", cart, orderPage)
	}
	id := orderURL[strings.LastIndex(orderURL, "/")+1:]
	admin := newProfile()
	err = chromedp.Run(admin,
		chromedp.Navigate(s.URL+"/admin/payments"),
		login("admin@example.com"),
		chromedp.WaitVisible(`#ref`+id, chromedp.ByQuery),
		chromedp.SendKeys(`#ref`+id, "农行 20261128-01", chromedp.ByQuery),
		chromedp.Submit(`#ref`+id, chromedp.ByQuery),
		// Back on the queue, the confirmed transfer is gone from it.
		chromedp.WaitNotPresent(`#ref`+id, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("admin: %v", err)
	}
	var status string
	if err := s.DB.Pool.QueryRow(context.Background(), `SELECT status FROM orders WHERE id = $1`, id).Scan(&status); err != nil || status != "paid" {
		t.Fatalf("after the admin's confirmation the order is %q (%v)", status, err)
	}
	var receipt string
	err = chromedp.Run(buyer,
		chromedp.Navigate(orderURL),
		chromedp.WaitVisible(`section.impact-receipt`, chromedp.ByQuery),
		chromedp.Text(`section.impact-receipt`, &receipt, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	if !strings.Contains(receipt, "3 户建档立卡户") || !strings.Contains(receipt, "¥50.00") || !strings.Contains(receipt, "洛浦县") {
		t.Fatalf("impact receipt %q", receipt)
	}
}
