package site_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/web"
	"github.com/fupinmarket/market/internal/web/webtest"
	"github.com/fupinmarket/market/storefront"
)

// page is a route a role can open, with the selector of its primary action
// (what the person came to the page to do): it must be on screen without
// scrolling sideways.
type page struct {
	role, path, primary string
}

// demoWorld is a test server with the demo data make run loads (accounts,
// a small registry, the catalog, a few months of orders), and the ids the
// route table needs.
type demoWorld struct {
	s   *webtest.Server
	ids map[string]string
}

func newDemoWorld(t *testing.T) *demoWorld {
	t.Helper()
	s := webtest.Start(t)
	ctx := context.Background()
	db := s.DB.Pool
	ring, err := pii.ParseRing(webtest.TestDataKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadAccounts(ctx, db, auth.NewUsers(db)); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadRegistry(ctx, db, ring, demo.RegistryOptions{Households: 400, Seed: demo.DefaultSeed}); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadCatalogWith(ctx, db, s.Config.DataDir, ring); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadOrders(ctx, db, demo.OrdersOptions{Count: 60, Seed: demo.DefaultSeed}); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadIncome(ctx, db, demo.IncomeOptions{Seed: demo.DefaultSeed}); err != nil {
		t.Fatal(err)
	}
	w := &demoWorld{s: s, ids: map[string]string{}}
	for name, q := range map[string]string{
		"product":     `SELECT min(p.id)::text FROM products p JOIN cooperatives c ON c.id = p.cooperative_id JOIN user_roles r ON r.cooperative_id = c.id JOIN users u ON u.id = r.user_id WHERE u.email = 'coop@demo.local'`,
		"order":       `SELECT max(o.id)::text FROM orders o WHERE o.paid_at IS NOT NULL AND o.buyer_org_id IS NULL`,
		"buyer":       `SELECT u.email FROM users u WHERE u.id = (SELECT buyer_id FROM orders WHERE paid_at IS NOT NULL AND buyer_org_id IS NULL ORDER BY id DESC LIMIT 1)`,
		"receipt":     `SELECT o.receipt_token FROM orders o WHERE o.paid_at IS NOT NULL ORDER BY o.id LIMIT 1`,
		"trace":       `SELECT min(trace_code) FROM lots`,
		"household":   `SELECT min(id)::text FROM households WHERE village_code LIKE '6532%'`,
		"village":     `SELECT min(village_code) FROM households WHERE village_code LIKE '653224%'`,
		"category":    `SELECT min(category) FROM products`,
		"any_order":   `SELECT max(id)::text FROM orders WHERE paid_at IS NOT NULL`,
		"township":    `SELECT min(code) FROM regions WHERE level = 'township' AND code LIKE '653224%'`,
		"dividend":    `SELECT min(d.id)::text FROM dividends d JOIN user_roles r ON r.cooperative_id = d.cooperative_id JOIN users u ON u.id = r.user_id WHERE u.email = 'coop@demo.local'`,
		"wage":        `SELECT min(w.id)::text FROM wages w JOIN user_roles r ON r.cooperative_id = w.cooperative_id JOIN users u ON u.id = r.user_id WHERE u.email = 'coop@demo.local'`,
		"member":      `SELECT min(m.household_id)::text FROM member_shares m JOIN user_roles r ON r.cooperative_id = m.cooperative_id JOIN users u ON u.id = r.user_id WHERE u.email = 'coop@demo.local'`,
		"to_ship":     `SELECT max(sh.order_id)::text FROM shipments sh JOIN orders o ON o.id = sh.order_id JOIN user_roles r ON r.cooperative_id = sh.cooperative_id JOIN users u ON u.id = r.user_id WHERE u.email = 'coop@demo.local' AND o.paid_at IS NOT NULL AND o.status <> 'refunded'`,
		"org_orderid": `SELECT coalesce(max(o.id), 0)::text FROM orders o WHERE o.buyer_org_id IS NOT NULL`,
		"org":         `SELECT min(id)::text FROM buyer_orgs`,
		// A paid order of the unit, whose invoice its administrator asks for.
		"org_paid_order": `SELECT max(id)::text FROM orders WHERE buyer_org_id IS NOT NULL AND paid_at IS NOT NULL`,
		// An order of that buyer that may still be invoiced (paid, not refunded).
		"invoiceable": `SELECT coalesce(max(o.id), 0)::text FROM orders o WHERE o.buyer_id = (SELECT buyer_id FROM orders WHERE paid_at IS NOT NULL AND buyer_org_id IS NULL ORDER BY id DESC LIMIT 1) AND o.paid_at IS NOT NULL AND o.status NOT IN ('refunded', 'cancelled')`,
		// A member of the demo budget unit who is not its administrator, and
		// the last order it placed for the unit.
		"member_order": `SELECT max(id)::text FROM orders WHERE buyer_org_id IS NOT NULL AND buyer_id <> (SELECT id FROM users WHERE email = 'org@demo.local')`,
		"member_email": `SELECT email FROM users WHERE id = (SELECT buyer_id FROM orders WHERE id = (SELECT max(id) FROM orders WHERE buyer_org_id IS NOT NULL AND buyer_id <> (SELECT id FROM users WHERE email = 'org@demo.local')))`,
		// A township of 洛浦县 with registered households, for a township's
		// office, and a household of it; a household of the county.
		"home_township":      `SELECT left(min(village_code), 9) FROM households WHERE village_code LIKE '653224%'`,
		"township_village":   `SELECT min(village_code) FROM households WHERE village_code LIKE '653224%'`,
		"township_household": `SELECT min(id)::text FROM households WHERE village_code LIKE (SELECT left(min(village_code), 9) FROM households WHERE village_code LIKE '653224%') || '%'`,
		"county_household":   `SELECT min(id)::text FROM households WHERE village_code LIKE '653224%'`,
	} {
		var v string
		if err := db.QueryRow(ctx, q).Scan(&v); err != nil {
			t.Fatalf("demo world %s: %v", name, err)
		}
		w.ids[name] = v
	}
	// A county's and a township's assistance office, beside the demo's
	// prefecture one.
	s.CreateUser(roleEmails["county"], demo.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653224"})
	s.CreateUser(roleEmails["township"], demo.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: w.ids["home_township"]})
	return w
}

// routes is every page each role opens, the primary action of each: every
// GET page of internal/web/{shop,coop,office,org,admin}/routes.go for the
// audience that uses it (and the office's pages as a platform
// administrator sees them, masked), plus the error page. The buyer's
// payment page (/checkout/pay/:id) is added by the walk once it has placed
// an order.
func (w *demoWorld) routes() []page {
	id := w.ids
	public := []page{
		{"", "/", "form.search button"},
		{"", "/regions/653200", "form.search button"},
		{"", "/regions/653224", "form.search button"},
		{"", "/categories/" + id["category"], ".products a"},
		{"", "/search?q=枣", ".products a"},
		{"", "/products/" + id["product"], "form.add-to-cart button[type=submit]"},
		{"", "/trace/" + id["trace"], ".trace .facts"},
		{"", "/receipts/" + id["receipt"], ".impact-receipt"},
		{"", "/impact", ".year-form button"},
		{"", "/ledger", "main h1"},
		{"", "/login", "form button[type=submit]"},
		{"", "/register", "form button[type=submit]"},
		{"", "/cart", "main a"},
		{"", "/products/999999999", "main h1"}, // the error page
	}
	out := append([]page{}, public...)
	for _, p := range []page{
		{"buyer", "/", "form.search button"},
		{"buyer", "/products/" + id["product"], "form.add-to-cart button[type=submit]"},
		{"buyer", "/cart", ".actions a.primary"},
		{"buyer", "/checkout", "form button.primary"},
		{"buyer", "/orders", "table a"},
		{"buyer", "/orders/" + id["order"], ".impact-receipt"},
		{"buyer", "/org", "main a.button"},
		{"buyer", "/org/new", "main form button"},
		{"coop", "/coop", "a.button.primary"},
		{"coop", "/coop/orders", "main form button, main p"},
		{"coop", "/coop/orders/" + id["to_ship"] + "/ship", "main h1"},
		{"coop", "/coop/products/new", "form.editor button.primary"},
		{"coop", "/coop/products/" + id["product"], "form.editor button.primary"},
		{"coop", "/coop/products/" + id["product"] + "/lots/new", "form.editor button.primary"},
		{"coop", "/coop/sales", ".year-form button"},
		{"coop", "/coop/payouts", "form.rpt-form button.primary"},
		{"coop", "/coop/wages", "form button.primary"},
		{"coop", "/coop/wages/" + id["wage"] + "/correct", "form button.primary"},
		{"coop", "/coop/dividends", "form button.primary"},
		{"coop", "/coop/dividends/" + id["dividend"], "main h1"},
		{"coop", "/coop/shares", "main h1"},
		{"coop", "/coop/shares/" + id["member"], "form button.primary"},
		{"office", "/office", ".year-form button"},
		{"office", "/office/regions/653224", ".year-form button"},
		{"office", "/office/regions/" + id["village"], ".year-form button"},
		{"office", "/office/listed", ".year-form button"},
		{"office", "/office/households", "form button"},
		{"office", "/office/households/" + id["household"], "main"},
		{"office", "/office/households/" + id["household"] + "/income", ".year-form button"},
		{"office", "/office/import", "form button.primary"},
		{"office", "/office/villages/new", "form button.primary"},
		{"office", "/office/cooperatives", "main"},
		{"office", "/office/certifications", "main"},
		{"org", "/org", "main form button"},
		{"org", "/orders", "main"},
		{"org", "/org/orders/" + id["org_paid_order"] + "/invoice", "main h1"},
		{"admin", "/admin", "main a"},
		{"admin", "/admin/payments", "main"},
		{"admin", "/admin/orders/" + id["any_order"], "main form button"},
		{"admin", "/admin/cooperatives", "main"},
		{"admin", "/admin/feed", "main h1"},
		{"admin", "/office", ".year-form button"},
		{"admin", "/office/regions/653224", ".year-form button"},
		{"admin", "/office/regions/" + id["village"], ".year-form button"},
		{"admin", "/office/listed", ".year-form button"},
		{"admin", "/office/households", "form button"},
		{"admin", "/office/households/" + id["household"], "main"},
		{"admin", "/office/households/" + id["household"] + "/income", ".year-form button"},
		{"admin", "/office/cooperatives", "main"},
		{"admin", "/office/certifications", "main"},
		{"admin", "/org?org=" + id["org"], "main h1"},
	} {
		out = append(out, p)
	}
	for _, p := range []page{
		{"member", "/", "form.search button"},
		{"member", "/org", "main h1"},
		{"member", "/orders", "table a"},
		{"member", "/orders/" + id["member_order"], "main h1"},
	} {
		out = append(out, p)
	}
	for _, level := range []struct{ role, region, village, household string }{
		{"county", "653224", id["township_village"], id["county_household"]},
		{"township", id["home_township"], id["township_village"], id["township_household"]},
	} {
		for _, p := range []page{
			{level.role, "/office", ".year-form button"},
			{level.role, "/office/regions/" + level.region, ".year-form button"},
			{level.role, "/office/regions/" + level.village, ".year-form button"},
			{level.role, "/office/listed", ".year-form button"},
			{level.role, "/office/households", "form button"},
			{level.role, "/office/households/" + level.household, "main"},
			{level.role, "/office/households/" + level.household + "/income", ".year-form button"},
			{level.role, "/office/import", "form button.primary"},
			{level.role, "/office/villages/new", "form button.primary"},
			{level.role, "/office/cooperatives", "main"},
			{level.role, "/office/certifications", "main"},
		} {
			out = append(out, p)
		}
	}
	if id["org_orderid"] != "0" { // an order bought for the organisation, as its administrator sees it
		out = append(out, page{"org", "/orders/" + id["org_orderid"], "main h1"})
	}
	return out
}

var roleEmails = map[string]string{"buyer": "buyer@demo.local", "coop": "coop@demo.local", "office": "office@demo.local",
	"org": "org@demo.local", "admin": "admin@demo.local", "county": "county-office@demo.local", "township": "township-office@demo.local"}

// pageCheck is what the browser measures of a rendered page.
type pageCheck struct {
	Status       int       `json:"status"`
	ScrollWidth  int       `json:"scrollWidth"` // the page's width: the root's scrollWidth
	Screen       int       `json:"screen"`      // the layout viewport's width: the root's clientWidth
	InnerWidth   int       `json:"innerWidth"`
	Outside      []outside `json:"outside"`   // the outermost boxes past the screen's edges, furthest first
	Scrollers    []outside `json:"scrollers"` // boxes that scroll sideways inside the page without being a labelled, focusable region
	Text         string    `json:"text"`
	Primary      string    `json:"primary"` // "" when on screen, else why not
	SmallTargets []string  `json:"smallTargets"`
	SmallChart   []string  `json:"smallChart"`
	NarrowInputs []string  `json:"narrowInputs"` // text boxes too narrow to read what is typed
	Dir          string    `json:"dir"`
	Lang         string    `json:"lang"`
	// All is every text a person or a screen reader meets in the page's
	// language (see allText): hidden text (the closed menu) and labels
	// included, the other languages' names in the switch and codes left out.
	All string `json:"all"`
}

// outside is a box that does not fit the screen: which element (its tag,
// id and classes, with two ancestors), where its edges are and its text.
type outside struct {
	El    string `json:"el"`
	Left  int    `json:"left"`
	Right int    `json:"right"`
	Text  string `json:"text"`
}

func (o outside) String() string {
	return fmt.Sprintf("%s [%d..%d px, %d wide] %q", o.El, o.Left, o.Right, o.Right-o.Left, o.Text)
}

// measure runs in the page: overflow, the primary action's box, tap
// targets under 44 px and chart text under 12 px.
//
// The screen is the root's clientWidth, the layout viewport. Not
// window.innerWidth: with a phone's emulation (a mobile viewport) Chromium
// widens the visual viewport to the content when a page is too wide, so
// innerWidth grows with the page and scrollWidth > innerWidth never fires.
// Besides the root's scrollWidth, every box is measured: one whose right
// edge is past the screen or whose left edge is before it (a right-to-left
// page overflows to the left) makes the page scroll sideways, unless a box
// around it clips or scrolls it. A box may scroll sideways inside the page
// only as a region people can reach and read: role="region", a label and
// tabindex="0".
const measure = `(() => {
  const root = document.documentElement, screen = root.clientWidth;
  // The screen's edges, in the coordinates boxes are measured in: the root's
  // box is as wide as the screen, and a page too wide extends past it (to the
  // right, or to the left on a right-to-left page).
  const x0 = root.getBoundingClientRect().left, x1 = x0 + screen;
  const out = {dir: root.dir, lang: root.lang, scrollWidth: root.scrollWidth, screen: screen, innerWidth: window.innerWidth,
    text: document.body.innerText, primary: "", outside: [], scrollers: [], smallTargets: [], smallChart: [], narrowInputs: []};
  const name = e => { let s = e.tagName.toLowerCase(); if (e.id) s += "#" + e.id;
    const c = typeof e.className === "string" ? e.className.trim() : (e.getAttribute("class") || "").trim();
    if (c) s += "." + c.split(/\s+/).join("."); return s; };
  const path = e => { const p = []; for (let n = e; n && n !== document.body && p.length < 3; n = n.parentElement) p.unshift(name(n)); return p.join(" > "); };
  const text = e => (e.textContent || "").replace(/\s+/g, " ").trim().slice(0, 40);
  // An ancestor that clips or scrolls what overflows it keeps it off the page's width.
  const held = e => { for (let n = e.parentElement; n && n !== document.body && n !== root; n = n.parentElement) {
    if (getComputedStyle(n).overflowX !== "visible") return true; } return false; };
  const off = new Set();
  for (const e of document.body.querySelectorAll("*")) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= x1 + 1 && r.left >= x0 - 1) continue;
    if (getComputedStyle(e).position === "fixed" || held(e)) continue;
    off.add(e);
  }
  const outer = [...off].filter(e => !off.has(e.parentElement));
  const by = e => { const r = e.getBoundingClientRect(); return Math.max(r.right - x1, x0 - r.left); };
  outer.sort((a, b) => by(b) - by(a));
  out.outside = outer.slice(0, 6).map(e => { const r = e.getBoundingClientRect();
    return {el: path(e), left: Math.round(r.left - x0), right: Math.round(r.right - x0), text: text(e)}; });
  for (const e of document.body.querySelectorAll("*")) {
    const st = getComputedStyle(e);
    if ((st.overflowX === "auto" || st.overflowX === "scroll") && e.scrollWidth > e.clientWidth + 1) {
      const region = e.getAttribute("role") === "region" && e.getAttribute("tabindex") === "0" &&
        (e.getAttribute("aria-label") || e.getAttribute("aria-labelledby"));
      const r = e.getBoundingClientRect();
      if (!region) out.scrollers.push({el: path(e) + " scrolls inside by " + (e.scrollWidth - e.clientWidth) + " px",
        left: Math.round(r.left - x0), right: Math.round(r.right - x0), text: text(e)});
    }
  }
  const el = PRIMARY ? [...document.querySelectorAll(PRIMARY)].find(e => e.getBoundingClientRect().width > 0) : null;
  if (PRIMARY && !el) out.primary = "missing";
  if (el) { const r = el.getBoundingClientRect();
    if (r.left < x0 - 1 || r.right > x1 + 1) out.primary = "off screen sideways: " + Math.round(r.left - x0) + ".." + Math.round(r.right - x0); }
  const tappable = 'main button, main select, main textarea, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), main a.button, header a, header button';
  for (const e of document.querySelectorAll(tappable)) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.height < 43.5) out.smallTargets.push((e.id || e.tagName) + ":" + (e.innerText || e.value || e.name || "").trim().slice(0, 20) + "@" + Math.round(r.height));
  }
  for (const e of document.querySelectorAll('main input[type=text], main input[type=search], main input[type=email], main input[type=tel], main input[type=password], main input:not([type]), main textarea')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.width < 120) out.narrowInputs.push((e.id || e.name) + "@" + Math.round(r.width));
  }
  for (const t of document.querySelectorAll('svg text')) {
    const m = t.getScreenCTM(); const fs = parseFloat(getComputedStyle(t).fontSize);
    if (m && fs * m.a < 11.5) { out.smallChart.push(t.textContent.slice(0, 20) + "@" + (fs * m.a).toFixed(1)); }
  }
  out.all = ALLTEXT;
  out.smallTargets = out.smallTargets.slice(0, 8); out.smallChart = out.smallChart.slice(0, 5); out.scrollers = out.scrollers.slice(0, 4);
  return JSON.stringify(out);
})()`

// TestEveryPageFitsAPhone walks every page of every audience (visitor,
// buyer, member of an institution, cooperative, prefecture, county and
// township office, institution's administrator, platform administrator)
// in each language (zh-CN, en, and ug right to left) at 390 px (a phone)
// and 1280 px, and sends each form it must refuse at 390 px: no page
// answers 500 or scrolls sideways (measured against the layout viewport,
// see measure), <html> has the language and its direction, its primary
// action is on screen, no formatting error or catalog key shows, no
// English the catalog translates shows on a Chinese or Uyghur page, times
// are Beijing time, and on the phone tap targets are at least 44 px and
// chart text at least 12 px. One browser serves the walk, each role and
// language in a tab of its own, signed in afresh.
func TestEveryPageFitsAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser walk")
	}
	w := newDemoWorld(t)
	keys := catalogKeys(t)
	lexicon := newWords(t)
	times := loadStamps(t, w)
	shots := os.Getenv("MARKET_SCREENSHOTS") // a directory: save the phone pages there
	byRole := map[string][]page{}
	var roles []string
	for _, p := range w.routes() {
		if _, ok := byRole[p.role]; !ok {
			roles = append(roles, p.role)
		}
		byRole[p.role] = append(byRole[p.role], p)
	}
	forms := map[string][]errorForm{}
	for _, f := range w.errorForms() {
		forms[f.role] = append(forms[f.role], f)
	}
	browser := sharedBrowser(t)
	for _, role := range roles {
		for _, lang := range web.Languages {
			t.Run("role="+cmp.Or(role, "visitor")+"/lang="+lang, func(t *testing.T) {
				pages := byRole[role]
				tab, closeTab := chromedp.NewContext(browser)
				defer closeTab()
				// A new session: the last role's cookies (session, cart, language) go.
				if err := chromedp.Run(tab, network.ClearBrowserCookies(), chromedp.Navigate(w.s.URL+"/lang/"+lang+"?next=/login")); err != nil {
					t.Fatal(err)
				}
				if role != "" {
					email := roleEmails[role]
					switch role {
					case "buyer":
						email = w.ids["buyer"] // a demo buyer with a paid order
						// …who has not confirmed its address, so that /org
						// shows its offer to mail the link again.
						if _, err := w.s.DB.Pool.Exec(context.Background(), `UPDATE users SET email_verified_at = NULL WHERE email = $1`, email); err != nil {
							t.Fatal(err)
						}
					case "member":
						email = w.ids["member_email"]
					}
					signIn(t, tab, email)
				}
				if role == "buyer" { // place an order (the page that says how to pay), then fill the cart again for the cart and checkout pages
					w.addToCart(t, tab)
					pay := placeOrder(t, tab)
					pages = append(pages, page{role, pay, ".pay-deadline, main h1"})
					w.addToCart(t, tab)
				}
				check := func(where string, c pageCheck, phone bool) {
					t.Helper()
					if c.Status >= 500 {
						t.Errorf("%s answered %d", where, c.Status)
					}
					if want := map[bool]string{true: "rtl", false: "ltr"}[lang == "ug"]; c.Dir != want || c.Lang != lang {
						t.Errorf("%s: <html lang=%q dir=%q>, want %s and %s", where, c.Lang, c.Dir, lang, want)
					}
					checkPage(t, where, c, keys, phone)
					lexicon.check(t, where, lang, c.All)
					times.check(t, where, c.All)
				}
				for _, width := range []int64{390, 1280} {
					for _, p := range pages {
						c := visit(t, tab, w.s.URL+p.path, width, p.primary)
						check(fmt.Sprintf("%s in %s at %d px", p.path, lang, width), c, width == 390)
						if shots != "" && width == 390 {
							screenshot(t, tab, shots, cmp.Or(role, "visitor")+"-"+lang, p.path)
						}
					}
				}
				for _, f := range forms[role] {
					c, ok := sendBadly(t, tab, w.s.URL, f)
					if !ok {
						continue
					}
					where := fmt.Sprintf("%s's %s sent with mistakes, in %s at 390 px", f.path, f.form, lang)
					if c.Status < 400 || c.Status >= 500 {
						t.Errorf("%s answered %d, want a 4xx page with its errors", where, c.Status)
					}
					check(where, c, true)
				}
			})
		}
	}
}

// addToCart puts the demo product in the tab's cart.
func (w *demoWorld) addToCart(t *testing.T, tab context.Context) {
	t.Helper()
	err := chromedp.Run(tab, chromedp.Navigate(w.s.URL+"/products/"+w.ids["product"]),
		chromedp.Click(`form.add-to-cart button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.cart-lines`, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("add to cart: %v", err)
	}
}

// placeOrder fills in the checkout's address where it is empty, places the
// order and returns the path of the page it leads to (how to pay).
func placeOrder(t *testing.T, tab context.Context) string {
	t.Helper()
	const fill = `for (const [n, v] of Object.entries({name: "阿依古丽", phone: "13800138000", province: "新疆维吾尔自治区",
		city: "和田地区", district: "和田市", detail: "北京西路 1 号"})) { const e = document.getElementsByName(n)[0]; if (e && !e.value) e.value = v; }`
	var path string
	err := chromedp.Run(tab, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(strings.TrimSuffix(chromedpURL(t, tab), "/")+"/checkout"),
		chromedp.WaitVisible(`form[action="/checkout"] button.primary`, chromedp.ByQuery),
		chromedp.Evaluate(fill, nil),
		chromedp.Click(`form[action="/checkout"] button.primary`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`form[action="/checkout"]`, chromedp.ByQuery),
		chromedp.Evaluate(`location.pathname`, &path))
	if err != nil {
		t.Fatalf("place the order: %v", err)
	}
	if !strings.HasPrefix(path, "/checkout/pay/") && !strings.HasPrefix(path, "/orders/") {
		t.Fatalf("placing the order led to %s", path)
	}
	return path
}

func signIn(t *testing.T, tab context.Context, email string) {
	t.Helper()
	err := chromedp.Run(tab,
		chromedp.Navigate(strings.TrimSuffix(chromedpURL(t, tab), "/")+"/login"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#password`, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
}

// chromedpURL is the origin of the tab's current page.
func chromedpURL(t *testing.T, tab context.Context) string {
	t.Helper()
	var loc string
	if err := chromedp.Run(tab, chromedp.Evaluate(`location.origin`, &loc)); err != nil {
		t.Fatal(err)
	}
	return loc
}

func visit(t *testing.T, tab context.Context, url string, width int64, primary string) pageCheck {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(width, 844, 1, width < 600)); err != nil {
		t.Fatalf("%s at %d px: %v", url, width, err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err != nil {
		t.Fatalf("%s at %d px: %v", url, width, err)
	}
	c := measurePage(t, ctx, url, primary)
	c.Status = int(resp.Status)
	return c
}

// measurePage runs measure in the tab's page as it is now, with primary
// the selector of its primary action ("" for none).
func measurePage(t *testing.T, ctx context.Context, url, primary string) pageCheck {
	t.Helper()
	js := strings.Replace(measure, "PRIMARY", fmt.Sprintf("%q", primary), 3)
	if primary == "" {
		js = strings.Replace(measure, "PRIMARY", `""`, 3)
	}
	js = strings.Replace(js, "ALLTEXT", allText, 1)
	var raw string
	if err := chromedp.Run(ctx, chromedp.WaitReady(`body`, chromedp.ByQuery), chromedp.Evaluate(js, &raw)); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	var c pageCheck
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return c
}

func checkPage(t *testing.T, where string, c pageCheck, keys []string, phone bool) {
	t.Helper()
	if c.ScrollWidth > c.Screen || len(c.Outside) > 0 {
		var widest []string
		for _, o := range c.Outside {
			widest = append(widest, o.String())
		}
		t.Errorf("%s scrolls sideways: the page is %d px wide on a %d px screen (innerWidth %d); boxes past the edge, furthest first:\n\t%s",
			where, c.ScrollWidth, c.Screen, c.InnerWidth, strings.Join(widest, "\n\t"))
	}
	for _, o := range c.Scrollers {
		t.Errorf("%s: a box scrolls sideways inside the page but is not a labelled region one can focus (role=region, aria-label, tabindex=0): %s", where, o)
	}
	if c.Primary != "" {
		t.Errorf("%s: primary action %s", where, c.Primary)
	}
	if strings.Contains(c.Text, "%!") {
		i := strings.Index(c.Text, "%!")
		t.Errorf("%s shows a formatting error: %q", where, c.Text[max(0, i-40):min(len(c.Text), i+40)])
	}
	for _, k := range keys {
		if strings.Contains(c.Text, k) {
			t.Errorf("%s shows the untranslated key %s", where, k)
		}
	}
	if phone && len(c.SmallTargets) > 0 {
		t.Errorf("%s: tap targets under 44 px: %v", where, c.SmallTargets)
	}
	if phone && len(c.SmallChart) > 0 {
		t.Errorf("%s: chart text under 12 px: %v", where, c.SmallChart)
	}
	if len(c.NarrowInputs) > 0 {
		t.Errorf("%s: text boxes under 120 px wide: %v", where, c.NarrowInputs)
	}
}

// catalogKeys are the catalog's keys that look like keys (a.b), to find
// any shown untranslated.
func catalogKeys(t *testing.T) []string {
	t.Helper()
	b, err := storefront.FS.ReadFile("locales/" + web.Languages[0] + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]string
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range cat {
		if strings.Contains(k, ".") && !strings.HasPrefix(k, "msg.") {
			out = append(out, k)
		}
	}
	return out
}

func screenshot(t *testing.T, tab context.Context, dir, role, path string) {
	t.Helper()
	var png []byte
	// What the phone's screen shows first, as people see it.
	if err := chromedp.Run(tab, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Errorf("screenshot %s: %v", path, err)
		return
	}
	name := strings.Trim(strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(path), "_")
	if name == "" {
		name = "home"
	}
	if role == "" {
		role = "visitor"
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, role+"-"+name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}
