package site_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// chromium is the browser the storefront test drives; the test is skipped
// where it is not installed (apt-get install chromium).
const chromium = "/usr/bin/chromium"

// TestBrowserShopping walks the storefront as a buyer would, in a real
// browser over the demo catalog: home → 和田 pavilion → search 枣 → a
// certified product (price, origin county, badge) → its lot's trace page,
// which shows places and counts and no personal data. Set
// MARKET_SCREENSHOTS to a directory to keep a screenshot of every step.
func TestBrowserShopping(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium is not installed")
	}
	s := webtest.Start(t)
	ctx := context.Background()
	if err := demo.LoadAccounts(ctx, s.DB.Pool, auth.NewUsers(s.DB.Pool)); err != nil {
		t.Fatal(err)
	}
	key, _ := pii.GenerateKey()
	ring, _ := pii.ParseRing(key)
	if err := demo.LoadCatalogWith(ctx, s.DB.Pool, s.Config.DataDir, ring); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(412, 915))
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	dir := os.Getenv("MARKET_SCREENSHOTS")
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if dir == "" {
				return nil
			}
			var png []byte
			if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		})
	}
	var home, pavilion, results, product, trace, traceURL string
	err := chromedp.Run(bctx,
		chromedp.Navigate(s.URL+"/lang/zh-CN?next=/"), // the page language of most buyers
		chromedp.Text("main", &home, chromedp.ByQuery),
		shot("1-home"),
		chromedp.Click(`a[href="/regions/653200"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`section[aria-labelledby="region-products"]`, chromedp.ByQuery),
		chromedp.Text("main", &pavilion, chromedp.ByQuery),
		shot("2-pavilion"),
		chromedp.SendKeys(`#q`, "枣", chromedp.ByQuery),
		chromedp.Submit(`#q`, chromedp.ByQuery),
		// The pavilion lists products in ul.products too: wait for the
		// search page's own form, or the old page's list would answer and
		// vanish under the next step ("No node with given id found").
		chromedp.WaitVisible(`form.search-full ~ ul.products`, chromedp.ByQuery),
		chromedp.Text("main", &results, chromedp.ByQuery),
		shot("3-search"),
		// A certified jujube product of 洛浦县 (the demo cooperative's).
		chromedp.Click(`li.product-card:has(.cert) a[href^="/products/"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.price-big`, chromedp.ByQuery),
		chromedp.Text("main", &product, chromedp.ByQuery),
		shot("4-product"),
		chromedp.AttributeValue(`a[href^="/trace/"]`, "href", &traceURL, nil, chromedp.ByQuery),
		chromedp.Click(`a[href^="/trace/"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`dl.facts`, chromedp.ByQuery),
		chromedp.Text("main", &trace, chromedp.ByQuery),
		shot("5-trace"),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(home, "和田地区") || !strings.Contains(home, "好物推荐") {
		t.Errorf("home page:\n%.300s", home)
	}
	if !strings.Contains(pavilion, "于田玫瑰花酱") {
		t.Errorf("和田 pavilion lacks 于田玫瑰花酱")
	}
	if !strings.Contains(results, "枣") {
		t.Errorf("search results for 枣:\n%.300s", results)
	}
	if !regexp.MustCompile(`¥\d+\.\d\d`).MatchString(product) || !strings.Contains(product, "扶贫产品") ||
		!regexp.MustCompile(`(县|市)`).MatchString(product) {
		t.Errorf("product page lacks price, badge or county:\n%.600s", product)
	}
	if !strings.Contains(trace, "户建档立卡户") || !strings.Contains(trace, "合作社") || !strings.HasPrefix(traceURL, "/trace/") {
		t.Errorf("trace page:\n%.600s", trace)
	}
	// No personal data: no registry numbers, masked names or ID numbers.
	if m := regexp.MustCompile(`CAT\d{9}|\*\*|\d{17}[\dX]|户编号`).FindString(trace); m != "" {
		t.Errorf("trace page shows %q", m)
	}
}
