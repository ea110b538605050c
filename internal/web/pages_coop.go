package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/textenc"
)

// coopRoutes adds the cooperative portal's catalog pages. Forms post and
// redirect; they work without JavaScript.
func (s *Server) coopRoutes(app *fiber.App) {
	coop := s.requireCoopPage
	app.Get("/coop", coop, s.pageCoop)
	app.Get("/coop/products/new", coop, s.pageCoopNewProduct)
	app.Post("/coop/products", coop, s.postCoopProduct)
	app.Get("/coop/products/:id", coop, s.pageCoopProduct)
	app.Post("/coop/products/:id", coop, s.postCoopProduct)
	app.Post("/coop/products/:id/images", coop, s.postCoopImage)
	app.Get("/coop/products/:id/lots/new", coop, s.pageCoopNewLot)
	app.Post("/coop/products/:id/lots", coop, s.postCoopLot)
}

// requireCoopPage sends visitors to the login page and refuses others.
func (s *Server) requireCoopPage(c *fiber.Ctx) error {
	a := actorOf(c)
	if a.Anonymous() {
		return c.Redirect("/login?next="+c.OriginalURL(), fiber.StatusSeeOther)
	}
	if !a.Has(auth.RoleCoopAdmin) {
		return errs.E(errs.Forbidden, "your account may not do this")
	}
	return c.Next()
}

func (s *Server) pageCoop(c *fiber.Ctx) error {
	list, err := s.Catalog.ListOwn(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("coop.title")
	p.Data = map[string]any{"Products": list, "Saved": c.Query("saved") != ""}
	return s.html(c, "coop_dashboard", p)
}

// variantRow is one row of the editor's variant table.
type variantRow struct {
	ID      string
	SKU     string
	Name    string
	Price   string // yuan, as typed
	BaseQty string
}

// productForm is the editor's state: values as typed and field errors.
type productForm struct {
	ID          int64
	Title       string
	Description string
	Category    string
	BaseUnit    string
	Status      string
	Variants    []variantRow
	Errors      map[string]string
	Message     string
}

func (f productForm) Err(key string) string { return f.Errors[key] }

const blankVariantRows = 2

func (s *Server) pageCoopNewProduct(c *fiber.Ctx) error {
	f := productForm{Status: "draft", BaseUnit: "kg", Category: "dried_fruit"}
	f.Variants = make([]variantRow, blankVariantRows+1)
	return s.renderProductForm(c, f, nil)
}

func (s *Server) pageCoopProduct(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	prod, err := s.Catalog.GetProduct(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	if !actorOf(c).ManagesCoop(int64(prod.CooperativeID)) {
		return errs.E(errs.NotFound, "product %d not found", id)
	}
	f := productForm{ID: id, Title: prod.Title, Description: prod.Description, Category: prod.Category,
		BaseUnit: prod.BaseUnit, Status: string(prod.Status)}
	for _, v := range prod.Variants {
		if v.Active {
			f.Variants = append(f.Variants, variantRow{ID: v.ID.String(), SKU: v.SKU, Name: v.Name,
				Price: FormatYuan(v.PriceFen), BaseQty: v.BaseQty.String()})
		}
	}
	f.Variants = append(f.Variants, make([]variantRow, blankVariantRows)...)
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

func (s *Server) renderProductForm(c *fiber.Ctx, f productForm, prod *catalog.Product) error {
	p := s.page(c, "")
	p.Title = p.T("coop.new_product")
	var lots []catalog.Lot
	if prod != nil {
		p.Title = prod.Title
		var err error
		if lots, err = s.Catalog.ListLots(ctx(c), actorOf(c), f.ID); err != nil {
			return err
		}
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	p.Data = map[string]any{"Form": f, "Product": prod, "Lots": lots, "Categories": catalog.Categories,
		"Units": catalog.BaseUnits}
	if len(f.Errors) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.html(c, "coop_product", p)
}

// postCoopProduct creates (no id) or changes a product from the editor.
func (s *Server) postCoopProduct(c *fiber.Ctx) error {
	var id int64
	if c.Params("id") != "" {
		var err error
		if id, err = catalogID(c, "id"); err != nil {
			return err
		}
	}
	f := productForm{ID: id, Title: c.FormValue("title"), Description: c.FormValue("description"),
		Category: c.FormValue("category"), BaseUnit: c.FormValue("base_unit"), Status: c.FormValue("status"),
		Errors: map[string]string{}}
	args := c.Request().PostArgs()
	vid, sku, name, price, qty := args.PeekMulti("variant_id"), args.PeekMulti("sku"), args.PeekMulti("variant_name"),
		args.PeekMulti("price"), args.PeekMulti("base_qty")
	var variants []catalog.VariantInput
	for i := range sku {
		row := variantRow{SKU: string(sku[i]), Name: formAt(name, i), Price: formAt(price, i), BaseQty: formAt(qty, i), ID: formAt(vid, i)}
		f.Variants = append(f.Variants, row)
		if strings.TrimSpace(row.SKU+row.Name+row.Price+row.BaseQty) == "" {
			continue // an unused blank row
		}
		n := len(variants)
		v := catalog.VariantInput{SKU: row.SKU, Name: row.Name}
		if row.ID != "" {
			if x, ok := ids.Parse(row.ID); ok {
				v.ID = x
			}
		}
		fen, err := parseCents(row.Price)
		if err != nil {
			f.Errors[fmt.Sprintf("variants[%d].price_fen", n)] = "must be an amount in yuan such as 12.80"
			fen = 1
		}
		v.PriceFen = fen
		if q, err := catalog.ParseQty(row.BaseQty); err != nil {
			f.Errors[fmt.Sprintf("variants[%d].base_qty", n)] = "must be a number with at most three decimals"
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
			prod, err = s.Catalog.CreateProduct(ctx(c), actorOf(c), catalog.ProductInput{Title: f.Title,
				Description: f.Description, Category: f.Category, BaseUnit: f.BaseUnit, Status: catalog.Status(f.Status),
				Variants: variants})
		} else {
			st := catalog.Status(f.Status)
			prod, err = s.Catalog.UpdateProduct(ctx(c), actorOf(c), id, catalog.ProductPatch{Title: &f.Title,
				Description: &f.Description, Category: &f.Category, BaseUnit: &f.BaseUnit, Status: &st, Variants: &variants})
		}
	}
	var e *errs.Error
	if err != nil && (!errors.As(err, &e) || e.Kind != errs.Invalid) {
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
			if p, err := s.Catalog.GetProduct(ctx(c), actorOf(c), id); err == nil {
				existing = &p
			}
		}
		return s.renderProductForm(c, f, existing)
	}
	return c.Redirect("/coop/products/"+prod.ID.String()+"?saved=1", fiber.StatusSeeOther)
}

// rowKey maps a domain field key on the n-th sent variant back to the
// editor's row (blank rows are skipped when sending).
func rowKey(k string, rows []variantRow) string {
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
// "12.8" → 1280 (yuan to fen, percent to basis points).
func parseCents(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "¥"))
	q, err := catalog.ParseQty(s)
	if err != nil || q%10 != 0 {
		return 0, errors.New("at most two decimals")
	}
	return int64(q) / 10, nil
}

func (s *Server) postCoopImage(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	data, err := catalogUpload(c, "file")
	if err == nil {
		_, err = s.Catalog.AddImage(ctx(c), actorOf(c), id, data, c.FormValue("alt"))
	}
	var e *errs.Error
	if err != nil && errors.As(err, &e) && (e.Kind == errs.Invalid || e.Kind == errs.TooLarge) {
		prod, gerr := s.Catalog.GetProduct(ctx(c), actorOf(c), id)
		if gerr != nil {
			return gerr
		}
		f := productForm{ID: id, Title: prod.Title, Description: prod.Description, Category: prod.Category,
			BaseUnit: prod.BaseUnit, Status: string(prod.Status), Errors: map[string]string{}}
		for _, v := range prod.Variants {
			if v.Active {
				f.Variants = append(f.Variants, variantRow{ID: v.ID.String(), SKU: v.SKU, Name: v.Name,
					Price: FormatYuan(v.PriceFen), BaseQty: v.BaseQty.String()})
			}
		}
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

// lotForm is the lot form's state.
type lotForm struct {
	ReceivedOn string
	Quantity   string
	Kind       string
	FenPerUnit string // yuan per base unit
	SharePct   string // percent of the sale
	Qty        map[string]string
	Errors     map[string]string
}

func (f lotForm) Err(key string) string { return f.Errors[key] }

// RowErrors are the CSV rows' problems as (field, reason) pairs in order.
func (f lotForm) RowErrors() [][2]string {
	var out [][2]string
	for k, v := range f.Errors {
		if strings.HasPrefix(k, "row ") {
			out = append(out, [2]string{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return csvRowLess(out[i][0], out[j][0]) })
	return out
}

// naturalLess orders "row 2: x" before "row 10: x".
func csvRowLess(a, b string) bool {
	var na, nb int
	fmt.Sscanf(a, "row %d", &na)
	fmt.Sscanf(b, "row %d", &nb)
	if na != nb {
		return na < nb
	}
	return a < b
}

// QtyOf is the quantity typed for a household.
func (f lotForm) QtyOf(id ids.ID) string { return f.Qty[id.String()] }

func (s *Server) pageCoopNewLot(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	f := lotForm{ReceivedOn: s.Catalog.Today().Format("2006-01-02"), Kind: catalog.RulePerUnit, Qty: map[string]string{},
		Errors: map[string]string{}}
	return s.renderLotForm(c, id, f)
}

func (s *Server) renderLotForm(c *fiber.Ctx, id int64, f lotForm) error {
	prod, err := s.Catalog.GetProduct(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	if !actorOf(c).ManagesCoop(int64(prod.CooperativeID)) {
		return errs.E(errs.NotFound, "product %d not found", id)
	}
	members, err := s.Catalog.Members(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("coop.new_lot") + " · " + prod.Title
	p.Data = map[string]any{"Product": prod, "Members": members, "Form": f}
	if len(f.Errors) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.html(c, "coop_lot", p)
}

// postCoopLot records a lot from the form: contributions typed per member
// household, or a CSV file of registry_no,quantity rows.
func (s *Server) postCoopLot(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	f := lotForm{ReceivedOn: c.FormValue("received_on"), Quantity: c.FormValue("quantity"), Kind: c.FormValue("kind"),
		FenPerUnit: c.FormValue("fen_per_unit"), SharePct: c.FormValue("share_pct"), Qty: map[string]string{},
		Errors: map[string]string{}}
	in := catalog.LotInput{ReceivedOn: f.ReceivedOn, IncomeRule: catalog.IncomeRule{Kind: f.Kind}}
	if q, err := catalog.ParseQty(f.Quantity); err != nil {
		f.Errors["quantity"] = "must be a number with at most three decimals"
	} else {
		in.Quantity = q
	}
	switch f.Kind {
	case catalog.RulePerUnit:
		if v, err := parseCents(f.FenPerUnit); err != nil {
			f.Errors["income_rule.fen_per_unit"] = "must be an amount in yuan such as 15.00"
		} else {
			in.IncomeRule.FenPerUnit = v
		}
	case catalog.RuleRevenueShare:
		if v, err := parseCents(f.SharePct); err != nil {
			f.Errors["income_rule.bps"] = "must be a percentage such as 30 or 12.5"
		} else {
			in.IncomeRule.BPS = int(v)
		}
	}
	members, err := s.Catalog.Members(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	if fh, ferr := c.FormFile("csv"); ferr == nil && fh.Size > 0 {
		file, err := fh.Open()
		if err != nil {
			return err
		}
		data, _ := io.ReadAll(io.LimitReader(file, 1<<20))
		file.Close()
		contribs, rowErrs := parseContributionsCSV(data, members)
		for k, v := range rowErrs {
			f.Errors[k] = v
		}
		in.Contributions = contribs
	} else {
		for _, m := range members {
			v := strings.TrimSpace(c.FormValue("q_" + m.HouseholdID.String()))
			f.Qty[m.HouseholdID.String()] = v
			if v == "" || v == "0" {
				continue
			}
			q, err := catalog.ParseQty(v)
			if err != nil {
				f.Errors["q_"+m.HouseholdID.String()] = "must be a number with at most three decimals"
				continue
			}
			in.Contributions = append(in.Contributions, catalog.Contribution{HouseholdID: m.HouseholdID, Quantity: q})
		}
	}
	if len(f.Errors) == 0 {
		_, err = s.Catalog.CreateLot(ctx(c), actorOf(c), id, in)
		var e *errs.Error
		if err != nil && (!errors.As(err, &e) || e.Kind != errs.Invalid) {
			return err
		}
		if e != nil {
			for k, v := range e.Fields {
				// contributions[i] → the household's input.
				var i int
				if _, serr := fmt.Sscanf(k, "contributions[%d]", &i); serr == nil && i < len(in.Contributions) {
					k = "q_" + in.Contributions[i].HouseholdID.String()
				}
				f.Errors[k] = v
			}
			if len(e.Fields) == 0 {
				f.Errors["form"] = e.Message
			}
		}
	}
	if len(f.Errors) > 0 {
		return s.renderLotForm(c, id, f)
	}
	return c.Redirect("/coop/products/"+strconv.FormatInt(id, 10)+"?lot=1#lots", fiber.StatusSeeOther)
}

// parseContributionsCSV reads registry_no,quantity rows (a header row is
// optional; 户编号,数量 also accepted) against the cooperative's members.
// The file may be UTF-8 or GB18030, as spreadsheets on Chinese Windows
// save it.
func parseContributionsCSV(data []byte, members []catalog.Member) ([]catalog.Contribution, map[string]string) {
	data, err := textenc.Decode(data)
	if err != nil {
		return nil, map[string]string{"csv": "holds characters that could not be decoded (use UTF-8 or GB18030)"}
	}
	byNo := map[string]ids.ID{}
	for _, m := range members {
		byNo[m.RegistryNo] = m.HouseholdID
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	errsOut := map[string]string{}
	var out []catalog.Contribution
	row := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errsOut["csv"] = "is not a valid CSV file"
			return nil, errsOut
		}
		if row == 0 && len(rec) > 0 {
			h := strings.ToLower(strings.TrimSpace(rec[0]))
			if h == "registry_no" || h == "户编号" {
				continue
			}
		}
		row++
		if len(rec) < 2 {
			errsOut[fmt.Sprintf("row %d: quantity", row)] = "missing: each row is registry_no,quantity"
			continue
		}
		no := strings.TrimSpace(rec[0])
		hid, ok := byNo[no]
		if !ok {
			errsOut[fmt.Sprintf("row %d: registry_no", row)] = "is not a member household of this cooperative"
		}
		q, err := catalog.ParseQty(rec[1])
		if err != nil || q <= 0 {
			errsOut[fmt.Sprintf("row %d: quantity", row)] = "must be a positive number with at most three decimals"
			continue
		}
		if ok {
			out = append(out, catalog.Contribution{HouseholdID: hid, Quantity: q})
		}
	}
	if row == 0 {
		errsOut["csv"] = "has no rows"
	}
	return out, errsOut
}
