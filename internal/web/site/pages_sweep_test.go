package site_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/fupinmarket/market/internal/web"
	"github.com/fupinmarket/market/storefront"
)

// allText is the page's text as measure hands it back (pageCheck.All):
// every text node, hidden ones too (a closed menu is still read once
// opened), the title, and the labels people and screen readers meet
// (placeholder, aria-label, title, alt). Left out: scripts, styles, codes
// (code, .code: a file's column names; .ltr-code: a tracking number), and
// whatever is marked as written in another language (the switch's
// language names).
const allText = `(() => {
  const lang = document.documentElement.lang;
  const skip = e => !!e.closest('script, style, noscript, code, .code, .ltr-code, [translate=no]') ||
    [...document.querySelectorAll('[lang]')].some(l => l !== document.documentElement && l.contains(e) && l.getAttribute('lang') !== lang);
  const parts = [document.title];
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = w.nextNode()); ) { const p = n.parentElement; if (p && n.textContent.trim() && !skip(p)) parts.push(n.textContent.trim()); }
  for (const e of document.body.querySelectorAll('[placeholder], [aria-label], [title], [alt]')) {
    if (skip(e)) continue;
    for (const a of ['placeholder', 'aria-label', 'title', 'alt']) { const v = e.getAttribute(a); if (v) parts.push(v); }
  }
  return parts.join("\n");
})()`

// words finds what a page shows: catalog keys left untranslated, English
// on a Chinese or Uyghur page where the catalog has the translation.
type words struct {
	// english holds the catalog's English texts (and the domain's English
	// messages, msg.<text>) that have another text in Chinese, folded to
	// lower case, pieces around placeholders split off.
	english map[string]bool
	// longest is the most words of any entry in english.
	longest int
	// kept are namesKept and the express companies' English names.
	kept []string
}

// keyLike is text shaped like a catalog key: "nav.home", "msg.…",
// "rpt.org.delivered_on". Host names and file names are told apart below.
var keyLike = regexp.MustCompile(`\b[a-z][a-z0-9_]*(?:\.[a-z0-9_%]+)+\b`)

// notKeys are dotted words that are not keys: addresses and file types.
var notKeys = regexp.MustCompile(`^(?:[a-z0-9_.]+\.(?:local|test|com|cn|org|net|csv|xlsx|pdf|png|svg|json|jpe?g|webp)|e\.g|i\.e)$`)

// latinRun is a run of Latin-letter words on one line: what English looks
// like in a page of Chinese or Uyghur.
var latinRun = regexp.MustCompile(`[A-Za-z][A-Za-z'’]*(?:[ ,;:()/-]+[A-Za-z][A-Za-z'’]*)*`)

// mailOrCode are addresses and codes with Latin letters that no language
// translates: an e-mail, an order number, a SKU, a setting
// (MARKET_FEED_URL), a command an office runs.
var mailOrCode = regexp.MustCompile(`[\w.+-]+@[\w.-]+|\b[A-Za-z]*\d[\w-]*\b|https?://\S+|\b\w*_\w*\b|marketctl(?: [a-z-]+)*`)

// namesKept are Latin names a Chinese or Uyghur page shows on purpose:
// names of things (a file format, a protocol, the express companies as
// the Uyghur catalog names them beside their Chinese names), and the
// codes a wage file accepts for the kind of work.
var namesKept = []string{"Excel", "XLSX", "Certificate Transparency", "sorting, packing, processing, transport, other"}

func newWords(t *testing.T) *words {
	t.Helper()
	cats := map[string]map[string]string{}
	for _, lang := range web.Languages {
		b, err := storefront.FS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		cat := map[string]string{}
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatal(err)
		}
		cats[lang] = cat
	}
	w := &words{english: map[string]bool{}, kept: append([]string{}, namesKept...)}
	for k, en := range cats["en"] {
		if strings.HasPrefix(k, "carrier.") {
			w.kept = append(w.kept, en)
		}
	}
	placeholder := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	for k, en := range cats["en"] {
		if en == cats["zh-CN"][k] { // a name or code the same in every language
			continue
		}
		for _, piece := range placeholder.Split(en, -1) {
			for _, m := range latinRun.FindAllString(piece, -1) {
				m = strings.ToLower(strings.Trim(m, " ,;:()/-"))
				if n := len(strings.Fields(m)); n >= 2 || utf8.RuneCountInString(m) >= 4 {
					w.english[m] = true
					w.longest = max(w.longest, n)
				}
			}
		}
	}
	return w
}

// check reports catalog keys shown as text on any page, and on a Chinese
// or Uyghur page the English the catalog translates.
func (w *words) check(t *testing.T, where, lang, text string) {
	t.Helper()
	seen := map[string]bool{}
	for _, k := range keyLike.FindAllString(text, -1) {
		if !notKeys.MatchString(k) && !seen[k] {
			seen[k] = true
			t.Errorf("%s shows %q, a catalog key or one missing from the catalogs", where, k)
		}
	}
	if lang == "en" {
		return
	}
	text = mailOrCode.ReplaceAllString(text, " ")
	for _, k := range w.kept {
		text = strings.ReplaceAll(text, k, " ")
	}
	for _, line := range strings.Split(text, "\n") {
		for _, run := range latinRun.FindAllString(line, -1) {
			if m := w.englishIn(run); m != "" && !seen[m] {
				seen[m] = true
				t.Errorf("%s shows English %q (in %q) where the catalog has a translation", where, m, strings.TrimSpace(line))
			}
		}
	}
}

// englishIn is the longest catalog English in run, "" when none: a run
// of words is matched as a whole first, then by its longest word spans.
func (w *words) englishIn(run string) string {
	f := strings.Fields(strings.ToLower(strings.Trim(run, " ,;:()/-")))
	for n := min(len(f), w.longest); n >= 1; n-- {
		for i := 0; i+n <= len(f); i++ {
			s := strings.Trim(strings.Join(f[i:i+n], " "), " ,;:()/-")
			if w.english[s] && (n >= 2 || utf8.RuneCountInString(s) >= 4) {
				return s
			}
		}
	}
	return ""
}

// stampRe finds times a page shows: 2026-12-07 01:00 and 12-07 01:00.
var stampRe = regexp.MustCompile(`(?:\d{4}-)?\d{2}-\d{2} \d{2}:\d{2}`)

// stamps are every time the database holds, written as pages write them,
// in Beijing time and in UTC: a time shown that is one of the UTC ones and
// none of the Beijing ones was written in the server's zone.
type stamps struct{ beijing, utc map[string]bool }

func loadStamps(t *testing.T, w *demoWorld) stamps {
	t.Helper()
	ctx := context.Background()
	rows, err := w.s.DB.Pool.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type = 'timestamp with time zone'`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	st := stamps{beijing: map[string]bool{}, utc: map[string]bool{}}
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT DISTINCT to_char(%[1]q AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
			to_char(%[1]q AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM %[2]q WHERE %[1]q IS NOT NULL`, c[1], c[0])
		rows, err := w.s.DB.Pool.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s.%s: %v", c[0], c[1], err)
		}
		for rows.Next() {
			var bj, utc string
			if err := rows.Scan(&bj, &utc); err != nil {
				t.Fatal(err)
			}
			st.beijing[bj], st.beijing[bj[5:]] = true, true
			st.utc[utc], st.utc[utc[5:]] = true, true
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// check reports a time shown in UTC rather than in Beijing time.
func (st stamps) check(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range stampRe.FindAllString(text, -1) {
		if st.utc[s] && !st.beijing[s] {
			t.Errorf("%s shows %s, a time of the database in UTC rather than Beijing time", where, s)
		}
	}
}

// sharedBrowser starts one browser for a whole walk, closed when the test
// ends; each role opens a tab of its own in it.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium is not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(412, 915))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Run(browser); err != nil { // starts it
		t.Fatal(err)
	}
	return browser
}

// errorForm is a form of a page sent with what it must refuse: each field
// in values set, every other text, number and date field emptied.
type errorForm struct {
	role, path, form string
	values           map[string]string
}

// errorForms are the forms each role fills in, to be shown back with their
// errors.
func (w *demoWorld) errorForms() []errorForm {
	id := w.ids
	return []errorForm{
		{"", "/login", `form[action="/login"]`, map[string]string{"email": "nobody@demo.local", "password": "wrong password"}},
		{"", "/register", `form[action="/register"]`, map[string]string{"email": "not an address", "password": "short"}},
		{"buyer", "/checkout", `form[action="/checkout"]`, map[string]string{"phone": "12"}},
		{"buyer", "/orders/" + id["invoiceable"], `form[action$="/invoice"]`, map[string]string{"email": "not an address"}},
		{"buyer", "/org/new", `form[action="/org/new"]`, nil},
		{"coop", "/coop/products/new", `form.editor`, map[string]string{"price": "-1"}},
		{"coop", "/coop/products/" + id["product"] + "/lots/new", `form.editor`, map[string]string{"quantity": "-1"}},
		{"coop", "/coop/orders/" + id["to_ship"] + "/ship", `form[action$="/ship"]`, nil},
		{"coop", "/coop/orders", `form[action="/coop/shipping"]`, map[string]string{"flat_yuan": "-1"}},
		{"coop", "/coop/payouts", `form[action="/coop/payouts"]`, map[string]string{"amount_yuan": "-1"}},
		{"coop", "/coop/wages", `form[action="/coop/wages"]`, map[string]string{"amount_yuan": "-1"}},
		{"coop", "/coop/dividends", `form[action="/coop/dividends"]`, map[string]string{"total_yuan": "-1"}},
		{"coop", "/coop/shares/" + id["member"], `form[action^="/coop/shares/"]`, map[string]string{"shares": "-1"}},
		{"office", "/office/villages/new", `form[action="/office/villages"]`, nil},
		{"office", "/office/import", `form[action="/office/import"]`, nil},
		{"county", "/office/certifications", `form[action="/office/certifications"]`, nil},
		{"office", "/office/households", `form[action="/office/households/find"]`, nil},
		{"org", "/org", `form[action="/org/target"]`, map[string]string{"canteen_budget_yuan": "-1", "target_yuan": "-1"}},
		{"org", "/org", `form[action="/org/members"]`, map[string]string{"email": "not an address"}},
		{"admin", "/admin/orders/" + id["any_order"], `form[action$="/refund"]`, map[string]string{"amount_yuan": "-1"}},
	}
}

// fillBadly sets a form's fields as errorForm says and sends it, without
// the browser's own checks (the server's answer is what is measured).
const fillBadly = `((sel, values) => {
  const f = document.querySelector(sel);
  f.noValidate = true;
  for (const e of f.elements) {
    if (e.type === "hidden" || e.disabled || !e.name) continue;
    if (e.name in values) { e.value = values[e.name]; continue; }
    if (["text", "email", "tel", "password", "number", "date", "search", "url", "textarea"].includes(e.type)) e.value = "";
  }
  f.requestSubmit(f.querySelector("button[type=submit], button:not([type]), input[type=submit]") || undefined);
})`

// sendBadly opens f's page, sends its form filled badly and measures the
// page that answers.
func sendBadly(t *testing.T, tab context.Context, base string, f errorForm) (pageCheck, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(390, 844, 1, true)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+f.path)); err != nil {
		t.Fatalf("%s: %v", f.path, err)
	}
	values, _ := json.Marshal(f.values)
	if values == nil || string(values) == "null" {
		values = []byte("{}")
	}
	var found bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf("!!document.querySelector(%q)", f.form), &found)); err != nil || !found {
		var text string
		chromedp.Run(ctx, chromedp.Text("main", &text, chromedp.ByQuery))
		t.Errorf("%s: no form %s (%v) in\n%.600s", f.path, f.form, err, text)
		return pageCheck{}, false
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Evaluate(fmt.Sprintf("%s(%q, %s)", fillBadly, f.form, values), nil))
	if err != nil {
		t.Errorf("%s: send %s: %v", f.path, f.form, err)
		return pageCheck{}, false
	}
	c := measurePage(t, ctx, f.path, "")
	c.Status = int(resp.Status)
	var shown []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("main .field-error, main .error, main [role=alert]")].map(e => e.innerText.trim()).filter(s => s)`, &shown)); err != nil {
		t.Fatal(err)
	}
	if len(shown) == 0 {
		t.Errorf("%s: %s sent with mistakes shows no error", f.path, f.form)
	}
	return c, true
}
