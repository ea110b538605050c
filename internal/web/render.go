package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/storefront"
)

// Languages served, the first being the default.
var languages = []string{"zh-CN", "en"}

// Renderer holds the templates (parsed once), the locale catalogs and the
// content-hashed names of the static files.
type Renderer struct {
	pages    map[string]*template.Template
	catalogs map[string]map[string]string
	static   map[string]string // "app.css" → "app.3f2a1b9c.css"
	files    map[string]string // hashed name → real name
}

// NewRenderer parses every page template with the layout.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, catalogs: map[string]map[string]string{},
		static: map[string]string{}, files: map[string]string{}}
	if err := r.hashStatic(); err != nil {
		return nil, err
	}
	for _, lang := range languages {
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
	funcs := template.FuncMap{"static": r.staticURL, "yuan": FormatYuan, "hasPrefix": strings.HasPrefix, "field": formField,
		"num": numFunc, "money": moneyFunc, "pct": pctFunc} // num, money, pct: charts.go
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(storefront.FS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	// Partials (templates/partials/*.html) define blocks every page may use.
	if parts, _ := fs.Glob(storefront.FS, "templates/partials/*.html"); len(parts) > 0 {
		if base, err = base.ParseFS(storefront.FS, parts...); err != nil {
			return nil, err
		}
	}
	names, err := fs.Glob(storefront.FS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(storefront.FS, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		r.pages[name] = t
	}
	return r, nil
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

// Page is what every template receives.
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

// OtherLang is the language the switch link offers.
func (p Page) OtherLang() string {
	if p.Lang == "en" {
		return "zh-CN"
	}
	return "en"
}

// T translates key, formatting args into it when given.
func (p Page) T(key string, args ...any) string {
	s, ok := p.catalog[key]
	if !ok {
		if s, ok = p.fallback[key]; !ok {
			s = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Msg translates a domain message (English) when the catalog knows it.
func (p Page) Msg(s string) string {
	if t, ok := p.catalog["msg."+s]; ok {
		return t
	}
	return s
}

// localize attaches the catalogs of the page's language.
func (r *Renderer) localize(p *Page) {
	p.catalog, p.fallback = r.catalogs[p.Lang], r.catalogs[languages[0]]
	if p.catalog == nil {
		p.Lang, p.catalog = languages[0], p.fallback
	}
	p.Dir = "ltr" // zh-CN and en; Uyghur will set rtl
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

// FormatYuan renders fen as yuan with two decimals: 1280 → "12.80".
func FormatYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// formFieldData is what the "field" template of a form needs.
type formFieldData struct {
	Page                                  Page
	Name, Label, Value, Type, Auto, Error string
}

// formField prepares a labelled input whose error, if any, comes from the
// page data's "Fields" map under "shipping_address.<name>" or "<name>".
func formField(p Page, name, label, value, typ, auto string) formFieldData {
	f := formFieldData{Page: p, Name: name, Label: label, Value: value, Type: typ, Auto: auto}
	if m, ok := p.Data.(map[string]any); ok {
		if fields, ok := m["Fields"].(map[string]string); ok {
			f.Error = fields["shipping_address."+name]
			if f.Error == "" {
				f.Error = fields[name]
			}
		}
	}
	return f
}
