package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"path"
	"reflect"
	"strconv"
	"strings"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/storefront"
)

// Languages served, the first being the default. Adding one: its catalog
// storefront/locales/<tag>.json with every key of the others, its name
// below, and its direction in rtlLanguages when it is written right to left
// (README, "Adding a language").
var Languages = []string{"zh-CN", "en", "ug"}

// LanguageNames are the languages' names in themselves, as the switch
// offers them to someone who may not read the page's language.
var LanguageNames = map[string]string{"zh-CN": "中文", "en": "English", "ug": "ئۇيغۇرچە"}

// rtlLanguages are written right to left: Uyghur in Arabic script.
var rtlLanguages = map[string]bool{"ug": true}

// DirOf is the writing direction of lang: "rtl" or "ltr".
func DirOf(lang string) string {
	if rtlLanguages[lang] {
		return "rtl"
	}
	return "ltr"
}

// Renderer holds the templates (parsed once), the locale catalogs and the
// content-hashed names of the static files.
type Renderer struct {
	pages    map[string]*template.Template
	catalogs map[string]map[string]string
	static   map[string]string // "app.css" → "app.3f2a1b9c.css"
	files    map[string]string // hashed name → real name
}

// NewRenderer parses every page template with the layout and the partials.
// A page is named by its path under templates/ without ".html": "error",
// "shop/product", "office/households".
func NewRenderer() (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, catalogs: map[string]map[string]string{},
		static: map[string]string{}, files: map[string]string{}}
	if err := r.hashStatic(); err != nil {
		return nil, err
	}
	for _, lang := range Languages {
		b, err := fs.ReadFile(storefront.FS, "locales/"+lang+".json")
		if err != nil {
			return nil, err
		}
		cat := map[string]string{}
		if err := json.Unmarshal(b, &cat); err != nil {
			return nil, fmt.Errorf("locale %s: %w", lang, err)
		}
		r.catalogs[lang] = cat
	}
	base, err := template.New("layout.html").Funcs(r.funcs()).ParseFS(storefront.FS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	// Partials (templates/partials/*.html) define blocks every page may use.
	if parts, _ := fs.Glob(storefront.FS, "templates/partials/*.html"); len(parts) > 0 {
		if base, err = base.ParseFS(storefront.FS, parts...); err != nil {
			return nil, err
		}
	}
	for _, n := range PageTemplates() {
		t, err := template.Must(base.Clone()).ParseFS(storefront.FS, "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		r.pages[n] = t
	}
	return r, nil
}

// PageTemplates names every page template: templates/*.html but the
// layout, and templates/<audience>/*.html.
func PageTemplates() []string {
	var out []string
	for _, pattern := range []string{"templates/*.html", "templates/*/*.html"} {
		names, _ := fs.Glob(storefront.FS, pattern)
		for _, n := range names {
			n = strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			if n == "layout" || strings.HasPrefix(n, "partials/") {
				continue
			}
			out = append(out, n)
		}
	}
	return out
}

func (r *Renderer) hashStatic() error {
	return fs.WalkDir(storefront.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(storefront.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		r.static[name], r.files[hashed] = hashed, name
		return nil
	})
}

func (r *Renderer) staticURL(name string) string {
	if h, ok := r.static[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

// Page is what every template receives: the layout's needs, and the page's
// own view model in Data (a struct of the audience package).
type Page struct {
	Lang      string
	Dir       string
	Title     string
	Path      string
	Actor     auth.Actor
	CSRF      string
	RequestID string
	Data      any
	catalog   map[string]string
	fallback  map[string]string
}

// OtherLang is the first language the switch offers (English, or Chinese
// on an English page).
func (p Page) OtherLang() string {
	if p.Lang == "en" {
		return "zh-CN"
	}
	return "en"
}

// LangLink is one language the switch offers: its tag, its name in itself
// and its direction, so that the link reads right whatever the page's.
type LangLink struct{ Code, Name, Dir string }

// OtherLangs are the languages other than the page's, in Languages order.
func (p Page) OtherLangs() []LangLink {
	out := make([]LangLink, 0, len(Languages)-1)
	for _, l := range Languages {
		if l != p.Lang {
			out = append(out, LangLink{Code: l, Name: LanguageNames[l], Dir: DirOf(l)})
		}
	}
	return out
}

// T translates key, formatting args into it when given.
//
// Plurals: a message that counts something ("%d registered households")
// may have a singular form under "<key>.one" in the same catalog; T uses it
// when the message's count is 1. The count is the first argument that is a
// whole number: an integer of any type, or a string of digits (what num
// prints, "1" or "1,234"); a price such as "7.20" or a date is not one. So
// a key gets a ".one" form only when its first whole-number argument is
// the count of the noun it inflects. Languages without a grammatical
// plural give ".one" the same text as the key.
func (p Page) T(key string, args ...any) string {
	if len(args) == 0 {
		return p.text(key, nil)
	}
	args = derefAll(args)
	return fmt.Sprintf(p.text(key, args), args...)
}

// Noun is key's text, a noun a figure is shown beside ("registered
// households" after a bold 5), in its singular form ("<key>.one") when n
// is 1. A message that counts several things ("5 households in 1
// village") is put together from one counted message per noun, since T
// inflects only for its first count.
func (p Page) Noun(key string, n int) string {
	return p.text(key, []any{n})
}

// TH is T for a message with marked-up arguments, such as a code isolated
// left to right (LTR): the catalog's text and the arguments are escaped,
// but for template.HTML arguments, which are kept as they are.
func (p Page) TH(key string, args ...any) template.HTML {
	args = derefAll(args)
	s := template.HTMLEscapeString(p.text(key, args))
	if len(args) == 0 {
		return template.HTML(s)
	}
	safe := make([]any, len(args))
	for i, a := range args {
		if h, ok := a.(template.HTML); ok {
			safe[i] = string(h)
			continue
		}
		switch v := reflect.ValueOf(a); {
		case v.CanInt() || v.CanUint() || v.CanFloat() || v.Kind() == reflect.Bool:
			safe[i] = a // a number keeps its verb (%d)
		default:
			safe[i] = template.HTMLEscapeString(fmt.Sprint(a))
		}
	}
	return template.HTML(fmt.Sprintf(s, safe...))
}

// LTR isolates s, a code read left to right whatever the page's direction
// (a tracking number), and lets it break anywhere: a 40-character one
// would otherwise push a phone's page sideways.
func LTR(s string) template.HTML {
	return template.HTML(`<bdi dir="ltr" class="ltr-code">` + template.HTMLEscapeString(s) + `</bdi>`)
}

// text is the catalog's text for key, in its singular form (key.one) when
// args count one (see T); the key itself when no catalog has it.
func (p Page) text(key string, args []any) string {
	cat := p.catalog
	s, ok := cat[key]
	if !ok {
		if cat = p.fallback; cat != nil {
			s, ok = cat[key]
		}
		if !ok {
			return key
		}
	}
	if len(args) > 0 {
		if one, found := cat[key+".one"]; found && countOf(args) == 1 {
			return one
		}
	}
	return s
}

// countOf is a message's count (see T): its first whole-number argument,
// or -1 when it has none.
func countOf(args []any) int64 {
	for _, a := range args {
		v := reflect.ValueOf(a)
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return v.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return int64(min(v.Uint(), math.MaxInt64))
		case reflect.String:
			if !wholeNumber(v.String()) {
				continue
			}
			if n, err := strconv.ParseInt(strings.ReplaceAll(v.String(), ",", ""), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// wholeNumber reports whether s is digits, with commas between groups.
func wholeNumber(s string) bool {
	if s == "" || s[0] == ',' || s[len(s)-1] == ',' {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != ',' {
			return false
		}
	}
	return true
}

// derefAll replaces pointers among a message's arguments by what they point
// to: a template's {{with}} of an optional field (a *string) hands T the
// pointer, which would print as %!s(*string=0x…).
func derefAll(args []any) []any {
	for i, a := range args {
		if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer {
			if v.IsNil() {
				args[i] = ""
			} else {
				args[i] = v.Elem().Interface()
			}
		}
	}
	return args
}

// Msg translates a domain message (English) when the catalog knows it, or
// its pattern (TrMsg): templates show field errors through it.
func (p Page) Msg(s string) string { return TrMsg(p, s) }

// CarrierName is an express company's name in the page's language: the
// catalog's "carrier.<name>" for the companies a cooperative picks from,
// the name as stored (Chinese, or as a cooperative typed another) for any
// other.
func (p Page) CarrierName(stored string) string {
	if t, ok := p.catalog["carrier."+stored]; ok {
		return t
	}
	return stored
}

// exactMsg is the catalog's "msg.<s>", or s when it has none.
func (p Page) exactMsg(s string) string {
	if t, ok := p.catalog["msg."+s]; ok {
		return t
	}
	return s
}

// localize attaches the catalogs of the page's language.
func (r *Renderer) localize(p *Page) {
	p.catalog, p.fallback = r.catalogs[p.Lang], r.catalogs[Languages[0]]
	if p.catalog == nil {
		p.Lang, p.catalog = Languages[0], p.fallback
	}
	p.Dir = DirOf(p.Lang)
}

// Render executes page name into a buffer, so a failing template never sends
// half a page.
func (r *Renderer) Render(name string, p Page) ([]byte, error) {
	t, ok := r.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	r.localize(&p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
