// Package catalog is what cooperatives sell: products with their variants,
// images and certification (扶贫产品认定), and the lots of produce received
// from member households, each with an income rule and a public trace code.
//
// Visibility: buyers and visitors see a product only while it is active and
// its cooperative is approved; the cooperative's own admins see all of their
// products. Writes are for the coop_admin of an approved cooperative;
// certification is for the county office (certify) and the prefecture office
// (confirm). Every rule is enforced here, in the use case's transaction.
package catalog

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// Status is a product's state.
type Status string

const (
	StatusDraft    Status = "draft"
	StatusActive   Status = "active"
	StatusArchived Status = "archived"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusDraft || s == StatusActive || s == StatusArchived }

// Category is a product category with its labels.
type Category struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	NameUg string `json:"name_ug"`
}

// Name is the label in lang ("zh-CN", "en" or "ug").
func (c Category) Name(lang string) string {
	switch lang {
	case "en":
		return c.NameEn
	case "ug":
		return c.NameUg
	}
	return c.NameZh
}

// Categories are the product categories, in display order. They mirror the
// rows migrations/00200_catalog.sql inserts.
var Categories = []Category{
	{"dried_fruit", "干果", "Dried fruit and nuts", "قۇرۇق مېۋە ۋە مېغىزلار"},
	{"fresh_fruit", "鲜果", "Fresh fruit", "ھۆل مېۋە"},
	{"meat", "肉类", "Meat", "گۆش"},
	{"poultry_eggs", "禽蛋", "Poultry and eggs", "ئۆي قۇشلىرى ۋە تۇخۇم"},
	{"mushrooms", "食用菌", "Edible fungi", "يېگىلى بولىدىغان زەمبۇرۇغ"},
	{"grain_oil", "粮油", "Grain and oil", "ئاشلىق ۋە ماي"},
	{"specialty", "特色农产品", "Specialty produce", "يەرلىك ئالاھىدە مەھسۇلاتلار"},
	{"handicrafts", "手工艺品", "Handicrafts", "قول ھۈنەر بۇيۇملىرى"},
}

// CategoryByCode finds a category.
func CategoryByCode(code string) (Category, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// BaseUnits are the units a product's quantities are counted in.
var BaseUnits = []string{"kg", "g", "piece", "head", "egg", "bottle", "jar", "bag", "box"}

// ValidUnit reports whether u is a base unit.
func ValidUnit(u string) bool {
	for _, x := range BaseUnits {
		if x == u {
			return true
		}
	}
	return false
}

// Product is a product as the API serves it.
type Product struct {
	ID              ids.ID       `json:"id"`
	CooperativeID   ids.ID       `json:"cooperative_id"`
	CooperativeName string       `json:"cooperative_name"`
	CountyCode      string       `json:"county_code"`
	CountyName      string       `json:"county_name"`
	PrefectureCode  string       `json:"prefecture_code"`
	PrefectureName  string       `json:"prefecture_name"`
	Title           string       `json:"title"`
	Description     string       `json:"description"`
	Category        string       `json:"category"`
	BaseUnit        string       `json:"base_unit"`
	Status          Status       `json:"status"`
	Certified       bool         `json:"certified"`
	Certificate     *Certificate `json:"certificate,omitempty"`
	MinPriceFen     int64        `json:"min_price_fen"`
	Variants        []Variant    `json:"variants"`
	Images          []Image      `json:"images"`
	Origin          *Origin      `json:"origin,omitempty"`
	CurrentLot      *LotSummary  `json:"current_lot,omitempty"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	// Visible is whether buyers may see the product (active, cooperative approved).
	Visible bool `json:"visible"`
	// SoldUnits (销量) is how many units paid orders bought and kept; read
	// with one product, not in lists.
	SoldUnits *int64 `json:"sold_units,omitempty"`
	// Shipping is the cooperative's fee per order, waived from a threshold.
	Shipping Shipping `json:"shipping"`
	// The title and description in Uyghur and English, empty where none
	// was entered; Names and the ...In methods fall back to Chinese.
	TitleUg          string     `json:"title_ug"`
	TitleEn          string     `json:"title_en"`
	DescriptionUg    string     `json:"description_ug"`
	DescriptionEn    string     `json:"description_en"`
	Names            text.Names `json:"names"`
	CooperativeNames text.Names `json:"cooperative_names"`
	// The county's and prefecture's names in every language entered (the
	// ...Name fields are the Chinese).
	CountyNames     text.Names `json:"county_names"`
	PrefectureNames text.Names `json:"prefecture_names"`
	coopUg, coopEn  string     // scanned, then in CooperativeNames
}

// TitleIn is the product's title in lang, Chinese when it has none there.
func (p Product) TitleIn(lang string) string { return p.Names.In(lang) }

// DescriptionIn is the description in lang, Chinese when it has none there.
func (p Product) DescriptionIn(lang string) string {
	return text.Names{Zh: p.Description, Ug: p.DescriptionUg, En: p.DescriptionEn}.In(lang)
}

// CooperativeNameIn is the cooperative's name in lang.
func (p Product) CooperativeNameIn(lang string) string { return p.CooperativeNames.In(lang) }

// CountyNameIn is the county's name in lang, Chinese when it has none there.
func (p Product) CountyNameIn(lang string) string {
	return text.Names{Zh: p.CountyName, Ug: p.CountyNames.Ug, En: p.CountyNames.En}.In(lang)
}

// PrefectureNameIn is the prefecture's name in lang ("" when the county
// has none), Chinese when it has none there.
func (p Product) PrefectureNameIn(lang string) string {
	return text.Names{Zh: p.PrefectureName, Ug: p.PrefectureNames.Ug, En: p.PrefectureNames.En}.In(lang)
}

// localize fills Names, CooperativeNames, CountyNames and PrefectureNames
// from the stored columns (the regions' other languages are scanned into
// CountyNames and PrefectureNames).
func (p *Product) localize(coopUg, coopEn string) {
	p.Names = text.Names{Zh: p.Title, Ug: p.TitleUg, En: p.TitleEn}
	p.CooperativeNames = text.Names{Zh: p.CooperativeName, Ug: coopUg, En: coopEn}
	p.CountyNames.Zh, p.PrefectureNames.Zh = p.CountyName, p.PrefectureName
}

// Shipping is what a cooperative charges to ship one order (包邮 from
// FreeOverFen on, when set).
type Shipping struct {
	FeeFen      int64  `json:"fee_fen"`
	FreeOverFen *int64 `json:"free_over_fen,omitempty"`
}

// Free reports whether shipping is always free (包邮).
func (s Shipping) Free() bool { return s.FeeFen == 0 }

// Variant is what a buyer puts in the cart: price_fen for base_qty base units.
type Variant struct {
	ID        ids.ID `json:"id"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	PriceFen  int64  `json:"price_fen"`
	BaseQty   Qty    `json:"base_qty"`
	Active    bool   `json:"active"`
	Available int64  `json:"available"`
	// ReachesFen is about how much of one unit's price reaches the
	// households of the current lot, by its income rule (0 without stock).
	ReachesFen int64 `json:"reaches_households_fen"`
}

// Image is a product photo with its thumbnails.
type Image struct {
	ID     ids.ID     `json:"id"`
	URL    string     `json:"url"`
	Width  int        `json:"width"`
	Height int        `json:"height"`
	Alt    string     `json:"alt"`
	Thumbs []ThumbRef `json:"thumbs"`
}

// ThumbRef is one scaled copy of an image.
type ThumbRef struct {
	Width int    `json:"width"`
	URL   string `json:"url"`
}

// SrcSet renders the image's thumbnails as an HTML srcset value.
func (i Image) SrcSet() string {
	parts := make([]string, 0, len(i.Thumbs))
	for _, t := range i.Thumbs {
		parts = append(parts, fmt.Sprintf("%s %dw", t.URL, t.Width))
	}
	return strings.Join(parts, ", ")
}

// Thumb is the URL of the smallest thumbnail at least w wide (else the largest).
func (i Image) Thumb(w int) string {
	best := ""
	for _, t := range i.Thumbs {
		best = t.URL
		if t.Width >= w {
			return t.URL
		}
	}
	if best == "" {
		return i.URL
	}
	return best
}

// Certificate is a product's 扶贫产品认定 as the storefront shows it.
type Certificate struct {
	ID         ids.ID `json:"id"`
	Number     string `json:"certificate_no"`
	CountyCode string `json:"county_code"`
	CountyName string `json:"county_name"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
	Status     string `json:"status"`
	// CountyNames is the certifying county's name in every language entered.
	CountyNames text.Names `json:"county_names"`
}

// CountyNameIn is the certifying county's name in lang, Chinese when it
// has none there.
func (c Certificate) CountyNameIn(lang string) string {
	return text.Names{Zh: c.CountyName, Ug: c.CountyNames.Ug, En: c.CountyNames.En}.In(lang)
}

// Origin is where a product's produce comes from: places and counts only.
type Origin struct {
	Villages   []Place `json:"villages"`
	Households int     `json:"households"`
}

// Place is a named region.
type Place struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// LotSummary is the lot the next sale comes from (first received with stock).
type LotSummary struct {
	ID         ids.ID     `json:"id"`
	TraceCode  string     `json:"trace_code"`
	ReceivedOn string     `json:"received_on"`
	IncomeRule IncomeRule `json:"income_rule"`
	Households int        `json:"households"`
}

// ProductInput is a new product, as POST /api/v1/products takes it.
type ProductInput struct {
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	TitleUg       string         `json:"title_ug"`
	TitleEn       string         `json:"title_en"`
	DescriptionUg string         `json:"description_ug"`
	DescriptionEn string         `json:"description_en"`
	Category      string         `json:"category"`
	BaseUnit      string         `json:"base_unit"`
	Status        Status         `json:"status"`
	Variants      []VariantInput `json:"variants"`
}

// VariantInput is a variant to create (ID zero) or change.
type VariantInput struct {
	ID       ids.ID `json:"id,omitempty"`
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	PriceFen int64  `json:"price_fen"`
	BaseQty  Qty    `json:"base_qty"`
}

// ProductPatch changes some fields; nil fields stay. Variants, when given,
// is the whole list: listed variants with an id are changed, those without
// are created, and existing variants left out are taken off sale.
type ProductPatch struct {
	Title         *string         `json:"title,omitempty"`
	Description   *string         `json:"description,omitempty"`
	TitleUg       *string         `json:"title_ug,omitempty"`
	TitleEn       *string         `json:"title_en,omitempty"`
	DescriptionUg *string         `json:"description_ug,omitempty"`
	DescriptionEn *string         `json:"description_en,omitempty"`
	Category      *string         `json:"category,omitempty"`
	BaseUnit      *string         `json:"base_unit,omitempty"`
	Status        *Status         `json:"status,omitempty"`
	Variants      *[]VariantInput `json:"variants,omitempty"`
}

const (
	maxTitle       = 60
	maxDescription = 2000
	maxVariants    = 20
	maxPriceFen    = 100_000_000 // ¥1,000,000 for one unit
)

func (in *ProductInput) normalise() {
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.TitleUg, in.TitleEn = strings.TrimSpace(in.TitleUg), strings.TrimSpace(in.TitleEn)
	in.DescriptionUg, in.DescriptionEn = strings.TrimSpace(in.DescriptionUg), strings.TrimSpace(in.DescriptionEn)
	in.Category = strings.TrimSpace(in.Category)
	in.BaseUnit = strings.TrimSpace(in.BaseUnit)
	if in.Status == "" {
		in.Status = StatusDraft
	}
	for i := range in.Variants {
		in.Variants[i].SKU = strings.TrimSpace(in.Variants[i].SKU)
		in.Variants[i].Name = strings.TrimSpace(in.Variants[i].Name)
	}
}

// validate records every problem of in.
func (in *ProductInput) validate(f map[string]string) {
	add := func(k, v string) {
		if _, ok := f[k]; !ok {
			f[k] = v
		}
	}
	if msg := checkText(in.Title, maxTitle, true); msg != "" {
		add("title", msg)
	}
	if msg := checkLines(in.Description, maxDescription, false); msg != "" {
		add("description", msg)
	}
	for _, t := range []struct {
		field, value string
		max          int
		lines        bool
	}{{"title_ug", in.TitleUg, maxTitle, false}, {"title_en", in.TitleEn, maxTitle, false},
		{"description_ug", in.DescriptionUg, maxDescription, true}, {"description_en", in.DescriptionEn, maxDescription, true}} {
		if msg := checkTextOf(t.value, t.max, false, t.lines); msg != "" {
			add(t.field, msg)
		}
	}
	if _, ok := CategoryByCode(in.Category); !ok {
		add("category", "must be one of "+categoryCodes())
	}
	if !ValidUnit(in.BaseUnit) {
		add("base_unit", "must be one of "+strings.Join(BaseUnits, ", "))
	}
	if !in.Status.Valid() {
		add("status", "must be draft, active or archived")
	}
	switch {
	case len(in.Variants) == 0:
		add("variants", "at least one variant is required")
	case len(in.Variants) > maxVariants:
		add("variants", fmt.Sprintf("at most %d variants", maxVariants))
	}
	skus := map[string]bool{}
	for i, v := range in.Variants {
		k := fmt.Sprintf("variants[%d].", i)
		switch {
		case v.SKU == "":
			add(k+"sku", "required")
		case !validSKU(v.SKU):
			add(k+"sku", "may hold 1 to 40 letters, digits, '.', '_' and '-'")
		default:
			if skus[strings.ToLower(v.SKU)] {
				add(k+"sku", "repeats the SKU of an earlier variant")
			}
			skus[strings.ToLower(v.SKU)] = true
		}
		if msg := checkText(v.Name, 40, true); msg != "" {
			add(k+"name", msg)
		}
		switch {
		case v.PriceFen <= 0:
			add(k+"price_fen", "must be a positive amount in fen")
		case v.PriceFen > maxPriceFen:
			add(k+"price_fen", "is too large")
		}
		switch {
		case v.BaseQty <= 0:
			add(k+"base_qty", "must be greater than zero")
		case v.BaseQty > Units(100_000):
			add(k+"base_qty", "is too large")
		}
	}
}

func categoryCodes() string {
	codes := make([]string, len(Categories))
	for i, c := range Categories {
		codes[i] = c.Code
	}
	return strings.Join(codes, ", ")
}

func validSKU(s string) bool {
	if len(s) < 1 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkText checks a one-line text (a title, a name); checkLines one that
// may hold tabs and line breaks (a description).
func checkText(s string, max int, required bool) string { return checkTextOf(s, max, required, false) }

func checkLines(s string, max int, required bool) string { return checkTextOf(s, max, required, true) }

func checkTextOf(s string, max int, required, lines bool) string {
	switch {
	case s == "" && required:
		return "required"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	}
	return text.Problem(s, lines)
}
