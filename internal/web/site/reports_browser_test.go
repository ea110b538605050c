package site_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// TestBrowserOfficeDrillDownAndExport walks the office dashboard in a real
// browser: the 和田地区 office signs in through the form → its dashboard →
// 洛浦县 → the township → the village → a household's income page → back on
// the village, downloads the XLSX export, which is read back with excelize.
// Set MARKET_SCREENSHOTS to a directory to keep a screenshot of every step.
func TestBrowserOfficeDrillDownAndExport(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium is not installed")
	}
	r := newRptWorld(t)
	r.paid(t, 4)
	var township string
	r.s.DB.Pool.QueryRow(context.Background(), `SELECT parent_code FROM regions WHERE code = $1`, r.village).Scan(&township)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(1366, 900),
		chromedp.Flag("lang", "zh-CN"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	shots := os.Getenv("MARKET_SCREENSHOTS")
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if shots == "" {
				return nil
			}
			var png []byte
			if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	downloads := t.TempDir()
	done := make(chan string, 1)
	var dashboard, county, village, household string
	err := chromedp.Run(bctx,
		chromedp.Navigate(r.s.URL+"/lang/zh-CN?next=/login?next=/office"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, "hotan@office.test", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, "password-123", chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitVisible(`section.charts svg.chart-wide`, chromedp.ByQuery),
		chromedp.Text("main", &dashboard, chromedp.ByQuery),
		shot("office-1-dashboard"),
		chromedp.Click(`#children ~ .table-wrap a[href^="/office/regions/653224"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href^="/office/regions/`+township+`"]`, chromedp.ByQuery),
		chromedp.Text("main", &county, chromedp.ByQuery),
		shot("office-2-county"),
		chromedp.Click(`#children ~ .table-wrap a[href^="/office/regions/`+township+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#children ~ .table-wrap a[href^="/office/regions/`+r.village+`"]`, chromedp.ByQuery),
		shot("office-3-township"),
		chromedp.Click(`#children ~ .table-wrap a[href^="/office/regions/`+r.village+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#households`, chromedp.ByQuery),
		chromedp.Text("main", &village, chromedp.ByQuery),
		shot("office-4-village"),
		chromedp.Click(fmt.Sprintf(`#households ~ .table-wrap a[href^="/office/households/%d/income"]`, r.w.Households[0]), chromedp.ByQuery),
		chromedp.WaitVisible(`#by-order`, chromedp.ByQuery),
		chromedp.Text("main", &household, chromedp.ByQuery),
		shot("office-5-household"),
		// Back to the village (its breadcrumb) and its export.
		chromedp.Click(`nav.crumbs a[href^="/office/regions/`+r.village+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#households`, chromedp.ByQuery),
		shot("office-6-village-again"),
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(downloads).WithEventsEnabled(true),
		chromedp.ActionFunc(func(ctx context.Context) error {
			chromedp.ListenTarget(ctx, func(ev any) {
				if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
					select {
					case done <- e.GUID:
					default:
					}
				}
			})
			return nil
		}),
		chromedp.Click(`a[href*="format=xlsx"]`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(dashboard, "和田地区") || !strings.Contains(dashboard, "100.00") || !strings.Contains(dashboard, "洛浦县") {
		t.Errorf("dashboard:\n%.600s", dashboard)
	}
	if !strings.Contains(county, "洛浦县") || !strings.Contains(county, "各乡镇") {
		t.Errorf("county page:\n%.400s", county)
	}
	if !strings.Contains(village, "测试村") || !strings.Contains(village, "T002") {
		t.Errorf("village page:\n%.400s", village)
	}
	if !strings.Contains(household, "户 T000 的收益") || !strings.Contains(household, "洛浦红枣") || !strings.Contains(household, "4,000.00") {
		t.Errorf("household page:\n%.600s", household)
	}
	var guid string
	select {
	case guid = <-done:
	case <-bctx.Done():
		t.Fatal("the XLSX download did not complete")
	}
	f, err := excelize.OpenFile(filepath.Join(downloads, guid))
	if err != nil {
		t.Fatalf("the download is not an XLSX file: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("收入")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "户编号" || rows[1][1] != r.village {
		t.Fatalf("downloaded rows %q", rows)
	}
}
