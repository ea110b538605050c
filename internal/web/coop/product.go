package coop

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// VariantRow is one row of the editor's variant table.
type VariantRow struct {
	ID      string
	SKU     string
	Name    string
	Price   string // yuan, as typed
	BaseQty string
}

// ProductView is the product editor: the form, the product as saved (nil
// for a new one) and its lots.
type ProductView struct {
	Form       ProductForm
	Product    *catalog.Product
	Lots       []catalog.Lot
	Categories []catalog.Category
	Units      []string
}

// ProductForm is the editor's state: values as typed and field errors.
type ProductForm struct {
	ID          int64
	Title       string
	Description string
	// The optional Uyghur and English title and description.
	TitleUg, TitleEn, DescriptionUg, DescriptionEn string
	Category                                       string
	BaseUnit                                       string
	Status                                         string
	Variants                                       []VariantRow
	Errors                                         map[string]string
	Message                                        string
	// Alt is the picture's description as typed, kept when the upload is
	// refused.
	Alt string
}

func (f ProductForm) Err(key string) string { return f.Errors[key] }

const blankVariantRows = 2

func (s handlers) newProduct(c *fiber.Ctx) error {
	f := ProductForm{Status: "draft", BaseUnit: "kg", Category: "dried_fruit"}
	f.Variants = make([]VariantRow, blankVariantRows+1)
	return s.renderProductForm(c, f, nil)
}

func (s handlers) product(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	prod, err := s.Catalog.GetProduct(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	if !web.ActorOf(c).ManagesCoop(int64(prod.CooperativeID)) {
		return errs.E(errs.NotFound, "product %d not found", id)
	}
	f := productForm(id, prod)
	f.Variants = append(f.Variants, make([]VariantRow, blankVariantRows)...)
	switch {
	case c.Query("saved") != "":
		f.Message = "saved"
	case c.Query("image") != "":
		f.Message = "image"
	case c.Query("lot") != "":
		f.Message = "lot"
	}
	return s.renderProductForm(c, f, &prod)
}

func (s handlers) renderProductForm(c *fiber.Ctx, f ProductForm, prod *catalog.Product) error {
	p := s.Page(c, "")
	p.Title = p.T("coop.new_product")
	var lots []catalog.Lot
	if prod != nil {
		p.Title = prod.TitleIn(p.Lang)
		var err error
		if lots, err = s.Catalog.ListLots(web.Ctx(c), web.ActorOf(c), f.ID); err != nil {
			return err
		}
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	p.Data = ProductView{Form: f, Product: prod, Lots: lots, Categories: catalog.Categories, Units: catalog.BaseUnits}
	if len(f.Errors) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.HTML(c, "coop/product", p)
}

// saveProduct creates (no id) or changes a product from the editor.
func (s handlers) saveProduct(c *fiber.Ctx) error {
	var id int64
	if c.Params("id") != "" {
		var err error
		if id, err = web.PathID(c, "id", "not found"); err != nil {
			return err
		}
	}
	f := ProductForm{ID: id, Title: c.FormValue("title"), Description: c.FormValue("description"),
		Category: c.FormValue("category"), BaseUnit: c.FormValue("base_unit"), Status: c.FormValue("status"),
		TitleUg: c.FormValue("title_ug"), TitleEn: c.FormValue("title_en"),
		DescriptionUg: c.FormValue("description_ug"), DescriptionEn: c.FormValue("description_en"),
		Errors: map[string]string{}}
	args := c.Request().PostArgs()
	vid, sku, name, price, qty := args.PeekMulti("variant_id"), args.PeekMulti("sku"), args.PeekMulti("variant_name"),
		args.PeekMulti("price"), args.PeekMulti("base_qty")
	var variants []catalog.VariantInput
	// The form's own errors are keyed by the editor's row i, where the page
	// shows them; the domain's, by the sent variant, go through rowKey.
	for i := range sku {
		row := VariantRow{SKU: string(sku[i]), Name: formAt(name, i), Price: formAt(price, i), BaseQty: formAt(qty, i), ID: formAt(vid, i)}
		f.Variants = append(f.Variants, row)
		if strings.TrimSpace(row.SKU+row.Name+row.Price+row.BaseQty) == "" {
			continue // an unused blank row
		}
		v := catalog.VariantInput{SKU: row.SKU, Name: row.Name}
		if row.ID != "" {
			if x, ok := ids.Parse(row.ID); ok {
				v.ID = x
			}
		}
		fen, err := parseCents(row.Price)
		if err != nil {
			f.Errors[fmt.Sprintf("variants[%d].price_fen", i)] = "must be an amount in yuan such as 12.80"
			fen = 1
		}
		v.PriceFen = fen
		if q, err := catalog.ParseQty(row.BaseQty); err != nil {
			f.Errors[fmt.Sprintf("variants[%d].base_qty", i)] = "must be a number with at most three decimals"
			v.BaseQty = 1
		} else {
			v.BaseQty = q
		}
		variants = append(variants, v)
	}
	var prod catalog.Product
	var err error
	if len(f.Errors) == 0 {
		if id == 0 {
			prod, err = s.Catalog.CreateProduct(web.Ctx(c), web.ActorOf(c), catalog.ProductInput{Title: f.Title,
				Description: f.Description, Category: f.Category, BaseUnit: f.BaseUnit, Status: catalog.Status(f.Status),
				TitleUg: f.TitleUg, TitleEn: f.TitleEn, DescriptionUg: f.DescriptionUg, DescriptionEn: f.DescriptionEn,
				Variants: variants})
		} else {
			st := catalog.Status(f.Status)
			prod, err = s.Catalog.UpdateProduct(web.Ctx(c), web.ActorOf(c), id, catalog.ProductPatch{Title: &f.Title,
				Description: &f.Description, Category: &f.Category, BaseUnit: &f.BaseUnit, Status: &st, Variants: &variants,
				TitleUg: &f.TitleUg, TitleEn: &f.TitleEn, DescriptionUg: &f.DescriptionUg, DescriptionEn: &f.DescriptionEn})
		}
	}
	// A refusal that names fields (invalid input; a base unit the product's
	// lots fix) shows next to them; any other goes to the error page.
	var e *errs.Error
	if err != nil && (!errors.As(err, &e) || !(e.Kind == errs.Invalid || e.Kind == errs.Conflict && len(e.Fields) > 0)) {
		return err
	}
	if e != nil {
		for k, v := range e.Fields {
			f.Errors[rowKey(k, f.Variants)] = v
		}
	}
	if len(f.Errors) > 0 {
		f.Message = "invalid"
		var existing *catalog.Product
		if id != 0 {
			if p, err := s.Catalog.GetProduct(web.Ctx(c), web.ActorOf(c), id); err == nil {
				existing = &p
			}
		}
		if err := s.renderProductForm(c, f, existing); err != nil {
			return err
		}
		if e != nil && e.Kind == errs.Conflict {
			c.Status(fiber.StatusConflict)
		}
		return nil
	}
	return c.Redirect("/coop/products/"+prod.ID.String()+"?saved=1", fiber.StatusSeeOther)
}

// rowKey maps a domain field key on the n-th sent variant back to the
// editor's row (blank rows are skipped when sending).
func rowKey(k string, rows []VariantRow) string {
	var n int
	var rest string
	if _, err := fmt.Sscanf(k, "variants[%d]", &n); err != nil {
		return k
	}
	rest = k[strings.Index(k, "]")+1:]
	used := -1
	for i, r := range rows {
		if strings.TrimSpace(r.SKU+r.Name+r.Price+r.BaseQty) != "" {
			used++
			if used == n {
				return fmt.Sprintf("variants[%d]%s", i, rest)
			}
		}
	}
	return k
}

func formAt(list [][]byte, i int) string {
	if i < len(list) {
		return string(list[i])
	}
	return ""
}

// parseCents reads a decimal with at most two decimals as hundredths:
// "12.8" → 1280 (yuan to fen, percent to basis points), never negative.
func parseCents(s string) (int64, error) {
	v, err := money.ParseYuan(strings.TrimPrefix(strings.TrimSpace(s), "¥"))
	if err != nil || v < 0 {
		return 0, errors.New("at most two decimals")
	}
	return v, nil
}

func (s handlers) addImage(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	data, err := web.ImageUpload(c, "file")
	if err == nil {
		_, err = s.Catalog.AddImage(web.Ctx(c), web.ActorOf(c), id, data, c.FormValue("alt"))
	}
	var e *errs.Error
	if err != nil && errors.As(err, &e) && (e.Kind == errs.Invalid || e.Kind == errs.TooLarge) {
		prod, gerr := s.Catalog.GetProduct(web.Ctx(c), web.ActorOf(c), id)
		if gerr != nil {
			return gerr
		}
		f := productForm(id, prod)
		f.Errors, f.Alt = map[string]string{}, c.FormValue("alt")
		for k, v := range e.Fields {
			f.Errors["image."+k] = v
		}
		if len(e.Fields) == 0 {
			f.Errors["image.file"] = e.Message
		}
		if err := s.renderProductForm(c, f, &prod); err != nil {
			return err
		}
		if e.Kind == errs.TooLarge {
			c.Status(fiber.StatusRequestEntityTooLarge)
		}
		return nil
	}
	if err != nil {
		return err
	}
	return c.Redirect("/coop/products/"+strconv.FormatInt(id, 10)+"?image=1", fiber.StatusSeeOther)
}

// productForm is the edit form filled from a stored product: its fields in
// every language and its active variants.
func productForm(id int64, prod catalog.Product) ProductForm {
	f := ProductForm{ID: id, Title: prod.Title, Description: prod.Description, Category: prod.Category,
		BaseUnit: prod.BaseUnit, Status: string(prod.Status), TitleUg: prod.TitleUg, TitleEn: prod.TitleEn,
		DescriptionUg: prod.DescriptionUg, DescriptionEn: prod.DescriptionEn}
	for _, v := range prod.Variants {
		if v.Active {
			f.Variants = append(f.Variants, VariantRow{ID: v.ID.String(), SKU: v.SKU, Name: v.Name,
				Price: money.Yuan(v.PriceFen), BaseQty: v.BaseQty.String()})
		}
	}
	return f
}
