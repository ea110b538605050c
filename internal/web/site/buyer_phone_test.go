package site_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// phoneTab opens a browser tab on s at a phone's width (390 px), in lang,
// signed in as email (with ordertest's password) unless email is "".
func phoneTab(t *testing.T, s *webtest.Server, lang, email string) context.Context {
	t.Helper()
	tab, _ := startBrowser(t)
	err := chromedp.Run(tab, emulation.SetDeviceMetricsOverride(390, 844, 1, true),
		chromedp.Navigate(s.URL+"/lang/"+lang+"?next=/login"))
	if err == nil && email != "" {
		err = chromedp.Run(tab,
			chromedp.WaitVisible(`#email`, chromedp.ByQuery),
			chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, ordertest.Password, chromedp.ByQuery),
			chromedp.Submit(`#password`, chromedp.ByQuery),
			chromedp.WaitNotPresent(`#password`, chromedp.ByQuery))
	}
	if err != nil {
		t.Fatalf("open a %s tab: %v", lang, err)
	}
	return tab
}

// placeTransfer places a bank-transfer order of the world's product as
// buyer@example.com and returns its id.
func placeTransfer(t *testing.T, s *webtest.Server, w *ordertest.World) string {
	t.Helper()
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	r := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 1))
	if r.Status != 201 {
		t.Fatalf("place: %d %s", r.Status, r.Body)
	}
	var o struct {
		ID string `json:"id"`
	}
	r.JSON(t, &o)
	return o.ID
}

// TestTransferAccountReadsLeftToRight: the bank account a buyer copies to
// pay by transfer is written in groups of digits (6228 4800 0000 0000 000).
// On a right-to-left Uyghur page the groups, separated by spaces, were laid
// out right to left: the phone showed 0000 0000 4800 6228, an account
// number that is not the platform's. Whatever the page's direction, the
// groups read left to right in the order they have.
func TestTransferAccountReadsLeftToRight(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	id := placeTransfer(t, s, w)
	const groups = `(() => {
	  const dd = [...document.querySelectorAll(".pay dd")].find(d => /\d{4} \d{4}/.test(d.textContent));
	  if (!dd) return "[]";
	  const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
	  const out = []; let n;
	  while ((n = walker.nextNode())) {
	    for (const m of n.textContent.matchAll(/\d+/g)) {
	      const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
	      const b = r.getBoundingClientRect(); out.push({g: m[0], top: Math.round(b.top), left: b.left});
	    }
	  }
	  return JSON.stringify(out);
	})()`
	for _, lang := range []string{"zh-CN", "en", "ug"} {
		tab := phoneTab(t, s, lang, "buyer@example.com")
		var raw string
		if err := chromedp.Run(tab, chromedp.Navigate(s.URL+"/orders/"+id), chromedp.WaitVisible(`section.pay`, chromedp.ByQuery),
			chromedp.Evaluate(groups, &raw)); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		var gs []struct {
			G         string
			Top, Left float64
		}
		if err := json.Unmarshal([]byte(raw), &gs); err != nil || len(gs) < 2 {
			t.Fatalf("%s: no grouped account number on the order page (%s)", lang, raw)
		}
		var logical, shown []string
		for _, g := range gs {
			logical = append(logical, g.G)
		}
		// As the eye reads the screen: line by line, each from the left.
		sorted := append(gs[:0:0], gs...)
		for i := 1; i < len(sorted); i++ {
			for j := i; j > 0 && (sorted[j].Top < sorted[j-1].Top || sorted[j].Top == sorted[j-1].Top && sorted[j].Left < sorted[j-1].Left); j-- {
				sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
			}
		}
		for _, g := range sorted {
			shown = append(shown, g.G)
		}
		if strings.Join(shown, " ") != strings.Join(logical, " ") {
			t.Errorf("%s: the account %s shows as %s", lang, strings.Join(logical, " "), strings.Join(shown, " "))
		}
	}
}

// TestPageTitlesInVisitorsLanguage: the product page and a pavilion show
// their heading in the visitor's language; the document's title (the
// browser tab, a bookmark, a link shared in a chat) said the Chinese name.
func TestPageTitlesInVisitorsLanguage(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	if _, err := s.DB.Pool.Exec(context.Background(), `UPDATE products SET title_en = 'Lop jujubes', title_ug = 'لوپ چىلان' WHERE id = $1`, w.ProductID); err != nil {
		t.Fatal(err)
	}
	title := regexp.MustCompile(`<title>([^<]*)</title>`)
	for _, tc := range []struct{ lang, product, county string }{
		{"en", "Lop jujubes", "Lop County"},
		{"ug", "لوپ چىلان", "لوپ ناھىيىسى"},
		{"zh-CN", "洛浦红枣", "洛浦县"},
	} {
		c := s.Client()
		c.Do("GET", "/lang/"+tc.lang+"?next=/", nil)
		for path, want := range map[string]string{fmt.Sprintf("/products/%d", w.ProductID): tc.product, "/regions/653224": tc.county} {
			r := c.Do("GET", path, nil)
			m := title.FindSubmatch(r.Body)
			if r.Status != 200 || m == nil {
				t.Fatalf("%s %s: %d", tc.lang, path, r.Status)
			}
			if !strings.HasPrefix(string(m[1]), want+" · ") {
				t.Errorf("%s %s: <title>%s</title>, want it to start with %q", tc.lang, path, m[1], want)
			}
		}
	}
}

// TestFieldErrorsNameTheirInput: a refused form says what is wrong beside
// each input, and the input says so too (aria-invalid, aria-describedby
// naming the message), so that a screen reader reads the reason with the
// field. The sign-up form and the order page's invoice request put the
// reason next to the field with nothing tying the two together.
func TestFieldErrorsNameTheirInput(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	check := func(where string, page []byte, inputs ...string) {
		t.Helper()
		html := string(page)
		for _, id := range inputs {
			tag := regexp.MustCompile(`<input id="` + id + `"[^>]*>`).FindString(html)
			if tag == "" {
				t.Fatalf("%s: no input #%s in\n%s", where, id, html)
			}
			m := regexp.MustCompile(`aria-describedby="([^"]+)"`).FindStringSubmatch(tag)
			if !strings.Contains(tag, `aria-invalid="true"`) || m == nil {
				t.Errorf("%s: the refused input is not marked: %s", where, tag)
				continue
			}
			if !regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(m[1]) + `">[^<]+</p>`).MatchString(html) {
				t.Errorf("%s: #%s is described by #%s, which is not its message", where, id, m[1])
			}
		}
	}

	c := s.Client()
	c.Do("GET", "/lang/ug?next=/", nil)
	tok := webtest.CSRFField(c.Do("GET", "/register", nil).Body)
	r := c.Do("POST", "/register", url.Values{"_csrf": {tok}, "name": {""}, "email": {"not-an-address"}, "password": {"short"}})
	if r.Status != 422 {
		t.Fatalf("register: %d", r.Status)
	}
	check("register", r.Body, "name", "email", "password")

	id := placeTransfer(t, s, w)
	admin, _ := s.Login("admin@example.com", ordertest.Password)
	if res := admin.Do("POST", "/api/v1/orders/"+id+"/payments/confirm", map[string]string{"reference": "BANK-1"}); res.Status != 200 {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	buyer := s.LoginPage("buyer@example.com", ordertest.Password)
	tok = webtest.CSRFField(buyer.Do("GET", "/orders/"+id, nil).Body)
	r = buyer.Do("POST", "/orders/"+id+"/invoice", url.Values{"_csrf": {tok}, "title": {""}, "kind": {"normal"},
		"taxpayer_id": {"??"}, "email": {"not-an-address"}})
	if r.Status != 400 && r.Status != 422 {
		t.Fatalf("invoice request: %d %s", r.Status, r.Body)
	}
	check("invoice request", r.Body, "inv-title", "inv-tax", "inv-email")
}

// TestNoDeadButtonsWithoutScript: pages work without JavaScript (UI.md),
// and a button that only a script brings to life must not show where no
// script runs. The product page's quantity stepper (− and +) and the
// impact card's "copy the link" showed, and did nothing when tapped, on a
// phone with scripts off (or a receipt opened in a chat app's viewer
// that runs none).
func TestNoDeadButtonsWithoutScript(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	id := placeTransfer(t, s, w)
	admin, _ := s.Login("admin@example.com", ordertest.Password)
	if res := admin.Do("POST", "/api/v1/orders/"+id+"/payments/confirm", map[string]string{"reference": "BANK-1"}); res.Status != 200 {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	var token string
	if err := s.DB.Pool.QueryRow(context.Background(), `SELECT receipt_token FROM orders WHERE id = $1`, id).Scan(&token); err != nil {
		t.Fatal(err)
	}
	const dead = `JSON.stringify([...document.querySelectorAll('main button[type=button]')]
	  .filter(b => b.getBoundingClientRect().width > 0).map(b => (b.getAttribute('aria-label') || b.innerText).trim()))`
	pages := []string{fmt.Sprintf("/products/%d", w.ProductID), "/receipts/" + token, "/orders/" + id}
	for _, script := range []bool{false, true} {
		tab := phoneTab(t, s, "zh-CN", "buyer@example.com")
		if err := chromedp.Run(tab, emulation.SetScriptExecutionDisabled(!script)); err != nil {
			t.Fatal(err)
		}
		for _, path := range pages {
			var raw string
			if err := chromedp.Run(tab, chromedp.Navigate(s.URL+path), chromedp.WaitReady(`footer`, chromedp.ByQuery),
				chromedp.Evaluate(dead, &raw)); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var shown []string
			json.Unmarshal([]byte(raw), &shown)
			if !script && len(shown) > 0 {
				t.Errorf("%s without scripts shows buttons that do nothing: %q", path, shown)
			}
			// With scripts, the stepper is there to tap.
			if script && strings.HasPrefix(path, "/products/") && len(shown) != 2 {
				t.Errorf("%s with scripts: buttons %q, want the stepper's two", path, shown)
			}
		}
	}
}

// TestTracePageInVisitorsLanguage: the trace page (what a buyer reaches by
// scanning the code on a package) names the product, the cooperative and
// the county in the visitor's language, as the product page does; it said
// them in Chinese on English and Uyghur pages.
func TestTracePageInVisitorsLanguage(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	lot := w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	if _, err := s.DB.Pool.Exec(ctx, `UPDATE products SET title_en = 'Lop jujubes', title_ug = 'لوپ چىلان' WHERE id = $1`, w.ProductID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Pool.Exec(ctx, `UPDATE cooperatives SET name_en = 'Test Co-op', name_ug = 'سىناق كوپېراتىپى' WHERE id = $1`, w.CoopID); err != nil {
		t.Fatal(err)
	}
	var code string
	if err := s.DB.Pool.QueryRow(ctx, `SELECT trace_code FROM lots WHERE id = $1`, lot).Scan(&code); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Lop jujubes", "Test Co-op", "Lop County", "Hotan Prefecture"}},
		{"ug", []string{"لوپ چىلان", "سىناق كوپېراتىپى", "لوپ ناھىيىسى", "خوتەن ۋىلايىتى"}},
		{"zh-CN", []string{"洛浦红枣", "测试合作社", "洛浦县", "和田地区"}},
	} {
		c := s.Client()
		c.Do("GET", "/lang/"+tc.lang+"?next=/", nil)
		r := c.Do("GET", "/trace/"+code, nil)
		main := string(r.Body)
		if i := strings.Index(main, "<main"); i >= 0 {
			main = main[i:]
		}
		if r.Status != 200 {
			t.Fatalf("%s: %d", tc.lang, r.Status)
		}
		for _, want := range tc.want {
			if !strings.Contains(main, want) {
				t.Errorf("%s trace page lacks %q", tc.lang, want)
			}
		}
		if tc.lang != "zh-CN" {
			for _, zh := range []string{"洛浦红枣", "测试合作社", "洛浦县", "和田地区"} {
				if strings.Contains(main, zh) {
					t.Errorf("%s trace page says %q", tc.lang, zh)
				}
			}
		}
	}
}
